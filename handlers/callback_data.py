"""One codec for every button: `v1:<verb>:<arg>...`, at most 64 bytes, checked on decode.

Each verb's arguments decode into one typed value (`Action.value`), the one its handler
and use case receive: a staff act's button is a domain.presses.StaffPress, with its choice
decoded by the act's entry in `CHOICES`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from domain.assignment import Mode
from domain.intake import EDITABLE, Choice, Step
from domain.numbering import TICKET_NUMBER
from domain.permissions import Act
from domain.presses import (
    PROFILE_PRESSES,
    AssignmentPick,
    CannedManage,
    CannedPick,
    Confirmation,
    FilingPick,
    MergeTarget,
    Page,
    ProfilePress,
    RemindIn,
    StaffPress,
    Target,
)
from domain.presses import Choice as StaffChoice
from domain.ticket import Channel, FeedbackType, Priority

VERSION = "v1"
MAX_BYTES = 64
_WORD = re.compile(r"^[a-z][a-z0-9_]{0,23}$")


class BadCallback(ValueError):
    """The button data does not parse: forged, truncated or from an old version."""


class Stale(BadCallback):
    """The button data parses but does not apply to the person pressing it, or not here."""


class Verb(StrEnum):
    """What a button does."""

    WIZARD = "new"  # args: step, value
    LANGUAGE = "lang"  # args: code
    SHOW = "my"  # args: ticket number
    LIST = "list"  # no args
    WITHDRAW = "wd"  # args: ticket number (asks to confirm)
    WITHDRAW_CONFIRM = "wdy"  # args: ticket number
    KEEP = "keep"  # args: ticket number
    PICK = "pick"  # args: ticket number the pending message is for
    ADD_TO = "addto"  # args: ticket number the `/new` draft is added to instead
    STAFF = "s"  # args: staff act, ticket number
    STAFF_CHOICE = "sc"  # args: staff act, ticket number, chosen value
    CONFIRM = "cf"  # args: ticket number, "y" solved / "n" not solved
    FILE = "fl"  # args: `/file` stage, chosen value
    POLL = "ps"  # args: poll id, score 1-5
    POLL_SKIP = "pk"  # args: poll id (no comment)
    STAFF_ROSTER = "sal"  # no args: the /staff list (admins)
    STAFF_CARD = "sa"  # args: staff id
    STAFF_ROLE = "sar"  # args: staff id, new role
    STAFF_DEPARTMENT = "sad"  # args: staff id, department id
    STAFF_ACTIVE = "sax"  # args: staff id, "1" reactivate / "0" deactivate
    CANNED = "cn"  # args: op (list: a department id; show, edit, retire: a reply id), id
    CANNED_ADD = "cna"  # args: department id, language
    PROFILE = "cu"  # args: customer id, what (a field, reveal, show)
    ASSIGNMENT = "dam"  # args: department id, auto-assignment mode


def _ticket(value: str) -> str:
    if not TICKET_NUMBER.match(value):
        raise BadCallback("not a ticket number")
    return value


def _word(value: str) -> str:
    if not _WORD.match(value):
        raise BadCallback("not a word")
    return value


def _step(value: str) -> str:
    if value not in Step.__members__.values():
        raise BadCallback("not a step")
    return value


def _act(value: str) -> str:
    if value not in _ACTS:
        raise BadCallback("not a staff act")
    return value


def _yes_no(value: str) -> str:
    if value not in ("y", "n"):
        raise BadCallback("not y/n")
    return value


_ACTS = frozenset(a.value for a in Act)


def _score(value: str) -> str:
    if value not in ("1", "2", "3", "4", "5"):
        raise BadCallback("not a score")
    return value


_ID = re.compile(r"^[1-9][0-9]{0,17}$")
_STAFF_ROLES = frozenset({"agent", "supervisor", "admin"})


def _id(value: str) -> str:
    if not _ID.match(value):
        raise BadCallback("not an id")
    return value


def _staff_role(value: str) -> str:
    if value not in _STAFF_ROLES:
        raise BadCallback("not a staff role")
    return value


def _profile_press(value: str) -> str:
    if value not in PROFILE_PRESSES:
        raise BadCallback("not a profile button")
    return value


def _flag(value: str) -> str:
    if value not in ("0", "1"):
        raise BadCallback("not 0/1")
    return value


_CANNED_OPS = frozenset({"list", "show", "edit", "retire"})


def _canned_op(value: str) -> str:
    if value not in _CANNED_OPS:
        raise BadCallback("not a canned reply op")
    return value


def _mode(value: str) -> str:
    if value not in _MODES:
        raise BadCallback("not an assignment mode")
    return value


_MODES = frozenset(m.value for m in Mode)

_ARGS = {
    Verb.WIZARD: (_step, _word),
    Verb.LANGUAGE: (_word,),
    Verb.SHOW: (_ticket,),
    Verb.LIST: (),
    Verb.WITHDRAW: (_ticket,),
    Verb.WITHDRAW_CONFIRM: (_ticket,),
    Verb.KEEP: (_ticket,),
    Verb.PICK: (_ticket,),
    Verb.ADD_TO: (_ticket,),
    Verb.STAFF: (_act, _ticket),
    Verb.STAFF_CHOICE: (_act, _ticket, _word),
    Verb.CONFIRM: (_ticket, _yes_no),
    Verb.FILE: (_word, _word),
    Verb.POLL: (_id, _score),
    Verb.POLL_SKIP: (_id,),
    Verb.STAFF_ROSTER: (),
    Verb.STAFF_CARD: (_id,),
    Verb.STAFF_ROLE: (_id, _staff_role),
    Verb.STAFF_DEPARTMENT: (_id, _id),
    Verb.STAFF_ACTIVE: (_id, _flag),
    Verb.CANNED: (_canned_op, _id),
    Verb.CANNED_ADD: (_id, _word),
    Verb.PROFILE: (_id, _profile_press),
    Verb.ASSIGNMENT: (_id, _mode),
}


# The values the wizard's buttons carry, per step (anything else was not produced by us).
WIZARD_VALUES: dict[str, frozenset[str]] = {
    Step.TYPE: frozenset({*FeedbackType, "cancel"}),
    Step.DESCRIPTION: frozenset({"cancel"}),
    Step.ATTACHMENTS: frozenset({"done", "skip", "clear", "cancel"}),
    Step.REFERENCE: frozenset({"skip", "cancel"}),
    Step.CONTACT: frozenset({"skip", "cancel"}),
    Step.STOPPED: frozenset({"yes", "no", "cancel"}),
    Step.SUMMARY: frozenset({"submit", "edit", "cancel"}),
    Step.EDIT_MENU: frozenset({*EDITABLE, "back", "cancel"}),
}


@dataclass(frozen=True, slots=True)
class TicketRef:
    """A button about one ticket of the presser's."""

    number: str


