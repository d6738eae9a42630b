"""A customer's data: find them, export everything the desk holds about them, erase it.

Both run in one transaction and leave a trace: a row of the customer's own audit history
(`customer_audit`: what, when, by which command and operator, how much; kept for a customer
without tickets too, and shown in their export), and an internal event in each of their
tickets' history (`data_exported`, `data_erased`, by the system).

Erasing keeps what the reports count (tickets, their statuses, times, rounds, scores, the kinds
and actors of their events, attachment counts) and removes what identifies the person or what
they or the desk wrote: the profile's name, phone, e-mail and Telegram id, the tickets' texts and
contact phone, every event text and free-text event datum, the files (rows deleted; counts
kept), poll and score comments, collaboration questions, the customer's open conversation, and
the texts of every outbox message to them or about their tickets (pending ones are parked, so
nothing more is sent; those to them lose the chat id too).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain import delivery
from domain.ticket import ActorKind, EventKind
from storage.db import session_factory
from storage.models import (
    AttachmentRow,
    Base,
    CollaborationRow,
    ConversationRow,
    CustomerAuditRow,
    CustomerRow,
    DepartmentRow,
    OutboxRow,
    PollRow,
    TicketEventRow,
    TicketRow,
)
from storage.outbox import newest_card_states

EXPORT_FORMAT = "feedback-desk/customer-export/1"
ERASED_NAME = "erased"
ERASED_TEXT = "[erased]"
ERASED_REASON = "customer erased"
PENDING, PARKED, SENT = "pending", "parked", "sent"
EXPORTED, ERASED = "exported", "erased"  # customer_audit.action
EXPORT_COMMAND, ERASE_COMMAND = "feedback-desk customer export", "feedback-desk customer erase"
# Strings kept when outbox params and event data are scrubbed: codes, not anybody's words.
SAFE_KEYS = frozenset(
    {
        "number",
        "customer_number",
        "type",
        "priority",
        "channel",
        "status",
        "kind",
        "card_kind",
        "department",
        "due",
        "due_target",
        "from",
        "to",
        "stage",
        "target",
        "mime_type",
        "vip",
        "undelivered",
    }
)
MAX_BIGINT = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Match:
    """A customer that a lookup key found, and how."""

    customer_id: int
    number: str
    how: str


class CustomerNotFound(Exception):
    """No customer has this number, Telegram id or phone."""


class AmbiguousCustomer(Exception):
    """Several customers match; `matches` says which and how."""

    def __init__(self, key: str, matches: Sequence[Match]) -> None:
        super().__init__(key)
        self.key = key
        self.matches = list(matches)


@dataclass(slots=True)
class Erasure:
    """What an erase did; `already` when there was nothing left to erase."""

    number: str
    tickets: int = 0
    already: bool = False
    counts: dict[str, int] = field(default_factory=dict)


def _phone_variants(key: str) -> set[str]:
    digits = "".join(ch for ch in key if ch.isdigit())
    if len(digits) < 5 or any(ch.isalpha() for ch in key):
        return set()
    return {key, digits, f"+{digits}"}


async def find(session: AsyncSession, key: str) -> list[Match]:
    """Every customer whose number, Telegram id or phone (the profile's or a ticket's
    contact phone) is `key`, once each."""
    key = key.strip()
    found: dict[int, list[str]] = {}

    def add(rows: Iterable[Any], how: str) -> None:
        for row in rows:
            hows = found.setdefault(int(row.id), [])
            if how not in hows:
                hows.append(how)

    add(
        await session.execute(select(CustomerRow.id).where(CustomerRow.number == key.upper())),
        "customer number",
    )
    if key.isdigit() and int(key) <= MAX_BIGINT:
        add(
            await session.execute(
                select(CustomerRow.id).where(CustomerRow.telegram_id == int(key))
            ),
            "Telegram id",
        )
    phones = _phone_variants(key)
    if phones:
        add(
            await session.execute(select(CustomerRow.id).where(CustomerRow.phone.in_(phones))),
            "phone",
        )
        add(
            await session.execute(
                select(TicketRow.customer_id.label("id"))
                .where(TicketRow.contact_phone.in_(phones))
                .distinct()
            ),
            "a ticket's contact phone",
        )
    if not found:
        return []
    pairs = await session.execute(
        select(CustomerRow.id, CustomerRow.number).where(CustomerRow.id.in_(found))
    )
    numbers = {int(cid): str(number) for cid, number in pairs}
    return [Match(cid, numbers[cid], ", ".join(hows)) for cid, hows in sorted(found.items())]


async def find_one(session: AsyncSession, key: str) -> Match:
    """The one customer `key` names; raises CustomerNotFound or AmbiguousCustomer."""
    matches = await find(session, key)
    if not matches:
        raise CustomerNotFound(key)
    if len(matches) > 1:
        raise AmbiguousCustomer(key, matches)
    return matches[0]


def _columns(row: Base, *, skip: Iterable[str] = ()) -> dict[str, Any]:
    left_out = set(skip)
    return {
        column.key: getattr(row, column.key)
        for column in row.__table__.columns  # type: ignore[attr-defined]
        if column.key not in left_out
    }


async def _tickets(session: AsyncSession, customer_id: int) -> list[TicketRow]:
    return list(
        await session.scalars(
            select(TicketRow).where(TicketRow.customer_id == customer_id).order_by(TicketRow.id)
        )
    )


def _audit(ticket_id: int, kind: EventKind, now: datetime, data: dict[str, Any]) -> TicketEventRow:
    return TicketEventRow(
        ticket_id=ticket_id,
        kind=kind.value,
        actor_kind=ActorKind.SYSTEM.value,
        actor_id=None,
        body=None,
        visible_to_customer=False,
        data=data,
        created_at=now,
    )


async def _record(
    session: AsyncSession,
    customer_id: int,
    action: str,
    now: datetime,
    *,
    operator: str | None,
    counts: dict[str, int],
) -> None:
    """A row of the customer's audit history (their tickets' events are the callers')."""
    session.add(
        CustomerAuditRow(
            customer_id=customer_id,
            action=action,
            command=EXPORT_COMMAND if action == EXPORTED else ERASE_COMMAND,
            operator=operator,
            counts=counts,
            created_at=now,
        )
    )
    await session.flush()


