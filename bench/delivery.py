"""Delivery at Telegram's pace: relayed messages both ways through the real `run`.

Runs `python -m bot run` (SQLite in a temporary folder, or --database-url PostgreSQL, which
is WIPED) against the fake Bot API served over HTTP with Telegram's flood limits on (5 at
once then 1/s per private chat, 20/min per group, 30/s overall, 429 with retry_after past
them) and --delay seconds per call. Not timed: --customers customers file a ticket each
through the wizard at a person's pace, --agents agents claim them from the staff group
(the customers split evenly between them). Then three phases, each timed from queueing
the updates to the moment the fake answered the call that delivered each message:

- customer -> agent: every customer writes --burst messages as fast as updates can come;
- agent -> customer: every agent answers --answers times (a Telegram reply to a relayed
  message, spread over its customers);
- mixed: both at once (half of each) while --new-tickets new customers file tickets.

Per phase: relayed messages/s, p50/p99 latency, Bot API calls per relayed message, 429s
received, and lost / duplicated / reordered messages (per sender and receiver). Last lines
`agent_to_customer_per_s`, `customer_to_agent_per_s`, `p99_answer_seconds` (phase two).

    python bench/delivery.py [--database-url URL] [--customers 20] [--agents 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bench.desk_load import (
    Phase,
    add_agents,
    api_calls,
    card_of,
    collect,
    relayed_message,
    reordered,
    wait_arrivals,
)
from bot.sandbox import updates
from bot.sandbox.wire import SentMessage
from tests.conftest import _reset_postgres
from tests.e2e.steps import TICKET_NUMBER, label
from tests.process.fakeserver import FakeBotServer, TgUser
from tests.process.test_instances import Customer, Desks, deliver

AGENT_BASE, CUSTOMER_BASE, NEWCOMER_BASE = 50_000, 60_000, 70_000
THINK_SECONDS = 1.2  # a person's pause between two steps of the wizard
SETTLE_SECONDS = 20.0  # a phase ends when nothing new arrived for this long
PHASE_LIMIT = 300.0  # or after this long at the most


class Person(Customer):
    """A customer (or agent) who takes a moment before each step, as people do."""

    def _step(self, step, build):  # type: ignore[no-untyped-def]
        time.sleep(THINK_SECONDS)
        return super()._step(step, build)


def report(server: FakeBotServer, phase: Phase) -> tuple[float, float]:
    """Print the phase's figures; returns (messages/s, p99 seconds)."""
    collect(server, phase)
    arrived = [line for line in phase.lines.values() if line.seen]
    latencies = sorted(min(line.seen)[0] - line.queued for line in arrived)
    span = max((min(line.seen)[0] for line in arrived), default=phase.started) - phase.started
    per_s = len(arrived) / span if span > 0 else 0.0
    p50 = statistics.median(latencies) if latencies else float("nan")
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
    calls = len(api_calls(server)) - phase.calls_before
    refused = server.throttled()[phase.throttled_before :]
    throttled = len(refused)
    lost = len(phase.lines) - len(arrived)
    duplicated = sum(1 for line in arrived if len(line.seen) > 1)
    print(
        f"{phase.name}: {len(arrived)}/{len(phase.lines)} relayed, {per_s:.1f} messages/s, "
        f"p50 {p50:.2f} s, p99 {p99:.2f} s, {calls / max(1, len(phase.lines)):.2f} Bot API "
        f"calls per relayed message, 429 received {throttled}, lost {lost}, "
        f"duplicated {duplicated}, reordered {reordered(list(phase.lines.values()))}",
        flush=True,
    )
    for call in refused:  # what drew a 429, to see which pace was broken
        print(f"  429: {call.method} to chat {call.params.get('chat_id')}", flush=True)
    return per_s, p99


def start_phase(server: FakeBotServer, name: str) -> Phase:
    return Phase(name, started=time.monotonic(), calls_before=len(api_calls(server)),
                 throttled_before=len(server.throttled()))  # fmt: skip


# -- setting the desk up ------------------------------------------------------------------


