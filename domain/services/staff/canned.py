"""An agent answers with a canned reply: the department's short list in the customer's
language (searchable by a word), one filled in for this ticket, then sent as it is or
edited first (the edited text is the agent's next message, sent as a reply)."""

from __future__ import annotations

from domain import intake
from domain.canned import PICKER_SIZE, Canned, Values, first_name
from domain.errors import InvalidInput, NotFound
from domain.people import Staff
from domain.permissions import Act
from domain.ports import Conversation, UnitOfWork
from domain.presses import CannedPick
from domain.services.staff import relay
from domain.services.staff.base import FLOW, Press, Said, StaffAct, StaffBase, StaffView
from domain.ticket import Ticket, Work

MAX_WORDS = 5


async def listing(
    desk: StaffBase, uow: UnitOfWork, staff: Staff, ticket: Ticket, words: tuple[str, ...]
) -> StaffView:
    """The short list, and a prompt for a word to search with."""
    Work.require_workable(ticket)
    locale = await relay.customer_locale(desk, uow, ticket)
    found = await uow.canned.pick(ticket.department_id, locale, words[:MAX_WORDS], PICKER_SIZE)
    data = {"act": Act.CANNED.value, "number": ticket.number}
    await uow.conversations.put(Conversation(staff.telegram_id, FLOW, data, desk.clock.now()))
    params = {"number": ticket.number, "words": " ".join(words)}
    if not found:
        key = "canned.none_found" if words else "canned.none"
        return StaffView(staff.locale, key, params, ticket=ticket, private_prompt=True)
    choices = [
        (Act.CANNED.value, f"c{c.id}", "canned.button.pick", {"title": c.title}) for c in found
    ]
    key = "canned.found" if words else "canned.picker"
    return StaffView(staff.locale, key, params, ticket=ticket, choices=choices)


async def chosen(uow: UnitOfWork, ticket: Ticket, canned_id: int | None) -> Canned:
    """The reply picked, if it still serves this ticket's department."""
    canned = await uow.canned.get(canned_id) if canned_id is not None else None
    if canned is None or not canned.active or canned.department_id != ticket.department_id:
        raise NotFound("canned.gone")
    return canned


async def filled(desk: StaffBase, p: Press, canned: Canned) -> str:
    """The reply's text with this ticket's values in its placeholders."""
    customer = await p.uow.customers.get(p.ticket.customer_id)
    values = Values(
        customer=first_name(customer.name) if customer is not None else "",
        ticket=p.number,
        agent=p.staff.first_name,
        due=p.ticket.resolve_due_at or p.ticket.ack_due_at,
    )
    return values.fill(canned.body, desk.policy.timezone)


async def pick(desk: StaffBase, p: Press) -> StaffView:
    choice = p.choice if p.choice is not None else CannedPick("list")
    if not isinstance(choice, CannedPick):
        raise InvalidInput("error.bad_callback")
    if choice.step == "list":
        return await listing(desk, p.uow, p.staff, p.ticket, choice.words)
    Work.require_workable(p.ticket)
    canned = await chosen(p.uow, p.ticket, choice.canned_id)
    text = await filled(desk, p, canned)
    if choice.step == "send":
        return await send(desk, p, canned, text)
    if choice.step == "edit":
        view = await desk.expect(p, Act.REPLY, canned=canned.id)
        view.key, view.params["text"] = "canned.edit", text
        return view
    value = f"{canned.id}"
    choices = [
        (Act.CANNED.value, f"s{value}", "canned.button.send", {}),
        (Act.CANNED.value, f"e{value}", "canned.button.edit", {}),
        (Act.CANNED.value, "l", "canned.button.back", {}),
    ]
    params = {"number": p.number, "title": canned.title, "text": text}
    return StaffView(p.locale, "canned.filled", params, ticket=p.ticket, choices=choices)


async def send(desk: StaffBase, p: Press, canned: Canned, text: str) -> StaffView:
    """The filled reply goes to the customer as it is; one more use counted."""
    limit = desk.policy.limits.message_max_chars
    if len(text) > limit:
        raise InvalidInput("intake.too_long", length=len(text), limit=limit)
    assert canned.id is not None
    assert p.ticket.id is not None
    assert p.staff.id is not None
    await p.uow.canned.used(canned.id, p.ticket.id, p.staff.id, p.now)
    await p.uow.conversations.delete(p.sender.telegram_id)
    said = Said(p.uow, p.staff, p.ticket, text, [], intake.Text(text), {}, p.now)
    return await relay.to_customer(desk, said, Act.REPLY)


async def search(desk: StaffBase, s: Said) -> StaffView:
    """A word typed while the list is shown: the list of the replies holding it."""
    words = tuple(s.text.split())
    return await listing(desk, s.uow, s.staff, s.ticket, words)


ACTS = {
    Act.CANNED: StaffAct(pick, search, needs_text=True),
}