async def _audit_history(session: AsyncSession, customer_id: int) -> list[dict[str, Any]]:
    return [
        _columns(row, skip=("id", "customer_id"))
        for row in await session.scalars(
            select(CustomerAuditRow)
            .where(CustomerAuditRow.customer_id == customer_id)
            .order_by(CustomerAuditRow.id)
        )
    ]


def _export_counts(document: dict[str, Any]) -> dict[str, int]:
    tickets = document["tickets"]
    return {
        "tickets": len(tickets),
        "events": sum(len(t["events"]) for t in tickets),
        "polls": sum(len(t["polls"]) for t in tickets),
        "outbox": len(document["outbox"]),
    }


async def _document(session: AsyncSession, customer: CustomerRow, now: datetime) -> dict[str, Any]:
    tickets = await _tickets(session, customer.id)
    ids = [t.id for t in tickets]
    codes = await session.execute(select(DepartmentRow.id, DepartmentRow.code))
    departments = {int(i): str(c) for i, c in codes}
    events: dict[int, list[dict[str, Any]]] = {}
    attachments: dict[int | None, list[dict[str, Any]]] = {}
    polls: dict[int, list[dict[str, Any]]] = {}
    loose: dict[int, list[dict[str, Any]]] = {}
    if ids:
        for file in await session.scalars(
            select(AttachmentRow)
            .where(AttachmentRow.ticket_id.in_(ids))
            .order_by(AttachmentRow.id)
        ):
            entry = _columns(file, skip=("id", "ticket_id", "event_id"))
            if file.event_id is None:
                loose.setdefault(file.ticket_id, []).append(entry)
            else:
                attachments.setdefault(file.event_id, []).append(entry)
        for event in await session.scalars(
            select(TicketEventRow)
            .where(TicketEventRow.ticket_id.in_(ids))
            .order_by(TicketEventRow.id)
        ):
            entry = _columns(event, skip=("ticket_id",))
            entry["attachments"] = attachments.get(event.id, [])
            events.setdefault(event.ticket_id, []).append(entry)
        for poll in await session.scalars(
            select(PollRow).where(PollRow.ticket_id.in_(ids)).order_by(PollRow.id)
        ):
            polls.setdefault(poll.ticket_id, []).append(
                _columns(poll, skip=("ticket_id", "customer_id"))
            )
    outbox: list[dict[str, Any]] = []
    conversation = None
    if customer.telegram_id is not None:
        outbox = [
            _columns(row, skip=("lease_until",))
            for row in await session.scalars(
                select(OutboxRow)
                .where(OutboxRow.chat_id == customer.telegram_id)
                .order_by(OutboxRow.id)
            )
        ]
        found = await session.get(ConversationRow, customer.telegram_id)
        conversation = _columns(found) if found is not None else None
    return {
        "format": EXPORT_FORMAT,
        "exported_at": now,
        "customer": _columns(customer),
        "tickets": [
            {
                **_columns(ticket, skip=("customer_id",)),
                "department": departments.get(ticket.department_id),
                "events": events.get(ticket.id, []),
                "attachments_without_event": loose.get(ticket.id, []),
                "polls": polls.get(ticket.id, []),
            }
            for ticket in tickets
        ],
        "conversation": conversation,
        "outbox": outbox,
    }


