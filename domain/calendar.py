"""Working time: when the desk works, and how much of its time lies between two moments.

A `BusinessCalendar` counts only working time (working days, working hours, holidays off,
extra working days on); `AroundTheClock` counts every second. Both answer the same
questions (`WorkClock`), so SLA code picks one by a target's clock kind and asks it.

Every method takes timezone-aware datetimes (ValueError on naive ones) and returns them in
UTC: subtracting or comparing two datetimes of one `ZoneInfo` ignores DST folds, UTC never
does. Results are exact to the microsecond.

Daylight saving time. Working hours are wall-clock times in the calendar's zone; each
day's interval is the real time between its two bounds, each converted to UTC on its own,
so a working day that spans a DST change is an hour shorter or longer in real time. A bound
that falls in a gap (a wall time that does not exist, e.g. 02:30 in Berlin on the last
Sunday of March) is read with the offset in force before the gap, which moves it later by
the gap's length (02:30 → 03:30 CEST, as java.time does); a bound in a repeated hour is its
first occurrence. An interval that this leaves empty, or that would start before the one
before it ends, is trimmed, so the working intervals in UTC never overlap and never run
backwards. Nothing here raises on a DST day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY = timedelta(days=1)
_RANGE = re.compile(r"^\s*(\d\d):(\d\d)\s*-\s*(\d\d):(\d\d)\s*$")

# (start, end) as offsets from local midnight, 0 <= start < end <= 24h.
Interval = tuple[timedelta, timedelta]


class WorkClock(Protocol):
    """How a target's time is counted: a business calendar, or around the clock."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment when `duration` of counted time has passed after `start`."""
        ...

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Counted time between `start` and `end` (zero if `end` is not after `start`)."""
        ...

    def is_working(self, moment: datetime) -> bool:
        """Whether time counts at `moment`."""
        ...

    def next_working(self, moment: datetime) -> datetime:
        """The first moment at or after `moment` when time counts."""
        ...

    def business_days(self, n: int) -> timedelta:
        """`n` working days' worth of counted time."""
        ...


def parse_weekdays(names: Iterable[str]) -> frozenset[int]:
    """`["mon", "fri"]` → {0, 4}; ValueError naming an unknown day or on an empty list."""
    days: set[int] = set()
    for name in names:
        if name not in WEEKDAYS:
            raise ValueError(f"unknown day {name!r}; use {', '.join(WEEKDAYS)}")
        days.add(WEEKDAYS.index(name))
    if not days:
        raise ValueError("at least one working day is needed")
    return frozenset(days)


