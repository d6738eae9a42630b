"""What a staff button carries, as typed values: the codec (handlers.callback_data) decodes
the button's data into one of these and the use case receives it as it is."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.assignment import Mode
from domain.permissions import Act
from domain.profiles import Field
from domain.ticket import Channel, Priority


@dataclass(frozen=True, slots=True)
class Target:
    """Where a ticket may go or whom it may involve: a department or a staff member."""

    department_id: int | None = None
    agent_id: int | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """A page of a ticket's history, 0 the newest."""

    number: int


class RemindIn(StrEnum):
    """When a reminder of a ticket comes, in business time (domain.followup.remind_at)."""

    HOUR = "hour"  # one working hour from now
    TOMORROW = "tmr"  # the start of the next working day
    THREE_DAYS = "days3"  # three working days from now


@dataclass(frozen=True, slots=True)
class CannedPick:
    """A step of picking a canned reply for a ticket: `list` (with `words` to search),
    `show` one filled in, `send` it as it is, `edit` it before sending."""

    step: str
    canned_id: int | None = None
    words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MergeTarget:
    """The ticket a duplicate is to be merged into, by its id."""

    ticket_id: int


# The value a staff act's choice carries (`None`: the act itself, before any choice).
Choice = Priority | Target | Page | RemindIn | CannedPick | MergeTarget


@dataclass(frozen=True, slots=True)
class StaffPress:
    """A button on a card (or a choice offered after one): the act, the ticket, the choice."""

    act: Act
    number: str
    choice: Choice | None = None


@dataclass(frozen=True, slots=True)
class Confirmation:
    """The customer's answer to a resolution: solved or not."""

    number: str
    solved: bool


@dataclass(frozen=True, slots=True)
class FilingPick:
    """A button of `/file`: the channel, or the customer (an id; None for a new one)."""

    channel: Channel | None = None
    customer_id: int | None = None
    new_customer: bool = False

    @property
    def stage(self) -> str:
        """The step of `/file` this button belongs to."""
        return "channel" if self.channel is not None else "customer"


@dataclass(frozen=True, slots=True)
class ReplyTo:
    """The desk's message a staff member answered with Telegram's reply: its id, and the
    ticket number it shows (a relayed message or a card starts with it), by which the
    ticket is still found when the desk never learnt the message's id (it was being
    sent when the instance stopped)."""

    message_id: int
    number: str | None = None


@dataclass(frozen=True, slots=True)
class CannedManage:
    """A button of `/canned` (supervisors, admins): `list` a department's replies, `show`,
    `edit` or `retire` one, or `add` one to a department in a language."""

    op: str
    canned_id: int | None = None
    department_id: int | None = None
    locale: str | None = None


REVEAL, SHOW = "reveal", "show"
# What a profile's button does: edit a field (domain.profiles.Field), reveal, show again.
PROFILE_PRESSES = frozenset({*Field, REVEAL, SHOW})


@dataclass(frozen=True, slots=True)
class ProfilePress:
    """A button of a customer's profile: the customer and what it does (PROFILE_PRESSES)."""

    customer_id: int
    what: str


@dataclass(frozen=True, slots=True)
class AssignmentPick:
    """A `/departments` button: a department's new auto-assignment mode."""

    department_id: int
    mode: Mode