async def export(
    engine: AsyncEngine, customer_id: int, now: datetime, *, operator: str | None = None
) -> dict[str, Any]:
    """Everything the desk holds about the customer, as JSON-ready data (datetimes left as
    they are), with their audit history, this export included: it is recorded there and as
    a `data_exported` event on each of their tickets, in the same transaction."""
    async with session_factory(engine)() as session, session.begin():
        customer = await session.get(CustomerRow, customer_id)
        if customer is None:
            raise CustomerNotFound(str(customer_id))
        document = await _document(session, customer, now)
        for ticket in document["tickets"]:
            session.add(_audit(ticket["id"], EventKind.DATA_EXPORTED, now, {}))
        counts = _export_counts(document)
        await _record(session, customer_id, EXPORTED, now, operator=operator, counts=counts)
        document["audit"] = await _audit_history(session, customer_id)
    return document


def scrub(value: Any, key: str | None = None) -> Any:
    """`value` with every string that is not a code (see SAFE_KEYS) replaced by ERASED_TEXT."""
    if isinstance(value, dict):
        return {k: scrub(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, key) for v in value]
    if isinstance(value, str) and key not in SAFE_KEYS:
        return ERASED_TEXT
    return value


def _is_erased(customer: CustomerRow) -> bool:
    return (
        customer.name == ERASED_NAME
        and customer.telegram_id is None
        and customer.phone is None
        and customer.email is None
    )


async def erase(
    engine: AsyncEngine, customer_id: int, now: datetime, *, operator: str | None = None
) -> Erasure:
    """Anonymise the customer (see the module's docstring) in one transaction, recorded in
    their audit history; a ticket that already has a `data_erased` event is not touched
    again, and an erasure that finds nothing left to erase records nothing."""
    async with session_factory(engine)() as session, session.begin():
        customer = await session.scalar(
            select(CustomerRow).where(CustomerRow.id == customer_id).with_for_update()
        )
        if customer is None:
            raise CustomerNotFound(str(customer_id))
        tickets, todo = await _to_erase(session, customer)
        result = Erasure(customer.number, tickets=len(tickets))
        if _is_erased(customer) and not todo:
            result.already = True
            return result
        result.counts = await _erase(session, customer, todo, now)
        await _record(session, customer_id, ERASED, now, operator=operator, counts=result.counts)
    return result


async def _to_erase(session: AsyncSession, customer: CustomerRow) -> tuple[list[int], list[int]]:
    """The ids of the customer's tickets, and of those without a `data_erased` event yet."""
    tickets = [t.id for t in await _tickets(session, customer.id)]
    done = set(
        await session.scalars(
            select(TicketEventRow.ticket_id).where(
                TicketEventRow.ticket_id.in_(tickets),
                TicketEventRow.kind == EventKind.DATA_ERASED.value,
            )
        )
    )
    return tickets, [t for t in tickets if t not in done]


