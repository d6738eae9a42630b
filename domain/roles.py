"""What the config file says about a person, and how it combines with their staff record.

A person's role is the higher of the two: the config names admins (`desk.admins`) and the
head of each department (`supervisor`); the staff record holds what invites and `/staff`
made of them. The config is the floor an admin cannot lower through the bot (it is the way
back in); anything above it holds across restarts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from domain.people import Role, Staff

RANK = {Role.CUSTOMER: 0, Role.AGENT: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}


def higher(first: Role, second: Role) -> Role:
    """The higher of two roles."""
    return first if RANK[first] >= RANK[second] else second


@dataclass(frozen=True, slots=True)
class Configured:
    """A person as the config file names them: an admin, a supervisor, or both (an admin who
    heads a department belongs to it)."""

    role: Role
    department: str | None = None  # the code of the department they head


def configured(admins: Iterable[int], supervisors: Mapping[int, str]) -> dict[int, Configured]:
    """Everyone the config names, by Telegram id (`supervisors`: id -> department code)."""
    people = {
        telegram_id: Configured(Role.SUPERVISOR, code) for telegram_id, code in supervisors.items()
    }
    for telegram_id in admins:
        people[telegram_id] = Configured(Role.ADMIN, supervisors.get(telegram_id))
    return people


def merged(
    record: Staff | None,
    wanted: Configured,
    *,
    telegram_id: int,
    department_id: int | None,
    locale: str,
    now: datetime,
) -> Staff:
    """The staff record brought up to what the config says: active, a role at least the
    config's, in the department the config has them head (if it names one)."""
    if record is None:
        return Staff(
            telegram_id=telegram_id,
            name="",
            role=wanted.role,
            department_id=department_id,
            locale=locale,
            since=now,
        )
    record.role = higher(record.role, wanted.role)
    record.active = True
    if department_id is not None:
        record.department_id = department_id
    return record


def below_config(wanted: Configured | None, role: Role | None) -> bool:
    """Whether `role` (None: deactivated) is less than the config makes the person."""
    if wanted is None:
        return False
    return role is None or RANK[role] < RANK[wanted.role]


__all__ = ["RANK", "Configured", "below_config", "configured", "higher", "merged"]
