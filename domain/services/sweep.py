"""The SLA sweep: warn before a target is missed, ping the supervisor at the breach, the
admins when it stays missed. Each notice goes out once per ticket and due time, across
restarts and instances: it is claimed by a conditional update in the transaction that
writes its outbox row."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from domain import sla
from domain.delivery import Kind
from domain.people import Role, Staff
from domain.ports import Notice, UnitOfWork
from domain.services import cards
from domain.services.base import ServiceBase
from domain.ticket import Ticket

BATCH = 500


@dataclass(slots=True)
class SweepReport:
    """What one sweep did: tickets looked at, notices queued by stage."""

    checked: int = 0
    queued: Counter[sla.Stage] = field(default_factory=Counter)

    def count(self, stage: sla.Stage) -> None:
        self.queued[stage] += 1

    @property
    def warnings(self) -> int:
        return self.queued[sla.Stage.WARNING]

    @property
    def breaches(self) -> int:
        return self.queued[sla.Stage.BREACH]

    @property
    def escalations(self) -> int:
        return self.queued[sla.Stage.ESCALATION]


class SlaSweep(ServiceBase):
    """Looks at the tickets whose next check has come; nothing else is read."""

    async def run(self, limit: int = BATCH) -> SweepReport:
        report = SweepReport()
        while True:
            checked = await self._batch(limit, report)
            if checked < limit:
                return report

    async def _batch(self, limit: int, report: SweepReport) -> int:
        async with self.uow() as uow:
            now = self.clock.now()
            tickets = await uow.tickets.due_for_check(now, limit)
            for ticket in tickets:
                assert ticket.id is not None
                notified = False
                for moment in sla.due_now(ticket, self.policy, now):
                    claimed = await uow.tickets.claim_notice(
                        ticket.id, moment.target.value, moment.stage.value, moment.due
                    )
                    if claimed:
                        await self._notify(uow, ticket, moment)
                        report.count(moment.stage)
                        notified = True
                await uow.tickets.set_next_check(
                    ticket.id, sla.next_check(ticket, self.policy, now)
                )
                if notified:
                    await cards.ticket_changed(uow, self.policy, ticket, now=now)
            await uow.commit()
        report.checked += len(tickets)
        return len(tickets)

    async def _notify(self, uow: UnitOfWork, ticket: Ticket, moment: sla.Moment) -> None:
        params: dict[str, Any] = {
            "number": ticket.number,
            "target": moment.target.value,
            "priority": ticket.priority.value,
            "title": ticket.title,
            "due": moment.due.astimezone(self.policy.timezone).strftime("%Y-%m-%d %H:%M"),
        }
        for chat_id, locale in await self._recipients(uow, ticket, moment.stage):
            uow.outbox.add(
                Notice(chat_id, Kind(f"sla.{moment.stage.value}"), locale, dict(params), ticket.id)
            )

    async def _recipients(
        self, uow: UnitOfWork, ticket: Ticket, stage: sla.Stage
    ) -> list[tuple[int, str]]:
        """Warning: whoever holds it (the department while nobody does). Breach: the
        department's supervisors. Escalation: the admins. Nobody left out: admins stand in."""
        if stage is sla.Stage.WARNING:
            if ticket.assignee_id is not None:
                assignee = await uow.staff.get(ticket.assignee_id)
                if assignee is not None and assignee.active:
                    return [(assignee.telegram_id, assignee.locale)]
            department = await uow.departments.get(ticket.department_id)
            if department is not None:
                return await cards.recipients(uow, self.policy, department)
        if stage is sla.Stage.BREACH:
            staff = await uow.staff.list_department(ticket.department_id)
            supervisors = [_to(s) for s in staff if s.active and s.heads_department]
            if supervisors:
                return supervisors
        return await self._admins(uow)

    async def _admins(self, uow: UnitOfWork) -> list[tuple[int, str]]:
        known = {s.telegram_id: s.locale for s in await uow.staff.list_all() if _admin(s)}
        for admin in self.policy.admin_ids:
            known.setdefault(admin, self.policy.default_language)
        return sorted(known.items())


def _admin(staff: Staff) -> bool:
    return staff.active and staff.role is Role.ADMIN


def _to(staff: Staff) -> tuple[int, str]:
    return staff.telegram_id, staff.locale