async def _clean_staff_chats(
    session: AsyncSession, ids: list[int], now: datetime
) -> dict[str, int]:
    """Queue what reaches the staff chats: every card of the tickets edited to its erased
    form, every relayed copy of the customer's messages deleted (or blanked)."""
    newest = newest_card_states(ids)
    cards = list(await session.scalars(select(OutboxRow).where(OutboxRow.id.in_(newest))))
    for card in cards:  # its params were scrubbed above
        session.add(_queued(card.chat_id, card.kind, card.locale, dict(card.params), card, now))
    relayed = await session.scalars(
        select(OutboxRow).where(
            OutboxRow.ticket_id.in_(ids),
            OutboxRow.kind.in_(delivery.RELAYED_FROM_CUSTOMER),
            OutboxRow.status == SENT,
            OutboxRow.message_id.is_not(None),
        )
    )
    copies: dict[tuple[int, int], OutboxRow] = {}
    for row in relayed:  # lines merged into one message share its id
        copies.setdefault((row.chat_id, int(row.message_id or 0)), row)
    for (chat_id, message_id), row in copies.items():
        params = {"message_id": message_id, "file": row.kind.endswith(".file")}
        session.add(_queued(chat_id, delivery.Kind.ERASE_MESSAGE, row.locale, params, row, now))
    return {"staff_cards_queued": len(cards), "relayed_copies_queued": len(copies)}


def _queued(
    chat_id: int, kind: str, locale: str, params: dict[str, Any], like: OutboxRow, now: datetime
) -> OutboxRow:
    return OutboxRow(
        chat_id=chat_id,
        kind=kind,
        locale=locale,
        params=params,
        ticket_id=like.ticket_id,
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        urgency=delivery.urgency(kind, params),
        card_id=like.card_id if kind == delivery.Kind.CARD else None,
    )


async def already_erased(session: AsyncSession, customer_id: int) -> bool:
    """Whether an erase of this customer would change nothing."""
    customer = await session.get(CustomerRow, customer_id)
    if customer is None:
        raise CustomerNotFound(str(customer_id))
    return _is_erased(customer) and not (await _to_erase(session, customer))[1]


async def _erase(
    session: AsyncSession, customer: CustomerRow, ids: list[int], now: datetime
) -> dict[str, int]:
    counts: dict[str, int] = {}
    telegram_id = customer.telegram_id
    customer.name = ERASED_NAME
    customer.phone = None
    customer.email = None
    customer.telegram_id = None
    customer.username = None  # and what staff noted of them
    customer.company = None
    customer.tags = None
    if telegram_id is not None:
        gone = await session.execute(
            delete(ConversationRow).where(ConversationRow.user_id == telegram_id)
        )
        counts["conversations"] = gone.rowcount  # type: ignore[attr-defined]
    concerning = [OutboxRow.chat_id == telegram_id] if telegram_id is not None else []
    if ids:
        concerning.append(OutboxRow.ticket_id.in_(ids))
        for ticket in await session.scalars(select(TicketRow).where(TicketRow.id.in_(ids))):
            ticket.title = ERASED_TEXT
            ticket.description = ERASED_TEXT
            if ticket.reference is not None:
                ticket.reference = ERASED_TEXT
            ticket.contact_phone = None
            ticket.score_comment = None
            # a bot saving the ticket it loaded before now must fail and load it again
            ticket.version += 1
        counts["tickets"] = len(ids)
        events = 0
        for event in await session.scalars(
            select(TicketEventRow).where(TicketEventRow.ticket_id.in_(ids))
        ):
            if event.body is not None:
                event.body = ERASED_TEXT
            event.data = scrub(dict(event.data or {}))
            events += 1
        counts["events"] = events
        files = await session.execute(
            delete(AttachmentRow).where(AttachmentRow.ticket_id.in_(ids))
        )
        counts["attachments"] = files.rowcount  # type: ignore[attr-defined]
        await session.execute(
            update(PollRow)
            .where(or_(PollRow.ticket_id.in_(ids), PollRow.customer_id == customer.id))
            .values(comment=None)
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(CollaborationRow)
            .where(CollaborationRow.ticket_id.in_(ids))
            .values(question=ERASED_TEXT)
            .execution_options(synchronize_session=False)
        )
    parked = blanked = 0
    if concerning:
        for row in await session.scalars(select(OutboxRow).where(or_(*concerning))):
            row.params = scrub(dict(row.params or {}))
            blanked += 1
            if row.status == PENDING:
                row.status = PARKED
                row.error = ERASED_REASON
                row.lease_until = None
                parked += 1
            if telegram_id is not None and row.chat_id == telegram_id:
                row.chat_id = 0
    counts["outbox_blanked"] = blanked
    counts["outbox_parked"] = parked
    if ids:
        counts.update(await _clean_staff_chats(session, ids, now))
    for ticket_id in ids:
        session.add(_audit(ticket_id, EventKind.DATA_ERASED, now, {}))
    await session.flush()
    return counts
