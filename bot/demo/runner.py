"""`feedback-desk demo`: play one desk day, show it as a chat transcript, write what it made.

The day runs first, as fast as the machine goes (the real desk on the sandbox Telegram, SQLite
in a temporary folder, a clock the script moves); then the transcript is printed at the pace
`--speed` asks for. The folder named at the end holds the transcript (text and HTML), the
chart `/report` sent and the export `/export` sent (CSV and XLSX). With `--keep` the
database is kept there too, and the commands to try on it are printed.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.demo.acts import play
from bot.demo.cast import cast_of
from bot.demo.render import TextWriter, page
from bot.demo.script import Script, morning, settings_for
from bot.demo.stage import Stage
from bot.demo.transcript import Transcript
from bot.sandbox.clocks import FakeClock
from bot.sandbox.telegram_html import plain
from handlers.i18n import t

PLAYBACK_SECONDS = 8.0  # how long printing the day takes at --speed 1
DATABASE = "desk.db"
TRANSCRIPT = "transcript.txt"
PAGE = "transcript.html"
OTHER = {"en": "zh", "zh": "en"}


@dataclass(frozen=True)
class Options:
    """What the command line asked for."""

    speed: float = 1.0
    lang: str = "en"
    seed: int = 1
    keep: bool = False
    out: Path | None = None


def run(options: Options, stdout: TextIO, sleep: Callable[[float], None] = time.sleep) -> Path:
    """Play the day, print it, write the files; the folder they are in."""
    started = time.monotonic()
    folder = options.out or Path(tempfile.mkdtemp(prefix="feedback-desk-demo-"))
    folder.mkdir(parents=True, exist_ok=True)

    def say(key: str, **params: object) -> str:
        return plain(t(options.lang, key, **params))

    lines = [say("demo.title"), say("demo.intro")]
    _print(lines, stdout)
    with tempfile.TemporaryDirectory(prefix="feedback-desk-demo-db-") as scratch:
        where = folder if options.keep else Path(scratch)
        (where / DATABASE).unlink(missing_ok=True)
        transcript = asyncio.run(_play(options, (where / DATABASE).resolve()))
    writer = TextWriter(say, transcript.chats)
    pause = PLAYBACK_SECONDS / options.speed / len(transcript.entries) if options.speed else 0
    for entry in transcript.entries:
        shown = writer.lines(entry)
        _print(shown, stdout)
        lines += shown
        if pause:
            sleep(pause)
    written = _write(folder, transcript, lines, say, options.lang)
    took = time.monotonic() - started
    _print(_summary(folder, written, options, say, took), stdout)
    return folder


async def _play(options: Options, database: Path) -> Transcript:
    cast = cast_of(options.seed, options.lang)
    opens = morning(cast.day)
    clock = FakeClock(opens - timedelta(minutes=1))
    transcript = Transcript(now=clock.now)
    settings = settings_for(f"sqlite+aiosqlite:///{database}", cast, options.lang)
    stage = Stage(settings, clock, transcript)
    await stage.start()
    try:
        await play(Script(stage, cast, options.lang, opens))
    finally:
        await stage.stop()
    return transcript


def _write(
    folder: Path, transcript: Transcript, lines: list[str], say: Callable[..., str], lang: str
) -> list[str]:
    """The transcript and the files the bot sent; their names, in order."""
    (folder / TRANSCRIPT).write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name, content in transcript.files.items():
        (folder / name).write_bytes(content)
    images = {name for name in transcript.files if name.endswith(".png")}
    html = page(transcript.entries, transcript.chats, say, lang, images)
    (folder / PAGE).write_text(html, encoding="utf-8")
    return [TRANSCRIPT, PAGE, *transcript.files]


def _summary(
    folder: Path, written: list[str], options: Options, say: Callable[..., str], took: float
) -> list[str]:
    lines = ["", say("demo.written", folder=str(folder.resolve()))]
    lines += [f"  {name}" for name in written]
    if options.keep:
        url = f"sqlite+aiosqlite:///{(folder / DATABASE).resolve()}"
        lines += ["", say("demo.kept"), f"  export FEEDBACK_DESK__DATABASE__URL='{url}'"]
        lines += [f"  feedback-desk {command}" for command in keep_commands(options)]
    again = f"feedback-desk demo --seed {options.seed + 1} --lang {OTHER[options.lang]}"
    lines += ["", say("demo.took", seconds=f"{took:.1f}"), say("demo.another", command=again)]
    return lines


def keep_commands(options: Options) -> list[str]:
    """What can be tried on a kept database (after setting its url)."""
    cast = cast_of(options.seed, options.lang)
    day = cast.day.isoformat()
    return [
        f"report {day} {day} --lang {options.lang} --chart chart-again.png",
        f"customer export {cast.photo_customer.id}",
    ]


def _print(lines: list[str], stdout: TextIO) -> None:
    for line in lines:
        print(line, file=stdout)
    stdout.flush()
