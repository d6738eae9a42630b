"""One codec for every button: `v1:<verb>:<arg>...`, at most 64 bytes, checked on decode."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from domain.intake import EDITABLE, Step
from domain.numbering import TICKET_NUMBER
from domain.permissions import Act
from domain.ticket import FeedbackType

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


def _flag(value: str) -> str:
    if value not in ("0", "1"):
        raise BadCallback("not 0/1")
    return value


_ARGS = {
    Verb.WIZARD: (_step, _word),
    Verb.LANGUAGE: (_word,),
    Verb.SHOW: (_ticket,),
    Verb.LIST: (),
    Verb.WITHDRAW: (_ticket,),
    Verb.WITHDRAW_CONFIRM: (_ticket,),
    Verb.KEEP: (_ticket,),
    Verb.PICK: (_ticket,),
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
class Action:
    """A decoded button press."""

    verb: Verb
    args: tuple[str, ...] = ()

    def arg(self, index: int = 0) -> str:
        """The `index`-th argument."""
        return self.args[index]


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
    action = Action(verb, tuple(check(arg) for check, arg in zip(checks, args, strict=True)))
    if verb is Verb.WIZARD and action.arg(1) not in WIZARD_VALUES[action.arg(0)]:
        raise BadCallback("not a value of that step")
    return action
