"""Report arithmetic: the period a report covers, the figures it is made of, and how each is
defined (mean, median, percentage, change). No SQL here: storage aggregates, this says what
the aggregates mean.

Every figure is about the *cohort* of tickets filed in the period (in the desk's time zone):
how many came in, how fast they were acknowledged, answered and resolved so far, how many met
their SLA, how many were closed at the first contact, and what their customers scored them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Protocol

from domain.errors import InvalidInput
from domain.people import Department
from domain.ticket import EventKind, Priority

MAX_RANGE_DAYS = 366
TOP_TYPES = 3
SCORES = (1, 2, 3, 4, 5)


# -- arithmetic --------------------------------------------------------------------------


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean; None for no values."""
    return sum(values) / len(values) if values else None


def mean_of(total: float | None, count: int) -> float | None:
    """A mean from SQL's SUM and COUNT; None when nothing was counted."""
    return float(total or 0) / count if count else None


def median(values: Sequence[float]) -> float | None:
    """The middle value; for an even count, the mean of the two middle values."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = (len(ordered) - 1) // 2
    return float(ordered[middle] + ordered[len(ordered) // 2]) / 2


def middle_ranks(count: int) -> tuple[int, int]:
    """The 1-based ranks whose values' mean is the median of `count` values (SQL's side)."""
    return (count + 1) // 2, (count + 2) // 2


def percentage(part: int, base: int) -> float | None:
    """`part` of `base` in percent; None when the base is 0 (nothing to measure)."""
    return 100.0 * part / base if base else None


def change(current: float | None, previous: float | None) -> float | None:
    """How much a figure moved since the previous period (in its own unit, percentage points
    for percentages); None when either side has no value."""
    if current is None or previous is None:
        return None
    return current - previous


# -- the period ---------------------------------------------------------------------------


class PeriodKind(StrEnum):
    """What a report's period is."""

    DAY = "day"
    WEEK = "week"  # Monday to Sunday
    MONTH = "month"
    RANGE = "range"  # FROM TO, both days included


@dataclass(frozen=True, slots=True)
class Period:
    """Days `first`..`last` (included) in the desk's time zone, as [start, end) in UTC."""

    kind: PeriodKind
    first: date
    last: date
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _utc_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def period_of(kind: PeriodKind, first: date, last: date, zone: tzinfo) -> Period:
    """The period of local days `first`..`last`."""
    return Period(
        kind, first, last, _utc_midnight(first, zone), _utc_midnight(last + timedelta(1), zone)
    )


def _month(year: int, month: int, zone: tzinfo) -> Period:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return period_of(PeriodKind.MONTH, first, following - timedelta(1), zone)


def week_of(day: date, zone: tzinfo) -> Period:
    """The Monday-to-Sunday week that holds `day`."""
    monday = day - timedelta(days=day.weekday())
    return period_of(PeriodKind.WEEK, monday, monday + timedelta(6), zone)


def previous(period: Period, zone: tzinfo) -> Period:
    """The period just before, of the same kind (a month is the calendar month before)."""
    if period.kind is PeriodKind.MONTH:
        before = period.first - timedelta(1)
        return _month(before.year, before.month, zone)
    last = period.first - timedelta(1)
    return period_of(period.kind, last - timedelta(period.days - 1), last, zone)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("report.bad_period", given=text) from None


def parse_period(args: Sequence[str], *, now: datetime, zone: tzinfo) -> Period:
    """`today`, `week`, `month` (the current one, so far), `YYYY-MM`, or `FROM TO` ISO dates;
    nothing means `week`. InvalidInput (`report.bad_period`) on anything else."""
    today = now.astimezone(zone).date()
    words = [a.strip().lower() for a in args if a.strip()] or ["week"]
    given = " ".join(words)
    if len(words) == 2:
        first, last = _day(words[0]), _day(words[1])
        if last < first or (last - first).days >= MAX_RANGE_DAYS:
            raise InvalidInput("report.bad_range", days=MAX_RANGE_DAYS)
        return period_of(PeriodKind.RANGE, first, last, zone)
    if len(words) != 1:
        raise InvalidInput("report.bad_period", given=given)
    word = words[0]
    if word == "today":
        return period_of(PeriodKind.DAY, today, today, zone)
    if word == "week":
        return week_of(today, zone)
    if word == "month":
        return _month(today.year, today.month, zone)
    if len(word) == 7 and word[4] == "-" and word[:4].isdigit() and word[5:].isdigit():
        year, month = int(word[:4]), int(word[5:])
        if 1 <= month <= 12 and year >= 2000:
            return _month(year, month, zone)
    raise InvalidInput("report.bad_period", given=given)


