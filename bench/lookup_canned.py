"""The canned-reply picker on a big desk: how long an agent waits for the list of a ticket's
canned replies (and for a search by a word), in process, through the real use case
(permission check, the ticket by its number, its customer's language, the department's
replies, the prompt kept for a word to search, the commit) and the rendering of its text
and buttons.

`measure_picker` is what a larger lookup benchmark can call on its own database; run alone,
this fills (or reuses, cached under the temp folder by size) an SQLite file with `--tickets`
tickets of `--customers` customers and `--canned` canned replies per department and
language, and prints `canned_picker_ms_p99: X` last.

    python bench/lookup_canned.py [--tickets 1000000] [--customers 200000] [--canned 200]
        [--rounds 2000] [--database-url postgresql+asyncpg://...]   (that database is wiped)
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

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.report import CHUNK, MONTH_START, NOW, _rows
from bench.sla_sweep import _settle, _wipe_postgres
from bot.config import Settings
from bot.policy import policy_from
from bot.sandbox.clocks import FakeClock
from domain.people import Sender
from domain.permissions import Act
from domain.presses import CannedPick, StaffPress
from domain.services.staff.desk import StaffDesk
from handlers.staff_views import compose
from storage.db import create_engine
from storage.migrate import upgrade
from storage.models import CannedReplyRow, CustomerRow, DepartmentRow, StaffRow, TicketRow
from storage.uow import SqlUnitOfWorkFactory

WORDS = ("refund", "till", "delivery", "invoice", "sorry", "thanks", "restart", "address")
LOCALES = ("en", "zh")
AGENT = 1  # the staff member who measures: an agent holding the tickets picked


def _customers(start: int, stop: int) -> list[dict[str, Any]]:
    return [
        {
            "id": c,
            "number": f"C{c:012d}",
            "telegram_id": 10_000_000 + c,
            "name": f"Customer {c}",
            "locale": LOCALES[c % 2],
            "vip": False,
            "created_at": MONTH_START,
        }
        for c in range(start, stop)
    ]


def _canned(department: int, locale: str, n: int) -> dict[str, Any]:
    word = WORDS[n % len(WORDS)]
    return {
        "department_id": department,
        "locale": locale,
        "title": f"{word.title()} {n}",
        "body": f"Hello {{customer}}, about {{ticket}} and the {word}: {{agent}} by {{due}}.",
        "active": n % 10 != 0,  # some retired
        "uses": n % 37,
        "created_by": AGENT,
        "created_at": MONTH_START,
    }


async def fill_canned(engine: AsyncEngine, departments: list[int], per_language: int) -> None:
    """`per_language` canned replies in each department and language."""
    rows = [
        _canned(d, locale, n)
        for d in departments
        for locale in LOCALES
        for n in range(per_language)
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(CannedReplyRow), rows)


async def _fill(engine: AsyncEngine, tickets: int, customers: int, canned: int) -> None:
    await upgrade(engine)
    async with engine.begin() as connection:
        for code in ("support", "billing"):
            await connection.execute(
                insert(DepartmentRow).values(code=code, name=code.title(), staff_chat_id=None)
            )
        staff = [
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
        ]
        await connection.execute(insert(StaffRow), staff)
    for start in range(1, customers + 1, CHUNK):
        async with engine.begin() as connection:
            await connection.execute(
                insert(CustomerRow), _customers(start, min(start + CHUNK, customers + 1))
            )
    for start in range(0, tickets, CHUNK):
        made = [_rows(n, tickets)[0] for n in range(start, min(start + CHUNK, tickets))]
        for ticket in made:  # a number as the desk gives them (up to 999,999 a day)
            day, seq = divmod(ticket["id"], 100_000)
            ticket["number"] = f"FB-{20200101 + day:08d}-{seq:06d}"
            ticket["customer_id"] = 1 + ticket["id"] % customers
        async with engine.begin() as connection:
            await connection.execute(insert(TicketRow), made)
    await fill_canned(engine, [1, 2], canned)
    await _settle(engine)


async def _numbers(engine: AsyncEngine, agent: int, count: int) -> list[str]:
    """Open tickets `agent` holds (the picker is for a ticket one may answer)."""
    query = (
        select(TicketRow.number)
        .where(TicketRow.assignee_id == agent, TicketRow.status == "in_progress")
        .limit(count)
    )
    async with engine.connect() as connection:
        return [row.number for row in await connection.execute(query)]


async def measure_picker(
    work: StaffDesk, agent: Sender, numbers: list[str], rounds: int
) -> list[float]:
    """Milliseconds of each press of the picker: the list, then every other time a search by
    a word, on the tickets `numbers` (which `agent` may answer), rendered as it is sent."""
    timings = []
    for n in range(rounds):
        words = (WORDS[n % len(WORDS)],) if n % 2 else ()
        press = StaffPress(Act.CANNED, numbers[n % len(numbers)], CannedPick("list", words=words))
        began = time.perf_counter()
        view = await work.press(agent, press)
        compose(view, work.policy.timezone)
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


async def _run(url: str, args: argparse.Namespace, fresh: bool) -> float:
    engine = create_engine(url)
    if fresh:
        await _fill(engine, args.tickets, args.customers, args.canned)
    numbers = await _numbers(engine, AGENT, 200)
    settings = Settings(database={"url": url}, desk={"timezone": "Asia/Shanghai"})
    uow = SqlUnitOfWorkFactory(engine, FakeClock(NOW))
    work = StaffDesk(uow, uow.clock, policy_from(settings))
    agent = Sender(telegram_id=5000 + AGENT, chat_id=5000 + AGENT, name="Agent 1")
    await measure_picker(work, agent, numbers, 100)  # warm up
    timings = await measure_picker(work, agent, numbers, args.rounds)
    async with engine.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM ticket"))).scalar_one()
    await uow.close()
    print(
        f"{engine.dialect.name}: {count} tickets, {len(timings)} picks: "
        f"median {statistics.median(timings):.2f} ms, p99 {_p99(timings):.2f} ms"
    )
    return _p99(timings)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--canned", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.database_url:
        await _wipe_postgres(args.database_url)
        p99 = await _run(args.database_url, args, fresh=True)
    else:
        key = f"{args.tickets}-{args.customers}-{args.canned}"
        path = Path(tempfile.gettempdir()) / f"feedback-desk-lookup-canned-{key}.db"
        fresh = not path.exists()
        try:
            p99 = await _run(f"sqlite+aiosqlite:///{path}", args, fresh)
        except BaseException:
            if fresh:
                path.unlink(missing_ok=True)  # never reuse a half-filled file
            raise
    print(f"canned_picker_ms_p99: {p99:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
