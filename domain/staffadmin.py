"""Staff onboarding and administration rules: invites, roster changes, binding staff chats.

Pure: who may invite whom where, what an invite token looks like, when a roster change is
refused. Each refusal is a DeskError whose code is a catalog key (sections `invite`,
`staffadmin`) so the user reads the reason in their language.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain import roles
from domain.errors import InvalidInput, NotAllowed, NotFound
from domain.people import STAFF_ROLES, Department, Role, Staff
from domain.permissions import Act, may
from domain.ports import Invite
from domain.roles import Configured
from domain.ticket import FeedbackType

PAYLOAD_PREFIX = "inv_"  # `/start inv_<token>`
TOKEN_BYTES = 24  # secrets.token_urlsafe(24) is 32 characters
TOKEN_MAX = 40
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,40}$")
INVITABLE = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


def new_token() -> str:
    """A fresh unguessable token for a deep link (URL-safe, at most 40 characters)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    assert TOKEN_SHAPE.match(token)  # 32 characters of [A-Za-z0-9_-]
    return token


def token_from_payload(payload: str) -> str | None:
    """The token in a `/start` payload `inv_<token>`, or None when it is not one."""
    if not payload.startswith(PAYLOAD_PREFIX):
        return None
    token = payload[len(PAYLOAD_PREFIX) :]
    return token if TOKEN_SHAPE.match(token) else None


def parse_role(text: str | None) -> Role:
    """`agent`, `supervisor` or `admin` (any case); InvalidInput otherwise."""
    value = (text or "").strip().lower()
    try:
        role = Role(value)
    except ValueError:
        raise InvalidInput("invite.usage") from None
    if role not in STAFF_ROLES:
        raise InvalidInput("invite.usage")
    return role


def require_active_staff(staff: Staff | None) -> Staff:
    """The acting staff member; NotAllowed for customers and deactivated staff."""
    if staff is None:
        raise NotAllowed("staffadmin.staff_only")
    if not staff.active:
        raise NotAllowed("staffadmin.deactivated")
    return staff


def require_inviter(inviter: Staff) -> Staff:
    """The actor may create invites at all (admins, supervisors)."""
    require_active_staff(inviter)
    if not may(inviter, Act.INVITE):
        raise NotAllowed("invite.refused_role", role=inviter.role)
    return inviter


def invite_department(
    inviter: Staff, role: Role, department: Department | None, *, code_given: bool
) -> int | None:
    """Check that `inviter` may invite a `role` into `department` (None: no code given, or
    an unknown one when `code_given`); returns the department id the invite is for."""
    require_inviter(inviter)
    if code_given and department is None:
        raise NotFound("staffadmin.unknown_department")
    if inviter.role is not Role.ADMIN:
        # a supervisor: agents only, only into their own department
        if role is not Role.AGENT:
            raise NotAllowed("invite.agents_only", role=role)
        if inviter.department_id is None:
            raise NotAllowed("invite.no_own_department")
        if department is not None and department.id != inviter.department_id:
            raise NotAllowed("invite.other_department", department=department.label())
        return inviter.department_id
    if role is Role.ADMIN:
        if department is not None:
            raise InvalidInput("invite.admin_no_department")
        return None
    if department is None:
        raise InvalidInput("invite.department_needed", role=role, role_code=role.value)
    return department.id


def make_invite(
    inviter: Staff, role: Role, department_id: int | None, now: datetime, ttl: timedelta
) -> Invite:
    """A new, unused invite from `inviter`."""
    assert inviter.id is not None
    return Invite(
        token=new_token(),
        role=role,
        department_id=department_id,
        created_by=inviter.id,
        created_at=now,
        expires_at=now + ttl,
    )


def check_invite(invite: Invite | None, now: datetime) -> Invite:
    """The invite, if it can still be used; NotAllowed/NotFound saying why not."""
    if invite is None:
        raise NotFound("invite.unknown")
    if invite.used_by is not None or invite.used_at is not None:
        raise NotAllowed("invite.used")
    if invite.expires_at <= now:
        raise NotAllowed("invite.expired")
    return invite


# -- the roster -----------------------------------------------------------------------------


def roster_scope(viewer: Staff) -> int | None:
    """Which staff `viewer` may list: None for everyone (admins), else their department."""
    require_active_staff(viewer)
    if may(viewer, Act.MANAGE_STAFF):
        return None
    if viewer.role is Role.SUPERVISOR and viewer.department_id is not None:
        return viewer.department_id
    raise NotAllowed("staffadmin.refused_role", role=viewer.role)


def require_manager(actor: Staff) -> Staff:
    """The actor may change the roster and departments (admins)."""
    require_active_staff(actor)
    if not may(actor, Act.MANAGE_STAFF):
        raise NotAllowed("staffadmin.refused_role", role=actor.role)
    return actor