# -- what a report is made of --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ratio:
    """`part` of `base`, e.g. tickets that met their SLA of those measured."""

    part: int = 0
    base: int = 0

    @property
    def percent(self) -> float | None:
        return percentage(self.part, self.base)


@dataclass(frozen=True, slots=True)
class Timing:
    """Durations in counted seconds (business time on business-hours tickets)."""

    count: int = 0
    mean: float | None = None
    median: float | None = None


@dataclass(frozen=True, slots=True)
class AgentRow:
    """What one staff member did on the period's tickets, as their history records it:
    `handled` tickets they worked on (claimed, answered, noted, transferred, resolved...),
    `first_responses` the tickets' first words to the customer that were theirs, `resolved`
    the tickets whose resolution in a round is theirs and stands (the customer did not
    reopen it), the median resolve time of those (first rounds) and the mean score the
    customers gave those rounds."""

    staff_id: int
    name: str
    handled: int
    resolve_median: float | None
    satisfaction_mean: float | None
    first_responses: int = 0
    resolved: int = 0


# a staff member's events that count as working on a ticket (an assignment is the
# assigner's dispatching, not work on it)
WORK = frozenset(
    {
        EventKind.CLAIMED,
        EventKind.AGENT_REPLY,
        EventKind.ASKED,
        EventKind.NOTE,
        EventKind.TRANSFERRED,
        EventKind.COLLAB_ANSWER,
        EventKind.RESOLVED,
        EventKind.CLOSED,
    }
)
# the events whose notice to the customer is a response (handlers.render.RESPONSE_KINDS)
RESPONSES = frozenset(
    {EventKind.CLAIMED, EventKind.AGENT_REPLY, EventKind.ASKED, EventKind.RESOLVED}
)
# every kind `agent_rows` needs to see, in each ticket's history
AGENT_HISTORY = WORK | RESPONSES | {EventKind.REOPENED, EventKind.SECOND_ROUND}


@dataclass(frozen=True)
class HistoryLine:
    """One event of a period's ticket, as `agent_rows` needs it; `staff_id` is None unless
    a staff member did it. `responded` and `resolve_seconds` are the ticket's: whether its
    first response was delivered and measured, how long its first round took to resolve."""

    ticket_id: int
    kind: EventKind
    staff_id: int | None
    responded: bool
    resolve_seconds: int | None


def agent_rows(
    history: Sequence[HistoryLine],
    scores: Mapping[tuple[int, int], Sequence[int]],
    names: Mapping[int, str],
) -> tuple[AgentRow, ...]:
    """Per staff member, what they did on the period's tickets: `history` is the tickets'
    events of AGENT_HISTORY kinds, each ticket's in order; `scores` the counted poll scores
    per (ticket, round). The resolution that stands in a round is its last `resolved`, unless
    a later `resolved` or `reopened` of the same round undid it."""
    worked: dict[int, set[int]] = {}
    responses: dict[int, int] = {}
    resolved: dict[int, set[int]] = {}
    first_rounds: dict[int, list[int]] = {}
    polls: dict[int, list[int]] = {}
    for lines in _by_ticket(history):
        first = next((line for line in lines if line.kind in RESPONSES), None)
        if first is not None and first.staff_id is not None and first.responded:
            responses[first.staff_id] = responses.get(first.staff_id, 0) + 1
        round_ = 1
        standing: dict[int, HistoryLine] = {}  # round -> the resolution that stands so far
        for line in lines:
            if line.kind is EventKind.SECOND_ROUND:
                round_ = 2
            elif line.kind is EventKind.REOPENED:
                standing.pop(round_, None)
            elif line.kind is EventKind.RESOLVED:
                standing.pop(round_, None)
                if line.staff_id is not None:
                    standing[round_] = line
            if line.staff_id is not None and line.kind in WORK:
                worked.setdefault(line.staff_id, set()).add(line.ticket_id)
        for round_, line in standing.items():
            staff = line.staff_id
            assert staff is not None
            resolved.setdefault(staff, set()).add(line.ticket_id)
            if round_ == 1 and line.resolve_seconds is not None:
                first_rounds.setdefault(staff, []).append(line.resolve_seconds)
            polls.setdefault(staff, []).extend(scores.get((line.ticket_id, round_), ()))
    rows = [
        AgentRow(
            staff_id,
            names.get(staff_id, ""),
            len(tickets),
            median(first_rounds.get(staff_id, [])),
            mean_of(sum(polls.get(staff_id, [])), len(polls.get(staff_id, []))),
            first_responses=responses.get(staff_id, 0),
            resolved=len(resolved.get(staff_id, ())),
        )
        for staff_id, tickets in worked.items()
        if staff_id in names
    ]
    return tuple(sorted(rows, key=lambda a: (-a.handled, a.name, a.staff_id)))


