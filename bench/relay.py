"""Relay latency: customer messages on claimed tickets, through the outbox to the agent, vs echo.

The real Application runs in process on the fake Bot API and a fresh SQLite file, behind
the desk's PacedLimiter with the flood limits off, its outbox unpaced and the fake enforcing
no limit (as in bench/intake.py). Not timed: every customer files one ticket through /new,
the dispatcher posts the cards to the staff chat, and one agent per ten tickets presses
Claim on them. Timed: each customer sends plain text
messages, round after round; a message counts from feeding its update until the dispatcher,
run after it as its job would be, has delivered the relayed copy to the agent (every relay is
checked). The baseline is bench/intake.py's echo bot fed the same number of text updates.
Prints messages/s and p50/p99 latency for both, `ratio: X` = desk cost per relayed
message / echo cost per update, then the desk's own `cpu_ms_per_update` (as in
bench/intake.py), and last `relay_ms_per_message: Y` and `statements_per_update: N` (every
SQL statement the desk sent while timed, the dispatcher's included, per relayed message).
`--statements` prints the statements of one relayed message first.

`--database-url postgresql+asyncpg://...` runs the desk on PostgreSQL instead of a fresh
SQLite file: THE SCHEMA public OF THAT DATABASE IS DROPPED AND CREATED AGAIN.

    python bench/relay.py [--customers 100] [--messages 5] [--database-url URL] [--statements]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.intake import (
    UNPACED_OUTBOX,
    CpuTime,
    Measured,
    _drive,
    _unlimited,
    database_argument,
    fresh_database,
    run_echo,
)
from bot.app import runtime_of
from bot.sandbox import updates
from bot.sandbox.fakebot import FakeBotApi
from bot.sandbox.updates import TgUser
from domain.clock import SystemClock
from storage.statements import StatementCounter
from tests.e2e.dsl import STAFF_CHAT, DeskHarness, Person
from tests.e2e.steps import TICKET_NUMBER, add_staff, label

TICKETS_PER_AGENT = 10


def _said(user: TgUser, round_: int) -> str:
    return f"Round {round_} from {user.id}: the till still beeps at every sale"


async def _start(url: str) -> DeskHarness:
    """The e2e harness's desk (real clock) behind the bench's unlimited rate limiter, its
    outbox unpaced, on a fake Telegram that enforces no flood limit."""
    desk = DeskHarness(
        url,
        SystemClock(),  # type: ignore[arg-type]
        overrides={"outbox": UNPACED_OUTBOX},
        rate_limiter=_unlimited(),
        flood_limits=None,
    )
    return await desk.start()


def _number_told(api: FakeBotApi, user: TgUser) -> str:
    """The ticket number the desk last told `user`."""
    for message in reversed(api.messages_to(user.id)):
        found = TICKET_NUMBER.search(message.plain_text or "")
        if found:
            return found.group()
    raise SystemExit(f"customer {user.id} was never told a ticket number")


async def _claimed_tickets(desk: DeskHarness, customers: list[Person]) -> list[Person]:
    """File a ticket per customer and have it claimed; returns each customer's agent."""
    await _drive(desk.app, desk.api, [c.user for c in customers], desk.dispatch)
    count = -(-len(customers) // TICKETS_PER_AGENT)
    agents = [desk.customer(40_000 + n, f"Agent {n}") for n in range(count)]
    for agent in agents:
        await add_staff(desk, agent)
    claim = label("en", "staff.button.claim")
    assignees = []
    for n, customer in enumerate(customers):
        number = _number_told(desk.api, customer.user)
        cards = [m for m in desk.api.messages_to(STAFF_CHAT) if number in (m.plain_text or "")]
        if not cards:
            raise SystemExit(f"no card of {number} in the staff chat")
        agent = agents[n // TICKETS_PER_AGENT]
        await agent.press(claim, on=cards[-1])
        assignees.append(agent)
    await desk.dispatch()
    return assignees


def _check_relayed(api: FakeBotApi, agent: Person, before: int, text: str) -> None:
    new = api.messages_to(agent.id)[before:]
    if not any(m.method == "sendMessage" and text in (m.plain_text or "") for m in new):
        sent = [m.plain_text for m in new]
        raise SystemExit(f"{text!r} was not relayed to agent {agent.id}; it got {sent}")


async def _converse(
    desk: DeskHarness, customers: list[Person], agents: list[Person], rounds: int
) -> list[float]:
    """Every customer writes `rounds` times; returns the per-message latencies."""
    latencies: list[float] = []
    for round_ in range(rounds):
        for customer, agent in zip(customers, agents, strict=True):
            text = _said(customer.user, round_)
            update = updates.text_message(desk.app.bot, customer.user, text)
            before = len(desk.api.messages_to(agent.id))
            started = time.perf_counter()
            await desk.app.process_update(update)
            await desk.dispatch()
            latencies.append(time.perf_counter() - started)
            _check_relayed(desk.api, agent, before, text)
    return latencies


async def run_desk(
    customers: int, messages: int, warmup: int, url: str, *, show: bool = False
) -> Measured:
    """The desk in the timed rounds."""
    desk = await _start(url)
    try:
        people = [desk.customer(30_000 + n, "Ann") for n in range(warmup + customers)]
        agents = await _claimed_tickets(desk, people)
        await _converse(desk, people[:warmup], agents[:warmup], messages)
        engine = runtime_of(desk.app).uow.engine
        if show:
            with StatementCounter(engine, keep=True) as one:
                await _converse(desk, people[:1], agents[:1], 1)
            print(f"the statements of one relayed message ({one.count}):")
            print("\n".join(f"  {n}. {text}" for n, text in enumerate(one.texts, 1)))
        with StatementCounter(engine) as statements, CpuTime() as cpu:
            latencies = await _converse(desk, people[warmup:], agents[warmup:], messages)
        return Measured(sum(latencies), latencies, statements.count, cpu.seconds)
    finally:
        await desk.stop()


async def run_baseline(customers: int, messages: int, warmup: int) -> tuple[float, list[float]]:
    """bench/intake.py's echo runner, each "ticket" being `messages` plain text updates."""

    def say(bot: Any, user: TgUser, api: FakeBotApi) -> Any:
        return updates.text_message(bot, user, _said(user, 0))

    return await run_echo(customers, warmup, [say] * messages)


def _line(name: str, unit: str, busy: float, latencies: list[float]) -> float:
    ordered = sorted(latencies)
    per_item = busy / len(ordered)
    print(
        f"{name}: {len(ordered) / busy:8.1f} {unit}/s  "
        f"p50 {statistics.median(ordered) * 1000:.2f} ms  "
        f"p99 {ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000:.2f} ms  "
        f"({per_item * 1000:.3f} ms per {unit.removesuffix('s')})"
    )
    return per_item


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--messages", type=int, default=5, help="per customer")
    parser.add_argument("--warmup", type=int, default=10, help="customers, not timed")
    parser.add_argument(
        "--statements", action="store_true", help="print the statements of one relayed message"
    )
    database_argument(parser)
    return parser.parse_args()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = await fresh_database(args.database_url, Path(folder), "relay")
        measured = await run_desk(
            args.customers, args.messages, args.warmup, url, show=args.statements
        )
    echo = await run_baseline(args.customers, args.messages, args.warmup)
    agents = -(-(args.customers + args.warmup) // TICKETS_PER_AGENT)
    print(f"customers: {args.customers}, messages each: {args.messages}, agents: {agents}")
    desk_cost = _line("desk", "messages", measured.busy, measured.latencies)
    echo_cost = _line("echo", "updates", *echo)
    print(f"ratio: {desk_cost / echo_cost:.2f}")
    measured.report("relay_ms_per_message")


if __name__ == "__main__":
    asyncio.run(main(_arguments()))
