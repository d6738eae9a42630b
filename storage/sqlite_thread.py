"""SQLite off the event loop: each connection on a thread of its own, one trip a statement.

SQLAlchemy's aiosqlite dialect drives these classes (`async_creator`): they have aiosqlite's
interface, but where aiosqlite goes to its thread and back three or four times a statement
(cursor, execute, fetchall, close), they go once: the statement runs and its rows are
fetched in one call; our own `BEGIN [IMMEDIATE]` travels with the statement after it; a
commit is one more trip. Each trip costs a thread wake-up and a loop wake-up, more than a
statement on a local WAL file, so the trips are what a unit of work costs.

The loop never waits on SQLite: a write lock another process holds (an operator's
`customer erase`, `db upgrade`, a backup) is waited for here, up to the busy timeout, and
so are WAL checkpoints and disk reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

_BEGINS = ("BEGIN", "BEGIN IMMEDIATE")
_STOP = None


def _settle(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.cancelled():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


class _Worker:
    """One thread running one connection's calls in order."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="sqlite", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not _STOP:
            future, function = job
            try:
                ok, value = True, function()
            except BaseException as error:  # handed to the waiting coroutine
                ok, value = False, error
            if future is None:  # nobody waits for it
                continue
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits
                future.get_loop().call_soon_threadsafe(_settle, future, ok, value)

    def put_nowait(self, job: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        """aiosqlite's request queue, as SQLAlchemy's adapter uses it."""
        self._jobs.put(job)

    def run(self, function: Callable[[], Any]) -> asyncio.Future[Any]:
        future = asyncio.get_running_loop().create_future()
        self._jobs.put((future, function))
        return future

    def stop(self) -> None:
        self._jobs.put(_STOP)


def _execute(
    connection: sqlite3.Connection, begin: str | None, sql: str, parameters: Any, many: bool
) -> tuple[Any, int, int | None, list[Any]]:
    if begin is not None:
        connection.execute(begin)
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class ThreadCursor:
    """aiosqlite.Cursor's interface; the rows come back with the statement."""

    def __init__(self, connection: ThreadConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1
        self._rows: list[Any] = []

    async def __aenter__(self) -> ThreadCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def execute(self, sql: str, parameters: Any = ()) -> ThreadCursor:
        if sql in _BEGINS:  # sent with the next statement
            self._connection.begin = sql
            return self
        return await self._run(sql, parameters, many=False)

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> ThreadCursor:
        return await self._run(sql, list(parameters), many=True)

    async def _run(self, sql: str, parameters: Any, *, many: bool) -> ThreadCursor:
        begin, self._connection.begin = self._connection.begin, None
        job = partial(_execute, self._connection.raw, begin, sql, parameters, many)
        self.description, self.rowcount, self.lastrowid, self._rows = await self._connection.run(
            job
        )
        return self

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = size if size is not None else self.arraysize
        taken, self._rows = self._rows[:count], self._rows[count:]
        return taken

    async def fetchall(self) -> list[Any]:
        taken, self._rows = self._rows, []
        return taken

    async def nextset(self) -> None:
        return None

    async def close(self) -> None:
        self._rows = []


class ThreadConnection:
    """aiosqlite.Connection's interface over a sqlite3 connection living on its own thread."""

    def __init__(self, worker: _Worker, connection: sqlite3.Connection) -> None:
        self._worker = worker
        self._tx = worker  # SQLAlchemy's adapter sets isolation_level through it
        self._connection: sqlite3.Connection | None = connection
        self.begin: str | None = None  # a BEGIN not sent yet

    @property
    def raw(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    _conn = raw

    def run(self, function: Callable[[], Any]) -> asyncio.Future[Any]:
        return self._worker.run(function)

    @property
    def isolation_level(self) -> str | None:
        return self.raw.isolation_level

    def cursor(self) -> ThreadCursor:
        # aiosqlite returns an async context manager here; ThreadCursor is one
        return ThreadCursor(self)

    async def execute(self, sql: str, parameters: Any = ()) -> ThreadCursor:
        return await self.cursor().execute(sql, parameters)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        await self.run(partial(self.raw.create_function, *args, **kwargs))

    async def commit(self) -> None:
        await self._end(self.raw.commit)

    async def rollback(self) -> None:
        await self._end(self.raw.rollback)

    async def _end(self, finish: Callable[[], None]) -> None:
        if self.begin is not None:  # nothing was sent: there is nothing to end
            self.begin = None
            return
        # no trip when no transaction is open (the pool's rollback of a returned
        # connection); the thread is idle while a coroutine of this connection is here
        if self.raw.in_transaction:
            await self.run(finish)

    async def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                await self.run(connection.close)
            finally:
                self._worker.stop()

    def stop(self) -> None:
        """Close without waiting (SQLAlchemy's terminate, garbage collection)."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            self._worker.put_nowait((None, connection.close))
            self._worker.stop()


def thread_creator(path: str, timeout: float) -> Callable[[], Any]:
    """An `async_creator` for create_async_engine: `path` opened on a thread of its own."""

    async def connect() -> ThreadConnection:
        worker = _Worker()
        try:
            connection = await worker.run(
                partial(sqlite3.connect, path, timeout=timeout, check_same_thread=False)
            )
        except BaseException:
            worker.stop()
            raise
        return ThreadConnection(worker, connection)

    return connect
