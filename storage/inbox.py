"""The inbox: updates from Telegram are stored here before Telegram is told they arrived,
and each is marked handled in the transaction of the work it caused.

`update_in_hand` names the update whose handlers are running; the first unit of work
that commits while it is set also marks that update handled, in the same transaction. If the
update was already handled (redelivered by Telegram, or handled by another instance), that
commit is refused with `UpdateAlreadyHandled` and nothing of it is written.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.errors import UpdateAlreadyHandled
from storage.db import insert_for, session_factory
from storage.models import InboxRow

PAGE = 100  # updates taken from the inbox at a time


@dataclass
class Handling:
    """The update whose handlers are running, and whether its mark is committed."""

    update_id: int
    marked: bool = False


# The update whose handlers are running, set by bot.serve.handle_stored and read by every
# unit of work's commit (storage.uow). It stays a context variable, not an argument: the
# use cases open their units of work knowing nothing of Telegram updates, and passing an
# update id through each of them would put the inbox into every domain signature. A context
# variable belongs to the asyncio task that handles the update, so updates handled at once
# never see each other's; a job started meanwhile clears it (bot.app._own_context).
update_in_hand: ContextVar[Handling | None] = ContextVar("update_in_hand", default=None)


# Mark an update handled and drop its payload; built once (the hot path of every update).
_MARK = (
    update(InboxRow.__table__)
    .where(
        and_(
            InboxRow.__table__.c.update_id == bindparam("mark_id"),
            InboxRow.__table__.c.handled_at.is_(None),
        )
    )
    .values(handled_at=bindparam("mark_at"), payload=None)
)


async def mark_in(session: AsyncSession, now: datetime) -> None:
    """Inside a unit of work about to commit: mark the update being handled (once).

    Raises UpdateAlreadyHandled when it was handled before; the caller rolls back.
    """
    current = update_in_hand.get()
    if current is None or current.marked:
        return
    result = await session.execute(_MARK, {"mark_id": current.update_id, "mark_at": now})
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise UpdateAlreadyHandled(current.update_id)


def committed() -> None:
    """The unit of work that marked the update has committed."""
    current = update_in_hand.get()
    if current is not None:
        current.marked = True


class SqlInbox:
    """Stores updates, hands out the pending ones in order, marks them handled."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sessions = session_factory(engine)
        # one cached statement, run once per update (a multi-row VALUES is compiled anew
        # for every batch size)
        self._insert = insert_for(engine.dialect.name, InboxRow).on_conflict_do_nothing()

    async def store(self, updates: list[dict[str, Any]], now: datetime) -> int:
        """Store updates (one transaction); ones already stored are left alone.

        Returns how many were new. Once this returns, the updates survive a crash.
        """
        return len(await self.store_new(updates, now))

    async def store_new(self, updates: list[dict[str, Any]], now: datetime) -> set[int]:
        """`store`, returning the ids of the updates that were new."""
        new: set[int] = set()
        if not updates:
            return new
        async with self._engine.begin() as connection:
            for u in updates:
                update_id = int(u["update_id"])
                result = await connection.execute(
                    self._insert, {"update_id": update_id, "payload": u, "received_at": now}
                )
                if result.rowcount:
                    new.add(update_id)
        return new

    async def pending(self, limit: int = PAGE) -> list[tuple[int, dict[str, Any]]]:
        """Stored updates not handled yet, oldest first."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(InboxRow.update_id, InboxRow.payload)
                .where(InboxRow.handled_at.is_(None))
                .order_by(InboxRow.update_id)
                .limit(limit)
            )
            return [(update_id, payload or {}) for update_id, payload in rows]

    async def mark_handled(self, update_id: int, now: datetime) -> bool:
        """Mark an update handled (its handlers wrote nothing); False if it already was."""
        async with self._engine.begin() as connection:
            result = await connection.execute(_MARK, {"mark_id": update_id, "mark_at": now})
            return bool(result.rowcount)

    async def suspect(self, now: datetime, limit: int) -> int | None:
        """At the start of an active instance: count a start against the first update waiting
        (the one an instance that died was most likely handling). When it has seen `limit`
        starts without being handled, it is marked handled unhandled and its id returned,
        so an update that kills the process does not stop the desk for ever."""
        async with self._engine.begin() as connection:
            first = await connection.scalar(
                select(func.min(InboxRow.update_id)).where(InboxRow.handled_at.is_(None))
            )
            if first is None:
                return None
            attempts = await connection.scalar(
                update(InboxRow)
                .where(InboxRow.update_id == first)
                .values(attempts=InboxRow.attempts + 1)
                .returning(InboxRow.attempts)
            )
            if attempts is None or attempts < limit:
                return None
            await connection.execute(_MARK, {"mark_id": first, "mark_at": now})
            return int(first)

    async def backlog(self) -> int:
        """How many stored updates wait to be handled."""
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count()).select_from(InboxRow).where(InboxRow.handled_at.is_(None))
            )
            return int(count or 0)

    async def purge(self, handled_before: datetime) -> int:
        """Forget updates handled before `handled_before` (Telegram redelivers for a day)."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                delete(InboxRow).where(
                    and_(InboxRow.handled_at.is_not(None), InboxRow.handled_at < handled_before)
                )
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
