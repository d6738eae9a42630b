"""Command menus: the customer's (the bot's default, per language) and each staff member's own
(scoped to their chat), set at start, on joining, and through the outbox when an admin changes
someone's role or deactivates them."""

from __future__ import annotations

from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat

from domain.people import Role
from handlers.i18n import t

CUSTOMER_COMMANDS = ("new", "my", "lang", "cancel", "help")
STAFF_COMMANDS = {
    Role.AGENT: ("queue", "mine", "ticket", "find", "overdue", "file", "cancel", "lang", "help"),
    Role.SUPERVISOR: (
        "queue", "mine", "ticket", "find", "overdue", "file", "report", "chart", "export",
        "invite", "staff", "cancel", "lang", "help",
    ),
    Role.ADMIN: (
        "queue", "mine", "ticket", "find", "overdue", "file", "report", "chart", "export",
        "invite", "staff", "departments", "cancel", "lang", "help",
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
