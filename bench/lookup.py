"""`/customer` lookups on a desk with 1M tickets and 200k customers.

Builds (bulk Core inserts, migrated schema) an SQLite database with `--tickets` tickets spread
over `--customers` customers (each with a number, an @username and a phone), kept between runs
under the temporary folder, keyed by its size and the schema's migrations; then looks customers
up in process as an agent does, through the real use case and the real rendering of the profile
(StaffDesk.profiles.lookup, then handlers.render_profiles): by customer number, by @username
and by phone, in a random order. Prints p50 / p99 per kind and last `lookup_ms_p99: X` (the
target is under 50 ms).

    python bench/lookup.py [--tickets 1000000] [--customers 200000] [--lookups 600]
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test [--filled]] [--rebuild]

With `--database-url` the PostgreSQL database is wiped and filled instead (`--filled`: it was,
by an earlier run with the same sizes; measure only).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.sla_sweep import _settle, _wipe_postgres
from domain.people import Sender
from domain.policy import DeskPolicy
from domain.services.staff.desk import StaffDesk
from domain.ticket import FeedbackType
from handlers import render_profiles
from storage.db import create_engine, reader_for
from storage.migrate import upgrade
from storage.models import CustomerRow, DepartmentRow, StaffRow, TicketRow
from storage.uow import SqlUnitOfWorkFactory

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
FIRST = NOW - timedelta(days=3 * 365)
CHUNK = 20_000
AGENT = 5001
STATUSES = ("closed", "closed", "closed", "resolved", "in_progress", "new", "waiting_customer")
MIGRATIONS = Path(__file__).resolve().parents[1] / "storage" / "migrations" / "versions"


class Clock:
    def now(self) -> datetime:
        return NOW


def _customer(i: int) -> dict[str, Any]:
    return {
        "id": i + 1,
        "number": f"C20231201{i:06d}",
        "telegram_id": 10_000_000 + i,
        "name": f"Customer {i}",
        "phone": f"+86138{i:08d}",
        "email": f"c{i}@example.com",
        "locale": "en",
        "vip": i % 50 == 0,
        "created_at": FIRST,
        "username": f"user_{i}",
        "source": "telegram",
        "tags": "retail" if i % 3 else None,
        "grade": "ABCD"[i % 4],
    }


def _ticket(n: int, tickets: int, customers: int) -> dict[str, Any]:
    created = FIRST + (NOW - FIRST) * (n / tickets)
    status = STATUSES[n % len(STATUSES)]
    return {
        "id": n + 1,
        "number": f"FB-20261101-{n:06d}" if n < 1_000_000 else f"FB-20261102-{n % 10**6:06d}",
        "customer_id": 1 + (n * 7919) % customers,
        "department_id": 1,
        "type": "complaint",
        "channel": "telegram",
        "priority": "normal",
        "status": status,
        "title": "Till broken",
        "description": "Till broken",
        "business_stopped": False,
        "attachment_count": 0,
        "created_at": created,
        "updated_at": created,
        "version": 0,
        "resolve_paused_seconds": 0,
        "round": 1,
        "score": 1 + n % 5 if status == "closed" else None,
    }


async def _fill(engine: AsyncEngine, tickets: int, customers: int) -> None:
    await upgrade(engine)
    async with engine.begin() as connection:
        await connection.execute(
            insert(DepartmentRow).values(id=1, code="support", name="Support")
        )
        await connection.execute(
            insert(StaffRow).values(
                id=1, telegram_id=AGENT, name="Bob", role="agent", department_id=1, locale="en"
            )
        )
    for start in range(0, customers, CHUNK):
        async with engine.begin() as connection:
            rows = [_customer(i) for i in range(start, min(start + CHUNK, customers))]
            await connection.execute(insert(CustomerRow), rows)
    for start in range(0, tickets, CHUNK):
        async with engine.begin() as connection:
            end = min(start + CHUNK, tickets)
            rows = [_ticket(n, tickets, customers) for n in range(start, end)]
            await connection.execute(insert(TicketRow), rows)
    await _settle(engine)


def _cached_file(folder: Path, tickets: int, customers: int) -> Path:
    """The database file of this size and schema (the migrations' names key it)."""
    schema = hashlib.sha256(
        "".join(sorted(p.name for p in MIGRATIONS.glob("*.py"))).encode()
    ).hexdigest()[:10]
    return folder / f"lookup-{tickets}-{customers}-{schema}.db"


async def _sqlite(tickets: int, customers: int, rebuild: bool) -> str:
    folder = Path(tempfile.gettempdir()) / "feedback-desk-bench"
    folder.mkdir(exist_ok=True)
    path = _cached_file(folder, tickets, customers)
    if path.exists() and not rebuild:
        print(f"sqlite: using {path}")
        return f"sqlite+aiosqlite:///{path}"
    building = path.with_suffix(".building")
    for leftover in folder.glob(f"{building.name}*"):
        leftover.unlink()
    engine = create_engine(f"sqlite+aiosqlite:///{building}")
    started = time.perf_counter()
    try:
        await _fill(engine, tickets, customers)
    finally:
        await engine.dispose()
    building.rename(path)
    seconds = time.perf_counter() - started
    print(f"sqlite: {tickets:,} tickets, {customers:,} customers in {seconds:.0f} s")
    return f"sqlite+aiosqlite:///{path}"


def _queries(customers: int, lookups: int) -> list[tuple[str, str]]:
    pick = random.Random(17)
    kinds = []
    for n in range(lookups):
        i = pick.randrange(customers)
        kind = ("number", "username", "phone")[n % 3]
        text = {
            "number": f"C20231201{i:06d}",
            "username": f"@user_{i}",
            "phone": f"+86 138 {i:08d}",
        }[kind]
        kinds.append((kind, text))
    pick.shuffle(kinds)
    return kinds


async def _measure(name: str, url: str, customers: int, lookups: int) -> float:
    engine = create_engine(url)
    uow = SqlUnitOfWorkFactory(engine, Clock(), reader=reader_for(engine))
    policy = DeskPolicy(timezone=ZONE, routing=dict.fromkeys(FeedbackType, "support"))
    profiles = StaffDesk(uow, Clock(), policy).profiles
    agent = Sender(AGENT, AGENT, "Bob")
    times: dict[str, list[float]] = {"number": [], "username": [], "phone": []}
    try:
        for _, text in _queries(customers, 30):  # warm the caches and the pool
            await profiles.lookup(agent, text)
        for kind, text in _queries(customers, lookups):
            started = time.perf_counter()
            view = await profiles.lookup(agent, text)
            render_profiles.text(view, ZONE)
            render_profiles.markup(view)
            times[kind].append((time.perf_counter() - started) * 1000)
            assert view.tickets is not None
    finally:
        await uow.close()
    every = sorted(t for ms in times.values() for t in ms)
    for kind, ms in times.items():
        print(f"{name}: by {kind}: p50 {_p(ms, 50):.2f} ms, p99 {_p(ms, 99):.2f} ms ({len(ms)})")
    print(f"{name}: all: p50 {statistics.median(every):.2f} ms, p99 {_p(every, 99):.2f} ms")
    return _p(every, 99)


def _p(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--lookups", type=int, default=600)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--rebuild", action="store_true", help="build the SQLite file again")
    parser.add_argument(
        "--filled", action="store_true", help="the PostgreSQL database is filled: measure only"
    )
    args = parser.parse_args()
    if args.database_url and args.filled:
        p99 = await _measure("postgresql", args.database_url, args.customers, args.lookups)
    elif args.database_url:
        await _wipe_postgres(args.database_url)
        engine = create_engine(args.database_url)
        started = time.perf_counter()
        try:
            await _fill(engine, args.tickets, args.customers)
        finally:
            await engine.dispose()
        print(f"postgresql: filled in {time.perf_counter() - started:.0f} s")
        p99 = await _measure("postgresql", args.database_url, args.customers, args.lookups)
    else:
        url = await _sqlite(args.tickets, args.customers, args.rebuild)
        p99 = await _measure("sqlite", url, args.customers, args.lookups)
    print(f"lookup_ms_p99: {p99:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
