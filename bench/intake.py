"""Intake throughput: N complete tickets through the real Application vs a bare echo bot.

Both bots run in process on the same fake Bot API, both behind the desk's PacedLimiter
(PTB's rate limiter slot) with the flood limits off, the desk's outbox pacing off too and
the fake enforcing none either (this measures the bots' own cost, not Telegram's limits);
the desk on a fresh SQLite file.
Each ticket is nine updates (/new, type, description, a photo, Done, Skip, shared contact,
"not stopped", Submit); the outbox dispatcher runs after each Submit, as its job would, and
its time counts as the desk's. The desk takes each update the way `feedback-desk run` does:
it is stored in the inbox first, then handed to the handlers as the poller parsed it, and
marked handled (bot.serve); the echo bot just handles it. Prints tickets/s, updates/s and
p50/p99 update latency for both,
`ratio: X` = desk cost per update / echo cost per update, then the desk's own
`cpu_ms_per_update` (the process's CPU time, every thread's: steadier than wall time on a
shared machine), and last `intake_ms_per_update: X` and `statements_per_update: N` (every
SQL statement the desk sent while timed, the dispatcher's included, per update).

`--database-url postgresql+asyncpg://...` runs the desk on PostgreSQL instead of a fresh
SQLite file: THE SCHEMA public OF THAT DATABASE IS DROPPED AND CREATED AGAIN.

    python bench/intake.py [--tickets 300] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bot.app import build_application, runtime_of
from bot.sandbox import updates
from bot.sandbox.fakebot import FakeBotApi
from bot.sandbox.updates import TgUser
from bot.sandbox.wire import TEST_TOKEN
from bot.serve import handle_stored
from handlers.pacing import FloodLimits, PacedLimiter, Pacer, Rate
from storage.statements import StatementCounter
from tests.conftest import _reset_postgres
from tests.e2e.dsl import settings_for

Step = Callable[[Any, TgUser, FakeBotApi], Update]


def _press(label: str) -> Step:
    def build(bot: Any, user: TgUser, api: FakeBotApi) -> Update:
        for message in reversed(api.messages_to(user.id)):
            for button in message.buttons:
                if button.get("text") == label:
                    return updates.callback(bot, user, button["callback_data"], message)
        # the echo bot shows no buttons: press something on its last message
        return updates.callback(bot, user, "v1:list", api.last_message_to(user.id))

    return build


TICKET: list[Step] = [
    lambda bot, user, api: updates.command(bot, user, "new"),
    _press("Complaint"),
    lambda bot, user, api: updates.text_message(
        bot, user, f"Till {user.id} is broken\nIt beeps at every sale and the drawer stays shut."
    ),
    lambda bot, user, api: updates.photo(bot, user, f"photo-{user.id}", 90_000),
    _press("Done"),
    _press("Skip"),
    lambda bot, user, api: updates.contact(bot, user, "+8613812345678"),
    _press("No"),
    _press("Submit"),
]


# The desk's outbox with every flood limit off ([outbox]; 0 turns a limit off): it sends what
# is due at once, as the fake enforces no limit either.
UNPACED_OUTBOX = {"private_chat_per_second": 0, "group_per_minute": 0, "overall_per_second": 0}


def _unlimited() -> PacedLimiter:
    """The same limiter code path for both bots, with Telegram's flood limits switched off:
    the bench measures what an update costs, not how long the limiter makes it wait."""
    off = FloodLimits(private_chat=Rate(0), group=Rate(0), overall=Rate(0))
    return PacedLimiter(Pacer(off, time.monotonic))


async def _drive(
    app: Application[Any, Any, Any, Any, Any, Any],
    api: FakeBotApi,
    users: list[TgUser],
    after_ticket: Callable[[], Awaitable[None]] | None,
    steps: list[Step] = TICKET,
    take: Callable[[Update], Awaitable[None]] | None = None,
) -> tuple[float, list[float]]:
    """Feed every user's `steps` (to `take`, else straight to the Application); returns
    total busy seconds and per-update latencies."""
    latencies: list[float] = []
    busy = 0.0
    take = take or app.process_update
    for user in users:
        for step in steps:
            update = step(app.bot, user, api)
            started = time.perf_counter()
            await take(update)
            elapsed = time.perf_counter() - started
            latencies.append(elapsed)
            busy += elapsed
        if after_ticket is not None:
            started = time.perf_counter()
            await after_ticket()
            busy += time.perf_counter() - started
    return busy, latencies


async def fresh_database(url: str | None, folder: Path, name: str) -> str:
    """`url` wiped clean (PostgreSQL), or a new SQLite file in `folder`."""
    if url is None:
        return f"sqlite+aiosqlite:///{folder}/{name}.db"
    if url.startswith("postgresql"):
        await _reset_postgres(url)
    return url


def database_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        help="the desk's database (default: a new SQLite file); PostgreSQL is WIPED",
    )


@dataclass
class Measured:
    """The desk while timed: busy seconds, per-update latencies, SQL statements sent and
    the process's CPU seconds (all its threads)."""

    busy: float
    latencies: list[float]
    statements: int
    cpu: float

    def report(self, unit: str) -> None:
        """The desk's own last lines: ms per update (or message), CPU, statements."""
        count = len(self.latencies)
        print(f"cpu_ms_per_update: {self.cpu / count * 1000:.3f}")
        print(f"{unit}: {self.busy / count * 1000:.3f}")
        print(f"statements_per_update: {self.statements / count:.1f}")


