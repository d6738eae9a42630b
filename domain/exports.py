"""The export of tickets and the weekly chart: what they hold, the range a user may ask for,
the weeks of the chart in the desk's time zone. Reading and writing files is the adapters'."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Protocol

from domain.errors import InvalidInput
from domain.masking import mask_phone
from domain.report import ReportScope

MAX_DAYS = 366  # the longest range `/export` takes, in days
CHART_WEEKS = 12
CHUNK = 5000  # rows a query reads at once

# The columns a source yields, in order: the phone unmasked, the times in UTC, the type,
# channel, priority, status and department as codes.
SOURCE_COLUMNS = (
    "number",
    "type",
    "channel",
    "priority",
    "status",
    "department",
    "assignee",
    "customer",
    "phone",
    "created",
    "acknowledged",
    "first_response",
    "resolved",
    "closed",
    "ack_due",
    "resolve_due",
    "ack_minutes",
    "first_response_minutes",
    "resolve_minutes",
    "round",
    "score",
)
# Columns whose codes the reader gets in words; the codes follow at the end for machines.
CODED = ("type", "channel", "priority", "status", "department")
# The columns of an export file, in order (the header keys are `export.column.<name>`).
COLUMNS = (*SOURCE_COLUMNS, *(f"{name}_code" for name in CODED))
WORDS = tuple(COLUMNS.index(name) for name in CODED)
PHONE = COLUMNS.index("phone")
TIMES = tuple(
    COLUMNS.index(c) for c in COLUMNS[COLUMNS.index("created") : COLUMNS.index("ack_minutes")]
)
MINUTES = tuple(COLUMNS.index(c) for c in COLUMNS if c.endswith("_minutes"))


@dataclass(frozen=True, slots=True)
class DateRange:
    """Whole days in the desk's time zone: [start, end) in UTC, and the days asked for."""

    first: date
    last: date
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Week:
    """One week of the chart: Monday (local) and its UTC bounds."""

    monday: date
    start: datetime
    end: datetime


@dataclass(slots=True)
class WeekFigures:
    """Tickets filed in a week by type, and the mean counted score of their polls."""

    week: Week
    by_type: dict[str, int] = field(default_factory=dict)
    satisfaction: float | None = None

    @property
    def total(self) -> int:
        """Tickets filed in the week."""
        return sum(self.by_type.values())


class ExportSource(Protocol):
    """Where exports and charts read from (storage.exports)."""

    def rows(
        self, scope: ReportScope, start: datetime, end: datetime, *, chunk: int = CHUNK
    ) -> AsyncIterator[Sequence[Sequence[Any]]]:
        """The tickets filed in [start, end) in `scope`, oldest first, `chunk` at a time, as
        SOURCE_COLUMNS (phone unmasked, times aware UTC, counted times in seconds)."""
        ...

    async def weekly(self, scope: ReportScope, weeks: Sequence[Week]) -> list[WeekFigures]:
        """Each week's tickets by type and mean counted score, in the order of `weeks`."""
        ...


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def parse_range(args: Sequence[str], zone: tzinfo) -> DateRange:
    """`FROM TO`, ISO dates, both days included, in the desk's time zone."""
    if len(args) != 2:
        raise InvalidInput("export.usage")
    try:
        first, last = (date.fromisoformat(a.strip()) for a in args)
    except ValueError:
        raise InvalidInput("export.usage") from None
    if last < first:
        raise InvalidInput("export.reversed", first=first.isoformat(), last=last.isoformat())
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise InvalidInput("export.too_long", days=days, limit=MAX_DAYS)
    return DateRange(
        first, last, _midnight(first, zone), _midnight(last + timedelta(days=1), zone)
    )


def chart_weeks(now: datetime, zone: tzinfo, count: int = CHART_WEEKS) -> list[Week]:
    """The last `count` weeks (Monday to Sunday, local), the current one last."""
    today = now.astimezone(zone).date()
    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday - timedelta(weeks=n) for n in range(count - 1, -1, -1)]
    return [Week(m, _midnight(m, zone), _midnight(m + timedelta(weeks=1), zone)) for m in mondays]


def _local(value: datetime | None, zone: tzinfo) -> datetime | None:
    """A UTC time as the desk's wall clock shows it (naive: spreadsheets have no zones)."""
    if value is None:
        return None
    return value.astimezone(zone).replace(tzinfo=None, microsecond=0)


def _minutes(seconds: int | None) -> int | None:
    return None if seconds is None else round(seconds / 60)


def cells(row: Sequence[Any], zone: tzinfo) -> list[Any]:
    """A source row as COLUMNS: the phone masked, times local, minutes, the codes repeated at
    the end (the reader's words replace them in their own columns: the adapter's part)."""
    out = [*row, *(row[i] for i in WORDS)]
    out[PHONE] = mask_phone(out[PHONE])
    for i in TIMES:
        out[i] = _local(out[i], zone)
    for i in MINUTES:
        out[i] = _minutes(out[i])
    return out
