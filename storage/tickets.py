"""Tickets and their events: the rows most updates read and write, as SQLAlchemy Core
statements built once (a statement built per call costs more than running it on SQLite)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ConcurrentChange
from domain.ticket import (
    ActorKind,
    Attachment,
    AttachmentKind,
    Channel,
    EventKind,
    FeedbackType,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from storage.db import escape_like
from storage.models import AttachmentRow, CustomerRow, TicketEventRow, TicketRow, UtcDateTime
from storage.people import STAFF, Seen, prefixed, to_staff, unprefixed

T: Table = TicketRow.__table__  # type: ignore[assignment]
E: Table = TicketEventRow.__table__  # type: ignore[assignment]
A: Table = AttachmentRow.__table__  # type: ignore[assignment]
C: Table = CustomerRow.__table__  # type: ignore[assignment]

# written as they are by add() and save()
_PLAIN = (
    "department_id",
    "assignee_id",
    "attachment_count",
    "updated_at",
    "acknowledged_at",
    "resolved_at",
    "closed_at",
    "ack_due_at",
    "resolve_due_at",
    "next_check_at",
    "resolve_paused_at",
    "resolve_paused_seconds",
    "auto_close_at",
    "round",
    "round_started_at",
    "round_acknowledged_at",
    "score",
    "score_comment",
    "ack_seconds",
    "resolve_seconds",
    "merged_into_id",
    "clock_started_at",
)
_CREATED = ("number", "customer_id", "title", "description", "reference", "contact_phone")


def _ticket(row: Any) -> Ticket:
    return Ticket(
        id=row.id,
        number=row.number,
        customer_id=row.customer_id,
        department_id=row.department_id,
        type=FeedbackType(row.type),
        channel=Channel(row.channel),
        priority=Priority(row.priority),
        status=Status(row.status),
        title=row.title,
        description=row.description,
        reference=row.reference,
        contact_phone=row.contact_phone,
        business_stopped=row.business_stopped,
        assignee_id=row.assignee_id,
        attachment_count=row.attachment_count,
        created_at=row.created_at,
        updated_at=row.updated_at,
        acknowledged_at=row.acknowledged_at,
        first_response_at=row.first_response_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        version=row.version,
        ack_due_at=row.ack_due_at,
        resolve_due_at=row.resolve_due_at,
        next_check_at=row.next_check_at,
        resolve_paused_at=row.resolve_paused_at,
        resolve_paused_seconds=row.resolve_paused_seconds or 0,
        auto_close_at=row.auto_close_at,
        round=row.round or 1,
        round_started_at=row.round_started_at,
        round_acknowledged_at=row.round_acknowledged_at,
        score=row.score,
        score_comment=row.score_comment,
        ack_seconds=row.ack_seconds,
        first_response_seconds=row.first_response_seconds,
        resolve_seconds=row.resolve_seconds,
        merged_into_id=row.merged_into_id,
        clock_started_at=row.clock_started_at,
    )


def _saved(ticket: Ticket) -> dict[str, Any]:
    values = {f"b_{name}": getattr(ticket, name) for name in _PLAIN}
    values["b_priority"] = ticket.priority.value
    values["b_status"] = ticket.status.value
    values["b_first_response_at"] = ticket.first_response_at
    return values


def _bind(name: str) -> Any:
    return bindparam(f"b_{name}", type_=T.c[name].type)


_SAVE = (
    update(T)
    .where(T.c.id == bindparam("b_id"), T.c.version == bindparam("b_version"))
    .values(
        {
            **{name: _bind(name) for name in (*_PLAIN, "priority", "status")},
            # set once, by delivery (storage.outbox); a save never clears it
            "first_response_at": func.coalesce(T.c.first_response_at, _bind("first_response_at")),
            "version": T.c.version + 1,
        }
    )
)
_INSERT = insert(T)
_BY_NUMBER = select(T).where(T.c.number == bindparam("b_number"))
_BY_ID = select(T).where(T.c.id == bindparam("b_id"))


@functools.lru_cache(maxsize=16)
def _of_customer(statuses: frozenset[str] | None, limit: int) -> Any:
    """A customer's tickets (in `statuses`) with their assignees, newest first: a message
    for a claimed ticket goes to its assignee. Built once per kind of list."""
    query = (
        select(T, *prefixed(STAFF, "a_"))
        .select_from(T.outerjoin(STAFF, STAFF.c.id == T.c.assignee_id))
        .where(T.c.customer_id == bindparam("b_customer"))
    )
    if statuses is not None:
        query = query.where(T.c.status.in_(sorted(statuses)))
    return query.order_by(T.c.id.desc()).limit(limit)


class SqlTickets:
    def __init__(self, session: AsyncSession, seen: Seen) -> None:
        self.session = session
        self.seen = seen

    async def add(self, ticket: Ticket) -> Ticket:
        values = {name: getattr(ticket, name) for name in (*_PLAIN, *_CREATED)}
        values.update(
            type=ticket.type.value,
            channel=ticket.channel.value,
            priority=ticket.priority.value,
            status=ticket.status.value,
            business_stopped=ticket.business_stopped,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at or ticket.created_at,
            version=0,
        )
        result = await self.session.execute(_INSERT, values)
        ticket.id = result.inserted_primary_key[0]  # type: ignore[index]
        ticket.version = 0
        return ticket

    async def _one(self, statement: Any, params: dict[str, Any]) -> Ticket | None:
        row = (await self.session.execute(statement, params)).first()
        return _ticket(row) if row else None

    async def get_by_number(self, number: str) -> Ticket | None:
        return await self._one(_BY_NUMBER, {"b_number": number})

    async def get(self, ticket_id: int) -> Ticket | None:
        return await self._one(_BY_ID, {"b_id": ticket_id})

    async def list_for_customer(
        self, customer_id: int, *, statuses: frozenset[Status] | None = None, limit: int = 20
    ) -> Sequence[Ticket]:
        values = None if statuses is None else frozenset(s.value for s in statuses)
        query = _of_customer(values, limit)
        tickets = []
        for row in await self.session.execute(query, {"b_customer": customer_id}):
            assignee = unprefixed(row, STAFF, "a_")
            if assignee is not None:
                self.seen.saw_staff(assignee.telegram_id, to_staff(assignee))
            tickets.append(_ticket(row))
        return tickets

    async def list_staff_view(
        self,
        *,
        departments: Sequence[int] | None = None,
        assignee_id: int | None = None,
        unclaimed: bool = False,
        statuses: frozenset[Status] | None = None,
        words: Sequence[str] = (),
        limit: int = 20,
    ) -> Sequence[Ticket]:
        """Tickets for staff lists: /queue (unclaimed), /mine (assignee), /find (words)."""
        query = select(T)
        if departments is not None:
            query = query.where(T.c.department_id.in_(list(departments)))
        if assignee_id is not None:
            query = query.where(T.c.assignee_id == assignee_id)
        if unclaimed:
            query = query.where(T.c.assignee_id.is_(None))
        if statuses is not None:
            query = query.where(T.c.status.in_([s.value for s in statuses]))
        if words:
            query = query.join(C, C.c.id == T.c.customer_id)
            for word in words:
                query = query.where(_matches(word))
        order = (T.c.created_at, T.c.id) if unclaimed else (T.c.id.desc(),)
        rows = await self.session.execute(query.order_by(*order).limit(limit))
        return [_ticket(r) for r in rows]

    async def due_for_check(self, now: datetime, limit: int) -> Sequence[Ticket]:
        """Tickets whose next SLA check has come, earliest first: an indexed range read.
        On PostgreSQL rows another sweeper holds are skipped, not waited for."""
        query = (
            select(T)
            .where(T.c.next_check_at <= now)
            .order_by(T.c.next_check_at, T.c.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [_ticket(r) for r in await self.session.execute(query)]

    async def claim_notice(self, ticket_id: int, target: str, stage: str, due: datetime) -> bool:
        """Mark the notice of `stage` (and the stages before it) as sent for `due`; False
        when it already was, by this sweeper or another."""
        stages = ("warned", "breached", "escalated")
        index = ("warning", "breach", "escalation").index(stage)
        prefix = "ack" if target == "acknowledge" else "resolve"
        column = T.c[f"{prefix}_{stages[index]}_for"]
        values = {f"{prefix}_{name}_for": due for name in stages[: index + 1]}
        result = await self.session.execute(
            update(T)
            .where(
                T.c.id == ticket_id,
                or_(column.is_(None), column != literal(due, type_=UtcDateTime())),
            )
            .values(**values)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def set_next_check(self, ticket_id: int, at: datetime | None) -> None:
        await self.session.execute(update(T).where(T.c.id == ticket_id).values(next_check_at=at))

    async def list_flagged(
        self, *, departments: Sequence[int] | None, limit: int = 30
    ) -> Sequence[Ticket]:
        """Open tickets the sweep has warned about (at risk) or found late, in scope."""
        at_risk = or_(
            (T.c.acknowledged_at.is_(None)) & T.c.ack_warned_for.is_not(None),
            T.c.status.in_(["new", "in_progress"]) & T.c.resolve_warned_for.is_not(None),
        )
        query = select(T).where(
            at_risk, T.c.status.in_(["new", "in_progress", "waiting_customer"])
        )
        if departments is not None:
            query = query.where(T.c.department_id.in_(list(departments)))
        rows = await self.session.execute(query.order_by(T.c.id).limit(limit * 4))
        return [_ticket(r) for r in rows]

    async def due_auto_close(self, now: datetime, limit: int) -> Sequence[Ticket]:
        """Resolved tickets whose customer did not answer in time (indexed range read)."""
        rows = await self.session.execute(
            select(T)
            .where(T.c.auto_close_at <= now, T.c.status == "resolved")
            .order_by(T.c.auto_close_at, T.c.id)
            .limit(limit)
        )
        return [_ticket(r) for r in rows]

    async def save(self, ticket: Ticket) -> None:
        params = _saved(ticket)
        params.update(b_id=ticket.id, b_version=ticket.version)
        result = await self.session.execute(_SAVE, params)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentChange(number=ticket.number)
        ticket.version += 1


def _matches(word: str) -> Any:
    pattern = f"%{escape_like(word.lower())}%"
    return or_(
        func.lower(T.c.number).like(pattern, escape="\\"),
        func.lower(T.c.title).like(pattern, escape="\\"),
        func.lower(T.c.description).like(pattern, escape="\\"),
        func.lower(C.c.name).like(pattern, escape="\\"),
        C.c.phone.like(pattern, escape="\\"),
        T.c.contact_phone.like(pattern, escape="\\"),
    )


_MINE = and_(E.c.ticket_id == bindparam("b_ticket"), E.c.kind == EventKind.CUSTOMER_MESSAGE.value)
_CUSTOMER_MESSAGES = select(
    select(func.count()).select_from(E).where(_MINE).scalar_subquery(),
    select(E.c.body).where(_MINE).order_by(E.c.id.desc()).limit(1).scalar_subquery(),
)


_INSERT_EVENT = insert(E)
_INSERT_ATTACHMENT = insert(A)


class SqlEvents:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, event: TicketEvent) -> TicketEvent:
        assert event.ticket_id is not None
        result = await self.session.execute(
            _INSERT_EVENT,
            {
                "ticket_id": event.ticket_id,
                "kind": event.kind.value,
                "actor_kind": event.actor_kind.value,
                "actor_id": event.actor_id,
                "body": event.body,
                "visible_to_customer": event.visible_to_customer,
                "data": event.data,
                "created_at": event.created_at,
            },
        )
        event.id = result.inserted_primary_key[0]  # type: ignore[index]
        if event.attachments:
            await self.session.execute(
                _INSERT_ATTACHMENT, [_attachment_row(event, a) for a in event.attachments]
            )
        return event

    async def move(self, from_ticket: int, to_ticket: int) -> int:
        """Re-point a ticket's whole history and files to another ticket; how many events."""
        moved = await self.session.execute(
            update(E).where(E.c.ticket_id == from_ticket).values(ticket_id=to_ticket)
        )
        await self.session.execute(
            update(A).where(A.c.ticket_id == from_ticket).values(ticket_id=to_ticket)
        )
        return int(moved.rowcount)  # type: ignore[attr-defined]

    async def customer_messages(self, ticket_id: int) -> tuple[int, str | None]:
        count, last = (
            await self.session.execute(_CUSTOMER_MESSAGES, {"b_ticket": ticket_id})
        ).one()
        return int(count or 0), (last or None) if count else None

    async def list_for_ticket(
        self, ticket_id: int, *, customer_visible_only: bool
    ) -> Sequence[TicketEvent]:
        query = select(E).where(E.c.ticket_id == ticket_id)
        if customer_visible_only:
            query = query.where(E.c.visible_to_customer.is_(True))
        # by time: a merged-in duplicate's lines sit among this ticket's where they happened
        rows = list(await self.session.execute(query.order_by(E.c.created_at, E.c.id)))
        files = await self.session.execute(
            select(A).where(A.c.ticket_id == ticket_id).order_by(A.c.id)
        )
        by_event: dict[int | None, list[Attachment]] = {}
        for f in files:
            by_event.setdefault(f.event_id, []).append(
                Attachment(
                    kind=AttachmentKind(f.kind),
                    file_id=f.file_id,
                    file_unique_id=f.file_unique_id,
                    size=f.size,
                    file_name=f.file_name,
                    mime_type=f.mime_type,
                )
            )
        return [
            TicketEvent(
                id=r.id,
                ticket_id=r.ticket_id,
                kind=EventKind(r.kind),
                created_at=r.created_at,
                actor_kind=ActorKind(r.actor_kind),
                actor_id=r.actor_id,
                body=r.body,
                visible_to_customer=r.visible_to_customer,
                data=dict(r.data or {}),
                attachments=by_event.get(r.id, []),
            )
            for r in rows
        ]


def _attachment_row(event: TicketEvent, attachment: Attachment) -> dict[str, Any]:
    return {
        "ticket_id": event.ticket_id,
        "event_id": event.id,
        "kind": attachment.kind.value,
        "file_id": attachment.file_id,
        "file_unique_id": attachment.file_unique_id,
        "file_name": attachment.file_name,
        "mime_type": attachment.mime_type,
        "size": attachment.size,
        "created_at": event.created_at,
    }
