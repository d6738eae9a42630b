"""`/away`, `/back` and `/hours`: whether an agent takes auto-assigned tickets now."""

from __future__ import annotations

from telegram import Update

from domain.services.staff.base import StaffView
from handlers.context import DeskContext, sender_of
from handlers.i18n import t
from handlers.inputs import arguments


async def _answer(context: DeskContext, chat_id: int, view: StaffView) -> None:
    await context.bot.send_message(chat_id, t(view.locale, view.key, **view.params))


async def away(update: Update, context: DeskContext) -> None:
    """Take no new tickets until /back."""
    sender = sender_of(update)
    if sender is not None:
        await _answer(context, sender.chat_id, await context.work.presence.away(sender))


async def back(update: Update, context: DeskContext) -> None:
    """Take new tickets again."""
    sender = sender_of(update)
    if sender is not None:
        await _answer(context, sender.chat_id, await context.work.presence.back(sender))


async def hours(update: Update, context: DeskContext) -> None:
    """`/hours 09:00-18:00`: take new tickets only then; `/hours off`: always."""
    sender = sender_of(update)
    if sender is not None:
        view = await context.work.presence.hours(sender, arguments(context.args))
        await _answer(context, sender.chat_id, view)