def require_binder(actor: Staff | None) -> Staff:
    """The actor may bind a group as a department's staff chat (admins)."""
    staff = require_active_staff(actor)
    if not may(staff, Act.BIND):
        raise NotAllowed("staffadmin.bind_refused", role=staff.role)
    return staff


def _active_admins(roster: Sequence[Staff]) -> list[Staff]:
    return [s for s in roster if s.active and s.role is Role.ADMIN]


def check_config_floor(
    target: Staff, wanted: Configured | None, role: Role | None, heads: object = ""
) -> None:
    """The config file's role is a floor the bot does not lower: NotAllowed when `role` (None:
    deactivated) is below what the config makes `target` (`heads`: the department it has
    them head, as shown)."""
    if wanted is None or not roles.below_config(wanted, role):
        return
    if wanted.role is Role.ADMIN:
        raise NotAllowed("staffadmin.config_admin", name=target.name)
    raise NotAllowed("staffadmin.config_supervisor", name=target.name, department=heads)


def check_deactivate(
    actor: Staff,
    target: Staff,
    roster: Sequence[Staff],
    *,
    configured: Configured | None = None,
    heads: object = "",
) -> None:
    """Nobody deactivates themselves, the last active admin, or a person the config file
    names admin or supervisor (the config wins: it is the way back in)."""
    if target.id == actor.id:
        raise NotAllowed("staffadmin.not_yourself")
    check_config_floor(target, configured, None, heads)
    if not target.active:
        raise InvalidInput("staffadmin.already_inactive", name=target.name)
    if target.role is Role.ADMIN and len(_active_admins(roster)) <= 1:
        raise NotAllowed("staffadmin.last_admin")


def check_role_change(
    actor: Staff,
    target: Staff,
    role: Role,
    roster: Sequence[Staff],
    *,
    configured: Configured | None = None,
    heads: object = "",
) -> None:
    """A new role for `target`: not one's own nor below what the config file names them,
    never leaving the desk without an admin; agents and supervisors need a department."""
    if role not in STAFF_ROLES:
        raise InvalidInput("staffadmin.bad_role")
    if target.id == actor.id:
        raise NotAllowed("staffadmin.not_yourself")
    check_config_floor(target, configured, role, heads)
    if target.role is role:
        raise InvalidInput("staffadmin.same_role", name=target.name, role=role)
    if target.role is Role.ADMIN and target.active and len(_active_admins(roster)) <= 1:
        raise NotAllowed("staffadmin.last_admin")
    if role is not Role.ADMIN and target.department_id is None:
        raise InvalidInput("staffadmin.department_first", name=target.name)


def check_department_change(
    target: Staff,
    department: Department,
    *,
    configured: Configured | None = None,
    heads: object = "",
) -> None:
    """A new department for `target`, not away from the one the config has them head."""
    if target.department_id == department.id:
        raise InvalidInput(
            "staffadmin.same_department", name=target.name, department=department.label()
        )
    if configured is not None and configured.department is not None:
        raise NotAllowed("staffadmin.config_supervisor", name=target.name, department=heads)


# -- results --------------------------------------------------------------------------------


@dataclass(slots=True)
class InviteCreated:
    """An invite link to hand to the new staff member."""

    locale: str
    token: str
    role: Role
    department: Department | None
    expires_at: datetime


@dataclass(slots=True)
class Joined:
    """The user opened an invite and is staff now."""

    locale: str
    role: Role
    department: Department | None


@dataclass(slots=True)
class AlreadyStaff:
    """An active staff member opened an invite: nothing changed."""

    locale: str
    role: Role


@dataclass(slots=True)
class RosterEntry:
    """One staff member as /staff shows them."""

    staff: Staff
    department: Department | None


@dataclass(slots=True)
class Roster:
    """The staff a viewer may see; `manage`: the viewer may change them (buttons)."""

    locale: str
    entries: list[RosterEntry]
    manage: bool
    department: Department | None = None  # a supervisor's view: their department


@dataclass(slots=True)
class StaffCard:
    """One staff member with what an admin may change about them."""

    locale: str
    entry: RosterEntry
    departments: list[Department]
    open_tickets: int = 0
    note: str | None = None  # a catalog key: what just changed
    params: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class DepartmentInfo:
    """One department as /departments shows it."""

    department: Department
    types: list[FeedbackType]
    supervisors: list[Staff]
    active_staff: int


@dataclass(slots=True)
class DepartmentList:
    """Every department."""

    locale: str
    departments: list[DepartmentInfo]


@dataclass(slots=True)
class Bound:
    """A group is now a department's staff chat."""

    locale: str
    department: Department


@dataclass(slots=True)
class ChooseDepartment:
    """/bind without a code while there are several departments."""

    locale: str
    departments: list[Department]
