"""What the acts of the demo's day share: the desk's settings, the people as Telegram users,
the narration, the clock, finding a ticket's card.

The desk is the embedded defaults with what a shop would add first: its owner as admin, a
staff group for Customer Support, and an After-sales department that works from private
chats. Its people join by invite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.config import Settings
from bot.demo.cast import Cast, Player
from bot.demo.stage import Actor, Stage
from bot.sandbox.telegram_html import plain
from bot.sandbox.updates import TgUser
from bot.sandbox.wire import SentMessage
from handlers.i18n import t

STAFF_GROUP = -1001000000001
SUPPORT = {"code": "support", "name": "Customer Support", "names": {"zh": "客户支持部"}}
AFTER_SALES = {"code": "after-sales", "name": "After-sales", "names": {"zh": "售后部"}}
SUPPORT_TYPES = ["complaint", "inquiry", "suggestion", "change_request"]
NUMBER = re.compile(r"FB-\d{8}-\d{4}")
INVITE = re.compile(r"start=(inv_[A-Za-z0-9_-]+)")
OPENS = time(9, 0)


def settings_for(database_url: str, cast: Cast, lang: str) -> Settings:
    """The embedded defaults, the owner as admin, the two departments."""
    support = {**SUPPORT, "types": SUPPORT_TYPES, "staff_chat_id": STAFF_GROUP}
    after_sales = {**AFTER_SALES, "types": ["after_sales"]}
    return Settings(
        database={"url": database_url},
        desk={"admins": [cast.owner.id], "default_language": lang},
        departments=[support, after_sales],
    )


def department_name(department: dict[str, Any], lang: str) -> str:
    """A department's name as a reader of `lang` sees it."""
    return department["names"].get(lang, department["name"])


def morning(day: date) -> datetime:
    """When the desk opens on `day` (the desk's time zone is the default, UTC)."""
    return datetime.combine(day, OPENS, tzinfo=UTC)


@dataclass
class Script:
    """The stage, the day's people, the narration's language."""

    stage: Stage
    cast: Cast
    lang: str
    opens: datetime

    def actor(self, player: Player) -> Actor:
        """`player` as a Telegram user; their private chat gets a name in the transcript."""
        title = self.say(
            "demo.private", name=player.name, role=t(self.lang, f"role.{player.role}")
        )
        self.stage.transcript.name_chat(player.id, title)
        return Actor(self.stage, TgUser(player.id, player.name, language_code=player.lang))

    def say(self, key: str, **params: Any) -> str:
        """A narration text in the demo's language, as plain text."""
        return plain(t(self.lang, key, **params))

    def act(self, key: str) -> None:
        """A part of the day begins."""
        self.stage.transcript.heading(self.say(key))

    def at(self, minutes: int) -> None:
        """Move the clock to `minutes` after the desk opens (never back)."""
        moment = self.opens + timedelta(minutes=minutes)
        self.stage.clock.set(max(moment, self.stage.clock.now()))

    def later(self, minutes: float = 1) -> None:
        """Let `minutes` pass."""
        self.stage.clock.advance(minutes=minutes)

    def jump(self, moment: datetime) -> None:
        """Move the clock forward to `moment`, saying so in the transcript."""
        self.stage.clock.set(max(moment, self.stage.clock.now()))
        self.stage.transcript.note(self.say("demo.clock", time=moment.strftime("%H:%M")))

    def card(self, number: str, chat: int = STAFF_GROUP) -> SentMessage:
        """Ticket `number`'s card in `chat` (cards are edited, never posted again)."""
        for message in reversed(self.stage.api.messages_to(chat)):
            if f"🎫 {number}" in (message.plain_text or ""):
                return message
        raise LookupError(f"no card of {number} in chat {chat}")

    def last_text(self, chat: int) -> str:
        return self.stage.api.last_message_to(chat).plain_text or ""


def label(actor: Actor, key: str, **params: Any) -> str:
    """A button's label as `actor` sees it in their private chat."""
    return t(actor.user.language_code or "en", key, **params)


def number_in(text: str) -> str:
    """The ticket number a text names."""
    found = NUMBER.search(text)
    if found is None:
        raise LookupError(f"no ticket number in {text!r}")
    return found.group(0)
