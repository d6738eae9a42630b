"""The lists staff ask for: the queue, what is late, my tickets, a search."""

from __future__ import annotations

from collections.abc import Sequence

from domain import sla
from domain.people import Role, Sender, Staff
from domain.permissions import Act, may
from domain.services.staff.base import StaffBase, StaffView
from domain.ticket import OPEN_STATUSES, Ticket

SHOWN = 20  # tickets in a list
WORDS = 5  # words of a search


def _scope(staff: Staff) -> list[int] | None:
    """The departments whose tickets `staff` lists (None: all, for admins)."""
    return None if staff.role is Role.ADMIN else [staff.department_id or -1]


class StaffLists(StaffBase):
    """Lists of tickets, each within what the staff member may see."""

    async def queue(self, sender: Sender) -> StaffView:
        """Unclaimed tickets of my department (all, for admins), nearest promise first."""
        async with self.uow() as uow:
            staff = await self.staff_of(uow, sender)
            tickets = list(
                await uow.tickets.list_staff_view(
                    departments=_scope(staff), unclaimed=True, statuses=OPEN_STATUSES, limit=200
                )
            )
            await uow.commit()
        tickets.sort(key=lambda t: (t.ack_due_at or t.created_at, t.id or 0))
        return StaffView(staff.locale, "staff.queue", tickets=tickets[:SHOWN])

    async def overdue(self, sender: Sender) -> StaffView:
        """Late and at-risk tickets in my scope, the most overdue first."""
        async with self.uow() as uow:
            staff = await self.staff_of(uow, sender)
            tickets = list(await uow.tickets.list_flagged(departments=_scope(staff)))
            await uow.commit()
        now = self.clock.now()

        def urgency(ticket: Ticket) -> tuple[float, int]:
            running = sla.left(ticket, self.policy, now)
            return (running[1].total_seconds() if running else 0.0, ticket.id or 0)

        tickets.sort(key=urgency)
        return StaffView(staff.locale, "staff.overdue", tickets=tickets[:SHOWN])

    async def mine(self, sender: Sender) -> StaffView:
        """My open tickets."""
        async with self.uow() as uow:
            staff = await self.staff_of(uow, sender)
            tickets = list(
                await uow.tickets.list_staff_view(assignee_id=staff.id, statuses=OPEN_STATUSES)
            )
            await uow.commit()
        return StaffView(staff.locale, "staff.mine", tickets=tickets)

    async def find(self, sender: Sender, words: Sequence[str]) -> StaffView:
        """Tickets whose number, title, description, customer name or phone has every word,
        among those I may see."""
        words = [w for w in (w.strip() for w in words) if w][:WORDS]
        async with self.uow() as uow:
            staff = await self.staff_of(uow, sender)
            if not words:
                await uow.commit()
                return StaffView(staff.locale, "staff.find_usage")
            tickets = list(
                await uow.tickets.list_staff_view(
                    departments=_scope(staff), words=words, limit=SHOWN
                )
            )
            visible = [t for t in tickets if may(staff, Act.VIEW, t)]
            await uow.commit()
        return StaffView(staff.locale, "staff.found", {"count": len(visible)}, tickets=visible)
