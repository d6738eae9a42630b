"""SQLite for the async engine without a thread hop per call.

aiosqlite runs every call (execute, fetch, commit, even cursor creation) on its own thread
and wakes the event loop for each result: about 130 µs a hop on this hardware, a dozen hops
a unit of work. A transaction on a local WAL file takes about 20 µs, so the desk runs
SQLite's calls on the event loop's thread instead, through SQLAlchemy's aiosqlite dialect
(`async_creator`): the connection below has aiosqlite's interface, but its coroutines finish
without suspending.

What makes this safe:
- one connection per engine (the pool queues units of work asynchronously), so no two
  transactions of this process ever wait on each other's lock;
- a unit of work does no real I/O while its transaction is open, so a transaction runs
  from BEGIN IMMEDIATE to COMMIT without giving the loop to anyone else;
- another process holding the write lock (an operator's `db upgrade`) makes the loop wait
  at most the busy timeout, then the unit of work fails and is retried like any other.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any


class InlineCursor:
    """aiosqlite.Cursor's interface over a sqlite3 cursor, without the thread."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def nextset(self) -> None:
        return None

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _RunNow:
    """Stands in for aiosqlite's request queue: runs the function at once."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # handed to the waiting caller, as aiosqlite does
            future.set_exception(error)


class InlineConnection:
    """aiosqlite.Connection's interface over a sqlite3 connection, without the thread."""

    _tx = _RunNow()

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection: sqlite3.Connection | None = connection

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        # aiosqlite returns an async context manager here; InlineCursor is one
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        return InlineCursor(self._conn.execute(sql, parameters))

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def stop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def inline_creator(path: str, timeout: float) -> Callable[[], Any]:
    """An `async_creator` for create_async_engine opening `path` on the loop's thread."""

    async def connect() -> InlineConnection:
        # The pool may close a connection from another task; the loop's thread is the only
        # one that ever touches it.
        return InlineConnection(sqlite3.connect(path, timeout=timeout, check_same_thread=False))

    return connect
