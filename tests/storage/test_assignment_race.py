"""Auto-assignment under concurrent filing: 1,000 customers submit at once, through
several engines (as several processes would), and every ticket gets exactly one assignee,
spread fairly (SQLite and, with TEST_DATABASE_URL, PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select, update

from domain.assignment import Mode
from domain.intake import Choice, Draft, Step
from domain.people import Role, Sender, Staff
from domain.ports import Conversation
from domain.services import Desk
from domain.services.desk import INTAKE
from domain.ticket import FeedbackType
from domain.views import Filed
from storage.db import create_engine
from storage.models import TicketEventRow, TicketRow
from storage.uow import SqlUnitOfWorkFactory

FILINGS = 1000
AGENTS = 7
ENGINES = 3
CONNECTIONS = 10  # units of work at a time per engine
BUSY = 10  # open tickets the first agent already has in the least-open race


async def _agents(uow_factory, department_id: int, mode: Mode) -> list[int]:
    async with uow_factory() as uow:
        await uow.assignment.set_mode(department_id, mode, 15)
        ids = []
        for n in range(AGENTS):
            staff = await uow.staff.add(
                Staff(7000 + n, f"Agent {n}", Role.AGENT, department_id, True, "en")
            )
            ids.append(staff.id)
        await uow.commit()
    return ids


async def _drafts_at_summary(uow_factory, clock) -> list[Sender]:
    """A thousand customers each at their summary, about to press Submit."""
    senders = [Sender(10_000 + n, 10_000 + n, f"Customer {n}", "en") for n in range(FILINGS)]
    draft = Draft(
        step=Step.SUMMARY,
        type=FeedbackType.COMPLAINT,
        description="Till broken\nIt beeps",
        stopped=False,
    )
    async with uow_factory() as uow:
        for sender in senders:
            await uow.conversations.put(
                Conversation(sender.telegram_id, INTAKE, draft.to_dict(), clock.now())
            )
        await uow.commit()
    return senders


async def _file_all(database_url, clock, policy, senders) -> None:
    engines = [create_engine(database_url) for _ in range(ENGINES)]
    try:
        desks = [Desk(SqlUnitOfWorkFactory(e, clock), clock, policy) for e in engines]
        # as many at a time in each engine as it has connections, as the bot's updates are
        # (the rest wait their turn, not the pool's timeout, on a slow machine)
        turns = [asyncio.Semaphore(CONNECTIONS) for _ in engines]
        submit = Choice(Step.SUMMARY, "submit")

        async def press_submit(n: int, sender: Sender) -> object:
            async with turns[n % ENGINES]:
                return await desks[n % ENGINES].customer_input(sender, submit)

        outcomes = await asyncio.gather(*(press_submit(n, s) for n, s in enumerate(senders)))
    finally:
        for engine in engines:
            await engine.dispose()
    assert all(isinstance(o, Filed) for o in outcomes)


async def _give_first_agent_work(desk, uow_factory, clock, agent: int) -> None:
    """BUSY open tickets on the first agent, filed before auto-assignment was on."""
    senders = [Sender(90_000 + n, 90_000 + n, f"Early {n}", "en") for n in range(BUSY)]
    for sender in senders:
        await desk.start_intake(sender)
    async with uow_factory() as uow:
        draft = Draft(Step.SUMMARY, FeedbackType.COMPLAINT, "Early one", stopped=False)
        for sender in senders:
            await uow.conversations.put(
                Conversation(sender.telegram_id, INTAKE, draft.to_dict(), clock.now())
            )
        await uow.commit()
    for sender in senders:
        await desk.customer_input(sender, Choice(Step.SUMMARY, "submit"))
    async with uow_factory() as uow:
        await uow.session.execute(
            update(TicketRow).values(assignee_id=agent, status="in_progress")
        )
        await uow.commit()


async def _replay(uow_factory, start: dict[int, int]) -> tuple[Counter[int], int, int]:
    """Each assignment in the order it was decided: the tickets per agent at the end, how
    many tickets were assigned twice, and how many assignments went to an agent who then
    had more than the least loaded one plus one."""
    async with uow_factory() as uow:
        events = list(
            await uow.session.execute(
                select(TicketEventRow.ticket_id, TicketEventRow.data)
                .where(TicketEventRow.kind == "assigned")
                .order_by(TicketEventRow.id)
            )
        )
        await uow.commit()
    doubled = sum(n > 1 for n in Counter(e.ticket_id for e in events).values())
    load = Counter(start)
    unfair = 0
    for event in events:
        load[event.data["to"]] += 1
        unfair += load[event.data["to"]] > min(load[a] for a in start) + 1
    return load, doubled, unfair


@pytest.mark.parametrize("mode", [Mode.ROUND_ROBIN, Mode.LEAST_OPEN])
async def test_a_thousand_concurrent_filings_get_one_assignee_each_spread_fairly(
    database_url, uow_factory, clock, policy, departments, desk, mode
):
    agents = await _agents(uow_factory, departments["support"].id, Mode.OFF)
    start = dict.fromkeys(agents, 0)
    if mode is Mode.LEAST_OPEN:
        await _give_first_agent_work(desk, uow_factory, clock, agents[0])
        start[agents[0]] = BUSY
    async with uow_factory() as uow:
        await uow.assignment.set_mode(departments["support"].id, mode, 15)
        await uow.commit()
    senders = await _drafts_at_summary(uow_factory, clock)

    await _file_all(database_url, clock, policy, senders)

    async with uow_factory() as uow:
        unassigned = await uow.session.scalar(
            select(func.count()).where(TicketRow.assignee_id.is_(None))
        )
        await uow.commit()
    load, doubled, unfair = await _replay(uow_factory, start)
    counts = [load[a] - start[a] for a in agents]
    print(f"\n{mode.value}: new tickets per agent {counts}, double assignments {doubled}")
    assert (unassigned, doubled, unfair) == (0, 0, 0)
    assert sum(counts) == FILINGS
    if mode is Mode.ROUND_ROBIN:
        assert max(counts) - min(counts) <= 1
    else:  # the busy agent got fewer new ones; the loads end within one of each other
        assert max(load.values()) - min(load.values()) <= 1
