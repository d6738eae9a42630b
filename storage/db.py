"""Engines: SQLite with WAL and BEGIN IMMEDIATE (run on the loop's thread, one connection),
or PostgreSQL, behind the same code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, StaticPool

from storage.sqlite_inline import inline_creator

SQLITE_BUSY_TIMEOUT = 10.0  # seconds another process may hold the write lock
SQLITE_POOL_TIMEOUT = 60.0  # seconds a unit of work may queue for the connection

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=10000",  # = SQLITE_BUSY_TIMEOUT
    "PRAGMA foreign_keys=ON",
)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not issue its own BEGIN (it would skip it before SELECTs and lose
    # updates); we begin every transaction ourselves, below.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Take the write lock up front: read-then-write units of work never interleave.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine for `url`; SQLite files get their folder created."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ":memory:"
        if database != ":memory:":
            database = str(Path(database).expanduser())
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            # one connection: units of work queue for it (see storage/sqlite_inline.py)
            kwargs.update(poolclass=AsyncAdaptedQueuePool, pool_size=1, max_overflow=0)
            kwargs.update(pool_timeout=SQLITE_POOL_TIMEOUT)
        else:
            kwargs["poolclass"] = StaticPool
        kwargs["async_creator"] = inline_creator(database, SQLITE_BUSY_TIMEOUT)
    else:
        kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def insert_for(dialect: str, table: Any) -> Any:
    """The dialect's INSERT that can say ON CONFLICT (`dialect`: "sqlite" or "postgresql")."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def session_factory(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
