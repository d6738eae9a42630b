"""The reads behind /healthz and /metrics: does the database answer, tickets by status."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import TicketRow


class SqlMonitor:
    """Short reads on their own connection, outside any unit of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

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
