"""Lengths of time in words: counted business or clock time, as cards and reports show it."""

from __future__ import annotations

import math

from handlers.i18n import t

MINUTE = 60
HOUR = 3600


def clock_words(locale: str, seconds: float) -> str:
    """`2 h 05 min`, `40 min`, `18 s`: counted time (working time on business-hours tickets).
    Under a minute it shows seconds, rounded up: a missed target never reads as zero."""
    seconds = max(0.0, seconds)
    if seconds < MINUTE:
        return t(locale, "time.seconds", s=math.ceil(seconds))
    minutes = int(seconds // MINUTE)
    hours, minutes = divmod(minutes, MINUTE)
    if hours:
        return t(locale, "time.hours_minutes", h=hours, m=f"{minutes:02d}")
    return t(locale, "time.minutes", m=minutes)
