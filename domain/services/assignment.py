"""The assignee's time to acknowledge: a ticket auto-assigned to an agent who neither
claims nor answers it in time moves on to the next present agent (or back to the queue
when nobody else is there), and the department's supervisor is told once."""

from __future__ import annotations

from datetime import datetime

from domain.assignment import waiting_for_assignee
from domain.delivery import Kind
from domain.ports import Notice, UnitOfWork
from domain.services import cards
from domain.services.autoassign import Chosen, announce, choose
from domain.services.base import ServiceBase
from domain.ticket import Ticket

BATCH = 200


class AssignmentSweep(ServiceBase):
    """Moves on the tickets whose assignee let the time to acknowledge pass."""

    async def run(self, limit: int = BATCH) -> int:
        moved = 0
        async with self.uow() as uow:
            now = self.clock.now()
            for ticket_id in await uow.assignment.due(now, limit):
                await uow.assignment.set_due(ticket_id, None)
                ticket = await uow.tickets.get(ticket_id)
                if ticket is not None and waiting_for_assignee(ticket):
                    moved += await self._move_on(uow, ticket, now)
            await uow.commit()
        return moved

    async def _move_on(self, uow: UnitOfWork, ticket: Ticket, now: datetime) -> int:
        assert ticket.id is not None
        department = await uow.departments.get(ticket.department_id)
        previous = ticket.assignee_id
        chosen = None
        if department is not None:
            chosen = await choose(uow, self.policy, now, department, exclude=previous)
        if chosen is None:  # nobody else is there: back to the department's queue
            ticket.assignee_id = None
        else:
            ticket.assignee_id = chosen.staff.id
        ticket.updated_at = now
        await self._save(uow, ticket)
        if chosen is not None:
            await announce(uow, self.policy, now, ticket, chosen, previous)
        await cards.ticket_changed(uow, self.policy, ticket, now=now)
        if await uow.assignment.claim_told(ticket.id):
            await self._tell_supervisors(uow, ticket, previous, chosen)
        return 1

    async def _tell_supervisors(
        self, uow: UnitOfWork, ticket: Ticket, previous: int | None, chosen: Chosen | None
    ) -> None:
        before = await uow.staff.get(previous) if previous else None
        params = {
            "number": ticket.number,
            "title": ticket.title,
            "before": before.name if before else "?",
            "after": chosen.staff.name if chosen else "",
        }
        staff = await uow.staff.list_department(ticket.department_id)
        for head in (s for s in staff if s.active and s.heads_department):
            uow.outbox.add(
                Notice(head.telegram_id, Kind.ASSIGN_MOVED, head.locale, dict(params), ticket.id)
            )
