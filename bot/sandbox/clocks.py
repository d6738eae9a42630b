"""Fakes of the desk's ports that every kind of test can share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# A Monday: 10:00 in Asia/Shanghai, the desk's time zone in most tests.
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime = START) -> None:
        self._now = _aware(start)

    def now(self) -> datetime:
        """The current fake moment, in UTC."""
        return self._now

    def advance(self, **kwargs: float) -> datetime:
        """Move forward by a `timedelta(**kwargs)`; returns the new moment."""
        step = timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError("time only moves forward; use set() to go back")
        self._now += step
        return self._now

    def set(self, moment: datetime) -> datetime:
        """Jump to `moment` (timezone-aware, any zone); returns it in UTC."""
        self._now = _aware(moment)
        return self._now


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("FakeClock needs a timezone-aware datetime")
    return moment.astimezone(UTC)


class FloodClock:
    """Seconds for Telegram's flood limits, moved by the test harness when the outbox waits
    for a chat's next slot (the desk's business time stays where the test put it)."""

    def __init__(self) -> None:
        self.seconds = 1_000.0

    def __call__(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds
