"""The ticket and its life: statuses, the transitions between them, and what they record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.errors import IllegalTransition, NotAllowed


class FeedbackType(StrEnum):
    """What the feedback is about; routes the ticket to a department."""

    COMPLAINT = "complaint"
    INQUIRY = "inquiry"
    SUGGESTION = "suggestion"
    AFTER_SALES = "after_sales"
    CHANGE_REQUEST = "change_request"


class Channel(StrEnum):
    """Where the feedback came in."""

    TELEGRAM = "telegram"
    PHONE = "phone"
    EMAIL = "email"
    WEB_FORM = "web_form"
    IN_PERSON = "in_person"
    OTHER_MESSENGER = "other_messenger"
    INTERNAL = "internal"


class Priority(StrEnum):
    """How fast the desk must act; ordered from most to least pressing."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    def raised(self) -> Priority:
        """One level more pressing (urgent stays urgent)."""
        order = list(Priority)
        return order[max(order.index(self) - 1, 0)]


class Status(StrEnum):
    """Where a ticket stands."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


OPEN_STATUSES = frozenset(
    {Status.NEW, Status.IN_PROGRESS, Status.WAITING_CUSTOMER, Status.RESOLVED}
)

# status -> the statuses it may move to
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.IN_PROGRESS, Status.WITHDRAWN}),
    Status.IN_PROGRESS: frozenset(
        {Status.NEW, Status.WAITING_CUSTOMER, Status.RESOLVED, Status.IN_PROGRESS}
    ),
    Status.WAITING_CUSTOMER: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.NEW}),
    Status.RESOLVED: frozenset({Status.IN_PROGRESS, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.IN_PROGRESS}),
    Status.WITHDRAWN: frozenset(),
}


class EventKind(StrEnum):
    """What happened to a ticket; the history is a list of these."""

    FILED = "filed"
    CUSTOMER_MESSAGE = "customer_message"
    WITHDRAWN = "withdrawn"
    STATUS_CHANGED = "status_changed"


class ActorKind(StrEnum):
    """Who caused an event."""

    CUSTOMER = "customer"
    STAFF = "staff"
    SYSTEM = "system"


class AttachmentKind(StrEnum):
    """The media a customer or agent may attach."""

    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    VIDEO = "video"
    AUDIO = "audio"
    VIDEO_NOTE = "video_note"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file kept by Telegram, referred to by its file id."""

    kind: AttachmentKind
    file_id: str
    file_unique_id: str
    size: int | None = None
    file_name: str | None = None
    mime_type: str | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form, for drafts and the outbox."""
        return {
            "kind": self.kind.value,
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "size": self.size,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Attachment:
        """The inverse of `to_dict`."""
        size = data.get("size")
        name = data.get("file_name")
        mime = data.get("mime_type")
        return cls(
            kind=AttachmentKind(str(data["kind"])),
            file_id=str(data["file_id"]),
            file_unique_id=str(data["file_unique_id"]),
            size=int(size) if isinstance(size, int) else None,
            file_name=str(name) if name is not None else None,
            mime_type=str(mime) if mime is not None else None,
        )


@dataclass(slots=True)
class TicketEvent:
    """One line of a ticket's history and audit trail."""

    kind: EventKind
    created_at: datetime
    actor_kind: ActorKind
    actor_id: int | None = None
    body: str | None = None
    visible_to_customer: bool = True
    data: dict[str, object] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    ticket_id: int | None = None
    actor_name: str | None = None
    id: int | None = None


@dataclass(slots=True)
class Ticket:
    """A piece of feedback the desk works on."""

    number: str
    customer_id: int
    department_id: int
    type: FeedbackType
    channel: Channel
    priority: Priority
    title: str
    description: str
    created_at: datetime
    status: Status = Status.NEW
    reference: str | None = None
    contact_phone: str | None = None
    business_stopped: bool = False
    assignee_id: int | None = None
    attachment_count: int = 0
    updated_at: datetime | None = None
    acknowledged_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    version: int = 0
    id: int | None = None

    @property
    def is_open(self) -> bool:
        """Whether the desk or the customer still has something to do on it."""
        return self.status in OPEN_STATUSES

    def move_to(self, target: Status, *, now: datetime) -> Status:
        """Change status if the lifecycle allows it; returns the previous status."""
        if target not in TRANSITIONS[self.status]:
            raise IllegalTransition(source=self.status.value, target=target.value)
        previous = self.status
        self.status = target
        self.updated_at = now
        if target is Status.RESOLVED:
            self.resolved_at = now
        elif target is Status.CLOSED:
            self.closed_at = now
        elif target is Status.IN_PROGRESS and previous in (Status.RESOLVED, Status.CLOSED):
            self.resolved_at = None
            self.closed_at = None
        return previous

    def withdraw(self, *, customer_id: int, now: datetime) -> TicketEvent:
        """The customer takes back a ticket nobody has claimed yet."""
        if customer_id != self.customer_id:
            raise NotAllowed("error.not_your_ticket")
        if self.status is not Status.NEW:
            raise IllegalTransition("error.withdraw_claimed", number=self.number)
        self.move_to(Status.WITHDRAWN, now=now)
        return TicketEvent(
            kind=EventKind.WITHDRAWN,
            created_at=now,
            actor_kind=ActorKind.CUSTOMER,
            actor_id=customer_id,
            ticket_id=self.id,
        )

    def add_customer_message(
        self,
        *,
        customer_id: int,
        body: str | None,
        attachments: list[Attachment],
        now: datetime,
    ) -> TicketEvent:
        """The customer adds to the ticket; an answer to a question resumes the work."""
        if customer_id != self.customer_id:
            raise NotAllowed("error.not_your_ticket")
        if not self.is_open:
            raise IllegalTransition("error.ticket_not_open", number=self.number)
        if self.status is Status.WAITING_CUSTOMER:
            self.move_to(Status.IN_PROGRESS, now=now)
        self.updated_at = now
        self.attachment_count += len(attachments)
        return TicketEvent(
            kind=EventKind.CUSTOMER_MESSAGE,
            created_at=now,
            actor_kind=ActorKind.CUSTOMER,
            actor_id=customer_id,
            body=body,
            attachments=list(attachments),
            ticket_id=self.id,
        )


def title_from(description: str, limit: int = 80) -> str:
    """The first non-empty line of a description, shortened to `limit` characters."""
    for line in description.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
    return ""
