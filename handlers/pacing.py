"""Telegram's flood limits as a schedule: when may the next message go to a chat.

Telegram allows about one message a second to a private chat (short bursts pass), twenty a
minute to a group, and thirty a second for the bot overall, and answers 429 to whatever
goes faster. Each limit here is a token bucket in its GCRA form: a burst of `burst` at
once, then one every `interval` seconds. `reserve` books the earliest moment at which both
the chat's bucket and the overall one allow a message, so every chat is paced by its own
limit and one busy chat never delays another beyond the overall rate.

The desk's defaults stay a little under Telegram's so that replies sent straight from a
handler (booked with `note`, never waited for) still fit.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

PRUNE_EVERY = 1000  # bookings between two clean-ups of idle chats


@dataclass(frozen=True, slots=True)
class Rate:
    """`per_second` messages a second on average, `burst` of them at once."""

    per_second: float
    burst: int = 1

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second if self.per_second > 0 else 0.0

    @property
    def tolerance(self) -> float:
        return (self.burst - 1) * self.interval


@dataclass(frozen=True, slots=True)
class FloodLimits:
    """The limits the outbox keeps to (a per_second of 0 turns that limit off)."""

    private_chat: Rate = field(default_factory=lambda: Rate(1.0, 3))
    group: Rate = field(default_factory=lambda: Rate(18 / 60, 18))
    overall: Rate = field(default_factory=lambda: Rate(25.0, 25))

    def of_chat(self, chat_id: int) -> Rate:
        return self.private_chat if chat_id > 0 else self.group


class Pacer:
    """Books send times per chat and overall; `now` gives seconds (the desk's clock)."""

    def __init__(self, limits: FloodLimits, now: Callable[[], float]) -> None:
        self.limits = limits
        self._now = now
        self._chats: dict[int, float] = {}  # chat -> theoretical arrival time
        self._overall = 0.0
        self._bookings = 0

    def now(self) -> float:
        return self._now()

    def earliest(self, chat_id: int) -> float:
        """When the next message to `chat_id` may go, at the soonest."""
        now = self._now()
        chat = self._start(self._chats.get(chat_id, now), self.limits.of_chat(chat_id))
        overall = self._start(self._overall, self.limits.overall)
        return max(now, chat, overall)

    def reserve(self, chat_id: int) -> float:
        """Book the next message to `chat_id`: the moment it may be sent (now or later)."""
        at = self.earliest(chat_id)
        self._book(chat_id, at)
        return at

    def note(self, chat_id: int) -> None:
        """A message that went out now without waiting (a reply to the acting user)."""
        self._book(chat_id, self._now())

    def busy_chats(self) -> set[int]:
        """The chats that may not get a message now."""
        now = self._now()
        return {
            chat
            for chat, tat in self._chats.items()
            if self._start(tat, self.limits.of_chat(chat)) > now
        }

    def overall_ready_in(self) -> float:
        """Seconds until any message may go (0: now)."""
        return max(0.0, self._start(self._overall, self.limits.overall) - self._now())

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram said to wait: nothing more to `chat_id` for `seconds`."""
        rate = self.limits.of_chat(chat_id)
        until = self._now() + seconds + rate.tolerance
        self._chats[chat_id] = max(self._chats.get(chat_id, 0.0), until)

    @staticmethod
    def _start(tat: float, rate: Rate) -> float:
        return tat - rate.tolerance if rate.per_second > 0 else float("-inf")

    def _book(self, chat_id: int, at: float) -> None:
        rate = self.limits.of_chat(chat_id)
        if rate.per_second > 0:
            self._chats[chat_id] = max(self._chats.get(chat_id, at), at) + rate.interval
        overall = self.limits.overall
        if overall.per_second > 0:
            self._overall = max(self._overall, at) + overall.interval
        self._bookings += 1
        if self._bookings % PRUNE_EVERY == 0:
            now = self._now()
            self._chats = {chat: tat for chat, tat in self._chats.items() if tat > now}


# The rate_limit_args of a call the outbox has already booked with the Pacer.
BOOKED = "booked"
_COUNTED = ("send", "copy", "forward", "edit")


def counts(endpoint: str) -> bool:
    """Whether a Bot API method puts or changes a message in a chat (what Telegram limits)."""
    return endpoint.startswith(_COUNTED) or endpoint == "setMessageReaction"


class PacedLimiter(BaseRateLimiter[str]):
    """PTB's rate limiter slot, kept to the Pacer: the outbox's calls come booked; a reply
    sent straight from a handler is booked as it goes and never waits (the person who acted
    is waiting for it); a 429 holds that chat in the Pacer."""

    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = _chat_of(data)
        if rate_limit_args != BOOKED and chat_id is not None and counts(endpoint):
            self.pacer.note(chat_id)
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            if chat_id is not None:
                self.pacer.hold(chat_id, _seconds(exc.retry_after))
            raise


def _chat_of(data: dict[str, Any]) -> int | None:
    value = data.get("chat_id")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
