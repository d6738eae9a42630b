"""Follow-up rows (domain.followup): each is done once, by a conditional update in the
transaction that queues what it sends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.followup import FollowupKind
from domain.ports import Followup
from storage.models import FollowupRow

WAITING_KINDS = (FollowupKind.NUDGE.value, FollowupKind.CLOSE.value)


class SqlFollowups:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        ticket_id: int,
        kind: FollowupKind,
        due_at: datetime,
        now: datetime,
        staff_id: int | None = None,
    ) -> int:
        row = FollowupRow(
            ticket_id=ticket_id, kind=kind.value, staff_id=staff_id, created_at=now, due_at=due_at
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def drop_waiting(self, ticket_id: int, now: datetime) -> None:
        """The ticket's pending nudge and close are void (a new wait starts, or none)."""
        await self.session.execute(
            update(FollowupRow)
            .where(
                FollowupRow.ticket_id == ticket_id,
                FollowupRow.kind.in_(WAITING_KINDS),
                FollowupRow.done_at.is_(None),
            )
            .values(done_at=now)
            .execution_options(synchronize_session=False)
        )

    async def due(self, now: datetime, limit: int) -> Sequence[Followup]:
        rows = await self.session.scalars(
            select(FollowupRow)
            .where(FollowupRow.done_at.is_(None), FollowupRow.due_at <= now)
            .order_by(FollowupRow.due_at, FollowupRow.id)
            .limit(limit)
        )
        return [_followup(r) for r in rows]

    async def pending(self, ticket_id: int) -> Sequence[Followup]:
        rows = await self.session.scalars(
            select(FollowupRow)
            .where(FollowupRow.ticket_id == ticket_id, FollowupRow.done_at.is_(None))
            .order_by(FollowupRow.due_at, FollowupRow.id)
        )
        return [_followup(r) for r in rows]

    async def claim(self, followup_id: int, now: datetime) -> bool:
        """Mark it done unless it is; False when another unit of work did first."""
        result = await self.session.execute(
            update(FollowupRow)
            .where(FollowupRow.id == followup_id, FollowupRow.done_at.is_(None))
            .values(done_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _followup(row: FollowupRow) -> Followup:
    return Followup(
        id=row.id,
        ticket_id=row.ticket_id,
        kind=FollowupKind(row.kind),
        due_at=row.due_at,
        staff_id=row.staff_id,
    )
