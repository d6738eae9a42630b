"""A customer's profile as staff keep it (`/customer`): its fields, how a typed value is
checked, how a lookup is read, and what the desk shows of a customer's tickets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from domain.errors import InvalidInput
from domain.numbering import CUSTOMER_NUMBER, TICKET_NUMBER
from domain.people import Customer
from domain.ticket import Channel


class Field(StrEnum):
    """What staff may change on a profile; the values double as button words."""

    NAME = "name"
    COMPANY = "company"
    PHONE = "phone"
    EMAIL = "email"
    TAGS = "tags"
    GRADE = "grade"
    SOURCE = "source"
    VIP = "vip"  # a toggle, no message asked


# The fields whose new value is the staff member's next message, in the order shown.
TYPED = (
    Field.NAME,
    Field.COMPANY,
    Field.PHONE,
    Field.EMAIL,
    Field.TAGS,
    Field.GRADE,
    Field.SOURCE,
)
GRADES = ("A", "B", "C", "D")
CLEAR = "-"  # sent instead of a value: the field becomes empty
NAME_MAX = 200
COMPANY_MAX = 200
TAG_MAX = 30
TAGS_MAX = 10
_EMAIL = re.compile(r"^[^@\s,;<>]{1,64}@[^@\s,;<>]+\.[^@\s,;<>.]{2,}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-.]*$")
_USERNAME = re.compile(r"^@[A-Za-z0-9_]{3,32}$")
_TAG = re.compile(r"^[\w][\w\- ]*$")
PHONE_DIGITS = (6, 15)  # the shortest and the longest phone number, in digits


def _phone(text: str) -> str | None:
    """`+` and the digits of a phone-shaped text; None when it is not one."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if not _PHONE.match(text) or not PHONE_DIGITS[0] <= len(digits) <= PHONE_DIGITS[1]:
        return None
    return ("+" if text.startswith("+") else "") + digits


def _tags(text: str) -> str:
    tags: list[str] = []
    for tag in (" ".join(t.split()).lower() for t in text.split(",")):
        if not tag:
            continue
        if len(tag) > TAG_MAX or not _TAG.match(tag):
            raise _tags_refused()
        if tag not in tags:
            tags.append(tag)
    if not tags or len(tags) > TAGS_MAX:
        raise _tags_refused()
    return ",".join(tags)


def _checked(field: Field, text: str) -> str | None:
    if field is Field.NAME:
        return text if len(text) <= NAME_MAX and any(ch.isalnum() for ch in text) else None
    if field is Field.COMPANY:
        return text if len(text) <= COMPANY_MAX else None
    if field is Field.PHONE:
        return _phone(text)
    if field is Field.EMAIL:
        return text.lower() if _EMAIL.match(text) and len(text) <= 200 else None
    if field is Field.TAGS:
        return _tags(text)
    if field is Field.GRADE:
        return text.upper() if text.upper() in GRADES else None
    if field is Field.SOURCE:
        return text.lower() if text.lower() in Channel.__members__.values() else None
    return None


# what a refusal of a typed value names (the catalog shows them as they are typed)
HINTS = {
    "max": TAG_MAX,
    "count": TAGS_MAX,
    "grades": ", ".join(GRADES),
    "channels": ", ".join(Channel.__members__.values()),
}


def _tags_refused() -> InvalidInput:
    return InvalidInput("profile.bad.tags", **HINTS)


def parse(field: Field, text: str) -> str | None:
    """The value to store for `text` typed as `field` (None: cleared with `-`);
    InvalidInput (`profile.bad.<field>`) when it has not the field's shape."""
    text = text.strip()
    if text == CLEAR and field is not Field.NAME:
        return None
    value = _checked(field, text) if text else None
    if value is None:
        raise InvalidInput(f"profile.bad.{field.value}", **HINTS)
    return value


class QueryKind(StrEnum):
    NUMBER = "number"  # the customer's number, C2026…
    TICKET = "ticket"  # one of their tickets, FB-…
    USERNAME = "username"
    PHONE = "phone"


@dataclass(frozen=True, slots=True)
class Query:
    """What `/customer` was given, read: its kind and the value to look up."""

    kind: QueryKind
    value: str

    def phones(self) -> list[str]:
        """The ways a phone number may have been stored: with or without its `+`."""
        digits = self.value.lstrip("+")
        return [digits, f"+{digits}"]


def read_query(text: str) -> Query | None:
    """`/customer`'s argument read; None when it is no number, @username or phone."""
    text = text.strip()
    if CUSTOMER_NUMBER.match(text.upper()):
        return Query(QueryKind.NUMBER, text.upper())
    if TICKET_NUMBER.match(text.upper()):
        return Query(QueryKind.TICKET, text.upper())
    if _USERNAME.match(text):
        return Query(QueryKind.USERNAME, text[1:].lower())
    phone = _phone(text)
    if phone is not None:
        return Query(QueryKind.PHONE, phone)
    return None


@dataclass(frozen=True, slots=True)
class TicketLine:
    """One ticket of a profile: number, status, title, when, and its latest score."""

    number: str
    status: str
    title: str
    created_at: datetime
    score: int | None = None
    open: bool = False


@dataclass(frozen=True, slots=True)
class Tickets:
    """The newest tickets of a customer and how many they have, open and in all."""

    lines: list[TicketLine]
    open_count: int
    total: int


class ProfileRepository(Protocol):
    async def find(self, query: Query) -> Customer | None:
        """The profile a query names (a merged profile's: the one it was merged into)."""
        ...

    async def get_by_number(self, number: str) -> Customer | None: ...
    async def tickets(self, customer_id: int, *, limit: int) -> Tickets: ...
    async def save(self, customer_id: int, field: Field, value: object) -> None: ...
    async def audit(
        self,
        customer_id: int,
        action: str,
        operator: str,
        details: dict[str, object],
        now: datetime,
    ) -> None: ...
    async def merge(self, keep: Customer, drop: Customer) -> dict[str, int]:
        """Move `drop`'s tickets, polls, history and audit to `keep`, fill `keep`'s empty
        fields from `drop`, and mark `drop` merged; what moved, counted."""
        ...


def merged_fields(keep: Customer, drop: Customer) -> dict[Field, object]:
    """What `keep` takes from `drop`: the fields it has empty, the tags it lacks, VIP."""
    taken: dict[Field, object] = {}
    for field, mine, theirs in (
        (Field.PHONE, keep.phone, drop.phone),
        (Field.EMAIL, keep.email, drop.email),
        (Field.COMPANY, keep.company, drop.company),
        (Field.GRADE, keep.grade, drop.grade),
        (Field.SOURCE, keep.source, drop.source),
    ):
        if not mine and theirs:
            taken[field] = theirs
    tags = list(dict.fromkeys([*keep.tags, *drop.tags]))
    if tuple(tags) != keep.tags:
        taken[Field.TAGS] = ",".join(tags[:TAGS_MAX])
    if drop.vip and not keep.vip:
        taken[Field.VIP] = True
    return taken
