"""Ticket cards: where staff see a ticket, and how every change reaches every card.

A card is an outbox row of kind `card` carrying a snapshot of the ticket; the first row of
a card sends it, every later one edits the same Telegram message (storage keeps its id).
Rows to one chat go out in order, so the last edit shows the ticket as it is.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from domain import sla
from domain.assignment import waiting_for_assignee
from domain.delivery import Kind
from domain.masking import mask_phone
from domain.people import Customer, Department, Role, Staff
from domain.policy import DeskPolicy
from domain.ports import CardRef, Notice, UnitOfWork
from domain.ticket import Ticket

CARD = "card"  # the department's card
COLLAB = "collab"  # a card asking another department for help
PREVIEW_CHARS = 300


async def recipients(
    uow: UnitOfWork, policy: DeskPolicy, department: Department
) -> list[tuple[int, str]]:
    """Who gets a department's cards: its staff chat, else each of its active staff
    privately, else the admins."""
    if department.staff_chat_id is not None:
        return [(department.staff_chat_id, policy.default_language)]
    assert department.id is not None
    staff = await uow.staff.list_department(department.id)
    chosen = [(s.telegram_id, s.locale) for s in staff if s.active and s.role is not Role.ADMIN]
    if chosen:
        return chosen
    return [(admin, policy.default_language) for admin in sorted(policy.admin_ids)]


async def post(
    uow: UnitOfWork,
    policy: DeskPolicy,
    now: datetime,
    ticket: Ticket,
    department: Department,
    *,
    kind: str = CARD,
    question: str | None = None,
    filed: bool = False,
) -> None:
    """New cards of `ticket` for `department` (its own cards, or a collaboration card);
    `filed`: the ticket was filed in this unit of work (no customer message on it yet)."""
    assert ticket.id is not None
    snapshot = await snapshot_of(uow, policy, ticket, now, filed=filed)
    for chat_id, locale in await recipients(uow, policy, department):
        card_id = await uow.cards.add(ticket.id, chat_id, locale, kind, department.id, now)
        card = CardRef(card_id, ticket.id, chat_id, locale, kind, department.id)
        uow.outbox.add(_notice(card, snapshot, question=question))


async def ticket_changed(
    uow: UnitOfWork, policy: DeskPolicy, ticket: Ticket, *, now: datetime | None = None
) -> None:
    """Edit every card of `ticket` to show it as it is now (with the SLA time left at `now`)."""
    assert ticket.id is not None
    cards = await uow.cards.for_ticket(ticket.id)
    if not cards:
        return
    snapshot = await snapshot_of(uow, policy, ticket, now)
    for card in cards:
        uow.outbox.add(_notice(card, snapshot))


def _notice(card: CardRef, snapshot: dict[str, Any], *, question: str | None = None) -> Notice:
    params = dict(snapshot)
    params["card_id"] = card.id
    params["card_kind"] = card.kind
    # a department's card after the ticket moved elsewhere keeps no buttons
    params["moved"] = card.kind == CARD and card.department_id != snapshot["department_id"]
    if question is not None:
        params["question"] = question
    return Notice(card.chat_id, Kind.CARD, card.locale, params, card.ticket_id)


async def view_of(uow: UnitOfWork, policy: DeskPolicy, ticket: Ticket) -> dict[str, Any]:
    """The card of `ticket` as one staff member is shown it privately (`/ticket`, Open)."""
    snapshot = await snapshot_of(uow, policy, ticket)
    snapshot.update(card_kind=CARD, moved=False)
    return snapshot


async def snapshot_of(
    uow: UnitOfWork,
    policy: DeskPolicy,
    ticket: Ticket,
    now: datetime | None = None,
    *,
    filed: bool = False,
) -> dict[str, Any]:
    assert ticket.id is not None
    customer = await uow.customers.get(ticket.customer_id)
    department = await uow.departments.get(ticket.department_id)
    assignee = await uow.staff.get(ticket.assignee_id) if ticket.assignee_id else None
    messages, last = (0, None) if filed else await uow.events.customer_messages(ticket.id)
    running = sla.left(ticket, policy, now) if now is not None else None
    acknowledging = ticket.acknowledged_in_round is None
    due = (
        (ticket.ack_due_at if acknowledging else ticket.resolve_due_at)
        if ticket.status in sla.RESOLVE_RUNNING
        else None
    )
    return {
        "number": ticket.number,
        "type": ticket.type.value,
        "priority": ticket.priority.value,
        "channel": ticket.channel.value,
        "status": ticket.status.value,
        "title": ticket.title,
        "customer": _customer_name(customer),
        "vip": _vip(policy, customer),
        "customer_number": customer.number if customer else "",
        "contact": mask_phone(ticket.contact_phone or (customer.phone if customer else None)),
        "attachments": ticket.attachment_count,
        "department_id": ticket.department_id,
        "department": _department_name(department),
        "assignee": assignee.name if assignee else None,
        "given": waiting_for_assignee(ticket),  # auto-assigned, not acknowledged yet
        "due": due.astimezone(policy.timezone).strftime("%Y-%m-%d %H:%M") if due else None,
        "due_target": "acknowledge" if acknowledging else "resolve",
        "round": ticket.round,
        "score": ticket.score,
        "score_comment": _preview(ticket.score_comment),
        # whole seconds, down: a target missed by a fraction of a second is missed
        "left_seconds": math.floor(running[1].total_seconds()) if running else None,
        "messages": messages,
        "last_message": _preview(last),
    }


def _vip(policy: DeskPolicy, customer: Customer | None) -> str | None:
    """Why the card marks a VIP: "raised" (their tickets start a level higher) or "yes"."""
    if not policy.is_vip(customer):
        return None
    return "raised" if policy.vip_raises_priority else "yes"


def _customer_name(customer: Customer | None) -> str:
    return customer.name if customer else ""


def _department_name(department: Department | None) -> dict[str, str] | str:
    return department.label() if department else ""


def _preview(text: str | None) -> str | None:
    if not text:
        return None
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"


def staff_label(staff: Staff) -> str:
    """How a staff member is named to other staff."""
    return staff.name
