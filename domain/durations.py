"""Durations as people write them in config: `30m`, `4h`, `24h`, `2d`, `3bd`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.calendar import WorkClock

_PATTERN = re.compile(r"^\s*(\d+)\s*(s|m|h|d|bd)\s*$")


@dataclass(frozen=True, slots=True)
class Span:
    """A length of time; `business_days` counts working days, the rest is clock time."""

    clock: timedelta = timedelta(0)
    business_days: int = 0

    def __str__(self) -> str:
        return format_span(self)


def parse_span(text: str) -> Span:
    """`30m` → 30 minutes; `3bd` → 3 business days. ValueError on anything else."""
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a duration like 30m, 4h, 2d or 3bd")
    amount, unit = int(match.group(1)), match.group(2)
    if amount <= 0:
        raise ValueError("a duration must be longer than zero")
    if unit == "bd":
        return Span(business_days=amount)
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    return Span(clock=timedelta(seconds=amount * seconds))


def working_time(span: Span, clock: WorkClock) -> timedelta:
    """How much of `clock`'s counted time `span` is: each business day is a working day's
    worth of hours (`clock.business_days`), the clock part is taken as it is. Add the
    result to a start with `clock.add` to get a due time."""
    return clock.business_days(span.business_days) + span.clock


def format_span(span: Span) -> str:
    """The inverse of `parse_span`, in the largest whole unit."""
    if span.business_days:
        return f"{span.business_days}bd"
    seconds = int(span.clock.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
