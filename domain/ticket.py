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
    MERGED = "merged"  # a duplicate, merged into another ticket of the same customer


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
    Status.MERGED: frozenset(),
}


class EventKind(StrEnum):
    """What happened to a ticket; the history is a list of these."""

    FILED = "filed"
    CUSTOMER_MESSAGE = "customer_message"
    WITHDRAWN = "withdrawn"
    STATUS_CHANGED = "status_changed"
    CLAIMED = "claimed"
    ASSIGNED = "assigned"
    AGENT_REPLY = "agent_reply"
    ASKED = "asked"
    NOTE = "note"
    PRIORITY_CHANGED = "priority_changed"
    TRANSFERRED = "transferred"
    COLLAB_REQUESTED = "collab_requested"
    COLLAB_ANSWER = "collab_answer"
    RESOLVED = "resolved"
    SOLVED = "solved"
    REOPENED = "reopened"
    CONTACT_REVEALED = "contact_revealed"
    UNASSIGNED = "unassigned"
    CLOSED = "closed"
    SCORED = "scored"
    SECOND_ROUND = "second_round"
    DATA_EXPORTED = "data_exported"  # the customer's data was exported (`customer export`)
    DATA_ERASED = "data_erased"  # the customer's personal data was erased (`customer erase`)
    MERGED_INTO = "merged_into"  # this duplicate was merged into another ticket
    MERGED_IN = "merged_in"  # a duplicate was merged into this ticket


# What a customer may read in their history; everything else is the desk's own business.
CUSTOMER_VISIBLE = frozenset(
    {
        EventKind.FILED,
        EventKind.CUSTOMER_MESSAGE,
        EventKind.WITHDRAWN,
        EventKind.CLAIMED,
        EventKind.AGENT_REPLY,
        EventKind.ASKED,
        EventKind.RESOLVED,
        EventKind.SOLVED,
        EventKind.REOPENED,
        EventKind.CLOSED,
        EventKind.SCORED,
        EventKind.SECOND_ROUND,
        EventKind.MERGED_INTO,
        EventKind.MERGED_IN,
    }
)


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
    # SLA (domain.sla keeps them right)
    ack_due_at: datetime | None = None
    resolve_due_at: datetime | None = None
    next_check_at: datetime | None = None
    resolve_paused_at: datetime | None = None
    resolve_paused_seconds: int = 0
    # closing the loop (domain.sla keeps auto_close_at right too)
    auto_close_at: datetime | None = None
    round: int = 1
    round_started_at: datetime | None = None
    round_acknowledged_at: datetime | None = None
    score: int | None = None
    score_comment: str | None = None
    # for reports: counted seconds (on the round-1 clock) from filing to each moment
    ack_seconds: int | None = None
    first_response_seconds: int | None = None
    resolve_seconds: int | None = None
    # merging: the ticket this duplicate went into; the SLA clocks' start when a merged-in
    # duplicate was filed before this ticket (None: they run from filing)
    merged_into_id: int | None = None
    clock_started_at: datetime | None = None

    @property
    def acknowledged_in_round(self) -> datetime | None:
        """When the desk acknowledged the current round (the claim, in the first)."""
        return self.acknowledged_at if self.round == 1 else self.round_acknowledged_at

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


def _staff_event(
    ticket: Ticket,
    kind: EventKind,
    staff_id: int | None,
    now: datetime,
    *,
    body: str | None = None,
    attachments: list[Attachment] | None = None,
    data: dict[str, object] | None = None,
) -> TicketEvent:
    return TicketEvent(
        kind=kind,
        created_at=now,
        actor_kind=ActorKind.STAFF,
        actor_id=staff_id,
        body=body,
        visible_to_customer=kind in CUSTOMER_VISIBLE,
        data=data or {},
        attachments=list(attachments or []),
        ticket_id=ticket.id,
    )


