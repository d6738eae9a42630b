"""Telegram's flood limits as the fake Bot API enforces them: token buckets per chat and per bot.

Telegram answers a bot that sends too fast with 429 "Too Many Requests: retry after N". Its
documented limits are about one message per second in a private chat (short bursts allowed),
20 messages per minute in a group and 30 messages per second overall. `FloodLimits` models
each as a token bucket: a bucket holds up to `Limit.capacity` tokens (the burst), a counted
call takes one token per message it puts or changes, and tokens come back at
``Limit.refill / Limit.period`` per second, never above the capacity.

`FloodGate` keeps the buckets (one per chat, one for the bot) and answers two questions for a
call that is about to run: how long must it wait (`retry_after`, None when it may go now), and,
once it succeeded, `take` its tokens. Time is whatever float seconds the caller passes as
``now`` (the fake's clock or `time.monotonic`), so a test moves time instead of sleeping.

Which calls count (`cost_of`): every method that puts or changes a message in a chat, i.e.
``send*`` but sendChatAction, copyMessage, forwardMessage, copyMessages / forwardMessages
(one per message), sendMediaGroup (one per item), ``editMessage*``, stopPoll,
stopMessageLiveLocation and setMessageReaction. Everything else (getUpdates, getMe,
answerCallbackQuery, deleteMessage(s), setMyCommands, getChat, getFile ...) costs nothing.

A private chat is a positive chat id; a negative id or an ``@username`` is a group,
supergroup or channel. A call costing more than a bucket holds (an album of 10 in a private
chat) goes when the bucket is full and leaves it in debt, so the chat waits the longer after.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Float time: a bucket refilled to 0.9999999999 token is full enough, a wait of
# 3.0000000000000004 s is 3 s.
EPSILON = 1e-9

MESSAGE_METHODS = frozenset(
    {
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "stopPoll",
        "stopMessageLiveLocation",
        "setMessageReaction",
    }
)


@dataclass(frozen=True)
class Limit:
    """One token bucket: `capacity` tokens at most, `refill` tokens back every `period` s."""

    capacity: int
    refill: float
    period: float = 1.0

    @property
    def per_second(self) -> float:
        return self.refill / self.period


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's limits for one bot: per private chat, per group (or channel), overall."""

    private_chat: Limit = Limit(capacity=5, refill=1, period=1.0)
    group_chat: Limit = Limit(capacity=20, refill=20, period=60.0)
    bot: Limit = Limit(capacity=30, refill=30, period=1.0)


def cost_of(method: str, params: dict[str, Any]) -> int:
    """How many messages a call puts or changes (the tokens it takes); 0 when it is not
    counted."""
    if method == "sendMediaGroup":
        return _count(params.get("media"))
    if method in ("copyMessages", "forwardMessages"):
        return _count(params.get("message_ids"))
    sends = method.startswith("send") and method != "sendChatAction"
    edits = method.startswith("editMessage")
    return 1 if sends or edits or method in MESSAGE_METHODS else 0


def _count(items: Any) -> int:
    return max(1, len(items)) if isinstance(items, list) else 1


@dataclass
class TokenBucket:
    """The state of one `Limit`: tokens left at the moment `at` (seconds)."""

    limit: Limit
    tokens: float
    at: float

    @classmethod
    def full(cls, limit: Limit, now: float) -> TokenBucket:
        return cls(limit, float(limit.capacity), now)

    def _refill(self, now: float) -> None:
        # A clock set back refills nothing; the bucket goes on from the new moment.
        if now > self.at:
            gained = (now - self.at) * self.limit.per_second
            self.tokens = min(float(self.limit.capacity), self.tokens + gained)
        self.at = now

    def wait(self, now: float, cost: int = 1) -> float:
        """Seconds until `cost` tokens are there (at most a full bucket); 0 when they are."""
        self._refill(now)
        missing = min(cost, self.limit.capacity) - self.tokens
        if missing <= EPSILON:
            return 0.0
        return missing / self.limit.per_second

    def take(self, now: float, cost: int = 1) -> None:
        """Spend `cost` tokens (the bucket may go below zero: see the module docstring)."""
        self._refill(now)
        self.tokens -= cost


@dataclass
class FloodGate:
    """The buckets of one bot under `limits`: one per chat (made full on first use), one
    for the bot overall."""

    limits: FloodLimits
    _chats: dict[int | str, TokenBucket] = field(default_factory=dict, repr=False)
    _bot: TokenBucket | None = field(default=None, repr=False)

    def retry_after(self, chat: int | str | None, cost: int, now: float) -> int | None:
        """Whole seconds (at least 1) a call of `cost` to `chat` must wait before it would be
        allowed, as Telegram's ``retry_after``; None when it may go now (or costs nothing).
        `chat` None (an inline message) counts against the bot's bucket only."""
        if cost <= 0:
            return None
        wait = max(bucket.wait(now, cost) for bucket in self._buckets(chat, now))
        if wait <= 0:
            return None
        return max(1, math.ceil(wait - EPSILON))

    def take(self, chat: int | str | None, cost: int, now: float) -> None:
        """Spend the tokens of a call that was allowed and succeeded."""
        if cost <= 0:
            return
        for bucket in self._buckets(chat, now):
            bucket.take(now, cost)

    def _buckets(self, chat: int | str | None, now: float) -> Iterator[TokenBucket]:
        if self._bot is None:
            self._bot = TokenBucket.full(self.limits.bot, now)
        yield self._bot
        if chat is None:
            return
        if chat not in self._chats:
            private = isinstance(chat, int) and chat > 0
            limit = self.limits.private_chat if private else self.limits.group_chat
            self._chats[chat] = TokenBucket.full(limit, now)
        yield self._chats[chat]
