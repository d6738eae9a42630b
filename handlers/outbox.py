"""Deliver outbox rows through the bot: every chat in its own lane, paced by its own limit.

The dispatcher claims the due rows of the chats that may get a message now (a few per
chat, the most urgent first) and runs one lane per chat: rows of a chat go out strictly
one after the other, each when the Pacer says its chat and the bot overall may have one
more; lanes of different chats run at the same time. A chat that must wait (its limit, a
429, a slow call, a backoff after a failure) holds only its own rows.

Transient failures are retried with backoff (a 429 at the time Telegram names), permanent
ones are parked with their reason and reported to the person whose message it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
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
from domain.delivery import STAND_IN_KINDS, Kind
from domain.ports import CommitNews, Notice, OutboxItem, OutboxStore
from handlers import menus, notices
from handlers.delivery import Batch, Prepared, next_batch, prepare
from handlers.pacing import BOOKED, Pacer

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 300
# Kinds that are safe to send twice: a card is edited in place, a command menu is set and a
# reaction is put, so a repeat changes nothing. They are not marked "sending" before the
# Bot API call, and a new active instance sends them again (storage.outbox.take_over).
RESENDABLE = frozenset(
    {Kind.CARD, Kind.STAFF_MENU, Kind.RECEIVED, Kind.DELIVERED, Kind.ERASE_MESSAGE}
    # answers to the person who acted: a second copy rather than none
    | {Kind.REPLY, Kind.FILED}
)


@dataclass(frozen=True, slots=True)
class DispatchSettings:
    """How the dispatcher claims, waits and retries."""

    batch_size: int = 50
    max_attempts: int = 12
    lease_seconds: int = 120
    per_chat: int = 100  # rows of one chat claimed at once (merged relays come from these)
    lane_wait_seconds: float = 1.0  # how long a lane waits for its chat's next slot
    interval_seconds: float = 2.0  # the longest the dispatcher sleeps without a wake-up
    # the shortest time between two claims: a burst of commits is claimed together, and
    # the database is left to the updates in between
    claim_gap_seconds: float = 0.05


@dataclass(slots=True)
class DispatchReport:
    """What the dispatcher did, for logs, metrics and tests."""

    sent: int = 0
    retried: int = 0
    parked: int = 0
    deferred: int = 0
    unchanged: int = 0  # card states the chat already showed: not sent
    calls: int = 0
    held_back: bool = False  # a flood limit stopped the run: more may go at the next slot
    errors: list[str] = field(default_factory=list)


class OutboxDispatcher:
    """Claims due rows and runs a lane per chat (see the module's docstring)."""

    def __init__(
        self, store: OutboxStore, clock: Clock, settings: DispatchSettings, pacer: Pacer
    ) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self.pacer = pacer
        self._wake = asyncio.Event()
        self._lanes: dict[int, asyncio.Task[None]] = {}
        self._lock = asyncio.Lock()
        self._confirmed: dict[int, int | None] = {}  # row id: the answer's message id
        self._confirming = asyncio.Lock()  # one commit of confirmations at a time

    def kick(self) -> None:
        """Rows were committed: claim them now."""
        self._wake.set()

    def committed(self, news: CommitNews) -> None:
        """A CommitObserver: a commit that queued rows wakes the dispatcher."""
        if news.queued:
            self.kick()

    async def delivered_elsewhere(self, item_id: int, message_id: int | None) -> None:
        """A row whose message went out another way (the acting user's own answer, which
        it stood in for) is sent: recorded at once, in one commit with every other answer
        confirmed meanwhile (under load, many share one), or with the next claim if that
        commit fails. A crash before it is recorded sends the answer a second time after
        domain.services.base.RECEIPT_FALLBACK, never not at all."""
        self._confirmed[item_id] = message_id
        try:
            await self.flush_confirmed()
        except Exception as exc:  # the next claim records it
            log.warning("outbox: an answer's delivery is not recorded yet (%s)", exc)

    async def flush_confirmed(self) -> None:
        """Record now the answers confirmed sent and not recorded yet."""
        async with self._confirming:
            confirmed, self._confirmed = self._confirmed, {}
            if not confirmed:
                return
            try:
                await self.store.confirm(confirmed, now=self.clock.now())
            except BaseException:
                self._confirmed.update(confirmed)
                raise

    async def run(self, bot: Bot) -> DispatchReport:
        """Send everything that may go now, without waiting for any chat's next slot."""
        report = DispatchReport()
        waiting: set[int] = set()  # chats whose next row must wait: left for later
        async with self._lock:
            while items := await self._claim(report, waiting):
                chats = _by_chat(items)
                lanes = [
                    self._lane(bot, chat, rows, report, wait=0.0) for chat, rows in chats.items()
                ]
                for chat, stopped in zip(chats, await asyncio.gather(*lanes), strict=True):
                    if stopped:
                        waiting.add(chat)
        return report

    async def serve(self, bot: Bot, on_report: Callable[[DispatchReport], None]) -> None:
        """Run until cancelled: claim whenever rows are committed or a chat's slot comes,
        each chat's rows in a lane of its own."""
        async with self._lock:
            try:
                while True:
                    self._wake.clear()
                    try:
                        await self._start_lanes(bot, on_report)
                    except Exception as exc:  # the database: the loop must not die of it
                        log.warning("outbox: cannot claim messages now (%s)", exc)
                    await asyncio.sleep(self.settings.claim_gap_seconds)
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self._sleep_seconds()):
                            await self._wake.wait()
            finally:
                await self._end_lanes()

    async def _start_lanes(self, bot: Bot, on_report: Callable[[DispatchReport], None]) -> None:
        if self.pacer.overall_ready_in() > 0:
            return
        for chat_id, rows in _by_chat(await self._claim()).items():
            report = DispatchReport()
            lane = self._lane(bot, chat_id, rows, report, wait=self.settings.lane_wait_seconds)
            task = asyncio.create_task(_quiet(lane), name=f"outbox-lane-{chat_id}")
            self._lanes[chat_id] = task
            task.add_done_callback(
                lambda _t, c=chat_id, r=report: self._lane_done(c, r, on_report)
            )

    def _lane_done(
        self, chat_id: int, report: DispatchReport, on_report: Callable[[DispatchReport], None]
    ) -> None:
        self._lanes.pop(chat_id, None)
        self._wake.set()
        on_report(report)

    def next_slot_in(self) -> float:
        """Seconds until a chat that must wait now may get its next message (the interval
        when none waits)."""
        now = self.pacer.now()
        waits = [self.pacer.earliest(chat) - now for chat in self.pacer.busy_chats()]
        waits.append(self.pacer.overall_ready_in() or self.settings.interval_seconds)
        return min(self.settings.interval_seconds, max(0.0, min(waits)))

    def _sleep_seconds(self) -> float:
        return max(0.01, self.next_slot_in())

    async def _end_lanes(self) -> None:
        lanes = list(self._lanes.values())
        for lane in lanes:
            lane.cancel()
        for lane in lanes:
            with contextlib.suppress(BaseException):
                await lane

    async def _claim(
        self, report: DispatchReport | None = None, waiting: set[int] | None = None
    ) -> list[OutboxItem]:
        """Lease due rows; the loop (no `report`) leaves out chats that must wait, a single
        run takes them once, to tell how many wait, then leaves them (`waiting`)."""
        if self.pacer.overall_ready_in() > 0:
            if report is not None:
                report.held_back = True
            return []
        skip = set(self._lanes) | (waiting or set())
        if report is None:
            skip |= self.pacer.busy_chats()
        confirmed, self._confirmed = self._confirmed, {}
        try:
            return await self.store.claim_due(
                now=self.clock.now(),
                limit=self.settings.batch_size,
                lease_seconds=self.settings.lease_seconds,
                per_chat=self.settings.per_chat,
                skip_chats=sorted(skip),
                confirmed=confirmed,
            )
        except BaseException:
            self._confirmed.update(confirmed)  # recorded with the next claim
            raise

    async def _lane(
        self, bot: Bot, chat_id: int, rows: list[OutboxItem], report: DispatchReport, wait: float
    ) -> bool:
        """Send one chat's rows in order while its slots come within `wait` seconds; True
        when it stopped with rows left (they wait for the chat's next slot or retry)."""
        queue = deque(rows)
        try:
            while queue:
                ready = self.pacer.earliest(chat_id) - self.pacer.now()
                if ready > wait:
                    report.deferred += len(queue)
                    report.held_back = True
                    break
                if ready > 0:
                    await asyncio.sleep(ready)
                if not await self._deliver(bot, next_batch(queue), report):
                    break
        finally:
            if queue:
                await asyncio.shield(self.store.release([item.id for item in queue]))
        return bool(queue)

    async def _deliver(self, bot: Bot, batch: Batch, report: DispatchReport) -> bool:
        """Try one batch; True when its chat may get its next row now."""
        now = self.clock.now()
        head = batch.head
        try:
            if head.kind == Kind.STAFF_MENU:  # no message: the chat's command menu is set
                prepared = Prepared(notices.Outgoing("set_my_commands"))
            else:
                prepared = await prepare(self.store, batch)
            if prepared.outgoing is None:
                await self._sent(batch, prepared, None, report)
                report.unchanged += 1
                return True
            await self._book(head.chat_id)
            if head.kind not in RESENDABLE:  # a repeat of these changes nothing
                # committed after the wait for the chat's slot, right before the call: a
                # row found "sending" after a crash was most likely delivered
                await self.store.sending(batch.ids)
            report.calls += 1
            sent = await self._call(bot, head, prepared)
        except RetryAfter as exc:
            seconds = _seconds(exc.retry_after)
            self.pacer.hold(head.chat_id, seconds)
            await self._retry(batch, now + timedelta(seconds=seconds), exc, report)
            return False
        except Forbidden as exc:
            reason = "blocked" if "blocked" in exc.message.lower() else "gone"
            await self._park(batch, f"forbidden: {exc.message}", reason, report)
            return True
        except ChatMigrated as exc:
            await self._park(batch, f"chat migrated to {exc.new_chat_id}", "gone", report)
            return True
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                await self._sent(batch, prepared, None, report)
                return True
            reason = "gone" if "chat not found" in exc.message.lower() else "failed"
            await self._park(batch, f"bad request: {exc.message}", reason, report)
            return True
        except InvalidToken:
            raise
        except (TimedOut, NetworkError) as exc:
            delay = min(2**head.attempts, MAX_BACKOFF_SECONDS)
            await self._retry(batch, now + timedelta(seconds=delay), exc, report)
            return False
        except Exception as exc:  # a row we cannot render must not stop the others
            log.exception("outbox row %s cannot be sent", head.id)
            await self._park(batch, f"{type(exc).__name__}: {exc}", "failed", report)
            return True
        message_id = sent.message_id if isinstance(sent, Message) else None
        await self._sent(batch, prepared, message_id, report)
        return True

    async def _book(self, chat_id: int) -> None:
        """Book the chat's slot right before the call, so that the time spent preparing it
        (the database) never bunches calls up at Telegram."""
        at = self.pacer.reserve(chat_id)
        if (delay := at - self.pacer.now()) > 0:
            await asyncio.sleep(delay)

    async def _call(self, bot: Bot, item: OutboxItem, prepared: Prepared) -> Any:
        """The Bot API call of one batch: a message, a card (edited in place), or a menu."""
        if item.kind == Kind.STAFF_MENU:
            return await menus.deliver(bot, item.chat_id, item.locale, item.params)
        assert prepared.outgoing is not None
        if item.kind == Kind.ERASE_MESSAGE:
            return await _erase(bot, item.chat_id, prepared.outgoing)
        send = _sender(bot, item.chat_id, prepared.outgoing)
        try:
            return await send()
        except BadRequest as exc:
            if prepared.message_id is None or "not found" not in exc.message.lower():
                raise
            # the card was deleted in the chat: post it anew
            outgoing = notices.notice(item.kind, item.locale, item.params)
            return await _sender(bot, item.chat_id, outgoing)()

    async def _sent(
        self, batch: Batch, prepared: Prepared, message_id: int | None, report: DispatchReport
    ) -> None:
        head = batch.head
        responded = head.ticket_id if head.kind in notices.RESPONSE_KINDS else None
        await self.store.mark_sent(
            batch.ids,
            message_id=message_id or prepared.message_id,
            now=self.clock.now(),
            card_id=batch.card_id,
            shown=prepared.shown,
            first_response_of=responded,
            follow_up=batch.receipts(),
            answer=head.kind in STAND_IN_KINDS,
        )
        report.sent += len(batch.items)

    async def _retry(
        self, batch: Batch, at: datetime, error: Exception, report: DispatchReport
    ) -> None:
        attempts = batch.head.attempts + 1
        if attempts >= self.settings.max_attempts:
            reason = f"gave up after {attempts} attempts: {error}"
            await self._park(batch, reason, "failed", report)
            return
        await self.store.retry(batch.ids, at=at, error=f"{type(error).__name__}: {error}")
        report.retried += len(batch.items)

    async def _park(self, batch: Batch, error: str, reason: str, report: DispatchReport) -> None:
        head = batch.head
        log.warning("outbox row %s to chat %s parked: %s", head.id, head.chat_id, error)
        told: list[Notice] = batch.undelivered(reason)
        if told and head.ticket_id is not None:  # the ticket's cards say so too
            cards = await self.store.latest_cards(head.ticket_id)
            told += [
                replace(card, params={**card.params, "undelivered": reason}) for card in cards
            ]
        await self.store.park(batch.ids, error=error, now=self.clock.now(), follow_up=told)
        report.parked += len(batch.items)
        report.errors.append(error)