def _by_ticket(history: Sequence[HistoryLine]) -> list[list[HistoryLine]]:
    tickets: dict[int, list[HistoryLine]] = {}
    for line in history:
        tickets.setdefault(line.ticket_id, []).append(line)
    return list(tickets.values())


@dataclass(frozen=True, slots=True)
class Figures:
    """Every figure of one period and scope."""

    tickets: int = 0
    by_type: Mapping[str, int] = field(default_factory=dict)
    by_channel: Mapping[str, int] = field(default_factory=dict)
    by_priority: Mapping[str, int] = field(default_factory=dict)
    by_status: Mapping[str, int] = field(default_factory=dict)
    acknowledge: Timing = Timing()
    first_response: Timing = Timing()
    resolve: Timing = Timing()
    ack_sla: Ratio = Ratio()  # of the current round: a second round is acknowledged anew
    resolve_sla: Ratio = Ratio()
    first_contact: Ratio = Ratio()
    satisfaction_mean: float | None = None
    scores: Mapping[int, int] = field(default_factory=dict)
    responses: Ratio = Ratio()  # counted answers of polls sent
    agents: Sequence[AgentRow] = ()
    canned: Sequence[tuple[str, int]] = ()  # the most used canned replies: title, uses

    def top_types(self, n: int = TOP_TYPES) -> list[tuple[str, int]]:
        """The `n` most frequent types, most first (ties by name)."""
        ranked = sorted(self.by_type.items(), key=lambda item: (-item[1], item[0]))
        return [(name, count) for name, count in ranked if count][:n]


@dataclass(frozen=True, slots=True)
class ReportScope:
    """One department (its id and code) or the whole desk (None)."""

    department_id: int | None = None
    department: str | None = None  # its code
    name: dict[str, str] | None = None  # its name per language (Department.label)

    @classmethod
    def of(cls, department: Department | None) -> ReportScope:
        """The scope of `department`; None: the whole desk."""
        if department is None:
            return cls()
        return cls(department.id, department.code, department.label())


@dataclass(frozen=True, slots=True)
class Report:
    """A period's figures beside the previous period's."""

    scope: ReportScope
    period: Period
    previous_period: Period
    current: Figures
    previous: Figures

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (for the outbox)."""
        return _jsonable(asdict(self))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """The inverse of `to_dict`."""
        return cls(
            ReportScope(**data["scope"]),
            _period(data["period"]),
            _period(data["previous_period"]),
            _figures(data["current"]),
            _figures(data["previous"]),
        )


class ReportSource(Protocol):
    """Storage's side: the figures of one period and scope, aggregated in the database."""

    async def figures(
        self, *, start: datetime, end: datetime, department_id: int | None, now: datetime
    ) -> Figures: ...

    async def measure_first_responses(
        self, measure: Callable[[Priority, datetime, datetime], int], *, limit: int = 500
    ) -> int:
        """Fill the first-response seconds of tickets whose first response was delivered."""
        ...


class DigestRepository(Protocol):
    """Which weekly digests were queued; `claim` wins once per week (a conditional write)."""

    async def queued(self, week: str) -> bool: ...
    async def claim(self, week: str, now: datetime) -> bool: ...


async def build(
    source: ReportSource, scope: ReportScope, period: Period, *, now: datetime, zone: tzinfo
) -> Report:
    """The report of `period` in `scope`, with the previous period beside it."""
    before = previous(period, zone)
    current = await source.figures(
        start=period.start, end=period.end, department_id=scope.department_id, now=now
    )
    earlier = await source.figures(
        start=before.start, end=before.end, department_id=scope.department_id, now=now
    )
    return Report(scope, period, before, current, earlier)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _period(data: Mapping[str, Any]) -> Period:
    return Period(
        PeriodKind(data["kind"]),
        date.fromisoformat(data["first"]),
        date.fromisoformat(data["last"]),
        datetime.fromisoformat(data["start"]),
        datetime.fromisoformat(data["end"]),
    )


def _figures(data: Mapping[str, Any]) -> Figures:
    return replace(
        Figures(),
        **{k: v for k, v in data.items() if k in _PLAIN},
        acknowledge=Timing(**data["acknowledge"]),
        first_response=Timing(**data["first_response"]),
        resolve=Timing(**data["resolve"]),
        ack_sla=Ratio(**data["ack_sla"]),
        resolve_sla=Ratio(**data["resolve_sla"]),
        first_contact=Ratio(**data["first_contact"]),
        responses=Ratio(**data["responses"]),
        scores={int(k): v for k, v in data["scores"].items()},
        agents=tuple(AgentRow(**a) for a in data["agents"]),
        canned=tuple((str(title), int(uses)) for title, uses in data.get("canned", ())),
    )


_PLAIN = ("tickets", "by_type", "by_channel", "by_priority", "by_status", "satisfaction_mean")
