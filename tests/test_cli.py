"""The command line, run as a user runs it: `python -m bot ...` in a fresh process."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4"


def run_cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` in `cwd` with only the environment given (plus PATH, PYTHONPATH)."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_config_passes_with_defaults_and_a_token(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "check-config", FEEDBACK_DESK__TELEGRAM__TOKEN=GOOD_TOKEN)

    assert result.returncode == 0, result.stderr
    assert "config ok" in result.stdout


def test_check_config_passes_with_the_example_file(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path,
        "--config",
        str(ROOT / "config.example.toml"),
        "check-config",
        FEEDBACK_DESK__TELEGRAM__TOKEN=GOOD_TOKEN,
    )

    assert result.returncode == 0, result.stderr


def test_check_config_prints_one_line_per_problem_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        '[desk]\ncolour = "blue"\ntimezone = "Nowhere/Special"\n', encoding="utf-8"
    )

    result = run_cli(
        tmp_path,
        "check-config",
        FEEDBACK_DESK__TELEGRAM__TOKEN=GOOD_TOKEN,
        FEEDBACK_DESK__SLA__WARN_FRACTION="1.0",
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 3, lines
    assert any("desk.colour" in line for line in lines)
    assert any("desk.timezone" in line for line in lines)
    assert any("sla.warn_fraction" in line for line in lines)


def test_check_config_refuses_business_hours_that_cannot_work_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        '[business_hours]\nhours = ["09:00-12:00", "11:00-18:00"]\n', encoding="utf-8"
    )

    result = run_cli(tmp_path, "check-config", FEEDBACK_DESK__TELEGRAM__TOKEN=GOOD_TOKEN)

    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("config error: business_hours.hours: ")


def test_check_config_refuses_a_missing_token_in_one_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "check-config")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "FEEDBACK_DESK__TELEGRAM__TOKEN" in result.stderr


def test_check_config_reports_bad_json_in_the_environment_without_a_traceback(
    tmp_path: Path,
) -> None:
    result = run_cli(
        tmp_path,
        "check-config",
        FEEDBACK_DESK__TELEGRAM__TOKEN=GOOD_TOKEN,
        FEEDBACK_DESK__DESK__ADMINS="1,2",
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_db_upgrade_creates_the_tables(tmp_path: Path) -> None:
    database = tmp_path / "data" / "desk.db"

    result = run_cli(
        tmp_path,
        "db",
        "upgrade",
        FEEDBACK_DESK__DATABASE__URL=f"sqlite+aiosqlite:///{database}",
    )

    assert result.returncode == 0, result.stderr
    with closing(sqlite3.connect(database)) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"alembic_version", "ticket", "customer", "department", "outbox"} <= tables


def test_db_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"

    first = run_cli(tmp_path, "db", "upgrade", FEEDBACK_DESK__DATABASE__URL=url)
    second = run_cli(tmp_path, "db", "upgrade", FEEDBACK_DESK__DATABASE__URL=url)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr


def test_db_upgrade_does_not_need_a_token(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "db", "upgrade")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "feedback-desk.db").exists()


# -- webhook mode ---------------------------------------------------------------------------


def test_webhook_mode_without_its_url_and_secret_is_refused_naming_both(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path,
        "check-config",
        FEEDBACK_DESK__TELEGRAM__TOKEN=GOOD_TOKEN,
        FEEDBACK_DESK__TELEGRAM__MODE="webhook",
    )

    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert any(line.startswith("config error: webhook.url: missing") for line in lines)
    assert any(line.startswith("config error: webhook.secret_token: missing") for line in lines)


def test_the_webhook_secret_is_not_accepted_in_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[webhook]\nsecret_token = "abc"\n', encoding="utf-8")

    result = run_cli(tmp_path, "check-config", FEEDBACK_DESK__TELEGRAM__TOKEN=GOOD_TOKEN)

    assert result.returncode == 2
    assert "webhook.secret_token: not allowed in the config file" in result.stderr


def test_set_webhook_and_delete_webhook_tell_telegram(tmp_path: Path) -> None:
    from tests.process.fakeserver import FakeBotServer

    with FakeBotServer() as telegram:
        env = {
            **telegram.env(),
            "FEEDBACK_DESK__TELEGRAM__TOKEN": GOOD_TOKEN,
            "FEEDBACK_DESK__WEBHOOK__URL": "https://desk.example.com/telegram",
            "FEEDBACK_DESK__WEBHOOK__SECRET_TOKEN": "s3cret_token-1",
        }
        registered = run_cli(tmp_path, "set-webhook", **env)
        deleted = run_cli(tmp_path, "delete-webhook", **env)
        [set_call] = telegram.calls("setWebhook")
        [delete_call] = telegram.calls("deleteWebhook")

    assert registered.returncode == 0, registered.stderr
    assert "https://desk.example.com/telegram" in registered.stdout
    assert set_call.params["url"] == "https://desk.example.com/telegram"
    assert set_call.params["secret_token"] == "s3cret_token-1"
    assert "message" in set_call.params["allowed_updates"]
    assert deleted.returncode == 0, deleted.stderr
    assert delete_call.params.get("drop_pending_updates") in (None, False)
    assert set_call.token == GOOD_TOKEN


@pytest.mark.parametrize(
    ("key", "url", "code", "said"),
    [
        (
            "FEEDBACK_DESK__DATABASE__URL",
            "postgresql+asyncpg://desk@127.0.0.1:{port}/desk",
            6,
            "the database does not answer",
        ),
        (
            "FEEDBACK_DESK__TELEGRAM__BASE_URL",
            "http://127.0.0.1:{port}/bot",
            7,
            "Telegram does not answer",
        ),
    ],
    ids=["database", "telegram"],
)
def test_run_says_so_when_what_it_needs_does_not_answer(
    tmp_path: Path, key: str, url: str, code: int, said: str
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_cli(
        tmp_path, "run", FEEDBACK_DESK__TELEGRAM__TOKEN=GOOD_TOKEN, **{key: url.format(port=port)}
    )

    assert result.returncode == code
    assert said in result.stderr
    assert "Traceback" not in result.stderr


PEOPLE_CONFIG = """
[desk]
admins = [111, -100200]

