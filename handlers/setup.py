"""Which handler gets which update."""

from __future__ import annotations

import logging
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

from domain.people import Role
from handlers import (
    assignment,
    callback_data,
    chart,
    customer,
    export,
    presence,
    profiles,
    report,
    staff,
    staffadmin,
)
from handlers.context import STALE_PRESSES, Button, DeskContext, pressed, sender_of
from handlers.errors import on_error
from handlers.i18n import t

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE
# Every button, by verb; a verb without an entry fails the codec's test.
BUTTONS: dict[callback_data.Verb, Button] = {
    **assignment.BUTTONS,
    **customer.BUTTONS,
    **staff.BUTTONS,
    **staffadmin.BUTTONS,
    **profiles.BUTTONS,
}
FALLBACK_GROUP = 1_000  # the last group: after every other handler of a press


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
    application.add_handler(CommandHandler("canned", staff.canned, filters=PRIVATE))
    application.add_handler(CommandHandler("customer", profiles.customer, filters=PRIVATE))
    application.add_handler(CommandHandler("away", presence.away, filters=PRIVATE))
    application.add_handler(CommandHandler("back", presence.back, filters=PRIVATE))
    application.add_handler(CommandHandler("hours", presence.hours, filters=PRIVATE))
    for verb, button in BUTTONS.items():  # one handler per verb
        pattern = callback_data.pattern(verb)
        application.add_handler(CallbackQueryHandler(pressed(button), pattern=pattern))
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
