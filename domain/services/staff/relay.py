"""Staff write to the customer (relayed, with a "delivered" mark) or a note for colleagues."""

from __future__ import annotations

from typing import Any

from domain import intake
from domain.delivery import Kind
from domain.people import Staff
from domain.permissions import Act
from domain.ports import UnitOfWork
from domain.services.desk import relay_notices
from domain.services.staff.base import (
    QUIET,
    Press,
    Said,
    StaffAct,
    StaffBase,
    StaffView,
    prompt,
)
from domain.ticket import Ticket, Work


def receipt(staff: Staff, value: intake.Input) -> dict[str, Any] | None:
    """Where the "delivered" mark of a staff message goes: on the message itself."""
    message_id = getattr(value, "message_id", None)
    if message_id is None:
        return None
    return {"chat_id": staff.telegram_id, "message_id": message_id, "locale": staff.locale}


async def to_customer(desk: StaffBase, s: Said, act: Act) -> StaffView:
    """The message goes to the customer: a reply, or a question (`Act.ASK`)."""
    ask = act is Act.ASK
    event = Work.reply(s.ticket, s.staff_id, s.body, s.attachments, s.now, ask=ask)
    await desk.record(s.uow, s.ticket, event)
    customer = await s.uow.customers.get(s.ticket.customer_id)
    mark = receipt(s.staff, s.value)
    if customer is not None and customer.telegram_id is not None:
        for notice in relay_notices(
            Kind.ASKED if ask else Kind.AGENT_REPLY,
            customer.telegram_id,
            customer.locale,
            s.ticket,
            sender=s.staff.first_name,
            body=s.body,
            attachments=s.attachments,
        ):
            if mark is not None:  # a reaction on it says "delivered", or a notice
                notice.params["receipt"] = mark  # says why it was not
            s.uow.outbox.add(notice)
        if not ask and mark is not None:
            return s.view(QUIET)
    return s.view(f"staff.done.{act.value}")


async def reply(desk: StaffBase, s: Said) -> StaffView:
    canned = s.data.get("canned")
    if isinstance(canned, int) and s.ticket.id is not None:  # a canned reply, edited first
        await s.uow.canned.used(canned, s.ticket.id, s.staff_id, s.now)
    return await to_customer(desk, s, Act.REPLY)


async def customer_locale(desk: StaffBase, uow: UnitOfWork, ticket: Ticket) -> str:
    """The language the ticket's customer reads (the desk's default when unknown)."""
    customer = await uow.customers.get(ticket.customer_id)
    return customer.locale if customer is not None else desk.policy.default_language


async def press_reply(desk: StaffBase, p: Press) -> StaffView:
    """The prompt for the reply; a button to the canned replies when the department has
    some in the customer's language."""
    Work.require_workable(p.ticket)
    view = await desk.expect(p, Act.REPLY)
    locale = await customer_locale(desk, p.uow, p.ticket)
    if await p.uow.canned.count(p.ticket.department_id, locale):
        view.choices = [(Act.CANNED.value, "l", "canned.button.open", {})]
    return view


async def note(desk: StaffBase, s: Said) -> StaffView:
    event = Work.note(s.ticket, s.staff_id, s.body, s.attachments, s.now)
    await desk.record(s.uow, s.ticket, event)
    return s.view("staff.done.note")


ACTS = {
    Act.REPLY: StaffAct(press_reply, reply),
    Act.NOTE: StaffAct(prompt(Act.NOTE), note),
}
