"""Texts and buttons of staff onboarding and administration; the `staffadmin.*` notices.

Pure: views and a locale in, text and markup out.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.errors import DeskError
from domain.people import Department, Role
from domain.staffadmin import (
    AlreadyStaff,
    Bound,
    ChooseDepartment,
    DepartmentList,
    InviteCreated,
    Joined,
    Roster,
    RosterEntry,
    StaffCard,
)
from handlers.callback_data import Verb, encode
from handlers.i18n import Safe, t

ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


def role_name(locale: str, role: Role | str) -> str:
    """`agent` → "agent" / "客服专员"."""
    return t(locale, f"role.{Role(role).value}")


def error_text(locale: str, error: DeskError) -> str:
    """A refusal in the user's words; role parameters are translated."""
    params = dict(error.params)
    if "role" in params:
        params["role"] = role_name(locale, str(params["role"]))
    return t(locale, error.code, **params)


def invite_link(bot_username: str, token: str) -> str:
    """The deep link that opens the bot with `/start inv_<token>`."""
    return f"https://t.me/{bot_username}?start=inv_{token}"


def invite_created(view: InviteCreated, link: str, zone: tzinfo) -> str:
    """The link and until when it works, in the desk's time zone."""
    expires = view.expires_at.astimezone(zone)
    params: dict[str, Any] = {
        "role": role_name(view.locale, view.role),
        "link": link,
        "expires": expires.strftime("%Y-%m-%d %H:%M"),
        "zone": str(zone),
    }
    if view.department is None:
        return t(view.locale, "invite.created_admin", **params)
    return t(view.locale, "invite.created", department=view.department.label(), **params)


def accepted(view: Joined | AlreadyStaff) -> str:
    """What the person who opened an invite reads."""
    role = role_name(view.locale, view.role)
    if isinstance(view, AlreadyStaff):
        return t(view.locale, "invite.already_staff", role=role)
    if view.department is None:
        return t(view.locale, "invite.joined_admin", role=role)
    return t(view.locale, "invite.joined", role=role, department=view.department.label())


def _department_name(locale: str, entry: RosterEntry) -> str:
    if entry.department is None:
        return t(locale, "staffadmin.no_department")
    return entry.department.name_in(locale)


def _state(locale: str, active: bool) -> str:
    return t(locale, "staffadmin.state_active" if active else "staffadmin.state_inactive")


def roster(view: Roster) -> tuple[str, InlineKeyboardMarkup | None]:
    """`/staff`: one line per person; admins get a button per person."""
    locale = view.locale
    if not view.entries:
        return t(locale, "staffadmin.list_empty"), None
    if view.department is not None:
        head = t(
            locale,
            "staffadmin.list_department",
            department=view.department.label(),
            count=len(view.entries),
        )
    else:
        head = t(locale, "staffadmin.list_all", count=len(view.entries))
    lines = [head]
    for entry in view.entries:
        lines.append(
            t(
                locale,
                "staffadmin.line",
                name=entry.staff.name or str(entry.staff.telegram_id),
                role=role_name(locale, entry.staff.role),
                department=_department_name(locale, entry),
                state=_state(locale, entry.staff.active),
            )
        )
    if not view.manage:
        return "\n".join(lines), None
    lines += ["", t(locale, "staffadmin.manage_hint")]
    buttons = [
        [
            InlineKeyboardButton(
                _person_label(entry), callback_data=encode(Verb.STAFF_CARD, str(entry.staff.id))
            )
        ]
        for entry in view.entries
    ]
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


def _person_label(entry: RosterEntry) -> str:
    mark = "" if entry.staff.active else "⛔ "
    return f"{mark}{entry.staff.name or entry.staff.telegram_id}"[:40]


def staff_card(view: StaffCard) -> tuple[str, InlineKeyboardMarkup]:
    """One person and the changes an admin may make."""
    locale, staff = view.locale, view.entry.staff
    assert staff.id is not None
    text = t(
        locale,
        "staffadmin.card",
        name=staff.name or str(staff.telegram_id),
        role=role_name(locale, staff.role),
        department=_department_name(locale, view.entry),
        state=_state(locale, staff.active),
        tickets=view.open_tickets,
    )
    if view.note:
        params = dict(view.params)
        if "role" in params:
            params["role"] = role_name(locale, str(params["role"]))
        text = f"{t(locale, view.note, **params)}\n\n{text}"
    sid = str(staff.id)
    rows = [
        [
            InlineKeyboardButton(
                t(locale, "staffadmin.button_make", role=role_name(locale, role)),
                callback_data=encode(Verb.STAFF_ROLE, sid, role.value),
            )
            for role in ROLES
            if role is not staff.role
        ]
    ]
    moves = [
        InlineKeyboardButton(
            t(locale, "staffadmin.button_move", name=d.label()),
            callback_data=encode(Verb.STAFF_DEPARTMENT, sid, str(d.id)),
        )
        for d in view.departments
        if d.id != staff.department_id
    ]
    rows += [moves[i : i + 2] for i in range(0, len(moves), 2)]
    if staff.active:
        toggle = InlineKeyboardButton(
            t(locale, "staffadmin.button_deactivate"),
            callback_data=encode(Verb.STAFF_ACTIVE, sid, "0"),
        )
    else:
        toggle = InlineKeyboardButton(
            t(locale, "staffadmin.button_reactivate"),
            callback_data=encode(Verb.STAFF_ACTIVE, sid, "1"),
        )
    rows.append([toggle])
    rows.append(
        [
            InlineKeyboardButton(
                t(locale, "staffadmin.button_back"), callback_data=encode(Verb.STAFF_ROSTER)
            )
        ]
    )
    return text, InlineKeyboardMarkup(rows)


def departments(view: DepartmentList) -> str:
    """`/departments`: one block per department."""
    locale = view.locale
    blocks = [t(locale, "staffadmin.departments_title")]
    for info in view.departments:
        department = info.department
        types = ", ".join(t(locale, f"type.{ft.value}") for ft in info.types)
        chat = (
            t(locale, "staffadmin.chat_bound")
            if department.staff_chat_id is not None
            else t(locale, "staffadmin.chat_unbound", code=department.code)
        )
        names = ", ".join(s.name or str(s.telegram_id) for s in info.supervisors)
        supervisors = t(
            locale,
            "staffadmin.supervisors",
            count=len(info.supervisors),
            names=names or t(locale, "staffadmin.nobody"),
        )
        blocks.append(
            t(
                locale,
                "staffadmin.department",
                name=department.label(),
                code=department.code,
                types=types or t(locale, "staffadmin.nothing"),
                chat=chat,
                supervisors=Safe(supervisors),
                count=info.active_staff,
            )
            + "\n"
            + assignment_line(locale, department)
        )
    return "\n\n".join(blocks)


def assignment_line(locale: str, department: Department) -> str:
    """How the department's new tickets find their assignee."""
    mode = t(locale, f"assign.mode_{department.assignment}")
    if department.assignment == "off" or not department.ack_minutes:
        return t(locale, "assign.department_line", mode=mode)
    return t(locale, "assign.department_line_ack", mode=mode, minutes=department.ack_minutes)


def bound(view: Bound | ChooseDepartment) -> str:
    """The answer to `/bind` in a group."""
    if isinstance(view, ChooseDepartment):
        codes = ", ".join(d.code for d in view.departments)
        return t(view.locale, "staffadmin.bind_choose", codes=codes)
    return t(
        view.locale, "staffadmin.bound", name=view.department.label(), code=view.department.code
    )
