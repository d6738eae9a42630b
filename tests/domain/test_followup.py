"""When reminders come and when a waiting ticket is nudged and closed: in working time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import BusinessCalendar
from domain.followup import FollowupKind, FollowupPolicy, remind_at, waiting_deadlines
from domain.presses import RemindIn

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday to Friday 09:00-18:00 in Shanghai; 2026-11-23 is a Monday
CALENDAR = BusinessCalendar(SHANGHAI, holidays=frozenset({date(2026, 11, 26)}))


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 in Shanghai, as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.mark.parametrize(
    ("now", "choice", "due"),
    [
        (local(23, 10), RemindIn.HOUR, local(23, 11)),
        (local(27, 17, 30), RemindIn.HOUR, local(30, 9, 30)),  # Friday evening: Monday
        (local(23, 20), RemindIn.HOUR, local(24, 10)),  # at night: from the next opening
        (local(23, 10), RemindIn.TOMORROW, local(24, 9)),
        (local(27, 10), RemindIn.TOMORROW, local(30, 9)),  # Friday: Monday morning
        (local(25, 10), RemindIn.TOMORROW, local(27, 9)),  # Thursday 26th is a holiday
        (local(23, 10), RemindIn.THREE_DAYS, local(27, 10)),  # skips the holiday
    ],
)
def test_a_reminder_comes_in_working_time(now: datetime, choice: RemindIn, due: datetime):
    assert remind_at(CALENDAR, now, choice) == due


def test_three_days_from_a_friday_is_the_wednesday_after():
    friday = local(27, 10)
    wednesday = datetime(2026, 12, 2, 10, tzinfo=SHANGHAI).astimezone(UTC)
    assert remind_at(CALENDAR, friday, RemindIn.THREE_DAYS) == wednesday


def test_a_waiting_ticket_is_nudged_then_closed_in_working_hours():
    policy = FollowupPolicy(nudge_after=timedelta(hours=8), close_after=timedelta(hours=27))
    due = waiting_deadlines(CALENDAR, policy, local(23, 17))
    assert due == {FollowupKind.NUDGE: local(24, 16), FollowupKind.CLOSE: local(27, 17)}


@pytest.mark.parametrize(
    ("nudge", "close", "kinds"),
    [(0, 5, {FollowupKind.CLOSE}), (5, 0, {FollowupKind.NUDGE}), (0, 0, set())],
)
def test_zero_turns_the_nudge_or_the_close_off(nudge: int, close: int, kinds: set):
    policy = FollowupPolicy(nudge_after=timedelta(hours=nudge), close_after=timedelta(hours=close))
    assert set(waiting_deadlines(CALENDAR, policy, local(23, 10))) == kinds
