"""The unit of work: one session, one transaction, rolled back unless committed.

Repositories are made when a use case first asks for one: most units of work touch three or
four of the fourteen. They share `seen`, what the unit of work has read of people and
departments, so nothing is read twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.clock import Clock
from domain.ports import CommitNews, CommitObserver
from storage import inbox
from storage.assignment import SqlAssignment
from storage.canned import SqlCanned
from storage.db import session_factory
from storage.followups import SqlFollowups
from storage.people import Seen, SqlCustomers, SqlPeople, SqlStaff
from storage.profiles import SqlProfiles
from storage.reports import SqlDigests
from storage.repositories import (
    SqlCards,
    SqlCollaborations,
    SqlConversations,
    SqlCounters,
    SqlDepartments,
    SqlInvites,
    SqlOutbox,
    SqlPolls,
)
from storage.tickets import SqlEvents, SqlTickets


class SqlUnitOfWork:
    """Repositories sharing one transaction."""

    session: AsyncSession

    def __init__(
        self,
        factory: Callable[[], AsyncSession],
        clock: Clock,
        observers: Sequence[CommitObserver] = (),
        *,
        marks: bool = True,
    ) -> None:
        self._factory = factory
        self._clock = clock
        self._observers = observers
        self._marks = marks

    async def __aenter__(self) -> Self:
        self.session = self._factory()
        self.seen = Seen()
        await self.session.begin()
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self.session.in_transaction():
                await self.session.rollback()
        finally:
            await self.session.close()

    @cached_property
    def people(self) -> SqlPeople:
        return SqlPeople(self.session, self.seen)

    @cached_property
    def customers(self) -> SqlCustomers:
        return SqlCustomers(self.session, self.seen)

    @cached_property
    def profiles(self) -> SqlProfiles:
        return SqlProfiles(self.session, self.seen)

    @cached_property
    def staff(self) -> SqlStaff:
        return SqlStaff(self.session, self.seen)

    @cached_property
    def departments(self) -> SqlDepartments:
        return SqlDepartments(self.session, self.seen)

    @cached_property
    def tickets(self) -> SqlTickets:
        return SqlTickets(self.session, self.seen)

    @cached_property
    def events(self) -> SqlEvents:
        return SqlEvents(self.session)

    @cached_property
    def outbox(self) -> SqlOutbox:
        return SqlOutbox(self.session, self._clock.now())

    @cached_property
    def conversations(self) -> SqlConversations:
        return SqlConversations(self.session, self.seen)

    @cached_property
    def counters(self) -> SqlCounters:
        return SqlCounters(self.session)

    @cached_property
    def cards(self) -> SqlCards:
        return SqlCards(self.session)

    @cached_property
    def collaborations(self) -> SqlCollaborations:
        return SqlCollaborations(self.session)

    @cached_property
    def polls(self) -> SqlPolls:
        return SqlPolls(self.session)

    @cached_property
    def invites(self) -> SqlInvites:
        return SqlInvites(self.session)

    @cached_property
    def digests(self) -> SqlDigests:
        return SqlDigests(self.session)

    @cached_property
    def followups(self) -> SqlFollowups:
        return SqlFollowups(self.session)

    @cached_property
    def canned(self) -> SqlCanned:
        return SqlCanned(self.session)

    @cached_property
    def assignment(self) -> SqlAssignment:
        return SqlAssignment(self.session)

    async def commit(self) -> None:
        """Make everything written in this unit of work durable, outbox rows included.

        While an update is handled, the first commit also marks that update handled;
        UpdateAlreadyHandled (nothing written) if it was handled before. A reading unit of
        work marks nothing: the update is marked after its handlers (bot.serve).
        """
        queued: SqlOutbox | None = self.__dict__.get("outbox")
        if queued is not None:
            await queued.flush()
        if self._marks:  # the update in hand (storage.inbox.update_in_hand), if any
            await inbox.mark_in(self.session, self._clock.now())
        await self.session.commit()
        if self._marks:
            inbox.committed()
        if queued is not None and queued.added:
            news = CommitNews(queued=queued.added)
            for observer in self._observers:
                observer.committed(news)


class SqlUnitOfWorkFactory:
    """Makes units of work on one engine; tells each registered CommitObserver (`observe`)
    when a commit queued new messages.

    `reading()` units of work go through `reader` (storage.db.reader_for): they never wait
    for a writer, another process's included.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        *,
        reader: AsyncEngine | None = None,
    ) -> None:
        self.engine = engine
        self.reader = reader or engine
        self.clock = clock
        self.observers: list[CommitObserver] = []
        self._sessions = session_factory(engine)
        self._readers = session_factory(self.reader)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, self.clock, self.observers)

    def observe(self, observer: CommitObserver) -> None:
        """Tell `observer` the news of every commit from now on."""
        self.observers.append(observer)

    def reading(self) -> SqlUnitOfWork:
        """A unit of work that only reads."""
        return SqlUnitOfWork(self._readers, self.clock, marks=False)

    async def close(self) -> None:
        """Release the database (the reader's connections too)."""
        if self.reader is not self.engine:
            await self.reader.dispose()
        await self.engine.dispose()
