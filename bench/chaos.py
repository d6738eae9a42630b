"""Chaos: kill -9 under a mixed load, then count what went missing or came twice.

Runs real `python -m bot run` processes on the fake Bot API over HTTP with Telegram's flood
limits on. First a kill during a migration (`bench.chaos_migration`); then --messages
updates from people at a person's pace: customers file tickets through the wizard, agents
claim them from the staff group, customer and agent write to each other (the agent with a
Telegram reply), and agents change the priority through the card's buttons. Meanwhile the
active instance gets kill -9 at --kills moments spread over the load (seeded); on SQLite
it is started again, on PostgreSQL (--database-url, WIPED) the standby takes over and the
killed one comes back as the next standby.

Counted at the end, per kind: messages lost, duplicated and reordered (per sender and
receiver), tickets filed twice by one filing, button presses applied twice (the ticket's
history in the database), and answers to the person who acted that never came
(`acting_replies_lost`, not counted as lost). Each lost message is traced (in the
ticket's history? its outbox row and status?), the outbox rows parked in flight by a kill
are listed, and `agent_replies_refused` counts agents told their reply was not taken.
Then `buttons_applied_twice: N` and last `lost: L duplicated: D reordered: R filed_twice: F`.

    python bench/chaos.py [--database-url postgresql+asyncpg://...] [--messages 1000]
        [--kills 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bench.chaos_count import Load, report
from bench.chaos_migration import kill_during_migration
from bench.desk_load import add_agents, card_of, token
from bot.sandbox import updates
from bot.sandbox.fakebot import FakeBotApi
from bot.sandbox.wire import SentMessage
from tests.conftest import _reset_postgres
from tests.e2e.dsl import HUMAN_STEP
from tests.e2e.steps import TICKET_NUMBER, label
from tests.process.fakeserver import FakeBotServer, HumanTime, TgUser
from tests.process.test_instances import Customer, Desk, Desks, NoAnswer, deliver

AGENT_BASE, CUSTOMER_BASE = 50_000, 60_000
PATIENCE = 45.0  # seconds a person waits for an answer before deciding it never comes
START_LIMIT = 90.0  # seconds an instance may take to start (or take over) under load
THINK = 0.3  # seconds between two of a person's messages
PRIORITIES = ("high", "urgent", "low", "normal")
FIXED_PER_CUSTOMER = 9  # the wizard's 8 updates and the agent's claim


class Actor(Customer):
    """A customer or agent whose every step counts towards the load (and its kills)."""

    load: Load | None = None

    def _step(self, step, build):  # type: ignore[no-untyped-def]
        assert Actor.load is not None
        Actor.load.sent()
        return super()._step(step, build)


class Cluster:
    """The running instances: one on SQLite, an active one and a standby on PostgreSQL."""

    def __init__(self, desks: Desks, postgres: bool) -> None:
        self.desks, self.postgres = desks, postgres
        self.started = 0
        self.active: Desk | None = None
        self.standby: Desk | None = None
        self.recoveries: list[float] = []

    def start(self, role: str) -> Desk:
        self.started += 1
        desk = self.desks.start(token=token(self.started))
        desk.wait_role(role, timeout=START_LIMIT)
        return desk

    def open(self) -> None:
        self.active = self.start("active")
        if self.postgres:
            self.standby = self.start("standby")

    def kill(self) -> None:
        """kill -9 the active instance; returns once another one is active (and, on
        PostgreSQL, a new standby waits)."""
        assert self.active is not None
        killed_at = time.monotonic()
        self.active.kill()
        if self.standby is not None:
            self.standby.wait_role("active", timeout=START_LIMIT)
            self.active = self.standby
            self.recoveries.append(time.monotonic() - killed_at)
            self.standby = self.start("standby")
        else:
            self.active = self.start("active")
            self.recoveries.append(time.monotonic() - killed_at)


def killer(load: Load, cluster: Cluster, points: list[int], done: threading.Event) -> None:
    """kill -9 the active instance as the load passes each of `points` (message counts)."""
    for point in points:
        if not load.reached(point, done):
            return
        cluster.kill()
        load.kills += 1
        print(f"  kill -9 #{load.kills} at message {load.count}", flush=True)


# -- what the people do -------------------------------------------------------------------


def act(server: FakeBotServer, load: Load, build) -> None:  # type: ignore[no-untyped-def]
    """One message or tap that expects no answer to the one who sent it."""
    load.sent()
    if server.human_time is not None:
        server.human_time.act()
    deliver(server, build)


def listed_ticket(customer: Actor, load: Load) -> str | None:
    """The ticket /my shows the customer, if any."""
    try:
        [listing, *_] = customer.send("/my")
    except NoAnswer:
        load.acting_lost("/my")
        return None
    found = [TICKET_NUMBER.search(b.get("text", "")) for b in listing.buttons]
    return next((m.group() for m in found if m), None)


def file_ticket(customer: Actor, load: Load) -> str | None:
    """File a ticket as a person would when an answer never comes: look at /my, and file
    again only if nothing was filed."""
    for _ in range(4):
        try:
            return customer.file_ticket()
        except NoAnswer:
            load.acting_lost(customer.step)
        number = listed_ticket(customer, load)
        if number:
            return number
        try:
            customer.send("/cancel")
        except NoAnswer:
            load.acting_lost("/cancel")
    return None


def press_on(server: FakeBotServer, load: Load, who: TgUser, message: SentMessage, text: str):  # type: ignore[no-untyped-def]
    data = message.button(text)["callback_data"]
    act(server, load, lambda bot: updates.callback(bot, who, data, message))


def prompts(fake: FakeBotApi, agent: TgUser, number: str) -> list[SentMessage]:
    prompt = f"New priority for {number}"
    return [m for m in fake.messages_to(agent.id) if prompt in (m.plain_text or "")]


def change_priority(server, load: Load, agent: TgUser, number: str, target: str) -> bool:  # type: ignore[no-untyped-def]
    """The agent taps Priority on the card, then `target` on the menu; False when the menu
    never came (twice)."""
    button = label("en", "staff.button.prio")
    for _ in range(2):
        before = server.run(lambda fake: len(prompts(fake, agent, number)))
        # once the card shows the claim: an edit through the outbox, it may come later
        card = card_of(server, number, timeout=2 * PATIENCE, button=button)
        press_on(server, load, agent, card, button)
        try:
            menu = server.wait_until(
                lambda fake, b=before: prompts(fake, agent, number)[b:],
                timeout=PATIENCE,
                what=f"the priority menu of {number}",
            )[-1]
        except AssertionError:
            load.acting_lost("priority menu")
            continue
        press_on(server, load, agent, menu, label("en", f"priority.{target}"))
        load.priority_presses[number] = load.priority_presses.get(number, 0) + 1
        return True
    return False


def claimed(fake: FakeBotApi, customer: int) -> bool:
    return any("is on it" in (m.plain_text or "") for m in fake.messages_to(customer))


def claim(server: FakeBotServer, load: Load, customer: Actor, agent: TgUser, number: str) -> None:
    press_on(server, load, agent, card_of(server, number), label("en", "staff.button.claim"))
    load.claims[number] = customer.id
    told = f"customer {customer.id} told {number} is claimed"
    with contextlib.suppress(AssertionError):  # if it never comes, it is counted at the end
        server.wait_until(lambda fake: claimed(fake, customer.id), timeout=2 * PATIENCE, what=told)


def converse(server, load: Load, customer: Actor, agent: TgUser, number: str, rounds: int) -> None:  # type: ignore[no-untyped-def]
    """`rounds` times: the customer writes, the agent answers with a Telegram reply to the
    newest relayed message; the agent changes the priority twice along the way."""
    changes = {rounds // 3: PRIORITIES[0], (2 * rounds) // 3: PRIORITIES[1]}
    for n in range(rounds):
        tag = load.relays.add(f"c{customer.id}", n, agent.id)
        wrote = f"{tag} beeps"
        act(server, load, lambda bot, w=wrote: updates.text_message(bot, customer.user, w))
        try:
            relayed = server.wait_until(
                lambda fake, t=tag: next(
                    (m for m in fake.messages_to(agent.id) if t in (m.plain_text or "")), None
                ),
                timeout=PATIENCE,
                what=f"{tag} relayed",
            )
        except AssertionError:
            relayed = None  # counted at the end
        if relayed is not None:
            a_tag = load.relays.add(f"a{agent.id}", load.next_of(agent.id), customer.id)
            act(
                server,
                load,
                lambda bot, t=a_tag, r=relayed: updates.text_message(
                    bot, agent, f"{t} restart the till", reply_to=r
                ),
            )
        if n in changes:
            change_priority(server, load, agent, number, changes[n])
        time.sleep(THINK)


def life(server, load: Load, customer: Actor, agent: TgUser, rounds: int) -> None:  # type: ignore[no-untyped-def]
    """One customer's ticket from filing to the end of its conversation."""
    try:
        number = file_ticket(customer, load)
        load.filings[customer.id] = number
        if number is None:
            return
        claim(server, load, customer, agent, number)
        converse(server, load, customer, agent, number, rounds)
    except Exception as error:
        load.troubles.append(f"customer {customer.id}: {type(error).__name__}: {error}")


