"""The `/departments` buttons that set each department's auto-assignment mode (admins)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from domain.assignment import Mode
from domain.errors import DeskError
from domain.people import Department, Sender
from domain.presses import AssignmentPick
from domain.services.assignment_admin import AssignmentAdmin
from domain.staffadmin import DepartmentList
from handlers import render_staffadmin as render
from handlers.callback_data import Verb, encode
from handlers.context import Button, DeskContext
from handlers.i18n import t


def keyboard(listing: DepartmentList) -> InlineKeyboardMarkup:
    """A row per department: its modes, the current one ticked."""
    return InlineKeyboardMarkup(
        [
            [_button(listing.locale, info.department, mode) for mode in Mode]
            for info in listing.departments
        ]
    )


def _button(locale: str, department: Department, mode: Mode) -> InlineKeyboardButton:
    assert department.id is not None
    key = "assign.button_current" if mode == department.assignment else "assign.button"
    text = t(locale, key, code=department.code, mode=t(locale, f"assign.mode_{mode.value}"))
    return InlineKeyboardButton(
        text, callback_data=encode(Verb.ASSIGNMENT, str(department.id), mode.value)
    )


async def pick(
    update: Update, context: DeskContext, value: AssignmentPick, sender: Sender
) -> None:
    """An admin picked a department's mode: the listing is edited to show it."""
    query = update.callback_query
    assert query is not None
    admin = context.deps.staffadmin
    service = AssignmentAdmin(admin.uow, admin.clock, admin.policy)
    try:
        listing = await service.set_mode(sender, value)
    except DeskError as error:
        locale = await admin.locale_of(sender)
        await query.answer(render.error_text(locale, error), show_alert=True)
        return
    await query.answer()
    try:
        await query.edit_message_text(render.departments(listing), reply_markup=keyboard(listing))
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


BUTTONS: dict[Verb, Button] = {Verb.ASSIGNMENT: pick}
