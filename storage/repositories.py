"""Repositories: domain objects in, domain objects out, SQL in between."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import delivery
from domain.errors import ConcurrentChange
from domain.people import Customer, Department, Role, Staff
from domain.ports import CardRef, Conversation, Invite, Notice, Poll
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
from storage.db import insert_for
from storage.models import (
    AttachmentRow,
    CollaborationRow,
    ConversationRow,
    CounterRow,
    CustomerRow,
    DepartmentRow,
    InviteRow,
    OutboxRow,
    PollRow,
    StaffRow,
    TicketCardRow,
    TicketEventRow,
    TicketRow,
    UtcDateTime,
)


def _upsert(session: AsyncSession, table: Any) -> Any:
    """The dialect's INSERT that can say ON CONFLICT."""
    return insert_for(session.get_bind().dialect.name, table)


def _customer(row: CustomerRow) -> Customer:
    return Customer(
        id=row.id,
        number=row.number,
        created_at=row.created_at,
        telegram_id=row.telegram_id,
        name=row.name,
        phone=row.phone,
        email=row.email,
        locale=row.locale,
        vip=row.vip,
    )


def _staff(row: StaffRow) -> Staff:
    return Staff(
        id=row.id,
        telegram_id=row.telegram_id,
        name=row.name,
        role=Role(row.role),
        department_id=row.department_id,
        active=row.active,
        locale=row.locale,
        since=row.created_at,
    )


def _department(row: DepartmentRow) -> Department:
    return Department(
        id=row.id,
        code=row.code,
        name=row.name,
        staff_chat_id=row.staff_chat_id,
        names=dict(row.names or {}),
        since=row.created_at,
    )


def _ticket(row: TicketRow) -> Ticket:
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
    )


class SqlCustomers:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_by_telegram_id(self, telegram_id: int) -> Customer | None:
        row = await self.session.scalar(
            select(CustomerRow).where(CustomerRow.telegram_id == telegram_id)
        )
        return _customer(row) if row else None

    async def get(self, customer_id: int) -> Customer | None:
        row = await self.session.get(CustomerRow, customer_id)
        return _customer(row) if row else None

    async def search(self, query: str, *, limit: int = 8) -> Sequence[Customer]:
        """Customers whose phone has the query's digits, or whose name has the query."""
        digits = "".join(ch for ch in query if ch.isdigit())
        conditions = [
            func.lower(CustomerRow.name).like(f"%{_escape_like(query.lower())}%", escape="\\")
        ]
        if len(digits) >= 4:
            conditions.append(CustomerRow.phone.like(f"%{digits}%"))
        rows = await self.session.scalars(
            select(CustomerRow)
            .where(or_(*conditions))
            .order_by(CustomerRow.id.desc())
            .limit(limit)
        )
        return [_customer(r) for r in rows]

    async def add(self, customer: Customer) -> Customer:
        row = CustomerRow(
            number=customer.number,
            created_at=customer.created_at,
            telegram_id=customer.telegram_id,
            name=customer.name,
            phone=customer.phone,
            email=customer.email,
            locale=customer.locale,
            vip=customer.vip,
        )
        self.session.add(row)
        await self.session.flush()
        customer.id = row.id
        return customer

    async def set_locale(self, customer_id: int, locale: str) -> None:
        await self.session.execute(
            update(CustomerRow).where(CustomerRow.id == customer_id).values(locale=locale)
        )

    async def update_contact(self, customer_id: int, *, name: str, phone: str | None) -> None:
        await self.session.execute(
            update(CustomerRow).where(CustomerRow.id == customer_id).values(name=name, phone=phone)
        )


