"""One active instance per database.

PostgreSQL: every instance takes a session-level advisory lock on a connection of its own.
The one holding it is active (polls, handles updates, runs the outbox and the sweeps); the
others wait as standbys, trying again every `standby_check` seconds. When the active one
dies, even by kill -9, PostgreSQL ends its session and frees the lock, and a standby takes
over. SQLite: the database file can serve one instance; a second one on the same file is
refused at once (an exclusive lock on a file beside it, freed by the OS when the holder
dies).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

# Advisory lock keys (any 64-bit numbers; the same in every instance of the desk).
ACTIVE_KEY = 0x46_44_65_73_6B_01  # "FDesk" 1: the active instance
MIGRATE_KEY = 0x46_44_65_73_6B_02  # "FDesk" 2: the schema is being migrated


class AnotherInstance(Exception):
    """A second instance on a database that can serve only one."""


class LeadershipLost(Exception):
    """The active instance lost its hold on the database; it must stop at once."""


class Leadership(Protocol):
    async def open(self) -> None:
        """Claim what must be claimed before anything else; AnotherInstance if refused."""

    def migrating(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold this while migrating, so two instances never migrate at once."""

    async def acquire(self, stopping: asyncio.Event, every: float) -> bool:
        """Wait until this instance is the active one (True) or is told to stop (False)."""

    async def watch(self, every: float) -> None:
        """Return (raise LeadershipLost) when this active instance loses its hold."""

    async def release(self) -> None:
        """Let go; a standby may take over at once."""


def leadership_for(engine: AsyncEngine) -> Leadership:
    """The lock that fits the database behind `engine`."""
    url = make_url(str(engine.url))
    if url.get_backend_name() == "postgresql":
        return PostgresLeadership(engine)
    database = url.database or ":memory:"
    return SqliteLeadership(None if database == ":memory:" else Path(database))


class SqliteLeadership:
    """An exclusive `flock` on `<database>.lock`; the only instance is always active."""

    def __init__(self, database: Path | None) -> None:
        self.path = None if database is None else database.with_name(database.name + ".lock")
        self._file: IO[str] | None = None

    async def open(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "unknown"
            file.close()
            database = self.path.with_suffix("")
            raise AnotherInstance(
                f"another Feedback Desk (pid {holder}) is already running on {database}; "
                "stop it first. A standby instance needs PostgreSQL."
            ) from None
        file.truncate(0)
        file.write(f"{os.getpid()}\n")
        file.flush()
        self._file = file

    @contextlib.asynccontextmanager
    async def migrating(self) -> AsyncIterator[None]:
        yield  # the file lock already keeps every other instance out

    async def acquire(self, stopping: asyncio.Event, every: float) -> bool:
        return not stopping.is_set()

    async def watch(self, every: float) -> None:
        await asyncio.Event().wait()  # a file lock is not lost while the process lives

    async def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class PostgresLeadership:
    """Session-level advisory locks on one connection held for the instance's life."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._connection: AsyncConnection | None = None

    async def _scalar(self, sql: str, **params: object) -> object:
        if self._connection is None:
            connection = await self.engine.connect()
            self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        return await self._connection.scalar(text(sql), params)

    async def open(self) -> None:
        await self._scalar("SELECT 1")

    @contextlib.asynccontextmanager
    async def migrating(self) -> AsyncIterator[None]:
        await self._scalar("SELECT pg_advisory_lock(:key)", key=MIGRATE_KEY)
        try:
            yield
        finally:
            await self._scalar("SELECT pg_advisory_unlock(:key)", key=MIGRATE_KEY)

    async def acquire(self, stopping: asyncio.Event, every: float) -> bool:
        announced = False
        while not stopping.is_set():
            if await self._scalar("SELECT pg_try_advisory_lock(:key)", key=ACTIVE_KEY):
                return True
            if not announced:
                log.info("another instance is active; this one waits as a standby")
                announced = True
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(every):
                    await stopping.wait()
        return False

    async def watch(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                async with asyncio.timeout(max(every, 5.0)):
                    await self._scalar("SELECT 1")
            except Exception as exc:
                raise LeadershipLost(
                    f"the connection holding the active lock failed ({type(exc).__name__})"
                ) from exc

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with contextlib.suppress(Exception):
            await connection.scalar(text("SELECT pg_advisory_unlock_all()"))
        with contextlib.suppress(Exception):
            await connection.close()
