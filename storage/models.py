"""The schema. Every timestamp is UTC; `UtcDateTime` makes SQLite give it back aware."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-numbers a column declared exactly INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012
        datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
        int: Integer(),
    }


class DepartmentRow(Base):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    staff_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    names: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # language -> name
    created_at: Mapped[datetime | None]  # None: made before the desk recorded it
    # auto-assignment: off | round_robin | least_open; minutes the assignee has to
    # acknowledge (0: no limit); the mode the config gave at the last start (a change in the
    # config wins over `/departments`); the staff id the last ticket went to (the row is
    # locked while a new ticket's assignee is chosen)
    assignment: Mapped[str] = mapped_column(String(20), default="off", server_default="off")
    ack_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    assignment_config: Mapped[str | None] = mapped_column(String(40))
    assign_cursor: Mapped[int | None] = mapped_column(BigInteger)


class StaffRow(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime | None]  # None: made before the desk recorded it
    # auto-assignment skips an agent who is away (`/away`) or outside their hours
    away: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    hours: Mapped[str | None] = mapped_column(String(11))  # "09:00-18:00" in desk time


class CustomerRow(Base):
    __tablename__ = "customer"
    __table_args__ = (
        Index("ix_customer_username", "username"),
        Index("ix_customer_phone", "phone"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    # the profile staff keep (`/customer`); username in lower case, without the @
    username: Mapped[str | None] = mapped_column(String(64))
    company: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[str | None] = mapped_column(String(400))  # comma-separated
    grade: Mapped[str | None] = mapped_column(String(1))  # A-D
    source: Mapped[str | None] = mapped_column(String(20))  # a ticket Channel
    merged_into_id: Mapped[int | None] = mapped_column(BigInteger)  # merged into that profile


class TicketRow(Base):
    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_customer_status", "customer_id", "status"),
        Index("ix_ticket_department_status", "department_id", "status"),
        Index("ix_ticket_next_check", "next_check_at"),
        Index("ix_ticket_status", "status"),
        Index("ix_ticket_auto_close", "auto_close_at"),
        Index("ix_ticket_created", "created_at"),
        Index("ix_ticket_department_created", "department_id", "created_at"),
        # tickets whose first response is delivered but not yet measured (storage.reports)
        Index(
            "ix_ticket_unmeasured_response",
            "first_response_at",
            sqlite_where=text("first_response_seconds IS NULL AND first_response_at IS NOT NULL"),
            postgresql_where=text(
                "first_response_seconds IS NULL AND first_response_at IS NOT NULL"
            ),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    type: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    business_stopped: Mapped[bool] = mapped_column(Boolean, default=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    attachment_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=0)
    # SLA: targets, the next moment the sweep must look, the resolve clock's pauses, and
    # for each notice the due time it was sent for (a conditional update claims it once)
    ack_due_at: Mapped[datetime | None]
    resolve_due_at: Mapped[datetime | None]
    next_check_at: Mapped[datetime | None]
    resolve_paused_at: Mapped[datetime | None]
    resolve_paused_seconds: Mapped[int] = mapped_column(default=0, server_default="0")
    ack_warned_for: Mapped[datetime | None]
    ack_breached_for: Mapped[datetime | None]
    ack_escalated_for: Mapped[datetime | None]
    resolve_warned_for: Mapped[datetime | None]
    resolve_breached_for: Mapped[datetime | None]
    resolve_escalated_for: Mapped[datetime | None]
    # closing the loop: when a resolved ticket closes by itself; the second round
    auto_close_at: Mapped[datetime | None]
    round: Mapped[int] = mapped_column(default=1, server_default="1")
    round_started_at: Mapped[datetime | None]
    round_acknowledged_at: Mapped[datetime | None]
    score: Mapped[int | None]
    score_comment: Mapped[str | None] = mapped_column(Text)
    # for reports: counted seconds from filing (domain.sla; first response by storage.reports)
    ack_seconds: Mapped[int | None]
    first_response_seconds: Mapped[int | None]
    resolve_seconds: Mapped[int | None]
    # auto-assignment: when the assignee must have acknowledged it (None: nothing to
    # check), and whether the supervisor was told it moved on unacknowledged
    assign_due_at: Mapped[datetime | None] = mapped_column(index=True)
    assign_told: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # merging duplicates: where this one went; the SLA clocks' start taken from a duplicate
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    clock_started_at: Mapped[datetime | None]


class TicketEventRow(Base):
    __tablename__ = "ticket_event"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    body: Mapped[str | None] = mapped_column(Text)
    visible_to_customer: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class AttachmentRow(Base):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_event.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_id: Mapped[str] = mapped_column(String(255))
    file_unique_id: Mapped[str] = mapped_column(String(128))
    file_name: Mapped[str | None] = mapped_column(String(255))
    mime_type: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_chat", "chat_id", "id"),
        Index("ix_outbox_chat_message", "chat_id", "message_id"),
        Index("ix_outbox_card", "card_id", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(60))
    locale: Mapped[str] = mapped_column(String(8))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    # the order within its chat (domain.delivery.urgency) and the card it shows, if any
    urgency: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    card_id: Mapped[int | None] = mapped_column(BigInteger)


class ConversationRow(Base):
    __tablename__ = "conversation"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    flow: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class CounterRow(Base):
    __tablename__ = "counter"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class InviteRow(Base):
    """A one-time deep link that makes whoever opens it staff of a department."""

    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    used_at: Mapped[datetime | None]


class TicketCardRow(Base):
    """A message showing a ticket to staff; edited in place whenever the ticket changes."""

    __tablename__ = "ticket_card"
    __table_args__ = (Index("ix_ticket_card_chat_message", "chat_id", "message_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(8))
    # "card": the department's card; "collab": a card asking another department for help
    kind: Mapped[str] = mapped_column(String(20), default="card")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    # a digest of the text and buttons the chat shows now: an equal edit is not sent
    shown: Mapped[str | None] = mapped_column(String(64))


class CollaborationRow(Base):
    """Another department asked to help on a ticket."""

    __tablename__ = "collaboration"
    __table_args__ = (Index("ix_collaboration_department_open", "department_id", "open"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    asked_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    question: Mapped[str] = mapped_column(Text)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class PollRow(Base):
    """A 1-5 satisfaction poll sent when a ticket closed; answered once."""

    __tablename__ = "poll"
    __table_args__ = (Index("ix_poll_remind", "remind_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    round: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    remind_at: Mapped[datetime | None]  # None once reminded or answered
    reminded_at: Mapped[datetime | None]
    score: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    counted: Mapped[bool | None] = mapped_column(Boolean)


class FollowupRow(Base):
    """A follow-up that comes once at `due_at`: a staff member's reminder of a ticket, or
    the nudge and the close of a ticket waiting for its customer (domain.followup). Done
    (`done_at`) in the transaction that queues what it sends; dropped the same way."""

    __tablename__ = "followup"
    __table_args__ = (
        Index("ix_followup_pending", "done_at", "due_at"),
        Index("ix_followup_ticket", "ticket_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    kind: Mapped[str] = mapped_column(String(16))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class DigestRow(Base):
    """A weekly digest, claimed once per week by whichever instance queues it."""

    __tablename__ = "digest"

    week: Mapped[str] = mapped_column(String(10), primary_key=True)  # its Monday, ISO
    queued_at: Mapped[datetime]


class CannedReplyRow(Base):
    """A department's canned reply in one language; retired ones are kept (inactive)."""

    __tablename__ = "canned_reply"
    __table_args__ = (Index("ix_canned_reply_pick", "department_id", "locale", "active"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    uses: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    created_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class CannedUseRow(Base):
    """One canned reply sent to a customer (as it was or edited): what the report counts."""

    __tablename__ = "canned_use"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    canned_id: Mapped[int] = mapped_column(ForeignKey("canned_reply.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    used_at: Mapped[datetime] = mapped_column(index=True)


class InboxRow(Base):
    """An update from Telegram, stored before Telegram is told it arrived.

    `handled_at` is set in the transaction of the work the update caused (or after a
    handler that wrote nothing), so a redelivered update is recognised and does nothing.
    The payload is dropped once the update is handled; the id stays to recognise it.
    """

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_pending", "handled_at", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]
    # starts of an active instance that found this update the first one waiting (see
    # SqlInbox.suspect): an update that kills the process is not retried for ever
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))


class CustomerAuditRow(Base):
    """An export or an erasure of a customer's data: when, by which command and operating
    system user, and how much it held. Kept for every customer, with tickets or without,
    and never erased (it holds nothing the customer wrote)."""

    __tablename__ = "customer_audit"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # exported | erased
    command: Mapped[str] = mapped_column(String(60))
    operator: Mapped[str | None] = mapped_column(String(100))
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
