"""Commands, buttons and messages of staff: cards, /queue, /mine, /ticket, /find."""

from __future__ import annotations

from telegram import CallbackQuery, Message, Update
from telegram.error import Forbidden

from domain.errors import NotAllowed
from domain.intake import Input
from domain.numbering import NUMBER_IN_TEXT
from domain.people import Sender
from domain.permissions import Act
from domain.presses import CannedManage, Confirmation, FilingPick, ReplyTo, StaffPress
from domain.services.staff.base import QUIET, StaffView
from domain.services.staff.profiles import ProfileView
from handlers import keyboards, profiles, render, replies, staff_views
from handlers.callback_data import BadCallback, Verb, decode
from handlers.context import Button, DeskContext, sender_of
from handlers.edits import drop_buttons, edit
from handlers.i18n import t
from handlers.inputs import arguments, from_message


async def _show(update: Update, context: DeskContext, sender: Sender, view: StaffView) -> None:
    """Put a staff outcome in front of the staff member.

    What only the presser needs (prompts, choices, cards, history, files, lists) goes to
    their private chat, never into the department's group; a plain outcome of a button in
    the group is a toast, as the edited card shows the rest.
    """
    chat = update.effective_chat
    query = update.callback_query
    if chat is None or (view.key == QUIET and query is None):
        return
    in_group = chat.id != sender.telegram_id
    if view.intake is not None:
        if query is not None:
            await query.answer()
            await drop_buttons(query)
        if view.key == "file.for_customer":
            await context.bot.send_message(chat.id, t(view.locale, view.key, **view.params))
        limits = context.deps.policy.limits
        for reply in render.intake(view.intake, limits, left_contact=False):
            await context.bot.send_message(chat.id, reply.text, reply_markup=reply.markup)
        return
    if view.alert is not None and query is not None:
        await query.answer(t(view.locale, view.alert, **view.params), show_alert=True)
        return
    if view.files:
        await _private(context, sender, view, query, files=True)
        return
    text, markup, personal = staff_views.compose(view, context.deps.policy.timezone)
    if (
        view.key == "staff.history"
        and query is not None
        and query.message is not None
        and _is_history(query)
    ):
        await query.answer()
        await edit(query, text, markup)
        return
    if query is not None and not personal:
        await query.answer(text[:190])
        if in_group:
            return
    if personal and in_group:
        await _private(context, sender, view, query, text=text, markup=markup)
        return
    if query is not None and personal:
        await query.answer()
    await context.bot.send_message(chat.id, text, reply_markup=markup)


async def _private(
    context: DeskContext,
    sender: Sender,
    view: StaffView,
    query: CallbackQuery | None,
    *,
    text: str = "",
    markup: keyboards.Markup = None,
    files: bool = False,
) -> None:
    """Send to the staff member's private chat; they must have started one with the bot."""
    try:
        if files:
            for attachment in view.files:
                method, argument = render.SENDERS[attachment.kind]
                await getattr(context.bot, method)(
                    sender.telegram_id, **{argument: attachment.file_id}
                )
        else:
            await context.bot.send_message(sender.telegram_id, text, reply_markup=markup)
    except Forbidden:
        if view.private_prompt:
            await context.work.cancel(sender)
        raise NotAllowed("error.open_private_chat") from None
    if query is not None:
        in_private = query.message is not None and query.message.chat.id == sender.telegram_id
        await query.answer(None if in_private else t(view.locale, "staff.see_private"))


def _is_history(query: CallbackQuery) -> bool:
    """Whether the press turned a page of a history (that page replaces it)."""
    try:
        value = decode(query.data).value
    except BadCallback:
        return False
    return isinstance(value, StaffPress) and value.act is Act.HISTORY and value.choice is not None


async def _press(
    update: Update, context: DeskContext, pressed: StaffPress, sender: Sender
) -> None:
    """A staff button on a card, or a choice offered after one."""
    view = await context.work.press(sender, pressed)
    await _show(update, context, sender, view)
    await replies.answered(context.deps.receipts, view)


async def _confirm(
    update: Update, context: DeskContext, answer: Confirmation, sender: Sender
) -> None:
    """The customer's answer to a resolution."""
    query = update.callback_query
    assert query is not None
    view = await context.work.confirm(sender, answer)
    await query.answer()
    await drop_buttons(query)
    await context.bot.send_message(sender.chat_id, t(view.locale, view.key, **view.params))


