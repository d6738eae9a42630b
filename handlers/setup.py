"""Which handler gets which update."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from domain.people import Role, Staff
from handlers import callback_data, chart, customer, export, menus, report, staff, staffadmin
from handlers.context import DeskContext, sender_of
from handlers.errors import on_error
from handlers.i18n import t

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE
STAFF_VERBS = frozenset(
    {
        callback_data.Verb.STAFF,
        callback_data.Verb.STAFF_CHOICE,
        callback_data.Verb.CONFIRM,
        callback_data.Verb.FILE,
    }
)


STALE_PRESSES = "stale_presses"  # bot_data: ids of presses the fallback still has to answer
FALLBACK_GROUP = 1_000  # the last group: after every other handler of a press


async def on_button(update: Update, context: DeskContext) -> None:
    """Run a press whose data decodes; one that does not apply to the presser (or not in
    this chat) is left unanswered here: the fallback says it is out of date."""
    query = update.callback_query
    sender = sender_of(update)
    if query is None or sender is None:
        return
    try:
        action = callback_data.decode(query.data)
        chat = update.effective_chat
        if chat is not None and chat.id < 0 and action.verb not in callback_data.GROUP_VERBS:
            raise callback_data.Stale("a private chat's button pressed in a group")
        if action.verb in staffadmin.ROSTER_VERBS:
            await staffadmin.button(update, context)
        elif action.verb in STAFF_VERBS:
            await staff.button(update, context, action, sender)
        else:
            await customer.button(update, context, action, sender)
    except callback_data.BadCallback:
        context.bot_data.setdefault(STALE_PRESSES, set()).add(query.id)


async def on_stale_button(update: Update, context: DeskContext) -> None:
    """The one answer to every press that does not parse or does not apply to the presser:
    a short "out of date" toast in their language, in whatever chat, never a post."""
    query = update.callback_query
    if query is None:
        return
    stale: set[str] = context.bot_data.setdefault(STALE_PRESSES, set())
    if callback_data.decodes(query.data) and query.id not in stale:
        return  # answered by the handler that ran it (or by the error handler)
    stale.discard(query.id)
    sender = sender_of(update)
    if sender is None:
        locale = context.deps.policy.default_language
    else:
        try:
            locale = await context.desk.locale_of(sender)
        except Exception:
            locale = context.deps.policy.language_for(sender.language_code)
    try:
        await query.answer(t(locale, "error.bad_callback"))
    except TelegramError:
        log.info("could not answer a stale press", exc_info=True)


async def on_unknown_command(update: Update, context: DeskContext) -> None:
    """A command we do not have; in the middle of `/new`, the step is asked again."""
    sender = sender_of(update)
    if sender is None or update.effective_message is None:
        return
    await customer.unknown_command(update, context, sender)


async def on_group_message(update: Update, context: DeskContext) -> None:
    """In a group, only staff are served; others are sent to a private chat."""
    sender = sender_of(update)
    message = update.effective_message
    if sender is None or message is None or message.from_user is None or message.from_user.is_bot:
        return
    if await context.desk.role_of(sender) is not Role.CUSTOMER:
        return
    locale = context.deps.policy.language_for(sender.language_code)
    await message.reply_text(t(locale, "group.not_staff"))


def _addressed_to_bot() -> filters.BaseFilter:
    return filters.COMMAND | filters.REPLY | filters.Entity("mention")


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every handler of the desk to `application`."""
    staffadmin.register(application)  # first: `/start inv_…` and the roster buttons
    application.add_handler(CommandHandler(["start", "help"], customer.start, filters=PRIVATE))
    application.add_handler(CommandHandler("new", customer.new, filters=PRIVATE))
    application.add_handler(CommandHandler("cancel", customer.cancel, filters=PRIVATE))
    application.add_handler(CommandHandler("my", customer.my, filters=PRIVATE))
    application.add_handler(CommandHandler("lang", customer.lang, filters=PRIVATE))
    application.add_handler(CommandHandler("queue", staff.queue))
    application.add_handler(CommandHandler("mine", staff.mine))
    application.add_handler(CommandHandler("overdue", staff.overdue))
    application.add_handler(CommandHandler("ticket", staff.ticket))
    application.add_handler(CommandHandler("find", staff.find))
    application.add_handler(CommandHandler("report", report.report))
    application.add_handler(CommandHandler("chart", chart.chart))
    application.add_handler(CommandHandler("export", export.export, filters=PRIVATE))
    application.add_handler(CommandHandler("file", staff.file, filters=PRIVATE))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callback_data.decodes))
    application.add_handler(MessageHandler(PRIVATE & filters.COMMAND, on_unknown_command))
    application.add_handler(
        MessageHandler(PRIVATE & filters.UpdateType.MESSAGE & ~filters.COMMAND, customer.message)
    )
    application.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & _addressed_to_bot(),
            on_group_message,
        )
    )
    application.add_handler(CallbackQueryHandler(on_stale_button), group=FALLBACK_GROUP)
    application.add_error_handler(on_error)  # type: ignore[arg-type]


async def set_staff_commands(
    application: Application[Any, Any, Any, Any, Any, Any], members: Sequence[Staff]
) -> None:
    """Each active staff member's own command menu, for their role, in their language (a
    person who never opened the chat with the bot cannot have one yet; they are skipped)."""
    for person in members:
        if not person.active or person.role not in menus.STAFF_COMMANDS:
            continue
        try:
            await menus.set_for(application.bot, person.telegram_id, person.role, person.locale)
        except TelegramError as error:
            log.info("no command menu for staff %s: %s", person.id, error)


async def set_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The command menu in every language with a catalog."""
    from handlers.i18n import locales

    for locale in locales():
        await application.bot.set_my_commands(
            menus.commands(menus.CUSTOMER_COMMANDS, locale),
            language_code=None if locale == "en" else locale,
        )
