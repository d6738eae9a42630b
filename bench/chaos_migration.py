"""kill -9 during a migration, for `bench/chaos.py`.

A desk with a few tickets filed is stopped and its schema taken back to an older Alembic
revision; the outbox is padded with sent rows so the next upgrade (an index on the
outbox) takes a while. `run` starts, migrates, and gets kill -9 a random moment after the
log shows the upgrade started. The schema must still be at the older revision (the
migration is one transaction); started again, the instance must reach head with every
ticket and history entry there before.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, inspect, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bench.desk_load import token
from storage.migrate import alembic_config
from storage.models import OutboxRow, TicketEventRow
from tests.process.fakeserver import FakeBotServer, TgUser
from tests.process.test_instances import Customer, Desks, rows, tickets_by_customer

OLDER = "0008"  # the revision the schema is taken back to
STEP = f"Running upgrade {OLDER} -> "  # what the log shows as that upgrade starts
PAD_ROWS = 300_000  # sent outbox rows, so indexing the outbox takes a moment
KILL_WITHIN = 0.15  # seconds after the upgrade started: the kill lands at random in it
START_LIMIT = 90.0


def _downgrade_and_pad(connection: Connection) -> int:
    """Take the schema back to OLDER and pad the outbox; the largest id before padding."""
    command.downgrade(alembic_config(connection), OLDER)
    columns = [c["name"] for c in inspect(connection).get_columns("outbox") if c["name"] != "id"]
    names = ", ".join(columns)
    before = int(connection.scalar(text("SELECT max(id) FROM outbox")) or 0)
    while int(connection.scalar(text("SELECT count(*) FROM outbox"))) < PAD_ROWS:
        connection.execute(text(f"INSERT INTO outbox ({names}) SELECT {names} FROM outbox"))
    return before


async def _in_database(url: str, work: Any) -> Any:
    # without the desk's PRAGMAs: SQLite's batch downgrades copy tables others refer to
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def _version(url: str) -> str:
    [(version,)] = rows(url, text("SELECT version_num FROM alembic_version"))
    return str(version)


def _snapshot(url: str) -> tuple[dict[int, list[str]], int]:
    [(entries,)] = rows(url, select(func.count()).select_from(TicketEventRow))
    return tickets_by_customer(url), int(entries)


def _kill_in_upgrade(desks: Desks, rng: random.Random) -> tuple[float, bool]:
    """Start an instance and kill it -9 during the upgrade; (seconds into the upgrade,
    whether the log says it had become active)."""
    desk = desks.start(token=token(900))
    deadline = time.monotonic() + START_LIMIT
    while STEP not in desk.output():
        if time.monotonic() > deadline or desk.process.poll() is not None:
            raise SystemExit(f"the upgrade never started:\n{desk.output()[-2000:]}")
        time.sleep(0.002)
    seen = time.monotonic()
    time.sleep(rng.uniform(0, KILL_WITHIN))
    desk.kill()
    return time.monotonic() - seen, "this instance is active" in desk.output()


def kill_during_migration(
    server: FakeBotServer, desks: Desks, url: str, rng: random.Random
) -> str:
    """The whole scene; a line saying how it went (the instance it leaves is stopped)."""
    first = desks.start(token=token(899))
    first.wait_role("active", timeout=START_LIMIT)
    for n in range(3):
        Customer(server, TgUser(80_000 + n, f"Early{n}"), patience=30).file_ticket()
    first.stop()
    before = _snapshot(url)
    pad_from = asyncio.run(_in_database(url, _downgrade_and_pad))
    into, active = _kill_in_upgrade(desks, rng)
    after_kill = _version(url)
    started = time.monotonic()
    desk = desks.start(token=token(901))
    desk.wait_role("active", timeout=START_LIMIT)
    took = time.monotonic() - started
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    intact = _snapshot(url) == before and _version(url) == head
    unpad = text(f"DELETE FROM outbox WHERE id > {pad_from}")
    asyncio.run(_in_database(url, lambda connection: connection.execute(unpad)))
    [(left,)] = rows(url, select(func.count()).select_from(OutboxRow))
    desk.stop()
    where = "rolled back" if after_kill == OLDER and not active else "NOT during the upgrade"
    return (
        f"migration: kill -9 {into:.2f} s into the upgrade from {OLDER} ({PAD_ROWS} outbox "
        f"rows); schema after the kill at {after_kill} ({where}); started again: at {head} "
        f"after {took:.1f} s, {len(before[0])} tickets and {before[1]} history entries "
        f"{'intact' if intact else 'NOT INTACT'}; {left} outbox rows once the padding is gone"
    )