@dataclass(frozen=True, slots=True)
class Language:
    code: str


@dataclass(frozen=True, slots=True)
class PollAnswer:
    """A score of a satisfaction poll, or (`score` None) no comment to add."""

    poll_id: int
    score: int | None = None


@dataclass(frozen=True, slots=True)
class StaffChange:
    """A roster button: a staff member, and what changes (None: just show their card)."""

    staff_id: int
    role: str | None = None
    department_id: int | None = None
    active: bool | None = None


def _target(value: str) -> Target:
    """`d<id>` a department, `a<id>` a staff member."""
    if len(value) < 2 or value[0] not in "da" or not value[1:].isdigit():
        raise BadCallback("not a target")
    if value[0] == "d":
        return Target(department_id=int(value[1:]))
    return Target(agent_id=int(value[1:]))


def _page(value: str) -> Page:
    """`p<n>`, the n-th page of a history (0 the newest)."""
    digits = value[1:]
    if not value.startswith("p") or not digits.isdigit() or len(digits) > 4:
        raise BadCallback("not a page")
    return Page(int(digits))


_CANNED_STEPS = {"l": "list", "c": "show", "s": "send", "e": "edit"}


def _canned_pick(value: str) -> CannedPick:
    """`l` the list; `c<id>` show, `s<id>` send, `e<id>` edit a reply."""
    step = _CANNED_STEPS.get(value[:1])
    if step is None or (value == "l") != (step == "list"):
        raise BadCallback("not a canned reply step")
    if step == "list":
        return CannedPick(step)
    return CannedPick(step, int(_id(value[1:])))


def _canned_manage(args: tuple[str, ...]) -> CannedManage:
    if args[0] == "list":
        return CannedManage("list", department_id=int(args[1]))
    return CannedManage(args[0], canned_id=int(args[1]))


def _merge_target(value: str) -> MergeTarget:
    """`t<id>`, the ticket to merge into."""
    if not value.startswith("t") or not _ID.match(value[1:]):
        raise BadCallback("not a ticket to merge into")
    return MergeTarget(int(value[1:]))


def _priority(value: str) -> Priority:
    try:
        return Priority(value)
    except ValueError:
        raise BadCallback("not a priority") from None


def _remind_in(value: str) -> RemindIn:
    try:
        return RemindIn(value)
    except ValueError:
        raise BadCallback("not a reminder time") from None


# What the choice offered after a staff act's button carries, per act (no entry: none).
CHOICES: dict[Act, Callable[[str], StaffChoice]] = {
    Act.PRIORITY: _priority,
    Act.TRANSFER: _target,
    Act.COLLABORATE: _target,
    Act.ASSIGN: _target,
    Act.HISTORY: _page,
    Act.REMIND: _remind_in,
    Act.CANNED: _canned_pick,
    Act.MERGE: _merge_target,
}


def _staff_choice(args: tuple[str, ...]) -> StaffPress:
    act = Act(args[0])
    decoder = CHOICES.get(act)
    if decoder is None:
        raise BadCallback("no choice after that act")
    return StaffPress(act, args[1], decoder(args[2]))