async def _filing(update: Update, context: DeskContext, pick: FilingPick, sender: Sender) -> None:
    """A button of `/file`."""
    query = update.callback_query
    assert query is not None
    view = await context.work.filing.choose(sender, pick)
    await drop_buttons(query)
    await _show(update, context, sender, view)


async def _keep_canned(
    update: Update, context: DeskContext, op: CannedManage, sender: Sender
) -> None:
    """A button of `/canned` (supervisors, admins)."""
    view = await context.work.canned.button(sender, op)
    await _show(update, context, sender, view)
    await replies.answered(context.deps.receipts, view)


# The staff desk's buttons, by verb (handlers.setup gives each its CallbackQueryHandler).
BUTTONS: dict[Verb, Button] = {
    Verb.STAFF: _press,
    Verb.STAFF_CHOICE: _press,
    Verb.CONFIRM: _confirm,
    Verb.FILE: _filing,
    Verb.CANNED: _keep_canned,
    Verb.CANNED_ADD: _keep_canned,
}


async def message(update: Update, context: DeskContext, sender: Sender, value: Input) -> None:
    """A staff member's private message: the text a button asked for, or a reply-to."""
    incoming = update.effective_message
    answered = incoming.reply_to_message if incoming is not None else None
    reply_to = None
    if answered is not None:
        reply_to = ReplyTo(answered.message_id, _number_shown(answered, context.bot.id))
    view = await context.work.staff_input(sender, value, reply_to)
    if isinstance(view, ProfileView):  # a profile's field, changed
        await profiles.show(context, sender.chat_id, view)
        return
    await _show(update, context, sender, view)
    await replies.answered(context.deps.receipts, view)


def _number_shown(message: Message, bot_id: int) -> str | None:
    """The ticket number a message of the desk's own starts with (a relay, a card)."""
    if message.from_user is None or message.from_user.id != bot_id:
        return None
    found = NUMBER_IN_TEXT.search(message.text or message.caption or "")
    return found.group() if found else None


async def _command(update: Update, context: DeskContext) -> tuple[Sender, list[str]] | None:
    sender = sender_of(update)
    if sender is None or update.effective_message is None:
        return None
    return sender, arguments(context.args)


async def queue(update: Update, context: DeskContext) -> None:
    """Unclaimed tickets of my department, nearest promise first."""
    got = await _command(update, context)
    if got is not None:
        await _show(update, context, got[0], await context.work.lists.queue(got[0]))


async def overdue(update: Update, context: DeskContext) -> None:
    """Late and at-risk tickets of my scope, most urgent first."""
    got = await _command(update, context)
    if got is not None:
        await _show(update, context, got[0], await context.work.lists.overdue(got[0]))


async def mine(update: Update, context: DeskContext) -> None:
    """My open tickets."""
    got = await _command(update, context)
    if got is not None:
        await _show(update, context, got[0], await context.work.lists.mine(got[0]))


async def ticket(update: Update, context: DeskContext) -> None:
    """`/ticket FB-…`: a card with every action I may take."""
    got = await _command(update, context)
    if got is None:
        return
    sender, args = got
    if len(args) != 1:
        locale = await context.desk.locale_of(sender)
        await context.bot.send_message(sender.chat_id, t(locale, "staff.ticket_usage"))
        return
    await _show(update, context, sender, await context.work.show(sender, args[0].upper()))


async def find(update: Update, context: DeskContext) -> None:
    """`/find WORDS`: search my scope."""
    got = await _command(update, context)
    if got is not None:
        await _show(update, context, got[0], await context.work.lists.find(got[0], got[1]))


async def file(update: Update, context: DeskContext) -> None:
    """`/file`: a ticket for a customer who called or wrote elsewhere."""
    got = await _command(update, context)
    if got is not None:
        await _show(update, context, got[0], await context.work.filing.start(got[0]))


async def canned(update: Update, context: DeskContext) -> None:
    """`/canned [WORDS]`: canned replies for the ticket in hand, or to keep."""
    got = await _command(update, context)
    if got is not None:
        view = await context.work.canned_command(got[0], got[1])
        await _show(update, context, got[0], view)
        await replies.answered(context.deps.receipts, view)


async def cancel(update: Update, context: DeskContext, sender: Sender) -> None:
    """`/cancel` from staff: drop the pending prompt."""
    had = await context.work.cancel(sender)
    locale = await context.desk.locale_of(sender)
    await context.bot.send_message(
        sender.chat_id, t(locale, "staff.cancelled" if had else "cancel.nothing")
    )


__all__ = ["BUTTONS", "find", "from_message", "message", "mine", "queue", "ticket"]
