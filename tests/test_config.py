"""Settings: the example file, environment overrides, and one clear line per bad key."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import get_args
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel

from bot.cli import main
from bot.config import CONFIG_ENV, ConfigError, Settings, load_settings
from bot.policy import policy_from
from domain.calendar import BusinessCalendar, parse_hours
from domain.durations import parse_span
from domain.policy import ClockKind, SlaPolicy, SlaTarget
from domain.ticket import FeedbackType, Priority

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"
GOOD_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No FEEDBACK_DESK* variables from the developer's shell, no ./config.toml."""
    for name in list(os.environ):
        if name.startswith("FEEDBACK_DESK"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path | None = None) -> list[str]:
    """The lines of the ConfigError that loading raises."""
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return caught.value.lines


def only_line(path: Path | None = None) -> str:
    lines = problems(path)
    assert len(lines) == 1, lines
    return lines[0]


# -- the example file -----------------------------------------------------------------------


def test_the_example_file_loads_and_equals_the_defaults() -> None:
    assert load_settings(EXAMPLE) == Settings()


def leaf_keys(model: type[BaseModel], table: str = "") -> Iterator[tuple[str, str]]:
    """(table, key) for every setting, descending into nested sections."""
    for key, field in model.model_fields.items():
        inner = get_args(field.annotation) or (field.annotation,)
        nested = [t for t in inner if isinstance(t, type) and issubclass(t, BaseModel)]
        if nested:
            yield from leaf_keys(nested[0], f"{table}.{key}".lstrip("."))
        else:
            yield table, key


def test_the_example_file_documents_every_key() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for table, key in leaf_keys(Settings):
        assert f"[{table}]" in text or f"[[{table}]]" in text, table
        if (table, key) not in (("telegram", "token"), ("webhook", "secret_token")):
            assert f"\n{key} =" in text or f"\n# {key} =" in text, f"{table}.{key}"


