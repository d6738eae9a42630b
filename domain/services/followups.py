"""Follow-ups: a staff member's reminder of a ticket, and the nudge and close of a ticket
whose customer never answers the desk's question (domain.followup).

Each follow-up is a durable row with its due time; the sweep does it once, across restarts
and instances: the row is marked done by a conditional update in the transaction that
writes its outbox rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.delivery import Kind
from domain.errors import ConcurrentChange
from domain.followup import FollowupKind, waiting_deadlines
from domain.policy import DeskPolicy
from domain.ports import Followup, Notice, UnitOfWork
from domain.services import cards
from domain.services.base import ServiceBase
from domain.services.staff.base import StaffBase
from domain.ticket import Status, Ticket, Work

BATCH = 200


async def waiting(uow: UnitOfWork, policy: DeskPolicy, ticket: Ticket, now: datetime) -> None:
    """The desk asked the customer a question at `now`: the nudge and the close of this
    wait replace those of any earlier one."""
    assert ticket.id is not None
    await uow.followups.drop_waiting(ticket.id, now)
    if ticket.status is not Status.WAITING_CUSTOMER:
        return
    for kind, due in waiting_deadlines(policy.calendar, policy.followup, now).items():
        await uow.followups.add(ticket.id, kind, due, now)


@dataclass(slots=True)
class FollowupsReport:
    """What one run did, by kind (a follow-up with nothing left to do is not counted)."""

    reminders: int = 0
    nudges: int = 0
    closed: int = 0


class Followups(ServiceBase):
    """Does the follow-ups that have come due."""

    async def run(self, limit: int = BATCH) -> FollowupsReport:
        report = FollowupsReport()
        while await self._batch(limit, report) == limit:
            pass
        return report

    async def _batch(self, limit: int, report: FollowupsReport) -> int:
        async with self.uow() as uow:
            now = self.clock.now()
            due = await uow.followups.due(now, limit)
            for followup in due:
                if not await uow.followups.claim(followup.id, now):
                    continue  # another instance did it
                ticket = await uow.tickets.get(followup.ticket_id)
                if ticket is not None and await self._do(uow, followup, ticket, now):
                    _count(report, followup.kind)
            await uow.commit()
        return len(due)

    async def _do(
        self, uow: UnitOfWork, followup: Followup, ticket: Ticket, now: datetime
    ) -> bool:
        if followup.kind is FollowupKind.REMIND:
            return await self._remind(uow, followup, ticket)
        if ticket.status is not Status.WAITING_CUSTOMER:
            return False  # the customer answered (or the desk moved on)
        if followup.kind is FollowupKind.NUDGE:
            await StaffBase.tell_customer(uow, ticket, Kind.NUDGE, {"title": ticket.title})
            return True
        return await self._close(uow, ticket, now)

    async def _close(self, uow: UnitOfWork, ticket: Ticket, now: datetime) -> bool:
        """The customer never answered: the ticket closes; they and the assignee are told."""
        assert ticket.id is not None
        event = Work.close_unanswered(ticket, now)
        try:
            await self._save(uow, ticket)
        except ConcurrentChange:
            return False  # the customer's answer (or another instance) came first
        await uow.events.add(event)
        await uow.followups.drop_waiting(ticket.id, now)
        await cards.ticket_changed(uow, self.policy, ticket, now=now)
        params = {"title": ticket.title}
        await StaffBase.tell_customer(uow, ticket, Kind.CLOSED_UNANSWERED, params)
        await StaffBase.tell_assignee(uow, ticket, Kind.CLOSED_UNANSWERED_STAFF, params)
        return True

    async def _remind(self, uow: UnitOfWork, followup: Followup, ticket: Ticket) -> bool:
        """The ticket's card, as it is now, in the private chat of who asked for it."""
        staff = await uow.staff.get(followup.staff_id) if followup.staff_id else None
        if staff is None or not staff.active:
            return False
        params = await cards.view_of(uow, self.policy, ticket)
        uow.outbox.add(Notice(staff.telegram_id, Kind.REMINDER, staff.locale, params, ticket.id))
        return True


def _count(report: FollowupsReport, kind: FollowupKind) -> None:
    if kind is FollowupKind.REMIND:
        report.reminders += 1
    elif kind is FollowupKind.NUDGE:
        report.nudges += 1
    else:
        report.closed += 1
