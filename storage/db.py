"""Engines: SQLite with WAL and BEGIN IMMEDIATE (one connection, on a thread of its own),
or PostgreSQL, behind the same code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, StaticPool

from storage.sqlite_thread import thread_creator

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


def _sqlite_begin_reading(connection: Any) -> None:
    # A snapshot of the last commit; in WAL mode it never waits for the write lock.
    connection.exec_driver_sql("BEGIN")


def _sqlite_file(url: str) -> str | None:
    """The SQLite file `url` names (its folder created), None for memory or another
    database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ":memory:"
    if database == ":memory:":
        return None
    path = Path(database).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return str(path)


def _sqlite_engine(url: Any, database: str, begin: Any, **kwargs: Any) -> AsyncEngine:
    engine = create_async_engine(
        url,
        async_creator=thread_creator(database, SQLITE_BUSY_TIMEOUT),
        **kwargs,
    )
    event.listen(engine.sync_engine, "connect", _sqlite_connect)
    event.listen(engine.sync_engine, "begin", begin)
    return engine


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine for `url`; SQLite files get their folder created."""
    database = _sqlite_file(url)
    if database is not None:
        # one connection: units of work of this process queue for it, never for the write
        # lock each other holds
        return _sqlite_engine(
            url,
            database,
            _sqlite_begin,
            echo=echo,
            poolclass=AsyncAdaptedQueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=SQLITE_POOL_TIMEOUT,
        )
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url, ":memory:", _sqlite_begin, echo=echo, poolclass=StaticPool)
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True)


def reader_for(engine: AsyncEngine) -> AsyncEngine:
    """An engine for reads that must not wait for any writer: on a SQLite file, connections
    of their own whose transactions take no lock (a WAL reader sees the last commit, even
    while another process holds the write lock); anywhere else `engine` itself (on
    PostgreSQL readers never wait for writers)."""
    database = _sqlite_file(engine.url.render_as_string(hide_password=False))
    if database is None:
        return engine
    return _sqlite_engine(
        engine.url,
        database,
        _sqlite_begin_reading,
        poolclass=AsyncAdaptedQueuePool,
        pool_size=2,
        max_overflow=0,
        pool_timeout=SQLITE_POOL_TIMEOUT,
    )


def insert_for(dialect: str, table: Any) -> Any:
    """The dialect's INSERT that can say ON CONFLICT (`dialect`: "sqlite" or "postgresql")."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def session_factory(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