def test_the_commented_two_department_example_is_valid(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("# Example with two departments")
    block = text[start : text.index("[priority]", start)].splitlines()[1:]
    uncommented = "\n".join(line.removeprefix("#").strip() for line in block)

    settings = load_settings(write_config(tmp_path, uncommented))

    assert [d.code for d in settings.departments] == ["service", "after-sales"]
    assert settings.routing()[FeedbackType.AFTER_SALES] == "after-sales"
    assert settings.departments[0].staff_chat_id == -1001234567890
    assert settings.departments[1].supervisor == 987654321
    assert settings.departments[1].names == {"zh": "售后部"}


def test_without_a_file_the_defaults_apply() -> None:
    assert load_settings() == Settings()


def test_the_file_can_be_named_by_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text('[desk]\ntimezone = "Asia/Shanghai"\n', encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(path))

    assert load_settings().desk.timezone == "Asia/Shanghai"


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    assert "does not exist" in only_line(tmp_path / "nope.toml")


# -- environment overrides ------------------------------------------------------------------


def test_the_environment_overrides_a_nested_key_and_keeps_its_siblings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FEEDBACK_DESK__SLA__URGENT__ACKNOWLEDGE", "15m")

    sla = load_settings(EXAMPLE).sla

    assert sla.urgent.acknowledge == "15m"
    assert sla.urgent.resolve == "24h"
    assert sla.urgent.clock == "always"
    assert sla.high == Settings.model_fields["sla"].default.high


def test_the_environment_wins_over_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = write_config(tmp_path, '[desk]\ntimezone = "Europe/Berlin"\nadmins = [1]\n')
    monkeypatch.setenv("FEEDBACK_DESK__DESK__TIMEZONE", "Asia/Shanghai")

    desk = load_settings(path).desk

    assert desk.timezone == "Asia/Shanghai"
    assert desk.admins == [1]


def test_lists_in_the_environment_are_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDBACK_DESK__DESK__ADMINS", "[111, 222]")

    assert load_settings().desk.admins == [111, 222]


def test_a_list_in_the_environment_that_is_not_json_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FEEDBACK_DESK__DESK__ADMINS", "111,222")

    line = only_line()

    assert line.startswith("desk:")
    assert "JSON" in line


def test_a_partial_sla_target_in_the_file_keeps_the_other_keys(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[sla.low]\nresolve = "7bd"\n')

    low = load_settings(path).sla.low

    assert (low.acknowledge, low.resolve, low.clock) == ("1h", "7bd", "business")


# -- bad values -----------------------------------------------------------------------------


def test_a_wrong_value_is_one_line_naming_the_key(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[limits]\nattachments_max = "many"\n')

    assert only_line(path).startswith("limits.attachments_max: ")


def test_a_wrong_value_from_the_environment_is_one_line_naming_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FEEDBACK_DESK__OUTBOX__BATCH_SIZE", "0")

    assert only_line().startswith("outbox.batch_size: ")


def test_an_unknown_key_is_one_line_naming_the_key(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[desk]\ncolour = "blue"\n')

    assert only_line(path) == "desk.colour: unknown key"


def test_an_unknown_section_is_one_line_naming_it(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[desks]\ntimezone = 'UTC'\n")

    assert only_line(path) == "desks: unknown key"


def test_each_problem_gets_its_own_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[desk]\ncolour = 1\n[sla]\nwarn_fraction = 2\n")

    lines = problems(path)

    assert sorted(line.split(":")[0] for line in lines) == ["desk.colour", "sla.warn_fraction"]


def test_a_file_that_is_not_toml_is_one_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[desk\n")

    assert "not valid TOML" in only_line(path)


def test_a_business_day_must_not_end_before_it_starts(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[business_hours]\nhours = ["18:00-09:00"]\n')

    assert only_line(path).startswith("business_hours.hours: ")


def test_warn_fraction_must_be_below_one(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[sla]\nwarn_fraction = 1.0\n")

    assert only_line(path).startswith("sla.warn_fraction: ")


def test_an_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[desk]\ntimezone = "Mars/Olympus_Mons"\n')

    line = only_line(path)

    assert line.startswith("desk.timezone: ")
    assert "Mars/Olympus_Mons" in line


def test_an_sla_duration_must_parse(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[sla.urgent]\nacknowledge = "soon"\n')

    assert only_line(path).startswith("sla.urgent.acknowledge: ")


# -- business hours and SLA -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[business_hours]\nhours = []\n", "business_hours.hours"),
        ('[business_hours]\nhours = ["9-18"]\n', "business_hours.hours"),
        ('[business_hours]\nhours = ["09:00-18:00", "12:00-13:00"]\n', "business_hours.hours"),
        ('[business_hours]\nhours = ["09:00-09:00"]\n', "business_hours.hours"),
        ('[business_hours]\nhours = ["09:00-24:30"]\n', "business_hours.hours"),
        ("[business_hours]\ndays = []\n", "business_hours.days"),
        ('[business_hours]\ndays = ["mon", "funday"]\n', "business_hours.days"),
        ('[business_hours]\nholidays = ["2026-02-30"]\n', "business_hours.holidays.0"),
        ('[business_hours]\nholidays = ["next monday"]\n', "business_hours.holidays.0"),
        (
            "[business_hours]\nholidays = [2026-05-01]\nextra_working_days = [2026-05-01]\n",
            "business_hours.extra_working_days",
        ),
        ("[sla]\nwarn_fraction = 0\n", "sla.warn_fraction"),
        ("[sla]\nwarn_fraction = 1.5\n", "sla.warn_fraction"),
        ('[sla.critical]\nacknowledge = "5m"\n', "sla.critical"),
        ('[sla.urgent]\nresolve = "3bd"\n', "sla.urgent.clock"),
        ('[sla.second_round]\nacknowledge = "1bd"\n', "sla.second_round.clock"),
        ('[sla.high]\nclock = "around_the_clock"\n', "sla.high.clock"),
        ('[sla]\nsweep_interval = "1bd"\n', "sla.sweep_interval"),
        ('[sla]\nsweep_interval = "often"\n', "sla.sweep_interval"),
    ],
)
def test_a_calendar_or_sla_that_cannot_work_is_one_line_naming_the_key_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    key: str,
) -> None:
    path = write_config(tmp_path, text)

    assert only_line(path).startswith(f"{key}: ")

    monkeypatch.setenv("FEEDBACK_DESK__TELEGRAM__TOKEN", GOOD_TOKEN)
    assert main(["--config", str(path), "check-config"]) == 2
    assert capsys.readouterr().err.splitlines() == [f"config error: {only_line(path)}"]


def test_business_days_around_the_clock_name_the_duration(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[sla.urgent]\nresolve = "3bd"\n')

    assert "resolve = '3bd'" in only_line(path)


def test_the_policy_gets_the_calendar_and_the_sla_from_the_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = write_config(
        tmp_path,
        '[desk]\ntimezone = "Asia/Shanghai"\n'
        '[business_hours]\ndays = ["mon", "tue", "wed", "thu", "fri", "sat"]\n'
        "holidays = [2026-05-01]\nextra_working_days = [2026-05-10]\n"
        '[sla]\nwarn_fraction = 0.5\nsweep_interval = "30s"\n'
        '[sla.low]\nresolve = "7bd"\n',
    )
    monkeypatch.setenv("FEEDBACK_DESK__BUSINESS_HOURS__HOURS", '["09:00-12:00", "13:00-18:00"]')

    policy = policy_from(load_settings(path))

    calendar = policy.calendar
    assert calendar.timezone == ZoneInfo("Asia/Shanghai")
    assert calendar.weekdays == frozenset(range(6))
    assert calendar.hours == parse_hours(["09:00-12:00", "13:00-18:00"])
    assert calendar.holidays == {date(2026, 5, 1)}
    assert calendar.extra_working_days == {date(2026, 5, 10)}
    assert calendar.business_days(1) == timedelta(hours=8)
    sla = policy.sla
    assert sla.warn_fraction == 0.5
    assert sla.sweep_interval == timedelta(seconds=30)
    assert sla.targets[Priority.LOW] == SlaTarget(
        parse_span("1h"), parse_span("7bd"), ClockKind.BUSINESS
    )
    assert sla.targets[Priority.URGENT].clock is ClockKind.ALWAYS
    assert sla.second_round == SlaTarget(parse_span("1h"), parse_span("48h"), ClockKind.ALWAYS)
    # The customer's "we will answer within" promise still follows the acknowledge target.
    assert policy.promises[Priority.URGENT].within == parse_span("30m")
    assert not policy.promises[Priority.URGENT].business_hours
    assert policy.promises[Priority.NORMAL].business_hours


def test_the_default_settings_make_the_default_policy() -> None:
    policy = policy_from(Settings())

    assert policy.sla == SlaPolicy()
    assert policy.calendar == BusinessCalendar(ZoneInfo("UTC"))


# -- routing --------------------------------------------------------------------------------

ALL_TYPES = '["complaint", "inquiry", "suggestion", "after_sales", "change_request"]'


def test_a_type_handled_by_two_departments_is_refused(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        f'[[departments]]\ncode = "a"\nname = "A"\ntypes = {ALL_TYPES}\n'
        '[[departments]]\ncode = "b"\nname = "B"\ntypes = ["complaint"]\n',
    )

    line = only_line(path)

    assert "departments" in line
    assert "'complaint'" in line


def test_a_type_handled_by_no_department_is_refused(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, '[[departments]]\ncode = "a"\nname = "A"\ntypes = ["complaint", "inquiry"]\n'
    )

    line = only_line(path)

    assert "departments" in line
    assert "suggestion, after_sales, change_request" in line


def test_department_codes_are_unique(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        f'[[departments]]\ncode = "a"\nname = "A"\ntypes = {ALL_TYPES}\n'
        '[[departments]]\ncode = "a"\nname = "A again"\ntypes = []\n',
    )

    assert "departments" in only_line(path)


# -- the token ------------------------------------------------------------------------------


def test_a_token_in_the_file_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, f'[telegram]\ntoken = "{GOOD_TOKEN}"\n')

    line = only_line(path)

    assert line.startswith("telegram.token: ")
    assert "FEEDBACK_DESK__TELEGRAM__TOKEN" in line


def test_a_missing_token_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings().token()

    assert len(caught.value.lines) == 1
    assert caught.value.lines[0].startswith("telegram.token: missing")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "YOUR_BOT_TOKEN",
        "<token from BotFather>",
        "123456:REPLACE_ME",
        "123456789:short",
        "not-a-number:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4",
        "123456789 AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4",
    ],
)
def test_a_placeholder_or_badly_shaped_token_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("FEEDBACK_DESK__TELEGRAM__TOKEN", value)
    settings = load_settings()

    with pytest.raises(ConfigError) as caught:
        settings.token()

    assert len(caught.value.lines) == 1
    line = caught.value.lines[0]
    assert line.startswith("telegram.token: ")
    if value:
        assert value not in line  # a secret, even a wrong one, is not echoed


def test_a_good_token_from_the_environment_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDBACK_DESK__TELEGRAM__TOKEN", GOOD_TOKEN)

    settings = load_settings(EXAMPLE)

    assert settings.token() == GOOD_TOKEN
    assert GOOD_TOKEN not in repr(settings)


def test_a_good_token_from_a_token_file_is_accepted(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text(GOOD_TOKEN + "\n", encoding="utf-8")
    path = write_config(tmp_path, f'[telegram]\ntoken_file = "{secret.as_posix()}"\n')

    assert load_settings(path).token() == GOOD_TOKEN


def test_the_token_file_may_be_named_by_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "token"
    secret.write_text(GOOD_TOKEN, encoding="utf-8")
    monkeypatch.setenv("FEEDBACK_DESK__TELEGRAM__TOKEN_FILE", str(secret))

    assert load_settings().token() == GOOD_TOKEN


def test_an_unreadable_token_file_is_one_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, f'[telegram]\ntoken_file = "{(tmp_path / "nope").as_posix()}"\n')

    with pytest.raises(ConfigError) as caught:
        load_settings(path).token()

    assert len(caught.value.lines) == 1
    assert caught.value.lines[0].startswith("telegram.token_file: ")


# -- health endpoint and logs ---------------------------------------------------------------


def health_and_format(settings: Settings) -> tuple[bool, str, int, str]:
    health = settings.health
    return health.enabled, health.host, health.port, settings.logging.format


def test_the_health_endpoint_is_off_by_default_and_logs_are_plain() -> None:
    assert health_and_format(load_settings(EXAMPLE)) == (False, "127.0.0.1", 8080, "plain")


def test_health_and_log_format_can_be_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write_config(
        tmp_path, '[health]\nenabled = true\nport = 9100\n[logging]\nformat = "json"\n'
    )
    monkeypatch.setenv("FEEDBACK_DESK__HEALTH__HOST", "0.0.0.0")

    assert health_and_format(load_settings(path)) == (True, "0.0.0.0", 9100, "json")


def test_bad_health_and_log_keys_are_one_line_each(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        '[health]\nenabled = "sometimes"\nhost = ""\nport = 70000\nscheme = "https"\n'
        '[logging]\nformat = "xml"\n',
    )

    lines = problems(path)

    assert sorted(line.split(":")[0] for line in lines) == [
        "health.enabled",
        "health.host",
        "health.port",
        "health.scheme",
        "logging.format",
    ]