def parse_hours(ranges: Iterable[str]) -> tuple[Interval, ...]:
    """`["09:00-12:00", "13:00-18:00"]` → intervals; ValueError unless each range is
    `HH:MM-HH:MM` (24:00 may end one), ends after it starts and after the range before."""
    intervals: list[Interval] = []
    for text in ranges:
        match = _RANGE.match(text)
        if not match:
            raise ValueError(f"'{text}' is not a range like 09:00-18:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            raise ValueError(f"'{text}' is not a range of times between 00:00 and 24:00")
        intervals.append((timedelta(hours=h1, minutes=m1), timedelta(hours=h2, minutes=m2)))
    return _checked(tuple(intervals))


def _checked(intervals: tuple[Interval, ...]) -> tuple[Interval, ...]:
    if not intervals:
        raise ValueError("at least one range of working hours is needed")
    previous_end = timedelta(0)
    for start, end in intervals:
        if not timedelta(0) <= start < end <= DAY:
            raise ValueError(f"working hours {_hhmm(start)}-{_hhmm(end)} must end after start")
        if start < previous_end:
            raise ValueError(
                f"working hours {_hhmm(start)}-{_hhmm(end)} overlap or precede the range before"
            )
        previous_end = end
    return intervals


def _hhmm(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; working time needs aware datetimes")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class AroundTheClock:
    """Every second counts; a business day is 24 hours."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """`start + duration`, in UTC."""
        _non_negative(duration)
        return _utc(start) + duration

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """`end - start`, or zero if `end` is not after `start`."""
        return max(_utc(end) - _utc(start), timedelta(0))

    def is_working(self, moment: datetime) -> bool:
        """Always."""
        _utc(moment)
        return True

    def next_working(self, moment: datetime) -> datetime:
        """`moment` itself, in UTC."""
        return _utc(moment)

    def business_days(self, n: int) -> timedelta:
        """`n` days of 24 hours."""
        return n * DAY


def _non_negative(duration: timedelta) -> None:
    if duration < timedelta(0):
        raise ValueError(f"a duration to add must not be negative, not {duration}")


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """The desk's working time in one time zone.

    `weekdays` are 0 (Monday) to 6 (Sunday); `hours` are the same on every working day, as
    offsets from local midnight (use `parse_hours`); `holidays` are days off that would be
    working days; `extra_working_days` are days worked, with the usual hours, that would be
    off. ValueError at construction for a calendar with no working time at all.
    """

    timezone: tzinfo
    weekdays: frozenset[int] = frozenset(range(5))
    hours: tuple[Interval, ...] = ((timedelta(hours=9), timedelta(hours=18)),)
    holidays: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    standard_day: timedelta = field(init=False)

    def __post_init__(self) -> None:
        if not self.weekdays:
            raise ValueError("a calendar needs at least one working day a week")
        if not self.weekdays <= set(range(7)):
            raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), not {set(self.weekdays)}")
        _checked(self.hours)
        both = self.holidays & self.extra_working_days
        if both:
            raise ValueError(f"{min(both)} is both a holiday and an extra working day")
        object.__setattr__(self, "standard_day", sum((e - s for s, e in self.hours), timedelta()))

    @classmethod
    def from_config(
        cls,
        timezone: tzinfo,
        *,
        days: Iterable[str] = WEEKDAYS[:5],
        hours: Iterable[str] = ("09:00-18:00",),
        holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> BusinessCalendar:
        """A calendar from config notation: day names and `HH:MM-HH:MM` ranges."""
        return cls(
            timezone=timezone,
            weekdays=parse_weekdays(days),
            hours=parse_hours(hours),
            holidays=frozenset(holidays),
            extra_working_days=frozenset(extra_working_days),
        )

    # -- the questions ---------------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment (UTC) when `duration` of working time has passed after `start`.

        A start outside working time counts from the next working moment. A duration that
        runs out exactly at the end of an interval gives that end (e.g. 18:00 on the dot),
        not the next opening. A duration of zero gives the next working moment at or after
        `start` (`next_working`). ValueError on a negative duration.
        """
        _non_negative(duration)
        moment = _utc(start)
        remaining = duration
        for opening, closing in self._intervals_from(moment):
            if closing <= moment:
                continue
            opening = max(opening, moment)
            length = closing - opening
            if remaining <= length:
                return opening + remaining
            remaining -= length
        raise AssertionError("unreachable: a calendar always has more working time")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Working time between `start` and `end`; zero if `end` is not after `start`."""
        begin, finish = _utc(start), _utc(end)
        total = timedelta(0)
        if finish <= begin:
            return total
        for opening, closing in self._intervals_from(begin):
            if opening >= finish:
                break
            total += max(min(closing, finish) - max(opening, begin), timedelta(0))
        return total

    def is_working(self, moment: datetime) -> bool:
        """Whether `moment` lies in working time (an interval's start counts, its end not)."""
        return self.next_working(moment) == _utc(moment)

    def next_working(self, moment: datetime) -> datetime:
        """The first working moment at or after `moment`, in UTC."""
        return self.add(moment, timedelta(0))

    def business_days(self, n: int) -> timedelta:
        """`n` working days' worth of working hours: `n × standard_day`."""
        return n * self.standard_day

    # -- the days --------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """Whether `day` (a local date) is worked."""
        if day in self.extra_working_days:
            return True
        return day.weekday() in self.weekdays and day not in self.holidays

    def day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """`day`'s working intervals in UTC (empty on a day off), trimmed as the module
        docstring says when DST moves a bound."""
        if not self.is_working_day(day):
            return []
        midnight = datetime.combine(day, time(0), tzinfo=self.timezone)
        intervals: list[tuple[datetime, datetime]] = []
        for start, end in self.hours:
            # Wall-clock arithmetic (fold 0), then to UTC: see the module docstring.
            opening = (midnight + start).astimezone(UTC)
            closing = (midnight + end).astimezone(UTC)
            if intervals:
                opening = max(opening, intervals[-1][1])
            if closing > opening:
                intervals.append((opening, closing))
        return intervals

    def _intervals_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals in UTC, in order and never overlapping, from the local day
        before `moment`'s on (that day's last interval may end after `moment` when DST
        moved it). One step per day, days off cost no conversion."""
        day = moment.astimezone(self.timezone).date() - DAY
        previous_end: datetime | None = None
        while True:
            for opening, closing in self.day_intervals(day):
                if previous_end is not None:
                    opening = max(opening, previous_end)
                if closing > opening:
                    previous_end = closing
                    yield opening, closing
            day += DAY
