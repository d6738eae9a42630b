"""The reads behind /healthz and /metrics: does the database answer, tickets by status, what
waits in the outbox and the inbox. Give it the reader engine (storage.db.reader_for): a probe
must answer while another process holds the write lock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.inbox import SqlInbox
from storage.models import TicketRow
from storage.outbox import SqlOutboxStore


class SqlMonitor:
    """Short reads on their own connection, outside any unit of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._outbox = SqlOutboxStore(engine)
        self._inbox = SqlInbox(engine)

    async def outbox_backlog(self) -> tuple[int, datetime | None]:
        """How many outbox rows wait to be sent, and when the oldest was queued."""
        return await self._outbox.backlog_and_oldest()

    async def inbox_backlog(self) -> int:
        """How many stored updates wait to be handled."""
        return await self._inbox.backlog()

    async def ping(self) -> None:
        """`SELECT 1`; raises when the database does not answer."""
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def tickets_by_status(self) -> dict[str, int]:
        """How many tickets are in each status (statuses without tickets are left out)."""
        query = select(TicketRow.status, func.count()).group_by(TicketRow.status)
        async with self._engine.connect() as connection:
            rows = await connection.execute(query)
            return {str(status): int(count) for status, count in rows}
