"""Fixtures shared by every test: a fresh database, a migrated engine, a fake clock."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

os.environ.setdefault("PTB_TIMEDELTA", "1")

from bot.sandbox.clocks import FakeClock
from storage import migrate
from storage.db import create_engine
from storage.uow import SqlUnitOfWorkFactory


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            await connection.exec_driver_sql("CREATE SCHEMA public")
    finally:
        await engine.dispose()


@pytest.fixture
async def database_url(tmp_path: Path) -> str:
    """An empty database: a new SQLite file, or TEST_DATABASE_URL wiped clean."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite+aiosqlite:///{tmp_path}/desk.db"
    await _reset_postgres(url)
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a database migrated to head."""
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    """Time that only moves when the test says so."""
    return FakeClock()


@pytest.fixture
def uow_factory(engine: AsyncEngine, clock: FakeClock) -> SqlUnitOfWorkFactory:
    """Units of work on the test database, stamped by the fake clock."""
    return SqlUnitOfWorkFactory(engine, clock)