def file_all(people: list[Person]) -> dict[int, str]:
    """Every person files a ticket, all at once, each at a person's pace."""
    numbers: dict[int, str] = {}

    def file(person: Person) -> None:
        numbers[person.id] = person.file_ticket()

    threads = [threading.Thread(target=file, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return numbers


def claim_all(server: FakeBotServer, agents: list[TgUser], numbers: dict[int, str]) -> dict:
    """Agent k claims the k-th share of the tickets; returns customer -> agent."""
    owner: dict[int, TgUser] = {}
    share = -(-len(numbers) // len(agents))
    claim = label("en", "staff.button.claim")
    for n, (customer, number) in enumerate(sorted(numbers.items())):
        agent = agents[n // share]
        card = card_of(server, number)
        data = card.button(claim)["callback_data"]
        deliver(server, lambda bot, a=agent, d=data, c=card: updates.callback(bot, a, d, c))
        owner[customer] = agent
        time.sleep(0.2)  # one agent's taps, not a machine's
    for customer in numbers:
        server.wait_until(
            lambda fake, c=customer: any(
                "is on it" in (m.plain_text or "") for m in fake.messages_to(c)
            ),
            timeout=120,
            what=f"customer {customer} told their ticket is claimed",
        )
    return owner


# -- the phases ---------------------------------------------------------------------------


def customers_write(server, phase, owner, count: int) -> None:  # type: ignore[no-untyped-def]
    for n in range(count):
        for customer, agent in owner.items():
            user = TgUser(customer, f"Customer{customer}")
            tag = phase.add(f"c{customer}", n, agent.id)
            deliver(server, lambda bot, u=user, t=tag: updates.text_message(bot, u, f"{t} beeps"))


def _relayed(server: FakeBotServer, agent: TgUser, customer: int) -> SentMessage:
    """A message in the agent's chat relaying something of `customer` (to reply to)."""
    found = relayed_message(server, agent, customer)
    if found is None:
        raise SystemExit(f"agent {agent.id} never got a message of customer {customer}")
    return found


def agents_answer(server, phase, owner, count: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    theirs: dict[int, list[int]] = defaultdict(list)
    agents = {agent.id: agent for agent in owner.values()}
    for customer, agent in owner.items():
        theirs[agent.id].append(customer)
    targets = {(a, c): _relayed(server, agents[a], c) for a in theirs for c in theirs[a]}
    for n in range(start, start + count):
        for agent_id, customers in theirs.items():
            customer = customers[n % len(customers)]
            tag = phase.add(f"a{agent_id}", n, customer)
            reply_to = targets[(agent_id, customer)]
            deliver(
                server,
                lambda bot, a=agents[agent_id], t=tag, r=reply_to: updates.text_message(
                    bot, a, f"{t} please restart the till", reply_to=r
                ),
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL (WIPED); default SQLite")
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--burst", type=int, default=50, help="messages per customer")
    parser.add_argument("--answers", type=int, default=20, help="answers per agent")
    parser.add_argument("--new-tickets", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds per Bot API call")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder, FakeBotServer(delay=args.delay) as server:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/delivery.db"
        if url.startswith("postgresql"):
            asyncio.run(_reset_postgres(url))
        desks = Desks(Path(folder), server, url)
        try:
            desks.start().wait_role("active")
            agents = [TgUser(AGENT_BASE + k, f"Agent{k}") for k in range(args.agents)]
            asyncio.run(add_agents(url, agents))
            customers = [
                Person(server, TgUser(CUSTOMER_BASE + i, f"Customer{CUSTOMER_BASE + i}"))
                for i in range(args.customers)
            ]
            numbers = file_all(customers)
            owner = claim_all(server, agents, numbers)
            print(f"set up: {len(numbers)} tickets filed and claimed by {len(agents)} agents")

            inbound = start_phase(server, "customer -> agent")
            customers_write(server, inbound, owner, args.burst)
            wait_arrivals(server, inbound, SETTLE_SECONDS, PHASE_LIMIT)
            to_agent, _ = report(server, inbound)

            outbound = start_phase(server, "agent -> customer")
            agents_answer(server, outbound, owner, args.answers)
            wait_arrivals(server, outbound, SETTLE_SECONDS, PHASE_LIMIT)
            to_customer, p99 = report(server, outbound)

            mixed = start_phase(server, "mixed")
            newcomers = [
                Person(server, TgUser(NEWCOMER_BASE + i, f"New{i}"))
                for i in range(args.new_tickets)
            ]
            filing = threading.Thread(target=lambda: numbers.update(file_all(newcomers)))
            filing.start()
            customers_write(server, mixed, owner, args.burst // 2)
            agents_answer(server, mixed, owner, args.answers // 2, start=args.answers)
            filing.join()
            wait_arrivals(server, mixed, SETTLE_SECONDS, PHASE_LIMIT)
            report(server, mixed)
            filed = sum(1 for p in newcomers if TICKET_NUMBER.search(" ".join(p.texts())))
            print(f"mixed: {filed}/{len(newcomers)} new tickets filed and confirmed")
        finally:
            desks.close()
    print(f"agent_to_customer_per_s: {to_customer:.1f}")
    print(f"customer_to_agent_per_s: {to_agent:.1f}")
    print(f"p99_answer_seconds: {p99:.2f}")


if __name__ == "__main__":
    main()
