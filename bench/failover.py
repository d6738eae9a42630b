"""Failover on PostgreSQL: how long customers wait when the active instance is killed.

Runs two real `python -m bot run` processes (an active one and a standby) on the fake Bot
API over HTTP. Each run: customers file tickets through the buttons; once two are filed
and the others are under way, the active instance gets kill -9 and a new customer writes
/start at once. Measured from the kill: until the standby's first getUpdates, and until
that new customer is answered (what a customer sees). Then it checks that every ticket was
filed once, confirmed once (but for an answer that went down with the killed instance) and
that no outbox message was sent twice; the killed instance is started again as the next
standby. Prints each run and last `takeover_seconds: X`, the median kill-to-answer time.

THE DATABASE IS WIPED: the schema `public` of --database-url is dropped and created again
at the start, as the tests do with TEST_DATABASE_URL. Never point it at a desk in use.

    python bench/failover.py [--database-url postgresql+asyncpg://...] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bench.desk_load import token
from tests.conftest import _reset_postgres
from tests.e2e.dsl import HUMAN_STEP
from tests.process.fakeserver import FakeBotServer, HumanTime, TgUser
from tests.process.test_instances import (
    Customer,
    Desk,
    Desks,
    assert_outbox_sent_once,
    check_failover,
    fail_over,
)

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def one_run(
    server: FakeBotServer, desks: Desks, active: Desk, standby: tuple[Desk, str], run: int, n: int
) -> tuple[float, float, str]:
    """One kill under load; (to getUpdates, to answered, what else happened)."""
    customers = [
        Customer(server, TgUser(100_000 * run + i, f"Customer{i}"), patience=8.0) for i in range(n)
    ]
    newcomer = Customer(server, TgUser(100_000 * run + 99_999, "Newcomer"))
    failover = fail_over(server, active, standby[1], customers, newcomer)
    lost = check_failover(server, desks.database_url, failover)
    numbers = [f.number for f in failover.filings if f.number]
    repeats = assert_outbox_sent_once(server, desks.database_url, numbers, kills=run)
    notes = f"{len(numbers)} tickets filed once each"
    if lost:
        notes += f"; the answer to {lost[0]!r} went down with the killed instance"
    return failover.polling, failover.answering, f"{notes}; outbox repeats so far {repeats}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="WARNING: drops and recreates the schema public of --database-url.",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_URL,
        help="PostgreSQL to use and WIPE (default: $TEST_DATABASE_URL, else %(default)s)",
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--customers", type=int, default=8, help="filing during each kill")
    parser.add_argument(
        "--standby-check",
        type=float,
        default=1.0,
        help="[instance] standby_check of both instances, seconds (default: the product's)",
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("failover needs PostgreSQL: --database-url postgresql+asyncpg://...")
    asyncio.run(_reset_postgres(args.database_url))

    polls: list[float] = []
    answers: list[float] = []
    started = 0
    # Telegram's flood limits, refilled as if each customer took a person's time per step
    human = HumanTime(HUMAN_STEP)
    with tempfile.TemporaryDirectory() as folder, FakeBotServer(human_time=human) as server:
        desks = Desks(Path(folder), server, args.database_url)
        desks.extra_env["FEEDBACK_DESK__INSTANCE__STANDBY_CHECK"] = str(args.standby_check)
        try:

            def start(role: str) -> tuple[Desk, str]:
                nonlocal started
                started += 1
                desk = desks.start(token=token(started))
                desk.wait_role(role)
                return desk, token(started)

            active, _ = start("active")
            standby = start("standby")
            for run in range(1, args.runs + 1):
                polling, answering, notes = one_run(
                    server, desks, active, standby, run, args.customers
                )
                polls.append(polling)
                answers.append(answering)
                print(
                    f"run {run}: kill -9 -> standby polls {polling:.3f} s, "
                    f"answers a new customer {answering:.3f} s; {notes}",
                    flush=True,
                )
                active = standby[0]
                standby = start("standby")  # the killed one comes back as the next standby
        finally:
            desks.close()
    for name, values in (("standby polls", polls), ("new customer answered", answers)):
        print(
            f"{name} after kill -9: median {statistics.median(values):.3f} s, "
            f"min {min(values):.3f} s, max {max(values):.3f} s"
        )
    print(f"takeover_seconds: {statistics.median(answers):.3f}")


if __name__ == "__main__":
    main()
