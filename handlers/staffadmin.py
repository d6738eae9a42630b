"""Staff onboarding and administration on Telegram: /invite, /start inv_…, /staff, /departments,
/bind, and the roster buttons. Every refusal is answered with its reason; nothing changes."""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler, filters

from domain.errors import DeskError
from domain.people import Sender, Staff
from domain.staffadmin import Joined
from handlers import assignment, menus
from handlers import render_staffadmin as render
from handlers.callback_data import StaffChange, Verb
from handlers.context import DeskContext, sender_of
from handlers.i18n import t
from handlers.inputs import arguments

PRIVATE = filters.ChatType.PRIVATE
# `/start inv_<token>`: the deep link of an invite (other /start payloads are the customer's)
INVITE_START = filters.Regex(r"^/start(@\w+)?\s+inv_")
# the roster buttons: v1:sal, v1:sa:<id>, v1:sar:…, v1:sad:…, v1:sax:…
ROSTER_VERBS = frozenset(
    {
        Verb.STAFF_ROSTER,
        Verb.STAFF_CARD,
        Verb.STAFF_ROLE,
        Verb.STAFF_DEPARTMENT,
        Verb.STAFF_ACTIVE,
    }
)
STAFF_COMMANDS = ("invite", "staff", "departments", "bind")


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the handlers; call before the customer's `/start` (the roster buttons are in
    `BUTTONS`, registered with every other button by handlers.setup)."""
    application.add_handler(CommandHandler("start", start_invite, filters=PRIVATE & INVITE_START))
    application.add_handler(CommandHandler("invite", invite, filters=PRIVATE))
    application.add_handler(CommandHandler("staff", staff_list, filters=PRIVATE))
    application.add_handler(CommandHandler("departments", departments, filters=PRIVATE))
    application.add_handler(CommandHandler("bind", bind))


async def _reply(update: Update, text: str, markup: Any = None) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(text, reply_markup=markup)


async def _refuse(update: Update, context: DeskContext, sender: Sender, error: DeskError) -> None:
    locale = await context.deps.staffadmin.locale_of(sender)
    await _reply(update, render.error_text(locale, error))


async def start_invite(update: Update, context: DeskContext) -> None:
    """Someone opened an invite link."""
    sender = sender_of(update)
    if sender is None:
        return
    payload = (arguments(context.args) or [""])[0]
    try:
        outcome = await context.deps.staffadmin.accept_invite(sender, payload)
    except DeskError as error:
        await _refuse(update, context, sender, error)
        return
    await _reply(update, render.accepted(outcome))
    if isinstance(outcome, Joined):  # their own menu of staff commands, from now on
        await menus.set_staff_commands(
            context.application,
            [Staff(sender.telegram_id, sender.name, outcome.role, locale=outcome.locale)],
        )


async def invite(update: Update, context: DeskContext) -> None:
    """`/invite ROLE [DEPARTMENT]`: a one-time link for a new staff member."""
    sender = sender_of(update)
    if sender is None:
        return
    args = arguments(context.args)
    role = args[0] if 1 <= len(args) <= 2 else ("" if args else None)
    code = args[1] if len(args) == 2 else None
    try:
        created = await context.deps.staffadmin.create_invite(sender, role, code)
    except DeskError as error:
        await _refuse(update, context, sender, error)
        return
    link = render.invite_link(context.bot.username, created.token)
    await _reply(update, render.invite_created(created, link, context.deps.policy.timezone))


async def staff_list(update: Update, context: DeskContext) -> None:
    """`/staff`: the roster (admins may change it with the buttons)."""
    sender = sender_of(update)
    if sender is None:
        return
    try:
        roster = await context.deps.staffadmin.roster(sender)
    except DeskError as error:
        await _refuse(update, context, sender, error)
        return
    await _reply(update, *render.roster(roster))


async def departments(update: Update, context: DeskContext) -> None:
    """`/departments`: routing, staff chats, supervisors, head counts."""
    sender = sender_of(update)
    if sender is None:
        return
    try:
        listing = await context.deps.staffadmin.departments(sender)
    except DeskError as error:
        await _refuse(update, context, sender, error)
        return
    await _reply(update, render.departments(listing), assignment.keyboard(listing))


async def bind(update: Update, context: DeskContext) -> None:
    """`/bind [CODE]` in a group: make it a department's staff chat."""
    sender = sender_of(update)
    chat = update.effective_chat
    if sender is None or chat is None:
        return
    if chat.type == ChatType.PRIVATE:
        locale = await context.deps.staffadmin.locale_of(sender)
        await _reply(update, t(locale, "staffadmin.bind_in_group"))
        return
    code = (arguments(context.args) or [None])[0]
    try:
        outcome = await context.deps.staffadmin.bind(sender, chat.id, code)
    except DeskError as error:
        await _refuse(update, context, sender, error)
        return
    await _reply(update, render.bound(outcome))


async def _edit(query: CallbackQuery, text: str, markup: Any = None) -> None:
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def button(
    update: Update, context: DeskContext, change: StaffChange | None, sender: Sender
) -> None:
    """A roster button; checked again on the server whoever presses it."""
    query = update.callback_query
    assert query is not None
    try:
        text, markup = await _run(context, sender, change)
    except DeskError as error:
        locale = await context.deps.staffadmin.locale_of(sender)
        await query.answer(render.error_text(locale, error), show_alert=True)
        return
    await query.answer()
    await _edit(query, text, markup)


async def _run(
    context: DeskContext, sender: Sender, change: StaffChange | None
) -> tuple[str, Any]:
    service = context.deps.staffadmin
    if change is None:  # the roster itself
        return render.roster(await service.roster(sender, managing=True))
    if change.role is not None:
        card = await service.change_role(sender, change.staff_id, change.role)
    elif change.department_id is not None:
        card = await service.change_department(sender, change.staff_id, change.department_id)
    elif change.active is not None:
        card = await service.set_active(sender, change.staff_id, change.active)
    else:
        card = await service.staff_card(sender, change.staff_id)
    return render.staff_card(card)


# The roster's buttons, by verb (handlers.setup gives each its CallbackQueryHandler).
BUTTONS = dict.fromkeys(ROSTER_VERBS, button)
