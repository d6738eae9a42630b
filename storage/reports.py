"""Report figures by SQL aggregation: COUNT, SUM and CASE per period and scope, medians by
window functions (the same answer on SQLite and PostgreSQL); tickets never come into Python.

What each figure means is domain.report's; the cohort is the tickets filed in [start, end),
found through `ix_ticket_created` / `ix_ticket_department_created`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from domain import report
from domain.report import AgentRow, Figures, Ratio, Timing
from domain.ticket import ActorKind, EventKind, Priority, Status
from storage.canned import most_used
from storage.models import DigestRow, PollRow, StaffRow, TicketEventRow, TicketRow
from storage.repositories import _upsert

T = TicketRow
NOT_FIRST_CONTACT = (EventKind.REOPENED, EventKind.TRANSFERRED, EventKind.SECOND_ROUND)
RESOLVE_RUNNING = (Status.NEW.value, Status.IN_PROGRESS.value)
ENDED_UNWORKED = (Status.WITHDRAWN.value, Status.MERGED.value)
# Seconds from filing to a moment on the ticket's clock: (priority, filed, moment) -> seconds
Measure = Callable[[Priority, datetime, datetime], int]
# when the ticket's current round was acknowledged: `ack_due_at` is that round's due time
ACKNOWLEDGED = case((T.round > 1, T.round_acknowledged_at), else_=T.acknowledged_at)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


CANNED_SHOWN = 3  # the most used canned replies a report names


def _cohort(start: datetime, end: datetime, department_id: int | None) -> list[Any]:
    where: list[Any] = [T.created_at >= start, T.created_at < end]
    if department_id is not None:
        where.append(T.department_id == department_id)
    return where


class SqlReports:
    """domain.report.ReportSource on the desk's database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def figures(
        self, *, start: datetime, end: datetime, department_id: int | None, now: datetime
    ) -> Figures:
        """Every figure of the tickets filed in [start, end) in one department (or all)."""
        where = _cohort(start, end, department_id)
        async with self._engine.connect() as db:
            counts = await _breakdown(db, where)
            totals = (await db.execute(_totals(where, now))).one()
            medians = {name: await _median(db, column, where) for name, column in _TIMINGS.items()}
            polls = (await db.execute(_polls(where))).one()
            agents = await _agents(db, where)
            canned = await most_used(db, start, end, department_id, CANNED_SHOWN)
            # end the read before the connection goes back to the pool: closing it yields
            # to the loop, and SQLite's lock must not be held across that (storage/db.py)
            await db.rollback()
        return Figures(
            tickets=sum(counts["status"].values()),
            by_type=counts["type"],
            by_channel=counts["channel"],
            by_priority=counts["priority"],
            by_status=counts["status"],
            acknowledge=_timing(totals, "ack", medians),
            first_response=_timing(totals, "first_response", medians),
            resolve=_timing(totals, "resolve", medians),
            ack_sla=Ratio(int(totals.ack_met), int(totals.ack_base)),
            resolve_sla=Ratio(int(totals.resolve_met), int(totals.resolve_base)),
            first_contact=Ratio(int(totals.fcr), int(totals.closed)),
            satisfaction_mean=report.mean_of(polls.score_sum, int(polls.answered)),
            scores={s: int(getattr(polls, f"s{s}")) for s in report.SCORES},
            responses=Ratio(int(polls.answered), int(polls.sent)),
            agents=agents,
            canned=canned,
        )

    async def measure_first_responses(self, measure: Measure, *, limit: int = 500) -> int:
        """Fill `first_response_seconds` of tickets whose first response was delivered since
        the last run (the partial index `ix_ticket_unmeasured_response` finds them); how many."""
        due = (
            select(T.id, T.priority, T.created_at, T.first_response_at)
            .where(T.first_response_seconds.is_(None), T.first_response_at.is_not(None))
            .limit(limit)
        )
        async with self._engine.connect() as db:
            rows = (await db.execute(due)).all()
            for row in rows:
                seconds = measure(Priority(row.priority), row.created_at, row.first_response_at)
                await db.execute(
                    update(T)
                    .where(T.id == row.id, T.first_response_seconds.is_(None))
                    .values(first_response_seconds=seconds)
                )
            await db.commit()  # before the connection is closed (see `figures`)
        return len(rows)


_TIMINGS = {
    "ack": T.ack_seconds,
    "first_response": T.first_response_seconds,
    "resolve": T.resolve_seconds,
}


def _timing(totals: Any, name: str, medians: dict[str, float | None]) -> Timing:
    count = int(getattr(totals, f"{name}_n"))
    return Timing(count, report.mean_of(getattr(totals, f"{name}_sum"), count), medians[name])


async def _breakdown(db: AsyncConnection, where: list[Any]) -> dict[str, dict[str, int]]:
    dims = (T.type, T.channel, T.priority, T.status)
    rows = await db.execute(select(*dims, func.count()).where(*where).group_by(*dims))
    counts: dict[str, dict[str, int]] = {"type": {}, "channel": {}, "priority": {}, "status": {}}
    for kind, channel, priority, status, n in rows:
        for name, value in (
            ("type", kind),
            ("channel", channel),
            ("priority", priority),
            ("status", status),
        ):
            counts[name][value] = counts[name].get(value, 0) + int(n)
    return counts