class SqlStaff:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_by_telegram_id(self, telegram_id: int) -> Staff | None:
        row = await self.session.scalar(
            select(StaffRow).where(StaffRow.telegram_id == telegram_id)
        )
        return _staff(row) if row else None

    async def get(self, staff_id: int) -> Staff | None:
        row = await self.session.get(StaffRow, staff_id)
        return _staff(row) if row else None

    async def set_locale(self, staff_id: int, locale: str) -> None:
        await self.session.execute(
            update(StaffRow).where(StaffRow.id == staff_id).values(locale=locale)
        )

    async def set_name(self, staff_id: int, name: str) -> None:
        await self.session.execute(
            update(StaffRow).where(StaffRow.id == staff_id).values(name=name[:200])
        )

    async def list_department(self, department_id: int) -> Sequence[Staff]:
        rows = await self.session.scalars(
            select(StaffRow).where(StaffRow.department_id == department_id).order_by(StaffRow.id)
        )
        return [_staff(r) for r in rows]

    async def ensure(self, staff: Staff) -> Staff:
        """Make the user staff with this role and department (config wins over the database)."""
        row = await self.session.scalar(
            select(StaffRow).where(StaffRow.telegram_id == staff.telegram_id)
        )
        if row is None:
            return await self.add(staff)
        row.role = staff.role.value
        row.department_id = staff.department_id
        row.active = True
        await self.session.flush()
        return _staff(row)

    async def add(self, staff: Staff) -> Staff:
        row = StaffRow(
            telegram_id=staff.telegram_id,
            name=staff.name,
            role=staff.role.value,
            department_id=staff.department_id,
            active=staff.active,
            locale=staff.locale,
            created_at=staff.since,
        )
        self.session.add(row)
        await self.session.flush()
        staff.id = row.id
        return staff

    async def list_all(self) -> Sequence[Staff]:
        rows = await self.session.scalars(select(StaffRow).order_by(StaffRow.id))
        return [_staff(r) for r in rows]

    async def set_membership(
        self,
        staff_id: int,
        *,
        role: Role,
        department_id: int | None,
        active: bool,
        name: str | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "role": role.value,
            "department_id": department_id,
            "active": active,
        }
        if name is not None:
            values["name"] = name
        await self.session.execute(
            update(StaffRow).where(StaffRow.id == staff_id).values(**values)
        )


class SqlDepartments:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_by_code(self, code: str) -> Department | None:
        row = await self.session.scalar(select(DepartmentRow).where(DepartmentRow.code == code))
        return _department(row) if row else None

    async def get(self, department_id: int) -> Department | None:
        row = await self.session.get(DepartmentRow, department_id)
        return _department(row) if row else None

    async def list(self) -> Sequence[Department]:
        rows = await self.session.scalars(select(DepartmentRow).order_by(DepartmentRow.id))
        return [_department(r) for r in rows]

    async def upsert(self, department: Department) -> Department:
        """Create the department or bring its names and staff chat in line with config."""
        row = await self.session.scalar(
            select(DepartmentRow).where(DepartmentRow.code == department.code)
        )
        if row is None:
            row = DepartmentRow(
                code=department.code, name=department.name, created_at=department.since
            )
            self.session.add(row)
        row.name = department.name
        row.names = dict(department.names)
        if department.staff_chat_id is not None:
            row.staff_chat_id = department.staff_chat_id
        await self.session.flush()
        department.id = row.id
        department.staff_chat_id = row.staff_chat_id
        department.since = row.created_at
        return department

    async def set_staff_chat(self, department_id: int, chat_id: int | None) -> None:
        await self.session.execute(
            update(DepartmentRow)
            .where(DepartmentRow.id == department_id)
            .values(staff_chat_id=chat_id)
        )


