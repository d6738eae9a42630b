"""Changing the message a button was pressed on: "message is not modified" is success."""

from __future__ import annotations

from telegram import CallbackQuery
from telegram.error import BadRequest

from handlers import keyboards


async def edit(query: CallbackQuery, text: str, markup: keyboards.Markup = None) -> None:
    """Edit the pressed message; unchanged content is not an error."""
    try:
        await query.edit_message_text(text, reply_markup=markup)  # type: ignore[arg-type]
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def drop_buttons(query: CallbackQuery) -> None:
    """Take the pressed message's buttons away."""
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise
