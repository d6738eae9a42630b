"""The engine: SQLite's PRAGMAs and transaction mode really in force; foreign keys everywhere."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from datetime import UTC, datetime
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from storage import db
from storage.models import TicketEventRow

ON_SQLITE = (
    make_url(os.environ.get("TEST_DATABASE_URL") or "sqlite://").get_backend_name() == "sqlite"
)
sqlite_only = pytest.mark.skipif(not ON_SQLITE, reason="SQLite PRAGMAs and locking")

# journal_mode=wal, synchronous=NORMAL (1), busy_timeout in ms, foreign_keys=ON (1)
EXPECTED = {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 10000, "foreign_keys": 1}


async def driver_of(connection: AsyncConnection) -> Any:
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def pragmas(driver: Any) -> dict[str, object]:
    values = {}
    for name in EXPECTED:
        async with driver.cursor() as cursor:
            await cursor.execute(f"PRAGMA {name}")
            values[name] = (await cursor.fetchone())[0]
    return values


@sqlite_only
async def test_the_sqlite_connection_runs_with_the_pragmas_and_is_reused(engine):
    async with engine.connect() as first:
        driver = await driver_of(first)
        assert await pragmas(driver) == EXPECTED
        # the driver never begins on its own; we send BEGIN IMMEDIATE ourselves
        assert driver.isolation_level is None
    async with engine.connect() as again:
        assert await driver_of(again) is driver


@sqlite_only
async def test_units_of_work_queue_for_the_one_sqlite_connection(uow_factory):
    order: list[str] = []
    first_inside = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> None:
        async with uow_factory() as uow:
            await uow.counters.next("queue")
            order.append("first in")
            first_inside.set()
            await release_first.wait()
            await uow.commit()
            order.append("first out")

    async def second() -> None:
        await first_inside.wait()
        async with uow_factory() as uow:
            # the first statement waits for the connection, then sees the first's commit
            assert await uow.counters.next("queue") == 2
            order.append("second in")
            await uow.commit()

    task_first = asyncio.create_task(first())
    task_second = asyncio.create_task(second())
    await first_inside.wait()
    for _ in range(20):  # give the second every chance to get in early
        await asyncio.sleep(0)
    assert order == ["first in"]
    release_first.set()
    await asyncio.gather(task_first, task_second)
    assert order == ["first in", "first out", "second in"]


@sqlite_only
async def test_a_unit_of_work_holds_the_write_lock_from_its_first_read(uow_factory, engine):
    async with uow_factory() as uow:
        assert await uow.departments.get_by_code("nobody") is None
        async with aiosqlite.connect(engine.url.database, timeout=0) as other:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                await other.execute("BEGIN IMMEDIATE")
    async with aiosqlite.connect(engine.url.database, timeout=0) as other:
        await other.execute("BEGIN IMMEDIATE")
        await other.rollback()


async def test_foreign_keys_are_enforced(uow_factory):
    async with uow_factory() as uow:
        uow.session.add(
            TicketEventRow(
                ticket_id=12345,
                kind="filed",
                actor_kind="customer",
                data={},
                created_at=datetime(2026, 11, 23, tzinfo=UTC),
            )
        )
        with pytest.raises(IntegrityError):
            await uow.session.flush()


async def test_a_unit_of_work_rolls_back_unless_committed(uow_factory):
    async with uow_factory() as uow:
        await uow.counters.next("k")
    async with uow_factory() as uow:
        assert (await uow.session.execute(text("SELECT count(*) FROM counter"))).scalar() == 0
        assert await uow.counters.next("k") == 1
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.counters.next("k") == 2


@pytest.mark.skipif(ON_SQLITE, reason="PostgreSQL connections")
async def test_a_connection_cut_while_idle_is_replaced_before_it_is_used(
    engine, uow_factory, monkeypatch
):
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # any idle time counts
    async with uow_factory() as uow:
        pid = await uow.session.scalar(text("SELECT pg_backend_pid()"))
        assert await uow.counters.next("k") == 1
        await uow.commit()
    # the server ends that connection while it waits in the pool (a restart, a failover)
    other = create_async_engine(engine.url, poolclass=NullPool)
    async with other.connect() as connection:
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    await other.dispose()

    async with uow_factory() as uow:
        assert await uow.counters.next("k") == 2
        await uow.commit()