class SqlTickets:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, ticket: Ticket) -> Ticket:
        row = TicketRow(
            number=ticket.number,
            customer_id=ticket.customer_id,
            department_id=ticket.department_id,
            type=ticket.type.value,
            channel=ticket.channel.value,
            priority=ticket.priority.value,
            status=ticket.status.value,
            title=ticket.title,
            description=ticket.description,
            reference=ticket.reference,
            contact_phone=ticket.contact_phone,
            business_stopped=ticket.business_stopped,
            assignee_id=ticket.assignee_id,
            attachment_count=ticket.attachment_count,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at or ticket.created_at,
            version=0,
            ack_due_at=ticket.ack_due_at,
            resolve_due_at=ticket.resolve_due_at,
            next_check_at=ticket.next_check_at,
            resolve_paused_at=ticket.resolve_paused_at,
            resolve_paused_seconds=ticket.resolve_paused_seconds,
            auto_close_at=ticket.auto_close_at,
            round=ticket.round,
            ack_seconds=ticket.ack_seconds,
            resolve_seconds=ticket.resolve_seconds,
        )
        self.session.add(row)
        await self.session.flush()
        ticket.id = row.id
        ticket.version = 0
        return ticket

    async def get_by_number(self, number: str) -> Ticket | None:
        row = await self.session.scalar(select(TicketRow).where(TicketRow.number == number))
        return _ticket(row) if row else None

    async def list_for_customer(
        self, customer_id: int, *, statuses: frozenset[Status] | None = None, limit: int = 20
    ) -> Sequence[Ticket]:
        query = select(TicketRow).where(TicketRow.customer_id == customer_id)
        if statuses is not None:
            query = query.where(TicketRow.status.in_([s.value for s in statuses]))
        rows = await self.session.scalars(query.order_by(TicketRow.id.desc()).limit(limit))
        return [_ticket(r) for r in rows]

    async def get(self, ticket_id: int) -> Ticket | None:
        row = await self.session.get(TicketRow, ticket_id)
        return _ticket(row) if row else None

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
        query = select(TicketRow)
        if departments is not None:
            query = query.where(TicketRow.department_id.in_(list(departments)))
        if assignee_id is not None:
            query = query.where(TicketRow.assignee_id == assignee_id)
        if unclaimed:
            query = query.where(TicketRow.assignee_id.is_(None))
        if statuses is not None:
            query = query.where(TicketRow.status.in_([s.value for s in statuses]))
        if words:
            query = query.join(CustomerRow, CustomerRow.id == TicketRow.customer_id)
            for word in words:
                pattern = f"%{_escape_like(word.lower())}%"
                query = query.where(
                    or_(
                        func.lower(TicketRow.number).like(pattern, escape="\\"),
                        func.lower(TicketRow.title).like(pattern, escape="\\"),
                        func.lower(TicketRow.description).like(pattern, escape="\\"),
                        func.lower(CustomerRow.name).like(pattern, escape="\\"),
                        CustomerRow.phone.like(pattern, escape="\\"),
                        TicketRow.contact_phone.like(pattern, escape="\\"),
                    )
                )
        order = (TicketRow.created_at, TicketRow.id) if unclaimed else (TicketRow.id.desc(),)
        rows = await self.session.scalars(query.order_by(*order).limit(limit))
        return [_ticket(r) for r in rows]

    async def due_for_check(self, now: datetime, limit: int) -> Sequence[Ticket]:
        """Tickets whose next SLA check has come, earliest first: an indexed range read.
        On PostgreSQL rows another sweeper holds are skipped, not waited for."""
        query = (
            select(TicketRow)
            .where(TicketRow.next_check_at <= now)
            .order_by(TicketRow.next_check_at, TicketRow.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = await self.session.scalars(query)
        return [_ticket(r) for r in rows]

    async def claim_notice(self, ticket_id: int, target: str, stage: str, due: datetime) -> bool:
        """Mark the notice of `stage` (and the stages before it) as sent for `due`; False
        when it already was, by this sweeper or another."""
        stages = ("warned", "breached", "escalated")
        index = ("warning", "breach", "escalation").index(stage)
        prefix = "ack" if target == "acknowledge" else "resolve"
        column = getattr(TicketRow, f"{prefix}_{stages[index]}_for")
        values = {f"{prefix}_{name}_for": due for name in stages[: index + 1]}
        result = await self.session.execute(
            update(TicketRow)
            .where(
                TicketRow.id == ticket_id,
                or_(column.is_(None), column != literal(due, type_=UtcDateTime())),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def set_next_check(self, ticket_id: int, at: datetime | None) -> None:
        await self.session.execute(
            update(TicketRow)
            .where(TicketRow.id == ticket_id)
            .values(next_check_at=at)
            .execution_options(synchronize_session=False)
        )

    async def list_flagged(
        self, *, departments: Sequence[int] | None, limit: int = 30
    ) -> Sequence[Ticket]:
        """Open tickets the sweep has warned about (at risk) or found late, in scope."""
        at_risk = or_(
            (TicketRow.acknowledged_at.is_(None)) & TicketRow.ack_warned_for.is_not(None),
            TicketRow.status.in_(["new", "in_progress"])
            & TicketRow.resolve_warned_for.is_not(None),
        )
        query = select(TicketRow).where(
            at_risk, TicketRow.status.in_(["new", "in_progress", "waiting_customer"])
        )
        if departments is not None:
            query = query.where(TicketRow.department_id.in_(list(departments)))
        rows = await self.session.scalars(query.order_by(TicketRow.id).limit(limit * 4))
        return [_ticket(r) for r in rows]

    async def due_auto_close(self, now: datetime, limit: int) -> Sequence[Ticket]:
        """Resolved tickets whose customer did not answer in time (indexed range read)."""
        rows = await self.session.scalars(
            select(TicketRow)
            .where(TicketRow.auto_close_at <= now, TicketRow.status == "resolved")
            .order_by(TicketRow.auto_close_at, TicketRow.id)
            .limit(limit)
        )
        return [_ticket(r) for r in rows]

    async def save(self, ticket: Ticket) -> None:
        result = await self.session.execute(
            update(TicketRow)
            .where(TicketRow.id == ticket.id, TicketRow.version == ticket.version)
            .values(
                department_id=ticket.department_id,
                priority=ticket.priority.value,
                status=ticket.status.value,
                assignee_id=ticket.assignee_id,
                attachment_count=ticket.attachment_count,
                updated_at=ticket.updated_at,
                acknowledged_at=ticket.acknowledged_at,
                # set once, by delivery (storage.outbox); a save never clears it
                first_response_at=func.coalesce(
                    TicketRow.first_response_at,
                    literal(ticket.first_response_at, type_=UtcDateTime()),
                ),
                resolved_at=ticket.resolved_at,
                closed_at=ticket.closed_at,
                ack_due_at=ticket.ack_due_at,
                resolve_due_at=ticket.resolve_due_at,
                next_check_at=ticket.next_check_at,
                resolve_paused_at=ticket.resolve_paused_at,
                resolve_paused_seconds=ticket.resolve_paused_seconds,
                auto_close_at=ticket.auto_close_at,
                round=ticket.round,
                round_started_at=ticket.round_started_at,
                round_acknowledged_at=ticket.round_acknowledged_at,
                score=ticket.score,
                score_comment=ticket.score_comment,
                ack_seconds=ticket.ack_seconds,
                resolve_seconds=ticket.resolve_seconds,
                version=TicketRow.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentChange(number=ticket.number)
        ticket.version += 1


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
        row = TicketCardRow(
            ticket_id=ticket_id,
            chat_id=chat_id,
            locale=locale,
            kind=kind,
            department_id=department_id,
            created_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def for_ticket(self, ticket_id: int) -> Sequence[CardRef]:
        rows = await self.session.scalars(
            select(TicketCardRow)
            .where(TicketCardRow.ticket_id == ticket_id)
            .order_by(TicketCardRow.id)
        )
        return [
            CardRef(r.id, r.ticket_id, r.chat_id, r.locale, r.kind, r.department_id) for r in rows
        ]

    async def ticket_at(self, chat_id: int, message_id: int) -> int | None:
        """The ticket a message in a staff chat is about: a card, or a relayed message."""
        card = await self.session.scalar(
            select(TicketCardRow.ticket_id).where(
                TicketCardRow.chat_id == chat_id, TicketCardRow.message_id == message_id
            )
        )
        if card is not None:
            return int(card)
        relayed = await self.session.scalar(
            select(OutboxRow.ticket_id).where(
                OutboxRow.chat_id == chat_id, OutboxRow.message_id == message_id
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


class SqlEvents:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, event: TicketEvent) -> TicketEvent:
        assert event.ticket_id is not None
        row = TicketEventRow(
            ticket_id=event.ticket_id,
            kind=event.kind.value,
            actor_kind=event.actor_kind.value,
            actor_id=event.actor_id,
            body=event.body,
            visible_to_customer=event.visible_to_customer,
            data=event.data,
            created_at=event.created_at,
        )
        self.session.add(row)
        await self.session.flush()
        event.id = row.id
        for attachment in event.attachments:
            self.session.add(
                AttachmentRow(
                    ticket_id=event.ticket_id,
                    event_id=row.id,
                    kind=attachment.kind.value,
                    file_id=attachment.file_id,
                    file_unique_id=attachment.file_unique_id,
                    file_name=attachment.file_name,
                    mime_type=attachment.mime_type,
                    size=attachment.size,
                    created_at=event.created_at,
                )
            )
        return event

    async def customer_messages(self, ticket_id: int) -> tuple[int, str | None]:
        mine = (
            TicketEventRow.ticket_id == ticket_id,
            TicketEventRow.kind == EventKind.CUSTOMER_MESSAGE.value,
        )
        count = await self.session.scalar(select(func.count()).where(*mine))
        if not count:
            return 0, None
        last = await self.session.scalar(
            select(TicketEventRow.body).where(*mine).order_by(TicketEventRow.id.desc()).limit(1)
        )
        return int(count), last or None

    async def list_for_ticket(
        self, ticket_id: int, *, customer_visible_only: bool
    ) -> Sequence[TicketEvent]:
        query = select(TicketEventRow).where(TicketEventRow.ticket_id == ticket_id)
        if customer_visible_only:
            query = query.where(TicketEventRow.visible_to_customer.is_(True))
        rows = list(await self.session.scalars(query.order_by(TicketEventRow.id)))
        files = await self.session.scalars(
            select(AttachmentRow)
            .where(AttachmentRow.ticket_id == ticket_id)
            .order_by(AttachmentRow.id)
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


class SqlOutbox:
    """Outbox rows written in the unit of work's transaction."""

    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.session = session
        self.now = now
        self.added = 0

    def _row(self, notice: Notice, due: datetime) -> OutboxRow:
        return OutboxRow(
            chat_id=notice.chat_id,
            kind=notice.kind,
            locale=notice.locale,
            params=notice.params,
            ticket_id=notice.ticket_id,
            status="pending",
            attempts=0,
            next_attempt_at=due,
            created_at=self.now,
            urgency=delivery.urgency(notice.kind, notice.params),
            card_id=delivery.card_of(notice.kind, notice.params),
        )

    def add(self, notice: Notice) -> None:
        self.session.add(self._row(notice, self.now))
        self.added += 1

    async def add_fallback(self, notice: Notice, after: timedelta) -> int:
        """A row the acting user's reply stands in for: not due until `after` has passed, so
        the dispatcher sends it only if the reply was never confirmed sent (the process
        died between the commit and the reply). Returns its id, to confirm it."""
        row = self._row(notice, self.now + after)
        self.session.add(row)
        await self.session.flush()
        return row.id


class SqlConversations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> Conversation | None:
        row = await self.session.get(ConversationRow, user_id)
        if row is None:
            return None
        return Conversation(row.user_id, row.flow, dict(row.data or {}), row.updated_at)

    async def put(self, conversation: Conversation) -> None:
        values = {
            "user_id": conversation.user_id,
            "flow": conversation.flow,
            "data": conversation.data,
            "updated_at": conversation.updated_at,
        }
        statement = _upsert(self.session, ConversationRow).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[ConversationRow.user_id],
            set_={k: statement.excluded[k] for k in ("flow", "data", "updated_at")},
        )
        await self.session.execute(statement)

    async def delete(self, user_id: int) -> None:
        await self.session.execute(
            delete(ConversationRow).where(ConversationRow.user_id == user_id)
        )


class SqlCounters:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next(self, key: str) -> int:
        statement = _upsert(self.session, CounterRow).values(key=key, value=1)
        statement = statement.on_conflict_do_update(
            index_elements=[CounterRow.key], set_={"value": CounterRow.value + 1}
        ).returning(CounterRow.value)
        return int((await self.session.execute(statement)).scalar_one())


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
