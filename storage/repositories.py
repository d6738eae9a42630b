"""Repositories: domain objects in, domain objects out, SQL in between.

Who a user is (staff, customers) lives in storage.people, tickets and their events in
storage.tickets; the statements of every update are built once, as SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import delivery
from domain.people import Department, Role
from domain.ports import CardRef, Conversation, Invite, Notice, Poll
from storage.db import insert_for
from storage.models import (
    CollaborationRow,
    ConversationRow,
    CounterRow,
    InviteRow,
    OutboxRow,
    PollRow,
    TicketCardRow,
)
from storage.people import DEPARTMENT, Seen, to_conversation, to_department

CONVERSATION: Table = ConversationRow.__table__  # type: ignore[assignment]
CARD: Table = TicketCardRow.__table__  # type: ignore[assignment]
OUTBOX: Table = OutboxRow.__table__  # type: ignore[assignment]


def _upsert(session: AsyncSession, table: Any) -> Any:
    """The dialect's INSERT that can say ON CONFLICT."""
    return insert_for(session.get_bind().dialect.name, table)


def _per_dialect(build: Any) -> dict[str, Any]:
    """A statement built once for each dialect that needs its own (ON CONFLICT)."""
    return {dialect: build(dialect) for dialect in ("sqlite", "postgresql")}


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


_DEPARTMENT_BY_ID = select(DEPARTMENT).where(DEPARTMENT.c.id == bindparam("b_id"))
_DEPARTMENT_BY_CODE = select(DEPARTMENT).where(DEPARTMENT.c.code == bindparam("b_code"))


class SqlDepartments:
    def __init__(self, session: AsyncSession, seen: Seen) -> None:
        self.session = session
        self.seen = seen

    async def _one(self, statement: Any, params: dict[str, Any]) -> Department | None:
        row = (await self.session.execute(statement, params)).first()
        department = to_department(row) if row else None
        if department is not None and department.id is not None:
            self.seen.departments[department.id] = department
        return department

    async def get_by_code(self, code: str) -> Department | None:
        for department in self.seen.departments.values():
            if department is not None and department.code == code:
                return department
        return await self._one(_DEPARTMENT_BY_CODE, {"b_code": code})

    async def get(self, department_id: int) -> Department | None:
        if department_id in self.seen.departments:
            return self.seen.departments[department_id]
        department = await self._one(_DEPARTMENT_BY_ID, {"b_id": department_id})
        self.seen.departments[department_id] = department
        return department

    async def list(self) -> Sequence[Department]:
        rows = await self.session.execute(select(DEPARTMENT).order_by(DEPARTMENT.c.id))
        return [to_department(r) for r in rows]

    async def upsert(self, department: Department) -> Department:
        """Create the department or bring its names and staff chat in line with config."""
        self.seen.departments.clear()
        row = (
            await self.session.execute(_DEPARTMENT_BY_CODE, {"b_code": department.code})
        ).first()
        values: dict[str, Any] = {"name": department.name, "names": dict(department.names)}
        if department.staff_chat_id is not None:
            values["staff_chat_id"] = department.staff_chat_id
        # the config's assignment applies when it is new or changed since the last start;
        # otherwise what an admin chose in `/departments` stays
        config = f"{department.assignment}:{department.ack_minutes}"
        if row is None or row.assignment_config != config:
            values.update(
                assignment=department.assignment,
                ack_minutes=department.ack_minutes,
                assignment_config=config,
            )
        if row is None:
            result = await self.session.execute(
                insert(DEPARTMENT).values(
                    code=department.code, created_at=department.since, **values
                )
            )
            department.id = result.inserted_primary_key[0]  # type: ignore[index]
            return department
        await self.session.execute(
            update(DEPARTMENT).where(DEPARTMENT.c.id == row.id).values(**values)
        )
        department.id = row.id
        department.staff_chat_id = values.get("staff_chat_id", row.staff_chat_id)
        department.since = row.created_at
        department.assignment = values.get("assignment", row.assignment)
        department.ack_minutes = values.get("ack_minutes", row.ack_minutes)
        return department

    async def set_staff_chat(self, department_id: int, chat_id: int | None) -> None:
        self.seen.departments.clear()
        await self.session.execute(
            update(DEPARTMENT)
            .where(DEPARTMENT.c.id == department_id)
            .values(staff_chat_id=chat_id)
        )


_INSERT_CARD = insert(CARD)
_CARDS_OF = select(CARD).where(CARD.c.ticket_id == bindparam("b_ticket")).order_by(CARD.c.id)