def _totals(where: list[Any], now: datetime) -> Any:
    """Sums and counts of the timings; SLA met and measured; first-contact resolutions."""
    reopened = exists().where(
        TicketEventRow.ticket_id == T.id,
        TicketEventRow.kind.in_([k.value for k in NOT_FIRST_CONTACT]),
    )
    ack_base = or_(
        ACKNOWLEDGED.is_not(None),
        # a withdrawn or merged ticket nobody took never had to be acknowledged
        and_(T.status.not_in(ENDED_UNWORKED), T.ack_due_at <= now),
    )
    resolve_base = or_(
        T.resolved_at.is_not(None),
        and_(T.status.in_(RESOLVE_RUNNING), T.resolve_due_at <= now),
    )
    closed = T.status == Status.CLOSED.value
    columns: list[Any] = []
    for name, column in _TIMINGS.items():
        columns += [func.count(column).label(f"{name}_n"), func.sum(column).label(f"{name}_sum")]
    return select(
        *columns,
        _count_if(ack_base).label("ack_base"),
        _count_if(T.ack_due_at >= ACKNOWLEDGED).label("ack_met"),
        _count_if(resolve_base).label("resolve_base"),
        _count_if(T.resolved_at <= T.resolve_due_at).label("resolve_met"),
        _count_if(closed).label("closed"),
        _count_if(and_(closed, ~reopened)).label("fcr"),
    ).where(*where)


def _polls(where: list[Any]) -> Any:
    """Polls sent about the cohort's tickets, the counted answers, their scores."""
    counted = PollRow.counted.is_(True)
    columns: list[Any] = [
        func.count(PollRow.id).label("sent"),
        _count_if(counted).label("answered"),
        func.sum(case((counted, PollRow.score), else_=None)).label("score_sum"),
        *(_count_if(and_(counted, PollRow.score == s)).label(f"s{s}") for s in report.SCORES),
    ]
    return select(*columns).join(T, T.id == PollRow.ticket_id).where(*where)


async def _median(db: AsyncConnection, value: Any, where: list[Any]) -> float | None:
    """The median of `value` over the cohort: the mean of the values at
    domain.report.middle_ranks, found with ROW_NUMBER() and COUNT() windows."""
    ranked = (
        select(
            value.label("v"),
            func.row_number().over(order_by=value).label("rn"),
            func.count().over().label("n"),
        )
        .where(value.is_not(None), *where)
        .subquery()
    )
    median = await db.scalar(
        select(func.avg(ranked.c.v)).where(
            ranked.c.rn >= (ranked.c.n + 1) // 2,
            ranked.c.rn <= (ranked.c.n + 2) // 2,
        )
    )
    return float(median) if median is not None else None


async def _agents(db: AsyncConnection, where: list[Any]) -> tuple[AgentRow, ...]:
    """Per staff member, what they did on the cohort's tickets (domain.report.agent_rows),
    from one read of the tickets' history (the cohort is read first, then its events by
    ticket), their counted poll scores and the names."""
    E = TicketEventRow
    cohort = (
        select(T.id, T.first_response_seconds, T.resolve_seconds)
        .where(*where)
        .cte("cohort")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    rows = await db.execute(
        select(
            E.ticket_id,
            E.kind,
            case((E.actor_kind == ActorKind.STAFF.value, E.actor_id), else_=None),
            cohort.c.first_response_seconds.is_not(None),
            cohort.c.resolve_seconds,
        )
        .join(cohort, cohort.c.id == E.ticket_id)
        .where(E.kind.in_([k.value for k in report.AGENT_HISTORY]))
        .order_by(E.ticket_id, E.created_at, E.id)  # a merged-in history in time order
    )
    history = [
        report.HistoryLine(ticket_id, EventKind(kind), staff_id, bool(responded), seconds)
        for ticket_id, kind, staff_id, responded, seconds in rows
    ]
    if not history:
        return ()
    scores: dict[tuple[int, int], list[int]] = {}
    polls = await db.execute(
        select(PollRow.ticket_id, PollRow.round, PollRow.score)
        .join(T, T.id == PollRow.ticket_id)
        .where(*where, PollRow.counted.is_(True), PollRow.score.is_not(None))
    )
    for ticket_id, round_, score in polls:
        scores.setdefault((ticket_id, round_), []).append(score)
    staff_ids = {line.staff_id for line in history if line.staff_id is not None}
    found = await db.execute(select(StaffRow.id, StaffRow.name).where(StaffRow.id.in_(staff_ids)))
    names: dict[int, str] = {row.id: row.name for row in found}
    return report.agent_rows(history, scores, names)


class SqlDigests:
    """domain.report.DigestRepository: one row per week, claimed by inserting it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def queued(self, week: str) -> bool:
        return await self.session.get(DigestRow, week) is not None

    async def claim(self, week: str, now: datetime) -> bool:
        result = await self.session.execute(
            _upsert(self.session, DigestRow)
            .values(week=week, queued_at=now)
            .on_conflict_do_nothing(index_elements=["week"])
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def build_report(
    engine: AsyncEngine,
    scope: report.ReportScope,
    period: report.Period,
    *,
    now: datetime,
    zone: Any,
) -> report.Report:
    """The report of `period` in `scope` with the previous period beside it (for benchmarks
    and tools; the bot goes through domain.services.reporting)."""
    return await report.build(SqlReports(engine), scope, period, now=now, zone=zone)
