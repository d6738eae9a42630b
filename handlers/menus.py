"""Command menus: the customer's (the bot's default, per language) and each staff member's own
(scoped to their chat), set at start, on joining, and through the outbox when an admin changes
someone's role or deactivates them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application

from domain.people import Role, Staff
from handlers.i18n import locales, t

log = logging.getLogger(__name__)

CUSTOMER_COMMANDS = ("new", "my", "lang", "cancel", "help")
STAFF_COMMANDS = {
    Role.AGENT: (
        "queue", "mine", "ticket", "find", "customer", "overdue", "file", "canned", "away",
        "back", "hours", "cancel", "lang", "help",
    ),
    Role.SUPERVISOR: (
        "queue", "mine", "ticket", "find", "customer", "overdue", "file", "report", "chart",
        "export", "invite", "staff", "canned", "cancel", "lang", "help",
    ),
    Role.ADMIN: (
        "queue", "mine", "ticket", "find", "customer", "overdue", "file", "report", "chart",
        "export", "invite", "staff", "departments", "canned", "cancel", "lang", "help",
    ),
}  # fmt: skip


def commands(names: tuple[str, ...], locale: str) -> list[BotCommand]:
    """The menu entries `names`, described in `locale`."""
    return [BotCommand(name, t(locale, f"command.{name}")) for name in names]


async def set_for(bot: Bot, chat_id: int, role: Role | None, locale: str) -> Any:
    """Give the person in `chat_id` the menu of `role` in `locale`; None takes their own menu
    away, so the customer's menu in their language applies again."""
    scope = BotCommandScopeChat(chat_id)
    if role is None or role not in STAFF_COMMANDS:
        return await bot.delete_my_commands(scope=scope)
    return await bot.set_my_commands(commands(STAFF_COMMANDS[role], locale), scope=scope)


async def deliver(bot: Bot, chat_id: int, locale: str, params: dict[str, Any]) -> Any:
    """An outbox row of the menu kind: `params["role"]` is the role's value, or None."""
    role = params.get("role")
    return await set_for(bot, chat_id, Role(role) if role else None, locale)


async def set_staff_commands(
    application: Application[Any, Any, Any, Any, Any, Any], members: Sequence[Staff]
) -> None:
    """Each active staff member's own command menu, for their role, in their language (a
    person who never opened the chat with the bot cannot have one yet; they are skipped)."""
    for person in members:
        if not person.active or person.role not in STAFF_COMMANDS:
            continue
        try:
            await set_for(application.bot, person.telegram_id, person.role, person.locale)
        except TelegramError as error:
            log.info("no command menu for staff %s: %s", person.id, error)


async def set_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The command menu in every language with a catalog."""
    for locale in locales():
        await application.bot.set_my_commands(
            commands(CUSTOMER_COMMANDS, locale),
            language_code=None if locale == "en" else locale,
        )
