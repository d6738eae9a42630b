"""What staff look at: the card, the customer's phone, the history, the files."""

from __future__ import annotations

from collections.abc import Sequence

from domain.errors import InvalidInput, NotFound
from domain.permissions import Act
from domain.ports import UnitOfWork
from domain.presses import Page
from domain.services import cards
from domain.services.staff.base import Press, StaffAct, StaffBase, StaffView
from domain.ticket import ActorKind, EventKind, TicketEvent

HISTORY_PAGE = 8


async def view(desk: StaffBase, p: Press) -> StaffView:
    card = await cards.view_of(p.uow, desk.policy, p.ticket)
    return StaffView(p.locale, "staff.card", ticket=p.ticket, card=card)


async def reveal(desk: StaffBase, p: Press) -> StaffView:
    assert p.staff.id is not None
    customer = await p.uow.customers.get(p.ticket.customer_id)
    phone = p.ticket.contact_phone or (customer.phone if customer else None)
    if not phone:
        raise NotFound("error.no_contact", number=p.number)
    await p.uow.events.add(
        TicketEvent(
            kind=EventKind.CONTACT_REVEALED,
            created_at=p.now,
            actor_kind=ActorKind.STAFF,
            actor_id=p.staff.id,
            visible_to_customer=False,
            ticket_id=p.ticket.id,
        )
    )
    return StaffView(
        p.locale,
        "staff.revealed",
        {"number": p.number, "phone": phone},
        ticket=p.ticket,
        alert="staff.revealed",
    )


async def history(desk: StaffBase, p: Press) -> StaffView:
    if p.choice is not None and not isinstance(p.choice, Page):
        raise InvalidInput("error.bad_callback")
    page = p.choice.number if p.choice is not None else 0
    assert p.ticket.id is not None
    events = list(await p.uow.events.list_for_ticket(p.ticket.id, customer_visible_only=False))
    names = await _names(p.uow, events)
    for e in events:
        e.actor_name = names.get((e.actor_kind.value, e.actor_id))
    pages = max(1, -(-len(events) // HISTORY_PAGE))
    page = min(page, pages - 1)
    newest_first = list(reversed(events))
    shown = newest_first[page * HISTORY_PAGE : (page + 1) * HISTORY_PAGE]
    return StaffView(
        p.locale,
        "staff.history",
        {"number": p.number},
        ticket=p.ticket,
        events=shown,
        page=page,
        pages=pages,
    )


async def files(desk: StaffBase, p: Press) -> StaffView:
    assert p.ticket.id is not None
    events = await p.uow.events.list_for_ticket(p.ticket.id, customer_visible_only=False)
    found = [a for e in events for a in e.attachments]
    if not found:
        raise NotFound("error.no_files", number=p.number)
    return StaffView(p.locale, "staff.files", {"number": p.number}, ticket=p.ticket, files=found)


async def _names(
    uow: UnitOfWork, events: Sequence[TicketEvent]
) -> dict[tuple[str, int | None], str]:
    names: dict[tuple[str, int | None], str] = {}
    for event in events:
        key = (event.actor_kind.value, event.actor_id)
        if key in names or event.actor_id is None:
            continue
        if event.actor_kind.value == "staff":
            person = await uow.staff.get(event.actor_id)
            names[key] = person.name if person else "?"
        elif event.actor_kind.value == "customer":
            customer = await uow.customers.get(event.actor_id)
            names[key] = customer.name if customer else "?"
    return names


ACTS = {
    Act.VIEW: StaffAct(view),
    Act.REVEAL: StaffAct(reveal),
    Act.HISTORY: StaffAct(history),
    Act.FILES: StaffAct(files),
}
