"""Follow-ups in business time: when a staff member's reminder comes, and when a ticket
that waits for its customer is nudged and closed (`FollowupPolicy`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.calendar import BusinessCalendar
from domain.presses import RemindIn

DAY = timedelta(days=1)
# how far ahead "tomorrow" looks for a working day (a calendar always has one within a year)
LOOKAHEAD_DAYS = 400


class FollowupKind(StrEnum):
    """What a follow-up row does when it comes due."""

    REMIND = "remind"  # the ticket's card to the staff member who asked for it
    NUDGE = "nudge"  # one polite word to a customer who has not answered a question
    CLOSE = "close"  # the ticket closes: the customer never answered


@dataclass(frozen=True, slots=True)
class FollowupPolicy:
    """How long a ticket waits for its customer before the nudge and before it closes, in
    working time; zero turns either off."""

    nudge_after: timedelta = timedelta(hours=24)
    close_after: timedelta = timedelta(hours=72)


def remind_at(calendar: BusinessCalendar, now: datetime, choice: RemindIn) -> datetime:
    """When a reminder asked for at `now` comes (UTC), counted in working time."""
    if choice is RemindIn.HOUR:
        return calendar.add(now, timedelta(hours=1))
    if choice is RemindIn.THREE_DAYS:
        return calendar.add(now, calendar.business_days(3))
    day = now.astimezone(calendar.timezone).date()
    for _ in range(LOOKAHEAD_DAYS):
        day += DAY
        intervals = calendar.day_intervals(day)
        if intervals:
            return intervals[0][0]
    raise AssertionError("unreachable: a calendar always has a working day ahead")


def waiting_deadlines(
    calendar: BusinessCalendar, policy: FollowupPolicy, since: datetime
) -> dict[FollowupKind, datetime]:
    """When a ticket that began waiting for its customer at `since` is nudged and closed
    (only those the policy turns on)."""
    due: dict[FollowupKind, datetime] = {}
    if policy.nudge_after > timedelta(0):
        due[FollowupKind.NUDGE] = calendar.add(since, policy.nudge_after)
    if policy.close_after > timedelta(0):
        due[FollowupKind.CLOSE] = calendar.add(since, policy.close_after)
    return due
