"""Deliver outbox rows through the bot: retry what is transient, park what is permanent."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from domain.clock import Clock
from domain.ports import OutboxItem, OutboxStore
from domain.services.staffadmin import MENU_NOTICE
from handlers import menus, render

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 300
# Kinds that are safe to send twice: a card is edited in place and a command menu is set,
# so a repeat changes nothing. They are not marked "sending" before the Bot API call, and a
# new active instance sends them again (storage.outbox.take_over).
RESENDABLE = frozenset({"card", MENU_NOTICE})


@dataclass(frozen=True, slots=True)
class DispatchSettings:
    """How the dispatcher paces and retries."""

    batch_size: int = 50
    max_attempts: int = 12
    lease_seconds: int = 120
    private_chat_gap_seconds: float = 1.0


@dataclass(slots=True)
class DispatchReport:
    """What one run did, for logs, metrics and tests."""

    sent: int = 0
    retried: int = 0
    parked: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class OutboxDispatcher:
    """Sends due rows in order per chat, at most one message a gap to a private chat."""

    def __init__(self, store: OutboxStore, clock: Clock, settings: DispatchSettings) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self._lock = asyncio.Lock()
        self._last_sent: dict[int, datetime] = {}

    async def run(self, bot: Bot) -> DispatchReport:
        """Send everything that is due now; returns what happened."""
        report = DispatchReport()
        async with self._lock:
            while True:
                now = self.clock.now()
                items = await self.store.claim_due(
                    now=now,
                    limit=self.settings.batch_size,
                    lease_seconds=self.settings.lease_seconds,
                )
                if not items:
                    break
                untried = await self._send_batch(bot, items, now, report)
                await self.store.release(untried)
                if len(untried) == len(items) or len(items) < self.settings.batch_size:
                    break
        return report

    async def _send_batch(
        self, bot: Bot, items: list[OutboxItem], now: datetime, report: DispatchReport
    ) -> list[int]:
        held: set[int] = set()
        untried: list[int] = []
        for item in items:
            if item.chat_id in held or self._too_soon(item.chat_id, now):
                held.add(item.chat_id)
                untried.append(item.id)
                report.deferred += 1
                continue
            if not await self._deliver(bot, item, report):
                held.add(item.chat_id)
        return untried

    def _too_soon(self, chat_id: int, now: datetime) -> bool:
        gap = self.settings.private_chat_gap_seconds
        last = self._last_sent.get(chat_id)
        return chat_id > 0 and gap > 0 and last is not None and (now - last).total_seconds() < gap

    async def _deliver(self, bot: Bot, item: OutboxItem, report: DispatchReport) -> bool:
        """Try one row; True when the chat may get its next row in this run."""
        now = self.clock.now()
        try:
            if item.kind not in RESENDABLE:  # a repeat of these changes nothing
                await self.store.sending(item.id)
            sent = await self._call(bot, item)
        except RetryAfter as exc:
            await self._retry(
                item, now + timedelta(seconds=_seconds(exc.retry_after)), exc, report
            )
            return False
        except Forbidden as exc:
            await self._park(item, f"forbidden: {exc.message}", report)
            return True
        except ChatMigrated as exc:
            await self._park(item, f"chat migrated to {exc.new_chat_id}", report)
            return True
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                await self._sent(item, None, report)
                return True
            await self._park(item, f"bad request: {exc.message}", report)
            return True
        except InvalidToken:
            raise
        except (TimedOut, NetworkError) as exc:
            delay = min(2**item.attempts, MAX_BACKOFF_SECONDS)
            await self._retry(item, now + timedelta(seconds=delay), exc, report)
            return False
        except Exception as exc:  # a row we cannot render must not stop the others
            log.exception("outbox row %s cannot be sent", item.id)
            await self._park(item, f"{type(exc).__name__}: {exc}", report)
            return True
        message_id = sent.message_id if isinstance(sent, Message) else None
        await self._sent(item, message_id, report)
        return True

    async def _call(self, bot: Bot, item: OutboxItem) -> Any:
        """The Bot API call of one row: a message, a card (edited in place), or a menu."""
        if item.kind == MENU_NOTICE:
            return await menus.deliver(bot, item.chat_id, item.locale, item.params)
        card_id = item.params.get("card_id") if item.kind == "card" else None
        message_id = await self.store.card_message_id(card_id) if card_id else None
        outgoing = render.notice(item.kind, item.locale, item.params, message_id=message_id)
        try:
            return await getattr(bot, outgoing.method)(chat_id=item.chat_id, **outgoing.kwargs)
        except BadRequest as exc:
            if message_id is None or "not found" not in exc.message.lower():
                raise
            # the card was deleted in the chat: post it anew
            outgoing = render.notice(item.kind, item.locale, item.params)
            return await getattr(bot, outgoing.method)(chat_id=item.chat_id, **outgoing.kwargs)

    async def _sent(
        self, item: OutboxItem, message_id: int | None, report: DispatchReport
    ) -> None:
        now = self.clock.now()
        card_id = item.params.get("card_id") if item.kind == "card" else None
        responded = item.ticket_id if item.kind in render.RESPONSE_KINDS else None
        await self.store.mark_sent(
            item.id,
            message_id=message_id,
            now=now,
            card_id=int(card_id) if card_id is not None else None,
            first_response_of=responded,
        )
        self._last_sent[item.chat_id] = now
        report.sent += 1

    async def _retry(
        self, item: OutboxItem, at: datetime, error: Exception, report: DispatchReport
    ) -> None:
        if item.attempts + 1 >= self.settings.max_attempts:
            await self._park(item, f"gave up after {item.attempts + 1} attempts: {error}", report)
            return
        await self.store.retry(item.id, at=at, error=f"{type(error).__name__}: {error}")
        report.retried += 1

    async def _park(self, item: OutboxItem, reason: str, report: DispatchReport) -> None:
        log.warning("outbox row %s to chat %s parked: %s", item.id, item.chat_id, reason)
        await self.store.park(item.id, error=reason, now=self.clock.now())
        report.parked += 1
        report.errors.append(reason)


def describe(report: DispatchReport) -> dict[str, Any]:
    """A log-friendly form of a report."""
    return {
        "sent": report.sent,
        "retried": report.retried,
        "parked": report.parked,
        "deferred": report.deferred,
    }
