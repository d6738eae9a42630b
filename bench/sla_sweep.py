"""SLA sweep cost as the open ticket count grows: it must read only what is due.

For each database (SQLite file, PostgreSQL) and each size (10k, 100k, 1M open tickets), fill
a fresh database with open tickets whose next check lies ahead, make `--due` of them due
now, and time the sweep (the real SlaSweep service: indexed read, one conditional update per
notice, outbox rows, next check); repeated `--runs` times with the due rows re-armed, the
median is kept. Prints one line per database and size, and last `ratio: X` = sweep time at
the largest size / at the smallest, the worse of the databases (target at most 1.5).

    python bench/sla_sweep.py [--sizes 10000 100000 1000000] [--due 1000]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test] [--no-postgres]

The PostgreSQL database is wiped (schema `public` dropped and created again).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox.clocks import FakeClock
from domain.policy import DeskPolicy
from domain.services.sweep import SlaSweep
from domain.ticket import FeedbackType
from storage.db import create_engine
from storage.migrate import upgrade
from storage.models import CustomerRow, DepartmentRow, TicketRow
from storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 11, 23, 2, 45, tzinfo=UTC)  # Monday 10:45 in Shanghai
FILED = NOW - timedelta(minutes=45)  # normal tickets: their acknowledge warning is due now
CHUNK = 20_000


def _ticket(n: int, *, due: bool) -> dict[str, Any]:
    return {
        "number": f"FB-20261123-{n:07d}",
        "customer_id": 1,
        "department_id": 1,
        "type": "complaint",
        "channel": "telegram",
        "priority": "normal",
        "status": "new",
        "title": "Till broken",
        "description": "Till broken",
        "business_stopped": False,
        "attachment_count": 0,
        "created_at": FILED,
        "updated_at": FILED,
        "version": 0,
        "resolve_paused_seconds": 0,
        "ack_due_at": FILED + timedelta(hours=1),
        "next_check_at": NOW if due else NOW + timedelta(days=30 + n % 1000),
    }


async def _fill(engine: AsyncEngine, size: int, due: int) -> None:
    await upgrade(engine)
    async with engine.begin() as connection:
        await connection.execute(
            insert(DepartmentRow).values(id=1, code="support", name="Support", staff_chat_id=-100)
        )
        await connection.execute(
            insert(CustomerRow).values(
                id=1, number="C1", name="Ann", locale="en", vip=False, created_at=FILED
            )
        )
    # the due ones spread over the table, not all at its end
    step = max(size // due, 1)
    for start in range(0, size, CHUNK):
        rows = [
            _ticket(n, due=n % step == 0 and n // step < due)
            for n in range(start, min(start + CHUNK, size))
        ]
        async with engine.begin() as connection:
            await connection.execute(insert(TicketRow), rows)
    await _settle(engine)


async def _settle(engine: AsyncEngine) -> None:
    """What a database that has lived with its rows has: statistics, no write backlog
    (otherwise PostgreSQL's autovacuum and checkpoint run during the timing)."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("VACUUM ANALYZE ticket")
            await autocommit.exec_driver_sql("CHECKPOINT")
    else:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("ANALYZE")


async def _rearm(engine: AsyncEngine) -> None:
    """Make the same tickets due again, as if their warning had not been sent."""
    async with engine.begin() as connection:
        await connection.execute(
            update(TicketRow)
            .where(TicketRow.ack_warned_for.is_not(None))
            .values(ack_warned_for=None, next_check_at=NOW)
        )


async def _measure(url: str, size: int, due: int, runs: int) -> float:
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        await _fill(engine, size, due)
        filled = time.perf_counter() - started
        clock = FakeClock(NOW)
        policy = DeskPolicy(
            timezone=ZoneInfo("Asia/Shanghai"), routing=dict.fromkeys(FeedbackType, "support")
        )
        sweep = SlaSweep(SqlUnitOfWorkFactory(engine, clock), clock, policy)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            report = await sweep.run()
            times.append(time.perf_counter() - started)
            if (report.checked, report.warnings) != (due, due):
                raise SystemExit(f"expected {due} warnings, the sweep made {report}")
            await _rearm(engine)
        print(
            f"  {size:>9,} open, {due} due: sweep {statistics.median(times) * 1000:8.1f} ms"
            f"  (median of {runs}; filled in {filled:.0f} s)",
            flush=True,
        )
        return statistics.median(times)
    finally:
        await engine.dispose()


async def _wipe_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            await connection.exec_driver_sql("CREATE SCHEMA public")
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    ratios = {}
    if not args.no_sqlite:
        print("SQLite", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            sqlite = [
                await _measure(
                    f"sqlite+aiosqlite:///{folder}/sweep{size}.db", size, args.due, args.runs
                )
                for size in args.sizes
            ]
        ratios["sqlite"] = sqlite[-1] / sqlite[0]
    if not args.no_postgres:
        print("PostgreSQL", flush=True)
        postgres = []
        for size in args.sizes:
            await _wipe_postgres(args.postgres)
            postgres.append(await _measure(args.postgres, size, args.due, args.runs))
        ratios["postgresql"] = postgres[-1] / postgres[0]
    for name, value in ratios.items():
        print(f"{name}: {args.sizes[-1]:,} / {args.sizes[0]:,} = {value:.2f}")
    print(f"ratio: {max(ratios.values()):.2f}")


if __name__ == "__main__":
    asyncio.run(main())
