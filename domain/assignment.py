"""Auto-assignment: which present agent of a department a new ticket goes to.

Pure rules; the caller holds the department's cursor row locked while it decides, so two
filings never pick from the same state (storage.assignment)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, tzinfo
from enum import StrEnum

from domain.ticket import Status, Ticket


class Mode(StrEnum):
    """How a department's new tickets find their assignee (config `assignment`)."""

    OFF = "off"  # nobody: the department claims from its queue
    ROUND_ROBIN = "round_robin"  # each present agent in turn
    LEAST_OPEN = "least_open"  # the present agent with the fewest open tickets


@dataclass(frozen=True, slots=True)
class Candidate:
    """An active agent of the department, as auto-assignment sees them."""

    staff_id: int
    open_tickets: int = 0
    away: bool = False
    hours: str | None = None  # "09:00-18:00" in the desk's time zone


_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def parse_hours(text: str) -> tuple[time, time]:
    """`09:00-18:00` as its start and end; ValueError for anything else (or an empty span)."""
    match = _HOURS.match(text.strip())
    if match is None:
        raise ValueError(f"not hours: {text!r}")
    start = time(int(match[1]), int(match[2]))
    end = time(int(match[3]), int(match[4]))
    if start == end:
        raise ValueError(f"not hours: {text!r}")
    return start, end


def within_hours(hours: str | None, now: datetime, timezone: tzinfo) -> bool:
    """Whether `now` falls in `hours` (no hours: always); a span past midnight wraps."""
    if not hours:
        return True
    start, end = parse_hours(hours)
    local = now.astimezone(timezone).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def present(candidate: Candidate, now: datetime, timezone: tzinfo) -> bool:
    """Not away and within their hours."""
    return not candidate.away and within_hours(candidate.hours, now, timezone)


def pick(
    mode: Mode,
    candidates: Sequence[Candidate],
    cursor: int | None,
    *,
    exclude: int | None = None,
) -> int | None:
    """The staff id the next ticket goes to, or None when nobody is there.

    Agents are taken in the order of their ids, starting after `cursor` (the last one given
    a ticket): round robin takes the first, least open the first of those with the fewest
    open tickets, so ties go round too."""
    if mode is Mode.OFF:
        return None
    chosen = sorted((c for c in candidates if c.staff_id != exclude), key=lambda c: c.staff_id)
    if not chosen:
        return None
    after = [c for c in chosen if cursor is not None and c.staff_id > cursor]
    ring = after + [c for c in chosen if c not in after]
    if mode is Mode.LEAST_OPEN:
        fewest = min(c.open_tickets for c in ring)
        ring = [c for c in ring if c.open_tickets == fewest]
    return ring[0].staff_id


def waiting_for_assignee(ticket: Ticket) -> bool:
    """Still given to an agent who has not acknowledged it."""
    return (
        ticket.assignee_id is not None
        and ticket.status is Status.NEW
        and ticket.acknowledged_in_round is None
    )
