"""Customers, staff and departments as the desk knows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """A Telegram user has exactly one role."""

    CUSTOMER = "customer"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})


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


@dataclass(frozen=True, slots=True)
class Sender:
    """The Telegram user behind an update, as far as the desk cares."""

    telegram_id: int
    chat_id: int
    name: str
    language_code: str | None = None
