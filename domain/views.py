"""What the use cases hand back to the adapter: values and catalog codes, never sentences."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from domain.durations import Span
from domain.intake import Draft, Step, StepResult
from domain.people import Role
from domain.policy import Promise
from domain.ticket import Ticket, TicketEvent


@dataclass(slots=True)
class Greeting:
    """Who the user is to the desk, for `/start` and `/help`."""

    locale: str
    role: Role
    name: str
    open_tickets: int = 0
    customer_number: str | None = None
    # the `reply` outbox rows standing in for the handler's answer (domain.services.base)
    receipt_ids: list[int] = field(default_factory=list, kw_only=True)


@dataclass(slots=True)
class IntakeView:
    """Where the `/new` wizard stands after an input."""

    locale: str
    draft: Draft
    note: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    resumed: bool = False
    accepted: bool = True
    previous_step: Step | None = None
    # at the summary: the customer's open tickets the feedback may be added to instead
    open_tickets: list[str] = field(default_factory=list)
    # the `reply` outbox rows standing in for the handler's answer (domain.services.base)
    receipt_ids: list[int] = field(default_factory=list, kw_only=True)

    @classmethod
    def after(cls, locale: str, result: StepResult, previous_step: Step) -> IntakeView:
        """The wizard after one input was applied (accepted or refused)."""
        return cls(
            locale,
            result.draft,
            result.note,
            result.params,
            accepted=result.accepted,
            previous_step=previous_step,
        )

    @property
    def left_contact(self) -> bool:
        """The customer just got past the contact step (its reply keyboard must go)."""
        return self.previous_step is Step.CONTACT and self.draft.step is not Step.CONTACT


@dataclass(slots=True)
class Filed:
    """A ticket was filed; what to tell the customer."""

    locale: str
    ticket: Ticket
    promise: Promise | None
    # the outbox row that delivers the confirmation if the reply is never confirmed sent
    receipt_id: int | None = None


def filed_params(ticket: Ticket, promise: Promise | None) -> dict[str, Any]:
    """A filing confirmation as outbox parameters (JSON)."""
    return {
        "number": ticket.number,
        "urgent": ticket.business_stopped,
        "promise": None
        if promise is None
        else {
            "clock_seconds": int(promise.within.clock.total_seconds()),
            "business_days": promise.within.business_days,
            "business_hours": promise.business_hours,
        },
    }


def promise_from(params: dict[str, Any]) -> Promise | None:
    """The promise of `filed_params`, back."""
    value = params.get("promise")
    if not value:
        return None
    within = Span(timedelta(seconds=value["clock_seconds"]), value["business_days"])
    return Promise(within=within, business_hours=bool(value["business_hours"]))


@dataclass(slots=True)
class Cancelled:
    """The wizard (or a pending choice) was dropped, or there was nothing to drop."""

    locale: str
    had_flow: bool
    # the `reply` outbox rows standing in for the handler's answer (domain.services.base)
    receipt_ids: list[int] = field(default_factory=list, kw_only=True)


@dataclass(slots=True)
class Appended:
    """A customer message went onto a ticket; `marked` when a reaction on their message
    (queued in the outbox) tells them, so no reply is needed."""

    locale: str
    ticket: Ticket
    marked: bool = False
    # the `reply` outbox rows standing in for the handler's answer (domain.services.base)
    receipt_ids: list[int] = field(default_factory=list, kw_only=True)


@dataclass(slots=True)
class ChooseTicket:
    """The customer has several open tickets: which one is the message for?"""

    locale: str
    tickets: list[Ticket]
    # the `reply` outbox rows standing in for the handler's answer (domain.services.base)
    receipt_ids: list[int] = field(default_factory=list, kw_only=True)


@dataclass(slots=True)
class NoOpenTicket:
    """A message outside a flow, but nothing open to add it to."""

    locale: str
    # the `reply` outbox rows standing in for the handler's answer (domain.services.base)
    receipt_ids: list[int] = field(default_factory=list, kw_only=True)


@dataclass(slots=True)
class Rejected:
    """A message that cannot be taken as it is; `note` says why."""

    locale: str
    note: str
    params: dict[str, Any] = field(default_factory=dict)
    # the `reply` outbox rows standing in for the handler's answer (domain.services.base)
    receipt_ids: list[int] = field(default_factory=list, kw_only=True)


@dataclass(slots=True)
class StaffOnly:
    """A staff member wrote something that only customers do."""

    locale: str
    role: Role


@dataclass(slots=True)
class TicketList:
    """A customer's tickets, newest first."""

    locale: str
    tickets: list[Ticket]


@dataclass(slots=True)
class TicketDetail:
    """One ticket as its customer may see it."""

    locale: str
    ticket: Ticket
    history: list[TicketEvent]
    can_withdraw: bool


@dataclass(slots=True)
class Withdrawn:
    """The customer withdrew a ticket."""

    locale: str
    ticket: Ticket


@dataclass(slots=True)
class PollView:
    """What the customer is told after a poll press or comment (catalog key and values)."""

    locale: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    ask_comment: int | None = None  # the poll whose comment is asked (with a Skip button)
    # the `reply` outbox rows standing in for the handler's answer (domain.services.base)
    receipt_ids: list[int] = field(default_factory=list, kw_only=True)


CustomerMessageOutcome = (
    IntakeView
    | Filed
    | Cancelled
    | Appended
    | ChooseTicket
    | NoOpenTicket
    | StaffOnly
    | Rejected
    | PollView
)