[priority]
vip_customers = [222]

[[departments]]
code = "service"
name = "Customer Service"
types = ["complaint", "inquiry", "suggestion"]
supervisor = 111

[[departments]]
code = "after"
name = "After-sales"
types = ["after_sales"]
supervisor = 222

[[departments]]
code = "change"
name = "Changes"
types = ["change_request"]
supervisor = 222
"""


def test_check_config_names_the_people_the_config_contradicts_itself_about(
    tmp_path: Path,
) -> None:
    (tmp_path / "config.toml").write_text(PEOPLE_CONFIG, encoding="utf-8")
    result = run_cli(tmp_path, "check-config", FEEDBACK_DESK__TELEGRAM__TOKEN=GOOD_TOKEN)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "config error: desk.admins: -100200 is not a person's Telegram id "
        "(a group's id is negative)",
        "config error: departments[2].supervisor: 222 already heads 'after'; "
        "a person belongs to one department",
    ]


def test_check_config_notes_what_the_higher_role_settles_and_passes(tmp_path: Path) -> None:
    config = PEOPLE_CONFIG.replace(", -100200", "").replace("supervisor = 222\n", "", 1)
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    result = run_cli(tmp_path, "check-config", FEEDBACK_DESK__TELEGRAM__TOKEN=GOOD_TOKEN)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "config note: departments[0].supervisor: 111 is also in desk.admins: an admin "
        "(the higher role), who belongs to 'service'",
        "config note: priority.vip_customers: 222 is staff by the config, never served as a "
        "customer, so being a VIP changes nothing",
        "config ok",
    ]


def test_the_bot_runs_without_the_test_only_libraries(tmp_path: Path) -> None:
    """openpyxl and lxml are test dependencies: the bot (exports included) never imports them."""
    code = (
        "import sys; sys.modules.update(openpyxl=None, lxml=None); "
        "import bot.app, bot.serve, handlers.export, handlers.xlsx; "
        "from bot.cli import main; sys.exit(main(['check-config']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "FEEDBACK_DESK__TELEGRAM__TOKEN": GOOD_TOKEN},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stdout.strip()) == (0, "config ok"), result.stderr