class Work:
    """What staff do to a ticket; each returns the history event it makes.

    Permission is the caller's business (domain.permissions); these guard the lifecycle.
    """

    @staticmethod
    def claim(ticket: Ticket, staff_id: int, now: datetime) -> TicketEvent:
        """Take an unclaimed ticket, or acknowledge one given to `staff_id` (auto-assignment)
        and not acknowledged yet: it is acknowledged from now."""
        given = ticket.assignee_id == staff_id and ticket.acknowledged_in_round is None
        if ticket.assignee_id is not None and not given:
            raise IllegalTransition("error.already_claimed", number=ticket.number)
        Work.require_workable(ticket)
        ticket.assignee_id = staff_id
        if ticket.status is Status.NEW:
            ticket.move_to(Status.IN_PROGRESS, now=now)
        Work._acknowledge(ticket, now)
        ticket.updated_at = now
        return _staff_event(ticket, EventKind.CLAIMED, staff_id, now)

    @staticmethod
    def assign(ticket: Ticket, by_id: int, agent_id: int, now: datetime) -> TicketEvent:
        """A supervisor gives the ticket to an agent (claimed or not)."""
        Work.require_workable(ticket)
        if ticket.assignee_id == agent_id:
            raise IllegalTransition("error.already_assignee", number=ticket.number)
        previous = ticket.assignee_id
        ticket.assignee_id = agent_id
        if ticket.status is Status.NEW:
            ticket.move_to(Status.IN_PROGRESS, now=now)
        Work._acknowledge(ticket, now)
        ticket.updated_at = now
        return _staff_event(
            ticket, EventKind.ASSIGNED, by_id, now, data={"to": agent_id, "from": previous}
        )

    @staticmethod
    def reply(
        ticket: Ticket,
        staff_id: int,
        body: str | None,
        attachments: list[Attachment],
        now: datetime,
        *,
        ask: bool = False,
    ) -> TicketEvent:
        """A message to the customer; `ask` waits for their answer."""
        Work.require_workable(ticket)
        if ticket.assignee_id is None:
            raise IllegalTransition("error.claim_first", number=ticket.number)
        if ticket.status is Status.NEW:  # given by auto-assignment: answering acknowledges it
            ticket.move_to(Status.IN_PROGRESS, now=now)
            Work._acknowledge(ticket, now)
        Work._acknowledge_round(ticket, now)
        if ask and ticket.status is not Status.WAITING_CUSTOMER:
            ticket.move_to(Status.WAITING_CUSTOMER, now=now)
        ticket.updated_at = now
        ticket.attachment_count += len(attachments)
        kind = EventKind.ASKED if ask else EventKind.AGENT_REPLY
        return _staff_event(ticket, kind, staff_id, now, body=body, attachments=attachments)

    @staticmethod
    def note(
        ticket: Ticket,
        staff_id: int,
        body: str | None,
        attachments: list[Attachment],
        now: datetime,
    ) -> TicketEvent:
        """An internal note; the customer never sees it."""
        ticket.updated_at = now
        return _staff_event(
            ticket, EventKind.NOTE, staff_id, now, body=body, attachments=attachments
        )

    @staticmethod
    def set_priority(
        ticket: Ticket, staff_id: int, priority: Priority, now: datetime
    ) -> TicketEvent:
        Work.require_workable(ticket)
        if ticket.priority is priority:
            raise IllegalTransition("error.same_priority", number=ticket.number)
        previous = ticket.priority
        ticket.priority = priority
        ticket.updated_at = now
        return _staff_event(
            ticket,
            EventKind.PRIORITY_CHANGED,
            staff_id,
            now,
            data={"from": previous.value, "to": priority.value},
        )

    @staticmethod
    def transfer(
        ticket: Ticket,
        staff_id: int,
        reason: str,
        now: datetime,
        *,
        department_id: int,
        agent_id: int | None = None,
    ) -> TicketEvent:
        """To another department's queue, or straight to an agent; the SLA clock runs on."""
        Work.require_workable(ticket)
        if not reason.strip():
            raise IllegalTransition("error.reason_required")
        if agent_id is None and department_id == ticket.department_id:
            raise IllegalTransition("error.same_department", number=ticket.number)
        if agent_id is not None and agent_id == ticket.assignee_id:
            raise IllegalTransition("error.already_assignee", number=ticket.number)
        data: dict[str, object] = {
            "from_department": ticket.department_id,
            "to_department": department_id,
            "from_agent": ticket.assignee_id,
            "to_agent": agent_id,
        }
        ticket.department_id = department_id
        ticket.assignee_id = agent_id
        if agent_id is None and ticket.status is not Status.NEW:
            ticket.move_to(Status.NEW, now=now)
        elif agent_id is not None and ticket.status is Status.NEW:
            ticket.move_to(Status.IN_PROGRESS, now=now)
        ticket.updated_at = now
        return _staff_event(ticket, EventKind.TRANSFERRED, staff_id, now, body=reason, data=data)

    @staticmethod
    def resolve(ticket: Ticket, staff_id: int, resolution: str, now: datetime) -> TicketEvent:
        """Done, says the desk; the customer confirms or reopens."""
        Work.require_workable(ticket)
        if not resolution.strip():
            raise IllegalTransition("error.resolution_required")
        if ticket.assignee_id is None:
            raise IllegalTransition("error.claim_first", number=ticket.number)
        if ticket.status is Status.RESOLVED:
            raise IllegalTransition("error.already_resolved", number=ticket.number)
        Work._acknowledge_round(ticket, now)
        ticket.move_to(Status.RESOLVED, now=now)
        return _staff_event(ticket, EventKind.RESOLVED, staff_id, now, body=resolution)

    @staticmethod
    def close(ticket: Ticket, staff_id: int, reason: str, now: datetime) -> TicketEvent:
        """Staff close a resolved ticket the customer confirmed some other way."""
        if not reason.strip():
            raise IllegalTransition("error.reason_required")
        if ticket.status is not Status.RESOLVED:
            raise IllegalTransition("error.close_resolved_only", number=ticket.number)
        ticket.move_to(Status.CLOSED, now=now)
        return _staff_event(ticket, EventKind.CLOSED, staff_id, now, body=reason)

    @staticmethod
    def auto_close(ticket: Ticket, now: datetime) -> TicketEvent:
        """Nobody answered the resolution in time: it stands."""
        if ticket.status is not Status.RESOLVED:
            raise IllegalTransition("error.not_resolved", number=ticket.number)
        ticket.move_to(Status.CLOSED, now=now)
        event = _staff_event(ticket, EventKind.CLOSED, None, now, data={"auto": True})
        event.actor_kind = ActorKind.SYSTEM
        return event

    @staticmethod
    def close_unanswered(ticket: Ticket, now: datetime) -> TicketEvent:
        """The customer never answered the desk's question: the ticket closes (as resolved
        by the desk's last word, which the customer let stand)."""
        if ticket.status is not Status.WAITING_CUSTOMER:
            raise IllegalTransition("error.ticket_not_open", number=ticket.number)
        ticket.move_to(Status.RESOLVED, now=now)
        ticket.move_to(Status.CLOSED, now=now)
        event = _staff_event(ticket, EventKind.CLOSED, None, now, data={"unanswered": True})
        event.actor_kind = ActorKind.SYSTEM
        return event

    @staticmethod
    def second_round(
        ticket: Ticket, supervisor_id: int | None, score: int, now: datetime
    ) -> TicketEvent:
        """A low score reopens a closed ticket at the supervisor, on the second-round SLA."""
        if ticket.status is not Status.CLOSED or ticket.round != 1:
            raise IllegalTransition("error.ticket_not_open", number=ticket.number)
        ticket.move_to(Status.IN_PROGRESS, now=now)
        if supervisor_id is None:  # no supervisor: back to the department's queue
            ticket.move_to(Status.NEW, now=now)
        ticket.round = 2
        ticket.round_started_at = now
        ticket.round_acknowledged_at = None
        ticket.assignee_id = supervisor_id
        ticket.resolve_paused_seconds = 0
        ticket.resolve_paused_at = None
        event = _staff_event(ticket, EventKind.SECOND_ROUND, None, now, data={"score": score})
        event.actor_kind = ActorKind.SYSTEM
        return event

    @staticmethod
    def _acknowledge_round(ticket: Ticket, now: datetime) -> None:
        if ticket.round > 1 and ticket.round_acknowledged_at is None:
            ticket.round_acknowledged_at = now

    @staticmethod
    def _acknowledge(ticket: Ticket, now: datetime) -> None:
        """A claim or an assignment acknowledges the ticket, and its second round when it is
        in one (the round starts at the supervisor before anybody has seen it)."""
        if ticket.acknowledged_at is None:
            ticket.acknowledged_at = now
        Work._acknowledge_round(ticket, now)

    @staticmethod
    def confirm(ticket: Ticket, customer_id: int, solved: bool, now: datetime) -> TicketEvent:
        """The customer's answer to a resolution: closed, or back to the same assignee."""
        if customer_id != ticket.customer_id:
            raise NotAllowed("error.not_your_ticket")
        if ticket.status is not Status.RESOLVED:
            raise IllegalTransition("error.not_resolved", number=ticket.number)
        ticket.move_to(Status.CLOSED if solved else Status.IN_PROGRESS, now=now)
        return TicketEvent(
            kind=EventKind.SOLVED if solved else EventKind.REOPENED,
            created_at=now,
            actor_kind=ActorKind.CUSTOMER,
            actor_id=customer_id,
            ticket_id=ticket.id,
        )

    @staticmethod
    def unassign(ticket: Ticket, staff_id: int | None, now: datetime, reason: str) -> TicketEvent:
        """Back to the department's queue (the assignee left the desk)."""
        ticket.assignee_id = None
        if ticket.status in (Status.IN_PROGRESS, Status.WAITING_CUSTOMER):
            ticket.move_to(Status.NEW, now=now)
        ticket.updated_at = now
        event = _staff_event(ticket, EventKind.UNASSIGNED, staff_id, now, body=reason)
        if staff_id is None:
            event.actor_kind = ActorKind.SYSTEM
        return event

    @staticmethod
    def require_workable(ticket: Ticket) -> None:
        if ticket.status in (Status.CLOSED, Status.WITHDRAWN, Status.MERGED):
            raise IllegalTransition("error.ticket_not_open", number=ticket.number)


def title_from(description: str, limit: int = 80) -> str:
    """The first non-empty line of a description, shortened to `limit` characters."""
    for line in description.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
    return ""
