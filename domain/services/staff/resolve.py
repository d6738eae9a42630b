"""The end of a ticket: staff resolve (the customer confirms or reopens it) or close it."""

from __future__ import annotations

from domain.delivery import Kind
from domain.errors import IllegalTransition, NotFound
from domain.people import Sender
from domain.permissions import Act
from domain.presses import Confirmation
from domain.services import satisfaction
from domain.services.staff.base import Press, Said, StaffAct, StaffBase, StaffView, prompt
from domain.ticket import Status, Work


async def resolve(desk: StaffBase, s: Said) -> StaffView:
    event = Work.resolve(s.ticket, s.staff_id, s.text, s.now)
    await desk.record(s.uow, s.ticket, event)
    await desk.tell_customer(s.uow, s.ticket, Kind.RESOLVED, {"resolution": s.text})
    return s.view("staff.done.resolve")


async def press_close(desk: StaffBase, p: Press) -> StaffView:
    if p.ticket.status is not Status.RESOLVED:
        raise IllegalTransition("error.close_resolved_only", number=p.number)
    return await desk.expect(p, Act.CLOSE)


async def close(desk: StaffBase, s: Said) -> StaffView:
    event = Work.close(s.ticket, s.staff_id, s.text, s.now)
    await desk.record(s.uow, s.ticket, event)
    await satisfaction.open_poll(s.uow, desk.policy, s.now, s.ticket)
    return s.view("staff.done.close")


async def confirm(desk: StaffBase, sender: Sender, answer: Confirmation) -> StaffView:
    """ "Solved" closes the ticket; "Not solved" reopens it to the same assignee."""
    number = answer.number
    async with desk.uow() as uow:
        actor = await desk._actor(uow, sender)
        customer = desk._require_customer(actor)
        assert customer.id is not None
        ticket = await desk.ticket(uow, number)
        if ticket.customer_id != customer.id:
            raise NotFound("error.ticket_not_found", number=number)
        now = desk.clock.now()
        event = Work.confirm(ticket, customer.id, answer.solved, now)
        await desk.record(uow, ticket, event)
        await satisfaction.open_poll(uow, desk.policy, now, ticket)
        if not answer.solved:
            await desk.tell_assignee(uow, ticket, Kind.REOPENED, {})
        await uow.commit()
    key = "confirm.solved" if answer.solved else "confirm.reopened"
    return StaffView(actor.locale, key, {"number": number}, ticket=ticket)


ACTS = {
    Act.RESOLVE: StaffAct(prompt(Act.RESOLVE, workable=True), resolve, needs_text=True),
    Act.CLOSE: StaffAct(press_close, close, needs_text=True),
}