class CpuTime:
    """The process's CPU time (every thread's) spent inside the `with`."""

    seconds = 0.0

    def __enter__(self) -> CpuTime:
        self._started = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.process_time() - self._started


async def run_desk(tickets: int, warmup: int, url: str) -> Measured:
    """The desk while timed."""
    api = FakeBotApi(limits=None)
    app = build_application(
        settings_for(url, outbox=UNPACED_OUTBOX),
        token=TEST_TOKEN,
        request=api,
        get_updates_request=api,
        rate_limiter=_unlimited(),
    )
    await app.initialize()
    runtime = runtime_of(app)
    await runtime.prepare()

    async def dispatch() -> None:
        await runtime.dispatcher.run(app.bot)

    async def take(update: Update) -> None:
        await runtime.inbox.store([update.to_dict()], runtime.clock.now())
        await handle_stored(app, update.update_id, update)  # as the poller hands it over

    try:
        warm = [TgUser(10_000 + i, "Warm") for i in range(warmup)]
        await _drive(app, api, warm, dispatch, take=take)
        api.clear_calls()
        with StatementCounter(runtime.uow.engine) as statements, CpuTime() as cpu:
            busy, latencies = await _drive(
                app, api, [TgUser(20_000 + i, "Ann") for i in range(tickets)], dispatch, take=take
            )
        filed = sum(1 for c in api.calls_of("sendMessage") if c.params.get("chat_id", 0) < 0)
        if filed != tickets:
            raise SystemExit(f"the desk announced {filed} of {tickets} tickets")
        return Measured(busy, latencies, statements.count, cpu.seconds)
    finally:
        await app.shutdown()
        await runtime.close()


async def _echo(update: Update, context: Any) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
    elif update.effective_message is not None:
        await update.effective_message.reply_text(update.effective_message.text or "ok")


async def run_echo(
    tickets: int, warmup: int, steps: list[Step] = TICKET
) -> tuple[float, list[float]]:
    """The bare echo bot fed `steps` per user."""
    api = FakeBotApi(limits=None)
    app = (
        Application.builder()
        .token(TEST_TOKEN)
        .request(api)
        .get_updates_request(api)
        .rate_limiter(_unlimited())
        .build()
    )
    app.add_handler(MessageHandler(filters.ALL, _echo))
    app.add_handler(CallbackQueryHandler(_echo))
    await app.initialize()
    try:
        await _drive(app, api, [TgUser(10_000 + i, "Warm") for i in range(warmup)], None, steps)
        return await _drive(
            app, api, [TgUser(20_000 + i, "Ann") for i in range(tickets)], None, steps
        )
    finally:
        await app.shutdown()


def _report(name: str, tickets: int, busy: float, latencies: list[float]) -> float:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    per_update = busy / len(latencies)
    print(
        f"{name}: {tickets / busy:8.1f} tickets/s  {len(latencies) / busy:8.1f} updates/s  "
        f"p50 {p50:.2f} ms  p99 {p99:.2f} ms  ({per_update * 1000:.3f} ms per update)"
    )
    return per_update


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    database_argument(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = await fresh_database(args.database_url, Path(folder), "bench")
        measured = await run_desk(args.tickets, args.warmup, url)
    echo_busy, echo_latencies = await run_echo(args.tickets, args.warmup)
    print(f"tickets: {args.tickets}, updates per ticket: {len(TICKET)}")
    desk = _report("desk", args.tickets, measured.busy, measured.latencies)
    echo = _report("echo", args.tickets, echo_busy, echo_latencies)
    print(f"ratio: {desk / echo:.2f}")
    measured.report("intake_ms_per_update")


if __name__ == "__main__":
    asyncio.run(main())
