"""The engine: SQLite's PRAGMAs and transaction mode really in force; foreign keys everywhere."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import TicketEventRow

ON_SQLITE = (
    make_url(os.environ.get("TEST_DATABASE_URL") or "sqlite://").get_backend_name() == "sqlite"
)
sqlite_only = pytest.mark.skipif(not ON_SQLITE, reason="SQLite PRAGMAs and locking")

# journal_mode=wal, synchronous=NORMAL (1), busy_timeout in ms, foreign_keys=ON (1)
EXPECTED = {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 10000, "foreign_keys": 1}


async def driver_of(connection: AsyncConnection) -> aiosqlite.Connection:
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def pragmas(driver: aiosqlite.Connection) -> dict[str, object]:
    values = {}
    for name in EXPECTED:
        async with driver.execute(f"PRAGMA {name}") as cursor:
            values[name] = (await cursor.fetchone())[0]
    return values


@sqlite_only
async def test_every_pooled_sqlite_connection_runs_with_the_pragmas(engine):
    async with engine.connect() as first, engine.connect() as second:
        drivers = [await driver_of(first), await driver_of(second)]
        assert drivers[0] is not drivers[1]
        for driver in drivers:
            assert await pragmas(driver) == EXPECTED
            # the driver never begins on its own; we send BEGIN IMMEDIATE ourselves
            assert driver.isolation_level is None
    async with engine.connect() as reused:
        driver = await driver_of(reused)
        assert any(driver is d for d in drivers), "expected a connection from the pool"
        assert await pragmas(driver) == EXPECTED


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
