"""Auto-assignment's rows: a department's mode and cursor (locked while a new ticket's
assignee is chosen), agents' presence, and the assignee's acknowledgement due times."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, and_, bindparam, false, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.assignment import Candidate, Mode
from domain.people import Role
from domain.ports import AssignmentCursor, Presence
from domain.ticket import Status
from storage.models import TicketRow
from storage.people import DEPARTMENT, STAFF

TICKET: Table = TicketRow.__table__  # type: ignore[assignment]
# the tickets an agent is working on (a resolved one waits for the customer)
WORKING = (Status.NEW.value, Status.IN_PROGRESS.value, Status.WAITING_CUSTOMER.value)

# SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers
_LOCK = (
    select(DEPARTMENT.c.assignment, DEPARTMENT.c.ack_minutes, DEPARTMENT.c.assign_cursor)
    .where(DEPARTMENT.c.id == bindparam("b_id"))
    .with_for_update()
)
_OPEN = (
    select(TICKET.c.assignee_id, func.count().label("n"))
    .where(TICKET.c.status.in_(WORKING), TICKET.c.assignee_id.is_not(None))
    .group_by(TICKET.c.assignee_id)
    .subquery()
)
_CANDIDATES = (
    select(STAFF.c.id, STAFF.c.away, STAFF.c.hours, func.coalesce(_OPEN.c.n, 0).label("n"))
    .select_from(STAFF.outerjoin(_OPEN, _OPEN.c.assignee_id == STAFF.c.id))
    .where(
        STAFF.c.department_id == bindparam("b_department"),
        STAFF.c.active == true(),
        STAFF.c.role == Role.AGENT.value,
    )
    .order_by(STAFF.c.id)
)


class SqlAssignment:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, department_id: int) -> AssignmentCursor:
        """The department's mode and cursor, its row locked until the commit."""
        row = (await self.session.execute(_LOCK, {"b_id": department_id})).one()
        return AssignmentCursor(Mode(row.assignment), row.ack_minutes, row.assign_cursor)

    async def candidates(self, department_id: int) -> Sequence[Candidate]:
        rows = await self.session.execute(_CANDIDATES, {"b_department": department_id})
        return [Candidate(r.id, int(r.n), bool(r.away), r.hours) for r in rows]

    async def set_cursor(self, department_id: int, staff_id: int) -> None:
        await self.session.execute(
            update(DEPARTMENT)
            .where(DEPARTMENT.c.id == department_id)
            .values(assign_cursor=staff_id)
        )

    async def set_mode(self, department_id: int, mode: Mode, ack_minutes: int) -> None:
        await self.session.execute(
            update(DEPARTMENT)
            .where(DEPARTMENT.c.id == department_id)
            .values(assignment=mode.value, ack_minutes=ack_minutes)
        )

    async def set_due(self, ticket_id: int, due: datetime | None) -> None:
        await self.session.execute(
            update(TICKET).where(TICKET.c.id == ticket_id).values(assign_due_at=due)
        )

    async def due(self, now: datetime, limit: int) -> Sequence[int]:
        """Tickets whose assignee's time to acknowledge has passed, earliest first."""
        rows = await self.session.scalars(
            select(TICKET.c.id)
            .where(TICKET.c.assign_due_at <= now)
            .order_by(TICKET.c.assign_due_at)
            .limit(limit)
        )
        return list(rows)

    async def claim_told(self, ticket_id: int) -> bool:
        """True once per ticket: the supervisor is told the first time it moves on."""
        result = await self.session.execute(
            update(TICKET)
            .where(and_(TICKET.c.id == ticket_id, TICKET.c.assign_told == false()))
            .values(assign_told=True)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def presence(self, staff_id: int) -> Presence:
        row = (
            await self.session.execute(
                select(STAFF.c.away, STAFF.c.hours).where(STAFF.c.id == staff_id)
            )
        ).one()
        return Presence(bool(row.away), row.hours)

    async def set_presence(self, staff_id: int, presence: Presence) -> None:
        await self.session.execute(
            update(STAFF)
            .where(STAFF.c.id == staff_id)
            .values(away=presence.away, hours=presence.hours)
        )
