"""The month report and the export with 1M tickets (and their events and polls).

For each database (an SQLite file, PostgreSQL) fill a fresh database with `--tickets` tickets
filed evenly over the three years up to the end of November 2026 across two departments, in
every status, with their durations, transfer / reopen / second-round events on some and
polls on the closed ones; then time the report of 2026-11 for the whole desk (the real SQL
aggregation, with October beside it), the tickets-by-status count that /metrics reads at
each scrape, and the export of all the tickets (CSV and XLSX,
streamed), each with the process's peak resident memory during it.
Prints a line per database and last `report_seconds: X` (the slower database).

    python bench/report.py [--tickets 1000000] [--no-postgres] [--no-export]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test]

The PostgreSQL database is wiped (schema `public` dropped and created again).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.sla_sweep import _settle, _wipe_postgres
from domain import report
from domain.policy import DeskPolicy
from domain.ticket import FeedbackType
from handlers.export import write_export
from storage.db import create_engine
from storage.exports import SqlExports
from storage.migrate import upgrade
from storage.models import (
    CustomerRow,
    DepartmentRow,
    PollRow,
    StaffRow,
    TicketEventRow,
    TicketRow,
)
from storage.monitor import SqlMonitor
from storage.reports import build_report

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
MONTH_START = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 2026-11-01 00:00 in Shanghai
MONTH_END = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 2026-12-01 00:00 in Shanghai
HISTORY = timedelta(days=3 * 365)  # the tickets were filed over three years up to the month's end
FIRST = MONTH_END - HISTORY
CHUNK = 10_000
TYPES = ("complaint", "inquiry", "suggestion", "after_sales", "change_request")
CHANNELS = ("telegram", "phone", "email", "web_form")
PRIORITIES = ("urgent", "high", "normal", "normal", "low")
STATUSES = ("closed", "closed", "closed", "resolved", "in_progress", "new", "waiting_customer")


def _rows(
    n: int, total: int
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any] | None]:
    """Ticket n, its events and its poll: a deterministic mix of everything a report counts."""
    created = FIRST + HISTORY * (n / total)
    status = STATUSES[n % len(STATUSES)]
    claimed = status != "new"
    resolved = status in ("closed", "resolved")
    ticket = {
        "id": n + 1,
        "number": f"FB-20261101-{n:07d}",
        "customer_id": 1,
        "department_id": 1 + n % 2,
        "type": TYPES[n % len(TYPES)],
        "channel": CHANNELS[n % len(CHANNELS)],
        "priority": PRIORITIES[n % len(PRIORITIES)],
        "status": status,
        "title": "Till broken",
        "description": "Till broken",
        "business_stopped": False,
        "attachment_count": n % 3,
        "assignee_id": 1 + n % 20 if claimed else None,
        "created_at": created,
        "updated_at": created,
        "version": 0,
        "resolve_paused_seconds": 0,
        "ack_due_at": created + timedelta(hours=1),
        "resolve_due_at": created + timedelta(days=3),
        "acknowledged_at": created + timedelta(minutes=5 + n % 90) if claimed else None,
        "ack_seconds": (5 + n % 90) * 60 if claimed else None,
        "first_response_at": created + timedelta(minutes=10 + n % 90) if claimed else None,
        "first_response_seconds": (10 + n % 90) * 60 if claimed else None,
        "resolved_at": created + timedelta(hours=1 + n % 100) if resolved else None,
        "resolve_seconds": (1 + n % 100) * 3600 if resolved else None,
        "closed_at": created + timedelta(hours=2 + n % 100) if status == "closed" else None,
        "round": 2 if n % 97 == 0 and status == "closed" else 1,
        "score": 1 + n % 5 if status == "closed" and n % 2 == 0 else None,
    }
    events = [
        {
            "ticket_id": n + 1,
            "kind": "filed",
            "actor_kind": "customer",
            "actor_id": 1,
            "body": "Till broken",
            "visible_to_customer": True,
            "data": {},
            "created_at": created,
        }
    ]
    for kind, every in (("transferred", 23), ("reopened", 29), ("second_round", 97)):
        if n % every == 0 and claimed:
            events.append({**events[0], "kind": kind, "actor_kind": "staff", "body": None})
    poll = None
    if status == "closed":
        poll = {
            "ticket_id": n + 1,
            "customer_id": 1,
            "round": 1,
            "created_at": created + timedelta(hours=3),
            "expires_at": created + timedelta(days=7),
            "remind_at": None,
            "score": 1 + n % 5 if n % 2 == 0 else None,
            "answered_at": created + timedelta(hours=4) if n % 2 == 0 else None,
            "counted": True if n % 2 == 0 else None,
        }
    return ticket, events, poll


async def _fill(engine: AsyncEngine, tickets: int) -> None:
    await upgrade(engine)
    async with engine.begin() as connection:
        for code in ("support", "billing"):
            await connection.execute(
                insert(DepartmentRow).values(code=code, name=code.title(), staff_chat_id=None)
            )
        await connection.execute(
            insert(CustomerRow).values(
                id=1, number="C1", name="Ann", locale="en", vip=False, created_at=MONTH_START
            )
        )
        await connection.execute(
            insert(StaffRow),
            [
                {
                    "id": s,
                    "telegram_id": 5000 + s,
                    "name": f"Agent {s}",
                    "role": "agent",
                    "department_id": 1 + s % 2,
                    "active": True,
                    "locale": "en",
                }
                for s in range(1, 21)
            ],
        )
    for start in range(0, tickets, CHUNK):
        made = [_rows(n, tickets) for n in range(start, min(start + CHUNK, tickets))]
        async with engine.begin() as connection:
            await connection.execute(insert(TicketRow), [t for t, _, _ in made])
            await connection.execute(insert(TicketEventRow), [e for _, es, _ in made for e in es])
            polls = [p for _, _, p in made if p is not None]
            if polls:
                await connection.execute(insert(PollRow), polls)
    await _settle(engine)


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


async def _timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, str, Any]:
    """Seconds of one run, and the process's resident memory at its peak during the run
    beside what it was before (sampled every 20 ms from another thread: the export writes
    from threads too)."""
    before = peak = _rss_mb()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, _rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    try:
        result = await work()
    finally:
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    peak = max(peak, _rss_mb())
    return seconds, f"peak memory {peak:.0f} MB resident (before: {before:.0f} MB)", result


async def _measure(name: str, url: str, tickets: int, export: bool) -> float:
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        await _fill(engine, tickets)
        print(f"{name}: {tickets:,} tickets filled in {time.perf_counter() - started:.0f} s")
        period = report.parse_period(["2026-11"], now=NOW, zone=ZONE)

        async def month_report() -> Any:
            return await build_report(engine, report.ReportScope(), period, now=NOW, zone=ZONE)

        seconds, peak, _ = await _timed(month_report)
        print(f"{name}: month report {seconds:.2f} s, {peak}")
        gauge_started = time.perf_counter()
        await SqlMonitor(engine).tickets_by_status()
        gauge = time.perf_counter() - gauge_started
        print(f"{name}: tickets by status (the /metrics gauge, ix_ticket_status) {gauge:.3f} s")
        if export:
            await _export(name, engine)
        return seconds
    finally:
        await engine.dispose()


async def _export(name: str, engine: AsyncEngine) -> None:
    policy = DeskPolicy(timezone=ZONE, routing=dict.fromkeys(FeedbackType, "support"))
    with tempfile.TemporaryDirectory() as folder:

        async def everything() -> Any:
            return await write_export(
                SqlExports(engine), policy, report.ReportScope(), FIRST, MONTH_END, Path(folder)
            )

        seconds, peak, (csv_file, xlsx_file, rows) = await _timed(everything)
        megabytes = [f.stat().st_size / 1e6 for f in (csv_file, xlsx_file)]
        sizes = f"CSV {megabytes[0]:.0f} MB, XLSX {megabytes[1]:.0f} MB"
        print(
            f"{name}: export of every ticket {seconds:.1f} s for {rows:,} rows, {peak} ({sizes})"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-export", action="store_true")
    args = parser.parse_args()
    times = []
    with tempfile.TemporaryDirectory() as folder:
        times.append(
            await _measure(
                "sqlite",
                f"sqlite+aiosqlite:///{folder}/report.db",
                args.tickets,
                not args.no_export,
            )
        )
    if not args.no_postgres:
        await _wipe_postgres(args.postgres)
        times.append(await _measure("postgresql", args.postgres, args.tickets, not args.no_export))
    print(f"report_seconds: {max(times):.2f}")


if __name__ == "__main__":
    asyncio.run(main())