def _sender(bot: Bot, chat_id: int, outgoing: notices.Outgoing) -> Callable[[], Awaitable[Any]]:
    method = getattr(bot, outgoing.method)
    return lambda: method(chat_id=chat_id, **outgoing.kwargs, rate_limit_args=BOOKED)


async def _erase(bot: Bot, chat_id: int, outgoing: notices.Outgoing) -> bool:
    """Delete a relayed copy; where Telegram no longer allows it (older than 48 hours),
    blank it; a message already gone is done."""
    message_id = outgoing.kwargs["message_id"]
    try:
        return await bot.delete_message(chat_id, message_id, rate_limit_args=BOOKED)
    except BadRequest as exc:
        if "not found" in exc.message.lower():
            return True
    blank = {k: v for k, v in outgoing.kwargs.items() if k != "message_id"}
    edit = bot.edit_message_caption if "caption" in blank else bot.edit_message_text
    try:
        await edit(chat_id=chat_id, message_id=message_id, rate_limit_args=BOOKED, **blank)
    except BadRequest as exc:
        if not any(word in exc.message.lower() for word in ("not found", "not modified")):
            raise
    return True


async def _quiet(lane: Awaitable[bool]) -> None:
    """A lane run as a task: its rows left leased are claimed again when the lease ends."""
    try:
        await lane
    except Exception:
        log.exception("outbox lane failed")


def _by_chat(items: list[OutboxItem]) -> dict[int, list[OutboxItem]]:
    chats: dict[int, list[OutboxItem]] = defaultdict(list)
    for item in items:  # already in chat order
        chats[item.chat_id].append(item)
    return chats


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def describe(report: DispatchReport) -> dict[str, Any]:
    """A log-friendly form of a report."""
    return {
        "sent": report.sent,
        "retried": report.retried,
        "parked": report.parked,
        "deferred": report.deferred,
        "unchanged": report.unchanged,
        "calls": report.calls,
    }
