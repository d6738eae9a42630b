"""`[followup]`: when a ticket waiting for its customer is nudged and closed (the desk's
behaviour under these keys is in tests/e2e/test_followups.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.policy import policy_from
from domain.followup import FollowupPolicy
from tests.test_config import clean_environment, only_line, write_config

__all__ = ["clean_environment"]  # autouse: no FEEDBACK_DESK* variables, no ./config.toml


def test_the_defaults_nudge_after_a_day_and_close_after_three_of_working_hours() -> None:
    assert policy_from(load_settings()).followup == FollowupPolicy(
        nudge_after=timedelta(hours=24), close_after=timedelta(hours=72)
    )


def test_the_file_sets_both_and_zero_turns_the_close_off(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[followup]\nnudge_after_hours = 4.5\nclose_after_hours = 0\n")
    assert policy_from(load_settings(path)).followup == FollowupPolicy(
        nudge_after=timedelta(hours=4, minutes=30), close_after=timedelta(0)
    )


def test_the_environment_sets_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDBACK_DESK__FOLLOWUP__NUDGE_AFTER_HOURS", "0")
    followup = policy_from(load_settings()).followup
    assert followup.nudge_after == timedelta(0)
    assert followup.close_after == timedelta(hours=72)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("nudge_after_hours = 10\nclose_after_hours = 10\n", "followup: "),
        ("nudge_after_hours = -1\n", "followup.nudge_after_hours: "),
        ("close_after_hours = 'soon'\n", "followup.close_after_hours: "),
    ],
)
def test_a_close_before_the_nudge_or_a_bad_number_is_one_line(
    tmp_path: Path, text: str, key: str
) -> None:
    path = write_config(tmp_path, f"[followup]\n{text}")
    assert only_line(path).startswith(key)
