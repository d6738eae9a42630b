"""`feedback-desk demo`: one desk day on the sandbox Telegram, its transcript and its files,
reproducible by seed; `--keep` leaves a database the desk's commands read."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.demo.cast import Cast, Player, cast_of
from bot.demo.runner import PAGE, PLAYBACK_SECONDS, TRANSCRIPT, Options, run
from bot.sandbox.telegram_html import plain
from handlers.i18n import t

NUMBER = re.compile(r"FB-\d{8}-\d{4}")
CHAT_HEADER = re.compile(r"^(\d\d:\d\d)  (\S.*)$")


@dataclass
class Played:
    folder: Path
    out: str

    @property
    def transcript(self) -> str:
        return (self.folder / TRANSCRIPT).read_text(encoding="utf-8")

    def chats(self) -> dict[str, str]:
        """What was said in each chat, by the chat's name in the transcript."""
        said: dict[str, list[str]] = {}
        current: list[str] = []
        for line in self.transcript.splitlines():
            header = CHAT_HEADER.match(line)
            if header:
                current = said.setdefault(header.group(2), [])
            elif line.startswith(" "):
                current.append(line.strip())
            else:
                current = []
        return {chat: "\n".join(lines) for chat, lines in said.items()}


def play(folder: Path, *args: str) -> Played:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["demo", "--speed", "0", "--out", str(folder), *args]) == 0
    return Played(folder, out.getvalue())


def en(key: str, **params: Any) -> str:
    return plain(t("en", key, **params))


def private(player: Player) -> str:
    """How the transcript calls a person's private chat with the bot."""
    return en("demo.private", name=player.name, role=t("en", f"role.{player.role}"))


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Played:
    """The default day (seed 1, English), its database kept."""
    return play(tmp_path_factory.mktemp("demo"), "--keep")


@pytest.fixture(scope="module")
def cast() -> Cast:
    return cast_of(1, "en")


def test_the_day_is_written_to_the_folder_it_names(day: Played) -> None:
    assert en("demo.written", folder=str(day.folder.resolve())) in day.out.splitlines()
    names = {p.name for p in day.folder.iterdir()}
    assert {TRANSCRIPT, PAGE, "chart.png", "desk.db"} <= names
    assert (day.folder / "chart.png").read_bytes().startswith(b"\x89PNG")
    [csv] = day.folder.glob("*.csv")
    [xlsx] = day.folder.glob("*.xlsx")
    assert xlsx.read_bytes().startswith(b"PK")
    rows = csv.read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 1 + 3  # the header and the day's three tickets
    page = (day.folder / PAGE).read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert '<img src="chart.png"' in page
    # what the terminal showed is the transcript
    assert day.transcript.strip() in day.out


def test_the_transcript_shows_the_days_key_moments(day: Played, cast: Cast) -> None:
    chats = day.chats()
    group = chats[en("demo.group", department="Customer Support")]
    supervisor = chats[private(cast.supervisor)]
    photo = chats[private(cast.photo_customer)]
    question = chats[private(cast.question_customer)]
    first, second, third = sorted(set(NUMBER.findall(day.transcript)))
    # filed: in English with a photo, urgent in Chinese, a question
    assert f"Your ticket number is {first}." in photo
    assert f"{cast.photo_customer.name}: 📷\n{cast.photo_complaint['caption']}" in photo
    assert (
        plain(t("zh", "intake.filed_urgent", number=second, promise="30 分钟"))[:30]
        in (chats[private(cast.urgent_customer)])
    )
    # claimed from the group, with the button in brackets; transferred; answered
    assert "[🙋 Claim]" in group
    assert en("notice.claimed", number=third, agent=cast.agent.name) in question
    assert (
        en("staff.done.xfer", number=third, target="After-sales") in (chats[private(cast.agent)])
    )
    assert cast.after_sales["answer"] in question
    # the SLA: the warning in the group, the breach ping to the supervisor
    assert f"⏳ {first}" in group
    assert f"🚨 {first}" in supervisor
    # scored 2: a second round at the supervisor
    assert f"{cast.photo_customer.name}: [{en('poll.score_2')}]" in photo
    assert en("poll.second_round", number=first) in photo
    assert en("notice.second_round", number=first, score=2) in supervisor
    # the end of the day: the report and its chart, the export
    owner = chats[private(cast.owner)]
    assert f"{cast.owner.name}: /report" in owner
    assert "📷 chart.png" in owner
    assert en("report.tickets") in owner
    assert ".xlsx" in owner


def test_every_moment_has_its_clock_time(day: Played) -> None:
    times = [m.group(1) for line in day.transcript.splitlines() if (m := CHAT_HEADER.match(line))]
    assert times[0] == "09:00"
    assert times[-1] == "17:30"
    assert times == sorted(times)


def test_the_same_seed_plays_the_same_day_another_seed_another(
    day: Played, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the demo reads no config file and needs no token
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text("this is not TOML [", encoding="utf-8")
    monkeypatch.delenv("FEEDBACK_DESK__TELEGRAM__TOKEN", raising=False)
    again = play(tmp_path / "again")
    assert again.transcript == day.transcript
    assert [p.read_bytes() for p in again.folder.glob("*.csv")] == [
        p.read_bytes() for p in day.folder.glob("*.csv")
    ]
    other = play(tmp_path / "other", "--seed", "2")
    assert other.transcript != day.transcript
    assert f"{cast_of(2, 'en').owner.name}: /invite" in other.transcript


def test_the_kept_database_answers_the_desks_commands(
    day: Played, cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)  # no config file of the checkout
    lines = [line.strip() for line in day.out.splitlines()]
    [setting] = [line for line in lines if line.startswith("export FEEDBACK_DESK__")]
    name, value = shlex.split(setting.removeprefix("export "))[0].split("=", 1)
    monkeypatch.setenv(name, value)
    commands = [shlex.split(line)[1:] for line in lines if line.startswith("feedback-desk ")]
    report, export = commands[0], commands[1]
    assert report[0] == "report"
    assert export[:2] == ["customer", "export"]
    capsys.readouterr()
    assert main(report) == 0
    printed = capsys.readouterr().out
    assert en("report.tickets") + ": 3" in printed
    assert (tmp_path / "chart-again.png").read_bytes().startswith(b"\x89PNG")
    assert main(export) == 0
    assert f'"name": "{cast.photo_customer.name}"' in capsys.readouterr().out
    assert main(["report", "someday"]) == 1
    assert en("report.bad_period", given="someday") in capsys.readouterr().err


def test_in_chinese_at_a_speed(tmp_path: Path) -> None:
    """--lang zh: the narration, the desk's language (the group's cards) and the owner's are
    Chinese; --speed spreads the transcript over PLAYBACK_SECONDS / speed."""
    pauses: list[float] = []
    out = io.StringIO()
    options = Options(speed=4, lang="zh", seed=5, out=tmp_path)
    run(options, out, sleep=pauses.append)
    text = out.getvalue()
    assert plain(t("zh", "demo.act.sla")) in text
    assert plain(t("en", "demo.act.sla")) not in text
    assert f"[{t('zh', 'staff.button.claim')}]" in text  # the group's cards
    assert plain(t("zh", "report.tickets")) in text  # the owner's report
    assert sum(pauses) == pytest.approx(PLAYBACK_SECONDS / 4)
    assert not (tmp_path / "desk.db").exists()  # not kept


def test_a_speed_below_zero_is_refused(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--speed", "-1"])
    assert exit_.value.code == 2
    assert "the speed is a number, 0 or more" in capsys.readouterr().err