def _filing(args: tuple[str, ...]) -> FilingPick:
    stage, value = args
    if stage == "channel" and value in _FILING_CHANNELS:
        return FilingPick(channel=Channel(value))
    if stage == "customer" and value == "new":
        return FilingPick(new_customer=True)
    if stage == "customer" and value[:1] == "c" and value[1:].isdigit():
        return FilingPick(customer_id=int(value[1:]))
    raise BadCallback("not a `/file` choice")


_FILING_CHANNELS = frozenset(c.value for c in Channel if c is not Channel.TELEGRAM)

# Each verb's typed value, from its checked arguments.
_VALUES: dict[Verb, Callable[[tuple[str, ...]], object]] = {
    Verb.WIZARD: lambda a: Choice(Step(a[0]), a[1]),
    Verb.LANGUAGE: lambda a: Language(a[0]),
    Verb.SHOW: lambda a: TicketRef(a[0]),
    Verb.LIST: lambda a: None,
    Verb.WITHDRAW: lambda a: TicketRef(a[0]),
    Verb.WITHDRAW_CONFIRM: lambda a: TicketRef(a[0]),
    Verb.KEEP: lambda a: TicketRef(a[0]),
    Verb.PICK: lambda a: TicketRef(a[0]),
    Verb.ADD_TO: lambda a: TicketRef(a[0]),
    Verb.STAFF: lambda a: StaffPress(Act(a[0]), a[1]),
    Verb.STAFF_CHOICE: _staff_choice,
    Verb.CONFIRM: lambda a: Confirmation(a[0], a[1] == "y"),
    Verb.FILE: _filing,
    Verb.POLL: lambda a: PollAnswer(int(a[0]), int(a[1])),
    Verb.POLL_SKIP: lambda a: PollAnswer(int(a[0])),
    Verb.STAFF_ROSTER: lambda a: None,
    Verb.STAFF_CARD: lambda a: StaffChange(int(a[0])),
    Verb.STAFF_ROLE: lambda a: StaffChange(int(a[0]), role=a[1]),
    Verb.STAFF_DEPARTMENT: lambda a: StaffChange(int(a[0]), department_id=int(a[1])),
    Verb.STAFF_ACTIVE: lambda a: StaffChange(int(a[0]), active=a[1] == "1"),
    Verb.CANNED: _canned_manage,
    Verb.CANNED_ADD: lambda a: CannedManage("add", department_id=int(a[0]), locale=a[1]),
    Verb.PROFILE: lambda a: ProfilePress(int(a[0]), a[1]),
    Verb.ASSIGNMENT: lambda a: AssignmentPick(int(a[0]), Mode(a[1])),
}


@dataclass(frozen=True, slots=True)
class Action:
    """A decoded button press: its verb, its checked arguments, and their typed value."""

    verb: Verb
    args: tuple[str, ...] = ()
    value: object = None


def encode(verb: Verb, *args: str) -> str:
    """The callback data for a button; ValueError if it would not decode or is too long."""
    data = ":".join((VERSION, verb.value, *args))
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data}")
    decode(data)
    return data


# What a button in a group chat may do: the staff card's buttons. Every other button lives
# in a private chat; pressed in a group (forged, or someone else's), it does not apply.
GROUP_VERBS = frozenset({Verb.STAFF, Verb.STAFF_CHOICE})


def decodes(raw: object) -> bool:
    """Whether `raw` is button data we produce (the dispatcher's pattern)."""
    if not isinstance(raw, str):
        return False
    try:
        decode(raw)
    except BadCallback:
        return False
    return True


def decode(raw: str | None) -> Action:
    """Parse button data; BadCallback on anything we did not produce."""
    if not raw or len(raw.encode()) > MAX_BYTES:
        raise BadCallback("empty or too long")
    version, _, rest = raw.partition(":")
    if version != VERSION:
        raise BadCallback("unknown version")
    verb_text, *args = rest.split(":")
    try:
        verb = Verb(verb_text)
    except ValueError:
        raise BadCallback("unknown verb") from None
    checks = _ARGS[verb]
    if len(args) != len(checks):
        raise BadCallback("wrong number of arguments")
    checked = tuple(check(arg) for check, arg in zip(checks, args, strict=True))
    if verb is Verb.WIZARD and checked[1] not in WIZARD_VALUES[checked[0]]:
        raise BadCallback("not a value of that step")
    return Action(verb, checked, _VALUES[verb](checked))


def pattern(*verbs: Verb) -> Callable[[object], bool]:
    """A CallbackQueryHandler's pattern: data we produce, of one of `verbs`."""
    wanted = frozenset(verbs)

    def matches(raw: object) -> bool:
        if not isinstance(raw, str):
            return False
        verb = raw.split(":", 2)[1] if raw.count(":") else ""
        return verb in wanted and decodes(raw)

    return matches