def run_load(
    server: FakeBotServer, load: Load, agents: list[TgUser], customers: int, rounds: int
) -> None:
    people = [
        Actor(server, TgUser(CUSTOMER_BASE + i, f"Customer{i}"), patience=PATIENCE)
        for i in range(customers)
    ]
    threads = [
        threading.Thread(target=life, args=(server, load, p, agents[i % len(agents)], rounds))
        for i, p in enumerate(people)
    ]
    for k, thread in enumerate(threads):
        thread.start()
        time.sleep(0.5 if k < len(threads) - 1 else 0)  # people arrive over a while
    for thread in threads:
        thread.join()


# -- the whole run ------------------------------------------------------------------------


def plan(messages: int, customers: int, kills: int, seed: int) -> tuple[int, list[int]]:
    """Conversation rounds per customer and the message counts to kill at."""
    per_customer = messages // customers
    rounds = max(3, -(-(per_customer - FIXED_PER_CUSTOMER - 4) // 2))
    total = customers * (FIXED_PER_CUSTOMER + 4 + 2 * rounds)
    points = sorted(random.Random(seed).sample(range(total // 40, total * 19 // 20), kills))
    return rounds, points


def under_kills(
    server: FakeBotServer,
    cluster: Cluster,
    agents: list[TgUser],
    customers: int,
    rounds: int,
    points: list[int],
) -> Load:
    """The load, with kill -9 at `points`; prints how it went and returns its record."""
    load = Load()
    Actor.load = load
    done = threading.Event()
    chaos = threading.Thread(target=killer, args=(load, cluster, points, done))
    started = time.monotonic()
    chaos.start()
    run_load(server, load, agents, customers, rounds)
    done.set()
    chaos.join()
    took = time.monotonic() - started
    recoveries = cluster.recoveries or [0.0]
    print(
        f"load: {load.count} messages from {customers} customers and {len(agents)} agents "
        f"in {took:.1f} s; {load.kills} kill -9 "
        f"({'standby takes over' if cluster.postgres else 'restart'}: median "
        f"{statistics.median(recoveries):.2f} s, max {max(recoveries):.2f} s)",
        flush=True,
    )
    return load


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="WARNING: with --database-url, drops and recreates its schema public.",
    )
    parser.add_argument("--database-url", default=None, help="PostgreSQL (WIPED); default SQLite")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--customers", type=int, default=25)
    parser.add_argument("--agents", type=int, default=4)
    args = parser.parse_args()
    rounds, points = plan(args.messages, args.customers, args.kills, args.seed)
    rng = random.Random(args.seed)

    with (
        tempfile.TemporaryDirectory() as folder,
        FakeBotServer(human_time=HumanTime(HUMAN_STEP)) as server,
    ):
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/chaos.db"
        postgres = url.startswith("postgresql")
        if postgres:
            asyncio.run(_reset_postgres(url))
        desks = Desks(Path(folder), server, url)
        desks.extra_env["FEEDBACK_DESK__INSTANCE__STANDBY_CHECK"] = "0.5"
        cluster = Cluster(desks, postgres)
        try:
            print(kill_during_migration(server, desks, url, rng), flush=True)
            cluster.open()
            agents = [TgUser(AGENT_BASE + k, f"Agent{k}") for k in range(args.agents)]
            asyncio.run(add_agents(url, agents))
            load = under_kills(server, cluster, agents, args.customers, rounds, points)
            report(server, url, load)
        finally:
            desks.close()


if __name__ == "__main__":
    main()
