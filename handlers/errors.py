"""Typed errors become catalog texts in the user's language; anything else gets a reference."""

from __future__ import annotations

import logging
import re
import uuid

from telegram import Update
from telegram.error import BadRequest, TelegramError

from domain.errors import DeskError, UpdateAlreadyHandled
from handlers.callback_data import BadCallback
from handlers.context import DeskContext, sender_of
from handlers.i18n import t

log = logging.getLogger(__name__)


def refusal_kind(error: DeskError) -> str:
    """The metric label of a refusal: its class in snake case (`NotAllowed` → `not_allowed`)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()


_ACT = re.compile(r"[a-z][a-z0-9_]{0,31}")


def refusal_act(update: object) -> str:
    """What was refused, as a metric label: `/file`, `button:fl` (the button's verb) or
    `message`; anything that does not look like one of the desk's names is `other`, so
    nobody can grow the label set by typing."""
    if not isinstance(update, Update):
        return "other"
    query = update.callback_query
    if query is not None:
        parts = (query.data or "").split(":")
        verb = parts[1] if len(parts) > 1 else ""
        return f"button:{verb}" if _ACT.fullmatch(verb) else "other"
    message = update.effective_message
    text = (message.text or "") if message is not None else ""
    if text.startswith("/"):
        command = text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if text[1:] else ""
        return f"/{command}" if _ACT.fullmatch(command) else "other"
    return "message"


async def _locale(update: Update, context: DeskContext) -> str:
    sender = sender_of(update)
    if sender is None:
        return context.deps.policy.default_language
    try:
        return await context.desk.locale_of(sender)
    except Exception:
        return context.deps.policy.language_for(sender.language_code)


def _text(error: BaseException, locale: str) -> str:
    if isinstance(error, BadCallback):
        return t(locale, "error.bad_callback")
    if isinstance(error, DeskError):
        try:
            return t(locale, error.code, **error.params)
        except (KeyError, IndexError):
            log.exception("catalog text %s does not fit %s", error.code, error.params)
    ref = uuid.uuid4().hex[:8]
    log.error("unexpected error, reference %s", ref, exc_info=error)
    return t(locale, "error.generic", ref=ref)


async def on_error(update: object, context: DeskContext) -> None:
    """Tell the user what went wrong; nothing the error touched was committed."""
    error = context.error
    if error is None:
        return
    if isinstance(error, UpdateAlreadyHandled):
        log.info("update %s was handled before; this delivery changes nothing", error.update_id)
        return
    if isinstance(error, DeskError):  # a refusal is a normal outcome, not an error
        if context.deps.count_refusal is not None:
            context.deps.count_refusal(refusal_kind(error), refusal_act(update))
    elif context.deps.count_error is not None:
        context.deps.count_error()
    if not isinstance(update, Update):
        log.error("error outside an update", exc_info=error)
        return
    text = _text(error, await _locale(update, context))
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(text, show_alert=True)
                return
            except BadRequest:
                pass  # already answered: say it in the chat instead
        chat = update.effective_chat
        if chat is not None and (update.callback_query is None or chat.type == "private"):
            await context.bot.send_message(chat.id, text)  # never a post into a group
    except TelegramError:
        log.warning("could not tell the user about an error", exc_info=True)
