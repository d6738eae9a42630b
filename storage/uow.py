"""The unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.clock import Clock
from storage import inbox
from storage.db import session_factory
from storage.reports import SqlDigests
from storage.repositories import (
    SqlCards,
    SqlCollaborations,
    SqlConversations,
    SqlCounters,
    SqlCustomers,
    SqlDepartments,
    SqlEvents,
    SqlInvites,
    SqlOutbox,
    SqlPolls,
    SqlStaff,
    SqlTickets,
)


class SqlUnitOfWork:
    """Repositories sharing one transaction."""

    session: AsyncSession

    def __init__(
        self,
        factory: Callable[[], AsyncSession],
        clock: Clock,
        on_outbox: Callable[[], None] | None = None,
    ) -> None:
        self._factory = factory
        self._clock = clock
        self._on_outbox = on_outbox

    async def __aenter__(self) -> Self:
        self.session = self._factory()
        await self.session.begin()
        self.customers = SqlCustomers(self.session)
        self.staff = SqlStaff(self.session)
        self.departments = SqlDepartments(self.session)
        self.tickets = SqlTickets(self.session)
        self.events = SqlEvents(self.session)
        self.outbox = SqlOutbox(self.session, self._clock.now())
        self.conversations = SqlConversations(self.session)
        self.counters = SqlCounters(self.session)
        self.cards = SqlCards(self.session)
        self.collaborations = SqlCollaborations(self.session)
        self.polls = SqlPolls(self.session)
        self.invites = SqlInvites(self.session)
        self.digests = SqlDigests(self.session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self.session.in_transaction():
                await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        """Make everything written in this unit of work durable, outbox rows included.

        While an update is handled, the first commit also marks that update handled;
        UpdateAlreadyHandled (nothing written) if it was handled before.
        """
        await inbox.mark_in(self.session, self._clock.now())
        await self.session.commit()
        inbox.committed()
        if self.outbox.added and self._on_outbox is not None:
            self._on_outbox()


class SqlUnitOfWorkFactory:
    """Makes units of work on one engine; tells `on_outbox` when new messages are queued."""

    def __init__(
        self, engine: AsyncEngine, clock: Clock, on_outbox: Callable[[], None] | None = None
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.on_outbox = on_outbox
        self._sessions = session_factory(engine)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, self.clock, self.on_outbox)
