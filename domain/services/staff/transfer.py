"""A ticket moves on (to another department or agent), or another department is asked for
help and answers."""

from __future__ import annotations

from typing import Any

from domain.delivery import Kind
from domain.errors import IllegalTransition, InvalidInput
from domain.permissions import Act
from domain.ports import UnitOfWork
from domain.presses import Target
from domain.services import cards
from domain.services.staff.base import Press, Said, StaffAct, StaffBase, StaffView, prompt
from domain.ticket import ActorKind, EventKind, Ticket, TicketEvent, Work

Choices = list[tuple[str, str, str, dict[str, Any]]]


async def _transfer_choices(uow: UnitOfWork, ticket: Ticket) -> Choices:
    choices: Choices = []
    for department in await uow.departments.list():
        if department.id != ticket.department_id:
            choices.append(
                (
                    Act.TRANSFER.value,
                    f"d{department.id}",
                    "staff.to_department",
                    {"name": department.label()},
                )
            )
    for colleague in await uow.staff.list_department(ticket.department_id):
        if colleague.active and colleague.id != ticket.assignee_id:
            choices.append(
                (
                    Act.TRANSFER.value,
                    f"a{colleague.id}",
                    "staff.to_agent",
                    {"name": colleague.name},
                )
            )
    if not choices:
        raise IllegalTransition("error.nowhere_to_transfer")
    return choices


async def _target(desk: StaffBase, p: Press) -> tuple[int, int | None]:
    """The chosen department, or the chosen active staff member (with their department)."""
    choice = p.choice
    if not isinstance(choice, Target):
        raise InvalidInput("error.bad_callback")
    if choice.agent_id is None:
        assert choice.department_id is not None
        department = await desk.department(p.uow, choice.department_id)
        assert department.id is not None
        return department.id, None
    agent = await desk.active_staff(p.uow, choice.agent_id)
    return agent.department_id or p.ticket.department_id, agent.id


async def press_transfer(desk: StaffBase, p: Press) -> StaffView:
    if p.choice is None:
        return p.choose("staff.choose_transfer", await _transfer_choices(p.uow, p.ticket))
    department_id, agent_id = await _target(desk, p)
    return await desk.expect(p, Act.TRANSFER, department_id=department_id, agent_id=agent_id)


async def transfer(desk: StaffBase, s: Said) -> StaffView:
    department = await desk.department(s.uow, int(s.data["department_id"]))
    assert department.id is not None
    agent_id = s.data.get("agent_id")
    agent = await desk.active_staff(s.uow, int(agent_id)) if agent_id is not None else None
    moved = department.id != s.ticket.department_id
    event = Work.transfer(
        s.ticket,
        s.staff_id,
        s.text,
        s.now,
        department_id=department.id,
        agent_id=agent.id if agent else None,
    )
    await desk.record(s.uow, s.ticket, event)
    if moved:
        await cards.post(s.uow, desk.policy, s.now, s.ticket, department)
    if agent is not None:
        params = {"by": s.staff.name, "reason": s.text}
        desk.tell_staff(s.uow, agent, s.ticket, Kind.TRANSFERRED_TO_YOU, params)
    return s.view("staff.done.xfer", target=agent.name if agent else department.label())


async def press_collaborate(desk: StaffBase, p: Press) -> StaffView:
    if p.choice is None:
        departments = [d for d in await p.uow.departments.list() if d.id != p.ticket.department_id]
        if not departments:
            raise IllegalTransition("error.no_other_department")
        return p.choose(
            "staff.choose_collab",
            [
                (Act.COLLABORATE.value, f"d{d.id}", "staff.label", {"name": d.label()})
                for d in departments
            ],
        )
    department_id, _ = await _target(desk, p)
    if department_id == p.ticket.department_id:
        raise IllegalTransition("error.same_department", number=p.number)
    return await desk.expect(p, Act.COLLABORATE, department_id=department_id)


async def collaborate(desk: StaffBase, s: Said) -> StaffView:
    assert s.ticket.id is not None
    department = await desk.department(s.uow, int(s.data["department_id"]))
    assert department.id is not None
    await s.uow.collaborations.add(s.ticket.id, department.id, s.staff_id, s.text, s.now)
    await s.uow.events.add(
        _staff_event(s, EventKind.COLLAB_REQUESTED, {"department": department.id}, files=False)
    )
    await cards.post(
        s.uow, desk.policy, s.now, s.ticket, department, kind=cards.COLLAB, question=s.text
    )
    return s.view("staff.done.collab", department=department.label())


async def answer(desk: StaffBase, s: Said) -> StaffView:
    """The other department's answer, for the ticket's assignee."""
    assert s.ticket.id is not None
    data = {"department": s.staff.department_id}
    await s.uow.events.add(_staff_event(s, EventKind.COLLAB_ANSWER, data, files=True))
    params = {"by": s.staff.name, "body": s.text}
    await desk.tell_assignee(s.uow, s.ticket, Kind.COLLAB_ANSWER, params)
    return s.view("staff.done.answer")


def _staff_event(s: Said, kind: EventKind, data: dict[str, Any], *, files: bool) -> TicketEvent:
    """An internal event of the collaboration, never shown to the customer."""
    return TicketEvent(
        kind=kind,
        created_at=s.now,
        actor_kind=ActorKind.STAFF,
        actor_id=s.staff_id,
        body=s.text,
        visible_to_customer=False,
        attachments=s.attachments if files else [],
        data=data,
        ticket_id=s.ticket.id,
    )


ACTS = {
    Act.TRANSFER: StaffAct(press_transfer, transfer, needs_text=True),
    Act.COLLABORATE: StaffAct(press_collaborate, collaborate, needs_text=True),
    Act.ANSWER: StaffAct(prompt(Act.ANSWER), answer, needs_text=True),
}
