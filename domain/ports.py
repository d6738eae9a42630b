"""What the use cases need from the outside world, as Protocols; storage implements them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, Self

from domain.assignment import Candidate, Mode
from domain.canned import CannedRepository
from domain.followup import FollowupKind
from domain.people import Customer, Department, Role, Staff
from domain.profiles import ProfileRepository
from domain.report import DigestRepository
from domain.ticket import Attachment, Status, Ticket, TicketEvent


@dataclass(slots=True)
class Notice:
    """A message to somebody other than the acting user, delivered by the outbox."""

    chat_id: int
    kind: str
    locale: str
    params: dict[str, Any] = field(default_factory=dict)
    ticket_id: int | None = None


@dataclass(slots=True)
class Conversation:
    """A multi-step exchange a user is in the middle of (the `/new` wizard, a choice)."""

    user_id: int
    flow: str
    data: dict[str, Any]
    updated_at: datetime


@dataclass(slots=True)
class Known:
    """What the desk keeps about one Telegram user: read together, at the start of an update."""

    staff: Staff | None
    customer: Customer | None
    conversation: Conversation | None


@dataclass(frozen=True, slots=True)
class CardRef:
    """A staff-facing message showing one ticket (its Telegram message id is storage's)."""

    id: int
    ticket_id: int
    chat_id: int
    locale: str
    kind: str  # "card" for the department, "collab" for a department asked to help
    department_id: int | None


@dataclass(frozen=True, slots=True)
class Poll:
    """A satisfaction poll as stored."""

    id: int
    ticket_id: int
    customer_id: int
    round: int
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None = None
    score: int | None = None


@dataclass(slots=True)
class OutboxItem:
    """An outbox row claimed for delivery."""

    id: int
    chat_id: int
    kind: str
    locale: str
    params: dict[str, Any]
    attempts: int
    ticket_id: int | None = None
    urgency: int = 1
    card_id: int | None = None


class OutboxStore(Protocol):
    """The delivery side of the outbox: claim due rows, record what happened to each."""

    async def claim_due(
        self,
        *,
        now: datetime,
        limit: int,
        lease_seconds: int,
        per_chat: int | None = None,
        skip_chats: Sequence[int] = (),
    ) -> list[OutboxItem]: ...
    async def release(self, ids: Sequence[int]) -> None: ...
    async def sending(self, ids: Sequence[int]) -> None: ...
    async def mark_sent(
        self,
        ids: int | Sequence[int],
        *,
        message_id: int | None,
        now: datetime,
        card_id: int | None = None,
        shown: str | None = None,
        first_response_of: int | None = None,
        follow_up: Sequence[Notice] = (),
    ) -> None: ...
    async def card_shown(self, card_id: int) -> tuple[int | None, str | None]: ...
    async def latest_cards(self, ticket_id: int) -> list[Notice]: ...
    async def retry(self, ids: Sequence[int], *, at: datetime, error: str) -> None: ...
    async def park(
        self, ids: Sequence[int], *, error: str, now: datetime, follow_up: Sequence[Notice] = ()
    ) -> None: ...
    async def backlog(self, *, now: datetime) -> int: ...


class PeopleRepository(Protocol):
    async def known(self, telegram_id: int) -> Known:
        """The staff member, the customer and the conversation of one Telegram user (each
        None when there is none), in one read."""
        ...


class CustomerRepository(Protocol):
    async def get_by_telegram_id(self, telegram_id: int) -> Customer | None: ...
    async def get(self, customer_id: int) -> Customer | None: ...
    async def search(self, query: str, *, limit: int = 8) -> Sequence[Customer]: ...
    async def add(self, customer: Customer) -> Customer: ...
    async def set_locale(self, customer_id: int, locale: str) -> None: ...
    async def update_contact(self, customer_id: int, *, name: str, phone: str | None) -> None: ...
    async def set_username(self, customer_id: int, username: str) -> None: ...


class StaffRepository(Protocol):
    async def get_by_telegram_id(self, telegram_id: int) -> Staff | None: ...
    async def get(self, staff_id: int) -> Staff | None: ...
    async def set_locale(self, staff_id: int, locale: str) -> None: ...
    async def set_name(self, staff_id: int, name: str) -> None: ...
    async def list_department(self, department_id: int) -> Sequence[Staff]: ...
    async def add(self, staff: Staff) -> Staff: ...
    async def ensure(self, staff: Staff) -> Staff: ...
    async def list_all(self) -> Sequence[Staff]: ...
    async def set_membership(
        self,
        staff_id: int,
        *,
        role: Role,
        department_id: int | None,
        active: bool,
        name: str | None = None,
    ) -> None: ...


class DepartmentRepository(Protocol):
    async def get_by_code(self, code: str) -> Department | None: ...
    async def get(self, department_id: int) -> Department | None: ...
    async def list(self) -> Sequence[Department]: ...
    async def upsert(self, department: Department) -> Department: ...
    async def set_staff_chat(self, department_id: int, chat_id: int | None) -> None: ...


class TicketRepository(Protocol):
    async def add(self, ticket: Ticket) -> Ticket: ...
    async def get_by_number(self, number: str) -> Ticket | None: ...
    async def list_for_customer(
        self, customer_id: int, *, statuses: frozenset[Status] | None = None, limit: int = 20
    ) -> Sequence[Ticket]: ...
    async def get(self, ticket_id: int) -> Ticket | None: ...
    async def list_staff_view(
        self,
        *,
        departments: Sequence[int] | None = None,
        assignee_id: int | None = None,
        unclaimed: bool = False,
        statuses: frozenset[Status] | None = None,
        words: Sequence[str] = (),
        limit: int = 20,
    ) -> Sequence[Ticket]: ...
    async def due_for_check(self, now: datetime, limit: int) -> Sequence[Ticket]: ...
    async def claim_notice(
        self, ticket_id: int, target: str, stage: str, due: datetime
    ) -> bool: ...
    async def set_next_check(self, ticket_id: int, at: datetime | None) -> None: ...
    async def list_flagged(
        self, *, departments: Sequence[int] | None, limit: int = 30
    ) -> Sequence[Ticket]: ...
    async def due_auto_close(self, now: datetime, limit: int) -> Sequence[Ticket]: ...
    async def save(self, ticket: Ticket) -> None:
        """Write the ticket if nobody changed it since it was read; else ConcurrentChange."""
        ...


class EventRepository(Protocol):
    async def add(self, event: TicketEvent) -> TicketEvent: ...
    async def list_for_ticket(
        self, ticket_id: int, *, customer_visible_only: bool
    ) -> Sequence[TicketEvent]: ...
    async def customer_messages(self, ticket_id: int) -> tuple[int, str | None]:
        """How many messages the customer added to the ticket, and the last one's text."""
        ...

    async def move(self, from_ticket: int, to_ticket: int) -> int:
        """Re-point a ticket's history and files to another ticket; how many events moved."""
        ...


class CardRepository(Protocol):
    async def add(
        self,
        ticket_id: int,
        chat_id: int,
        locale: str,
        kind: str,
        department_id: int | None,
        now: datetime,
    ) -> int: ...
    async def for_ticket(self, ticket_id: int) -> Sequence[CardRef]: ...
    async def ticket_at(self, chat_id: int, message_id: int) -> int | None: ...


class CollaborationRepository(Protocol):
    async def add(
        self, ticket_id: int, department_id: int, asked_by: int, question: str, now: datetime
    ) -> int: ...
    async def departments_for(self, ticket_id: int) -> frozenset[int]: ...


class PollRepository(Protocol):
    async def add(
        self,
        ticket_id: int,
        customer_id: int,
        round: int,
        now: datetime,
        expires_at: datetime,
        remind_at: datetime,
    ) -> int: ...
    async def get(self, poll_id: int) -> Poll | None: ...
    async def latest_for_ticket(self, ticket_id: int) -> int | None: ...
    async def answer(self, poll_id: int, score: int, now: datetime, counted: bool) -> bool:
        """Record the answer unless there is one; False when there was."""
        ...

    async def set_comment(self, poll_id: int, comment: str) -> None: ...
    async def due_reminders(self, now: datetime, limit: int) -> Sequence[Poll]: ...
    async def claim_reminder(self, poll_id: int, now: datetime) -> bool: ...


@dataclass(frozen=True, slots=True)
class Followup:
    """A follow-up row still to come (domain.followup)."""

    id: int
    ticket_id: int
    kind: FollowupKind
    due_at: datetime
    staff_id: int | None = None


class FollowupRepository(Protocol):
    async def add(
        self,
        ticket_id: int,
        kind: FollowupKind,
        due_at: datetime,
        now: datetime,
        staff_id: int | None = None,
    ) -> int: ...
    async def drop_waiting(self, ticket_id: int, now: datetime) -> None: ...
    async def due(self, now: datetime, limit: int) -> Sequence[Followup]: ...
    async def pending(self, ticket_id: int) -> Sequence[Followup]: ...
    async def claim(self, followup_id: int, now: datetime) -> bool:
        """Mark it done unless it is; False when it was."""
        ...


class OutboxRepository(Protocol):
    def add(self, notice: Notice) -> None: ...
    async def add_fallback(self, notice: Notice, after: timedelta) -> int: ...


class ConversationRepository(Protocol):
    async def get(self, user_id: int) -> Conversation | None: ...
    async def put(self, conversation: Conversation) -> None: ...
    async def delete(self, user_id: int) -> None: ...


@dataclass(frozen=True, slots=True)
class AssignmentCursor:
    """A department's auto-assignment, read with its row locked."""

    mode: Mode
    ack_minutes: int
    cursor: int | None  # the staff id the last ticket went to


@dataclass(frozen=True, slots=True)
class Presence:
    """Whether an agent takes new tickets: away (`/away`), their hours (`/hours`)."""

    away: bool = False
    hours: str | None = None


class AssignmentRepository(Protocol):
    async def lock(self, department_id: int) -> AssignmentCursor: ...
    async def candidates(self, department_id: int) -> Sequence[Candidate]: ...
    async def set_cursor(self, department_id: int, staff_id: int) -> None: ...
    async def set_mode(self, department_id: int, mode: Mode, ack_minutes: int) -> None: ...
    async def set_due(self, ticket_id: int, due: datetime | None) -> None: ...
    async def due(self, now: datetime, limit: int) -> Sequence[int]: ...
    async def claim_told(self, ticket_id: int) -> bool: ...
    async def presence(self, staff_id: int) -> Presence: ...
    async def set_presence(self, staff_id: int, presence: Presence) -> None: ...


class Counters(Protocol):
    async def next(self, key: str) -> int:
        """The next value of a named sequence, unique under concurrent callers."""
        ...


class UnitOfWork(Protocol):
    """One transaction: repositories that see it, commit or roll back as one."""

    people: PeopleRepository
    customers: CustomerRepository
    profiles: ProfileRepository
    staff: StaffRepository
    departments: DepartmentRepository
    tickets: TicketRepository
    events: EventRepository
    outbox: OutboxRepository
    conversations: ConversationRepository
    counters: Counters
    cards: CardRepository
    collaborations: CollaborationRepository
    polls: PollRepository
    invites: InviteRepository
    digests: DigestRepository
    followups: FollowupRepository
    canned: CannedRepository
    assignment: AssignmentRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...


@dataclass(frozen=True, slots=True)
class CommitNews:
    """What a committed unit of work brought: how many outbox rows it queued."""

    queued: int


class Replies(Protocol):
    """What a use case answers the person who acted, as the params of `reply` outbox rows
    (one a message). Given by the wiring (handlers.replies): the domain knows no Telegram.
    The rows are committed with the work and stand in for the handler's own answer, sent
    right after the commit, should that one be lost (domain.services.base.stand_in)."""

    def render(self, outcome: object) -> list[dict[str, Any]]: ...


class CommitObserver(Protocol):
    """Told after each commit that brought news (the wiring registers one: the outbox
    dispatcher, woken by rows to send). Runs right after the commit; must not block."""

    def committed(self, news: CommitNews) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...

    def reading(self) -> UnitOfWork:
        """A unit of work for a use case that only reads: it never waits for a writer (nor
        holds one up), and must write nothing."""
        ...


__all__ = ["Attachment", "Notice"]


@dataclass(slots=True)
class Invite:
    """A one-time deep link that makes whoever opens it staff (role, department)."""

    token: str
    role: Role
    department_id: int | None
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_by: int | None = None
    used_at: datetime | None = None
    id: int | None = None


class InviteRepository(Protocol):
    async def add(self, invite: Invite) -> Invite: ...
    async def get_by_token(self, token: str) -> Invite | None: ...
    async def claim(self, invite_id: int, staff_id: int, now: datetime) -> bool:
        """Mark the invite used by `staff_id` unless it is used or expired; whether it was
        this call that did (a conditional UPDATE: one winner under concurrent callers)."""
        ...
