"""domain.exports.ExportSource on the desk's database: tickets a chunk at a time, weekly sums.

A chunk is one short query in its own transaction: the one SQLite connection (on its own
thread, storage/sqlite_thread.py) is never held for a whole export, so units of work that
queue for it get their turn between chunks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.exports import CHUNK, ReportScope, Week, WeekFigures
from storage.models import CustomerRow, DepartmentRow, PollRow, StaffRow, TicketRow

T = TicketRow

# domain.exports.SOURCE_COLUMNS, then the keyset's id
_COLUMNS = (
    T.number,
    T.type,
    T.channel,
    T.priority,
    T.status,
    DepartmentRow.code,
    StaffRow.name,
    CustomerRow.number,
    func.coalesce(T.contact_phone, CustomerRow.phone),
    T.created_at,
    T.acknowledged_at,
    T.first_response_at,
    T.resolved_at,
    T.closed_at,
    T.ack_due_at,
    T.resolve_due_at,
    T.ack_seconds,
    T.first_response_seconds,
    T.resolve_seconds,
    T.round,
    T.score,
    T.id,
)
_CREATED = 9


def _in_scope(scope: ReportScope, start: datetime, end: datetime) -> list[Any]:
    where: list[Any] = [T.created_at >= start, T.created_at < end]
    if scope.department_id is not None:
        where.append(T.department_id == scope.department_id)
    return where


class SqlExports:
    """Reads for the export and the chart."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def rows(
        self, scope: ReportScope, start: datetime, end: datetime, *, chunk: int = CHUNK
    ) -> AsyncIterator[Sequence[Sequence[Any]]]:
        """Tickets filed in [start, end), oldest first, by keyset on (created_at, id): each
        chunk a query of its own, the connection released in between."""
        base = (
            select(*_COLUMNS)
            .join(DepartmentRow, DepartmentRow.id == T.department_id)
            .join(CustomerRow, CustomerRow.id == T.customer_id)
            .outerjoin(StaffRow, StaffRow.id == T.assignee_id)
            .where(*_in_scope(scope, start, end))
            .order_by(T.created_at, T.id)
            .limit(chunk)
        )
        after: tuple[datetime, int] | None = None
        while True:
            query = base
            if after is not None:
                created, last_id = after
                query = query.where(
                    T.created_at >= created, or_(T.created_at > created, T.id > last_id)
                )
            async with self._engine.connect() as db:
                found = (await db.execute(query)).all()
            if not found:
                return
            after = (found[-1][_CREATED], found[-1][-1])
            yield [row[:-1] for row in found]
            if len(found) < chunk:
                return
            await asyncio.sleep(0)  # let the loop serve others between chunks

    async def weekly(self, scope: ReportScope, weeks: Sequence[Week]) -> list[WeekFigures]:
        """Tickets by week and type, and the mean counted score of their polls by week: one
        grouped query each, the week found by comparing with the bounds computed in Python."""
        figures = [WeekFigures(w) for w in weeks]
        if not weeks:
            return figures
        bucket = case(*((T.created_at < w.end, i) for i, w in enumerate(weeks))).label("wk")
        where = _in_scope(scope, weeks[0].start, weeks[-1].end)
        wk = literal_column("wk")
        volume = select(bucket, T.type, func.count()).where(*where).group_by(wk, T.type)
        scores = (
            select(bucket, func.avg(PollRow.score))
            .join(T, T.id == PollRow.ticket_id)
            .where(and_(PollRow.counted.is_(True), PollRow.score.is_not(None)), *where)
            .group_by(wk)
        )
        async with self._engine.connect() as db:
            for index, kind, count in await db.execute(volume):
                figures[int(index)].by_type[kind] = int(count)
            for index, mean in await db.execute(scores):
                figures[int(index)].satisfaction = None if mean is None else float(mean)
        return figures
