"""Who works a ticket and how urgently: claim, set the priority, assign to an agent."""

from __future__ import annotations

from domain.assignment import waiting_for_assignee
from domain.delivery import Kind
from domain.errors import DeskError, IllegalTransition, InvalidInput, NotAllowed
from domain.people import Staff
from domain.permissions import Act
from domain.ports import UnitOfWork
from domain.presses import Target
from domain.services.staff.base import Press, StaffAct, StaffBase, StaffView
from domain.ticket import Priority, Ticket, Work


async def claimed_by(uow: UnitOfWork, ticket: Ticket) -> DeskError:
    """The refusal of a claim on a ticket somebody has claimed: it says who."""
    holder = await uow.staff.get(ticket.assignee_id) if ticket.assignee_id else None
    return IllegalTransition(
        "error.claimed_by", number=ticket.number, name=holder.name if holder else "?"
    )


async def already_claimed(uow: UnitOfWork, ticket: Ticket, staff: Staff) -> None:
    """A claimed ticket cannot be claimed again; one auto-assignment gave to `staff` is
    theirs to acknowledge with Claim."""
    if ticket.assignee_id is None:
        return
    if ticket.assignee_id == staff.id and waiting_for_assignee(ticket):
        return
    raise await claimed_by(uow, ticket)


async def claim(desk: StaffBase, p: Press) -> StaffView:
    assert p.staff.id is not None
    event = Work.claim(p.ticket, p.staff.id, p.now)
    await desk.record(p.uow, p.ticket, event)
    await desk.tell_customer(p.uow, p.ticket, Kind.CLAIMED, {"agent": p.staff.first_name})
    return StaffView(p.locale, "staff.claimed", {"number": p.number}, ticket=p.ticket)


async def priority(desk: StaffBase, p: Press) -> StaffView:
    assert p.staff.id is not None
    if p.choice is None:
        return p.choose(
            "staff.choose_priority",
            [
                (Act.PRIORITY.value, level.value, f"priority.{level.value}", {})
                for level in Priority
                if level is not p.ticket.priority
            ],
        )
    if not isinstance(p.choice, Priority):
        raise InvalidInput("error.bad_callback")
    event = Work.set_priority(p.ticket, p.staff.id, p.choice, p.now)
    await desk.record(p.uow, p.ticket, event)
    return StaffView(
        p.locale,
        "staff.priority_set",
        {"number": p.number, "priority": p.choice},
        ticket=p.ticket,
    )


async def assign(desk: StaffBase, p: Press) -> StaffView:
    assert p.staff.id is not None
    if p.choice is None:
        agents = [
            s
            for s in await p.uow.staff.list_department(p.ticket.department_id)
            if s.active and s.id != p.ticket.assignee_id
        ]
        if not agents:
            raise IllegalTransition("error.no_agents")
        return p.choose(
            "staff.choose_assignee",
            [(Act.ASSIGN.value, f"a{a.id}", "staff.label", {"name": a.name}) for a in agents],
        )
    if not isinstance(p.choice, Target) or p.choice.agent_id is None:
        raise InvalidInput("error.bad_callback")
    agent = await desk.active_staff(p.uow, p.choice.agent_id)
    if agent.department_id != p.ticket.department_id:
        raise NotAllowed("error.other_department", number=p.number)
    assert agent.id is not None
    event = Work.assign(p.ticket, p.staff.id, agent.id, p.now)
    await desk.record(p.uow, p.ticket, event)
    desk.tell_staff(p.uow, agent, p.ticket, Kind.ASSIGNED, {"by": p.staff.name})
    return StaffView(
        p.locale, "staff.assigned", {"number": p.number, "name": agent.name}, ticket=p.ticket
    )


ACTS = {
    Act.CLAIM: StaffAct(claim, before_check=already_claimed, on_conflict=claimed_by),
    Act.PRIORITY: StaffAct(priority),
    Act.ASSIGN: StaffAct(assign),
}