class SqlCards:
    """Where each ticket is shown to staff, so every change edits those messages."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        ticket_id: int,
        chat_id: int,
        locale: str,
        kind: str,
        department_id: int | None,
        now: datetime,
    ) -> int:
        result = await self.session.execute(
            _INSERT_CARD,
            {
                "ticket_id": ticket_id,
                "chat_id": chat_id,
                "locale": locale,
                "kind": kind,
                "department_id": department_id,
                "created_at": now,
            },
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    async def for_ticket(self, ticket_id: int) -> Sequence[CardRef]:
        rows = await self.session.execute(_CARDS_OF, {"b_ticket": ticket_id})
        return [
            CardRef(r.id, r.ticket_id, r.chat_id, r.locale, r.kind, r.department_id) for r in rows
        ]

    async def ticket_at(self, chat_id: int, message_id: int) -> int | None:
        """The ticket a message in a staff chat is about: a card, or a relayed message."""
        card = await self.session.scalar(
            select(CARD.c.ticket_id).where(
                CARD.c.chat_id == chat_id, CARD.c.message_id == message_id
            )
        )
        if card is not None:
            return int(card)
        relayed = await self.session.scalar(
            select(OUTBOX.c.ticket_id).where(
                OUTBOX.c.chat_id == chat_id, OUTBOX.c.message_id == message_id
            )
        )
        return int(relayed) if relayed is not None else None


class SqlCollaborations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, ticket_id: int, department_id: int, asked_by: int, question: str, now: datetime
    ) -> int:
        row = CollaborationRow(
            ticket_id=ticket_id,
            department_id=department_id,
            asked_by=asked_by,
            question=question,
            open=True,
            created_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def departments_for(self, ticket_id: int) -> frozenset[int]:
        rows = await self.session.scalars(
            select(CollaborationRow.department_id).where(CollaborationRow.ticket_id == ticket_id)
        )
        return frozenset(int(r) for r in rows)


_INSERT_OUTBOX_IDS = insert(OUTBOX).returning(OUTBOX.c.id)


class SqlOutbox:
    """Outbox rows written in the unit of work's transaction: kept until the unit of work
    commits (or a row's id is asked for), then inserted together, in order."""

    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.session = session
        self.now = now
        self.added = 0
        self._queued: list[dict[str, Any]] = []

    def _row(self, notice: Notice, due: datetime) -> dict[str, Any]:
        return {
            "chat_id": notice.chat_id,
            "kind": notice.kind,
            "locale": notice.locale,
            "params": notice.params,
            "ticket_id": notice.ticket_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": due,
            "created_at": self.now,
            "urgency": delivery.urgency(notice.kind, notice.params),
            "card_id": delivery.card_of(notice.kind, notice.params),
        }

    def add(self, notice: Notice) -> None:
        self._queued.append(self._row(notice, self.now))
        self.added += 1

    async def add_fallback(self, notice: Notice, after: timedelta) -> int:
        """A row the acting user's reply stands in for: not due until `after` has passed, so
        the dispatcher sends it only if the reply was never confirmed sent (the process
        died between the commit and the reply). Returns its id, to confirm it."""
        self._queued.append(self._row(notice, self.now + after))
        return await self.flush()

    async def flush(self) -> int:
        """Insert the rows queued so far, in one statement; the last one's id (0: none).
        Ids grow in the order rows are inserted, the order the dispatcher sends them in."""
        if not self._queued:
            return 0
        rows, self._queued = self._queued, []
        ids = await self.session.scalars(_INSERT_OUTBOX_IDS, rows)
        return max(ids)


_CONVERSATION = select(CONVERSATION).where(CONVERSATION.c.user_id == bindparam("b_user"))
_FORGET = delete(CONVERSATION).where(CONVERSATION.c.user_id == bindparam("b_user"))


def _put_conversation(dialect: str) -> Any:
    statement = insert_for(dialect, ConversationRow)
    return statement.on_conflict_do_update(
        index_elements=[ConversationRow.user_id],
        set_={k: statement.excluded[k] for k in ("flow", "data", "updated_at")},
    )


_PUT = _per_dialect(_put_conversation)


class SqlConversations:
    def __init__(self, session: AsyncSession, seen: Seen) -> None:
        self.session = session
        self.seen = seen

    async def get(self, user_id: int) -> Conversation | None:
        if user_id in self.seen.conversations:
            return self.seen.conversations[user_id]
        row = (await self.session.execute(_CONVERSATION, {"b_user": user_id})).first()
        conversation = to_conversation(row) if row else None
        self.seen.conversations[user_id] = conversation
        return conversation

    async def put(self, conversation: Conversation) -> None:
        values = {
            "user_id": conversation.user_id,
            "flow": conversation.flow,
            "data": conversation.data,
            "updated_at": conversation.updated_at,
        }
        await self.session.execute(_PUT[_dialect(self.session)], values)
        self.seen.conversations[conversation.user_id] = conversation

    async def delete(self, user_id: int) -> None:
        await self.session.execute(_FORGET, {"b_user": user_id})
        self.seen.conversations[user_id] = None


def _next_value(dialect: str) -> Any:
    statement = insert_for(dialect, CounterRow).values(key=bindparam("b_key"), value=1)
    return statement.on_conflict_do_update(
        index_elements=[CounterRow.key], set_={"value": CounterRow.value + 1}
    ).returning(CounterRow.value)


_NEXT = _per_dialect(_next_value)


class SqlCounters:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next(self, key: str) -> int:
        result = await self.session.execute(_NEXT[_dialect(self.session)], {"b_key": key})
        return int(result.scalar_one())


def _invite(row: InviteRow) -> Invite:
    return Invite(
        id=row.id,
        token=row.token,
        role=Role(row.role),
        department_id=row.department_id,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_by=row.used_by,
        used_at=row.used_at,
    )


class SqlInvites:
    """Staff invite links; each can be used once."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, invite: Invite) -> Invite:
        row = InviteRow(
            token=invite.token,
            role=invite.role.value,
            department_id=invite.department_id,
            created_by=invite.created_by,
            created_at=invite.created_at,
            expires_at=invite.expires_at,
        )
        self.session.add(row)
        await self.session.flush()
        invite.id = row.id
        return invite

    async def get_by_token(self, token: str) -> Invite | None:
        row = await self.session.scalar(select(InviteRow).where(InviteRow.token == token))
        return _invite(row) if row else None

    async def claim(self, invite_id: int, staff_id: int, now: datetime) -> bool:
        result = await self.session.execute(
            update(InviteRow)
            .where(
                InviteRow.id == invite_id,
                InviteRow.used_by.is_(None),
                InviteRow.used_at.is_(None),
                InviteRow.expires_at > now,
            )
            .values(used_by=staff_id, used_at=now)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


def _poll(row: PollRow) -> Poll:
    return Poll(
        id=row.id,
        ticket_id=row.ticket_id,
        customer_id=row.customer_id,
        round=row.round,
        created_at=row.created_at,
        expires_at=row.expires_at,
        answered_at=row.answered_at,
        score=row.score,
    )


class SqlPolls:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        ticket_id: int,
        customer_id: int,
        round: int,
        now: datetime,
        expires_at: datetime,
        remind_at: datetime,
    ) -> int:
        row = PollRow(
            ticket_id=ticket_id,
            customer_id=customer_id,
            round=round,
            created_at=now,
            expires_at=expires_at,
            remind_at=remind_at,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def get(self, poll_id: int) -> Poll | None:
        row = await self.session.get(PollRow, poll_id)
        return _poll(row) if row else None

    async def latest_for_ticket(self, ticket_id: int) -> int | None:
        value = await self.session.scalar(
            select(func.max(PollRow.id)).where(PollRow.ticket_id == ticket_id)
        )
        return int(value) if value is not None else None

    async def answer(self, poll_id: int, score: int, now: datetime, counted: bool) -> bool:
        result = await self.session.execute(
            update(PollRow)
            .where(PollRow.id == poll_id, PollRow.answered_at.is_(None))
            .values(score=score, answered_at=now, counted=counted, remind_at=None)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def set_comment(self, poll_id: int, comment: str) -> None:
        await self.session.execute(
            update(PollRow)
            .where(PollRow.id == poll_id)
            .values(comment=comment)
            .execution_options(synchronize_session=False)
        )

    async def due_reminders(self, now: datetime, limit: int) -> Sequence[Poll]:
        rows = await self.session.scalars(
            select(PollRow)
            .where(PollRow.remind_at <= now)
            .order_by(PollRow.remind_at, PollRow.id)
            .limit(limit)
        )
        return [_poll(r) for r in rows]

    async def claim_reminder(self, poll_id: int, now: datetime) -> bool:
        result = await self.session.execute(
            update(PollRow)
            .where(
                PollRow.id == poll_id,
                PollRow.remind_at.is_not(None),
                PollRow.answered_at.is_(None),
            )
            .values(remind_at=None, reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]
