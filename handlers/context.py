"""What every handler gets: the use cases and the desk's settings, through a typed context;
a button's handler also gets the typed value its data decodes into.

Each verb has its own CallbackQueryHandler (handlers.setup), whose callback `pressed` makes
from the verb's handler. A press whose data does not apply to the presser (or not in this
chat) raises callback_data.BadCallback; it is left unanswered here and the fallback
handler says it is out of date.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from domain.people import Sender
from domain.policy import DeskPolicy
from domain.services import Desk
from domain.services.exports import Exports
from domain.services.reporting import Reporting
from domain.services.satisfaction import Satisfaction
from domain.services.staff.desk import StaffDesk
from domain.services.staffadmin import StaffAdmin
from domain.text import clean
from handlers import callback_data

DEPS_KEY = "deps"


class Receipts(Protocol):
    """The outbox, for a handler whose own reply stands in for a queued row."""

    async def delivered_elsewhere(self, item_id: int, message_id: int | None) -> None:
        """The row's message went out as the handler's reply: it is sent."""
        ...


@dataclass(slots=True)
class Deps:
    """The adapter's dependencies, built by `bot` and kept in `bot_data`."""

    desk: Desk
    work: StaffDesk
    satisfaction: Satisfaction
    policy: DeskPolicy
    staffadmin: StaffAdmin
    reporting: Reporting | None = None
    exports: Exports | None = None
    count_error: Callable[[], None] | None = None  # the handler_errors metric
    count_refusal: Callable[[str, str], None] | None = None  # refusals metric: kind, act
    receipts: Receipts | None = None


class DeskContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with the desk's dependencies."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def deps(self) -> Deps:
        """The use cases and settings."""
        return self.application.bot_data[DEPS_KEY]  # type: ignore[no-any-return]

    @property
    def desk(self) -> Desk:
        """The customer use cases."""
        return self.deps.desk

    @property
    def work(self) -> StaffDesk:
        """The staff use cases."""
        return self.deps.work


def sender_of(update: Update) -> Sender | None:
    """The user behind an update, or None for updates without one (channel posts)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    return Sender(
        telegram_id=user.id,
        chat_id=chat.id,
        name=clean(user.full_name).strip() or str(user.id),
        language_code=user.language_code,
        username=user.username.lower() if user.username else None,
    )


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
