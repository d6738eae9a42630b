"""Customers, staff and departments as the desk knows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """A Telegram user has exactly one role."""

    CUSTOMER = "customer"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
# In a name given per language, the key of the name for languages without their own.
ANY_LANGUAGE = "*"


@dataclass(slots=True)
class Customer:
    """Somebody who files feedback."""

    number: str
    created_at: datetime
    telegram_id: int | None = None
    name: str = ""
    phone: str | None = None
    email: str | None = None
    locale: str = "en"
    vip: bool = False
    id: int | None = None
    # the profile staff keep (`/customer`)
    username: str | None = None
    company: str = ""
    tags: tuple[str, ...] = ()
    grade: str | None = None  # A-D
    source: str | None = None  # the channel they first came by
    merged_into_id: int | None = None  # this profile was merged into that one


@dataclass(slots=True)
class Staff:
    """An agent, supervisor or admin."""

    telegram_id: int
    name: str
    role: Role
    department_id: int | None = None
    active: bool = True
    locale: str = "en"
    id: int | None = None
    since: datetime | None = None  # when they became staff (None: before it was recorded)

    @property
    def heads_department(self) -> bool:
        """A head of their department: its supervisor, or an admin who belongs to it (the
        config made its supervisor an admin too): escalations, second rounds and the
        department's weekly digest reach them."""
        return self.department_id is not None and self.role in (Role.SUPERVISOR, Role.ADMIN)

    @property
    def first_name(self) -> str:
        """What customers may see of a staff member's name."""
        return self.name.split()[0] if self.name.strip() else ""


@dataclass(slots=True)
class Department:
    """A team that handles some feedback types."""

    code: str
    name: str
    staff_chat_id: int | None = None
    id: int | None = None
    names: dict[str, str] = field(default_factory=dict)  # language -> name, where it differs
    since: datetime | None = None  # when the desk made it (None: before it was recorded)
    # auto-assignment (domain.assignment): its mode, minutes to acknowledge (0: no limit)
    assignment: str = "off"
    ack_minutes: int = 0

    def label(self) -> dict[str, str]:
        """Its name in every language, as a text's parameter (JSON-ready): the reader's
        language picks one (`ANY_LANGUAGE` for the languages without their own)."""
        return {ANY_LANGUAGE: self.name, **self.names}

    def name_in(self, locale: str) -> str:
        """Its name in `locale`."""
        return self.names.get(locale, self.name)


@dataclass(frozen=True, slots=True)
class Sender:
    """The Telegram user behind an update, as far as the desk cares."""

    telegram_id: int
    chat_id: int
    name: str
    language_code: str | None = None
    username: str | None = None  # lower case, without the @
