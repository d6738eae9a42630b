"""Buttons: each verb has its own CallbackQueryHandler (handlers.setup), whose handler gets
the typed value the codec decoded (handlers.callback_data) and the presser.

A press whose data does not apply to the presser (or not in this chat) raises
callback_data.BadCallback; it is left unanswered here and the fallback handler says it is
out of date.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from domain.people import Sender
from handlers import callback_data
from handlers.context import DeskContext, sender_of

Button = Callable[[Update, DeskContext, Any, Sender], Awaitable[None]]
STALE_PRESSES = "stale_presses"  # bot_data: ids of presses the fallback still has to answer


def pressed(button: Button) -> Callable[[Update, DeskContext], Awaitable[None]]:
    """The CallbackQueryHandler callback that decodes the press and runs `button`."""

    async def on_press(update: Update, context: DeskContext) -> None:
        query = update.callback_query
        sender = sender_of(update)
        if query is None or sender is None:
            return
        try:
            action = callback_data.decode(query.data)
            chat = update.effective_chat
            if chat is not None and chat.id < 0 and action.verb not in callback_data.GROUP_VERBS:
                raise callback_data.Stale("a private chat's button pressed in a group")
            await button(update, context, action.value, sender)
        except callback_data.BadCallback:
            context.bot_data.setdefault(STALE_PRESSES, set()).add(query.id)

    on_press.__name__ = getattr(button, "__name__", "on_press")
    return on_press
