"""Tickets in the database: a faithful round trip and first-writer-wins saves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain import intake
from domain.errors import ConcurrentChange, IllegalTransition
from domain.people import Customer, Sender
from domain.ticket import Channel, EventKind, FeedbackType, Priority, Status, Ticket
from domain.views import Filed, Withdrawn

FILED_AT = datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
async def customer(uow_factory) -> Customer:
    async with uow_factory() as uow:
        customer = await uow.customers.add(
            Customer(
                "C202611230001", FILED_AT, telegram_id=501, name="Ann Lee", phone="13812345678"
            )
        )
        await uow.commit()
    return customer


def a_ticket(customer: Customer, department_id: int, number: str = "FB-20261123-0001") -> Ticket:
    return Ticket(
        number=number,
        customer_id=customer.id,
        department_id=department_id,
        type=FeedbackType.COMPLAINT,
        channel=Channel.PHONE,
        priority=Priority.HIGH,
        title="Till broken",
        description="Till broken\nIt beeps all day",
        created_at=FILED_AT,
        updated_at=FILED_AT,
        reference="ORD-1",
        contact_phone="+86 138 1234 5678",
        business_stopped=True,
        attachment_count=2,
    )


async def add(uow_factory, ticket: Ticket) -> Ticket:
    async with uow_factory() as uow:
        await uow.tickets.add(ticket)
        await uow.commit()
    return ticket


async def load(uow_factory, number: str) -> Ticket:
    async with uow_factory() as uow:
        ticket = await uow.tickets.get_by_number(number)
    assert ticket is not None
    return ticket


def assert_utc(moment: datetime | None) -> None:
    assert moment is not None
    assert moment.tzinfo is not None
    assert moment.utcoffset() == timedelta(0)


async def test_a_ticket_comes_back_as_it_went_in_with_aware_utc_times(
    uow_factory, customer, departments
):
    added = await add(uow_factory, a_ticket(customer, departments["support"].id))
    assert added.id is not None
    assert added.version == 0

    loaded = await load(uow_factory, "FB-20261123-0001")

    assert loaded == added
    assert loaded.created_at == datetime(2026, 11, 23, 2, 0, 0, 123456, tzinfo=UTC)
    assert_utc(loaded.created_at)
    assert_utc(loaded.updated_at)


async def test_an_unknown_number_finds_nothing(uow_factory):
    async with uow_factory() as uow:
        assert await uow.tickets.get_by_number("FB-20261123-9999") is None


async def test_a_saved_change_is_read_back_with_a_new_version(uow_factory, customer, departments):
    ticket = await add(uow_factory, a_ticket(customer, departments["support"].id))
    resolved_at = FILED_AT + timedelta(hours=3, microseconds=1)
    async with uow_factory() as uow:
        ticket = await uow.tickets.get_by_number(ticket.number)
        ticket.move_to(Status.IN_PROGRESS, now=FILED_AT + timedelta(hours=1))
        ticket.move_to(Status.RESOLVED, now=resolved_at)
        ticket.priority = Priority.URGENT
        ticket.first_response_at = FILED_AT + timedelta(hours=1)
        await uow.tickets.save(ticket)
        assert ticket.version == 1
        assert await uow.tickets.get_by_number(ticket.number) == ticket
        await uow.commit()

    loaded = await load(uow_factory, ticket.number)
    assert loaded == ticket
    assert loaded.status is Status.RESOLVED
    assert loaded.resolved_at == resolved_at
    assert_utc(loaded.resolved_at)
    assert_utc(loaded.first_response_at)


async def test_saving_a_stale_copy_raises_and_keeps_the_newer_change(
    uow_factory, customer, departments
):
    await add(uow_factory, a_ticket(customer, departments["support"].id))
    stale = await load(uow_factory, "FB-20261123-0001")

    async with uow_factory() as uow:
        fresh = await uow.tickets.get_by_number("FB-20261123-0001")
        fresh.move_to(Status.IN_PROGRESS, now=FILED_AT + timedelta(minutes=5))
        await uow.tickets.save(fresh)
        await uow.commit()

    async with uow_factory() as uow:
        stale.withdraw(customer_id=customer.id, now=FILED_AT + timedelta(minutes=6))
        with pytest.raises(ConcurrentChange):
            await uow.tickets.save(stale)
    assert stale.version == 0

    loaded = await load(uow_factory, "FB-20261123-0001")
    assert (loaded.status, loaded.version) == (Status.IN_PROGRESS, 1)


async def test_tickets_are_listed_for_their_customer_newest_first(
    uow_factory, customer, departments
):
    department_id = departments["support"].id
    for n in range(1, 4):
        await add(uow_factory, a_ticket(customer, department_id, f"FB-20261123-000{n}"))
    async with uow_factory() as uow:
        second = await uow.tickets.get_by_number("FB-20261123-0002")
        second.move_to(Status.IN_PROGRESS, now=FILED_AT)
        second.move_to(Status.RESOLVED, now=FILED_AT)
        second.move_to(Status.CLOSED, now=FILED_AT)
        await uow.tickets.save(second)
        await uow.commit()

    async with uow_factory() as uow:
        every = await uow.tickets.list_for_customer(customer.id)
        open_ = await uow.tickets.list_for_customer(customer.id, statuses=frozenset({Status.NEW}))
        last = await uow.tickets.list_for_customer(customer.id, limit=1)
        nobodys = await uow.tickets.list_for_customer(customer.id + 1)
    assert [t.number[-1] for t in every] == ["3", "2", "1"]
    assert [t.number[-1] for t in open_] == ["3", "1"]
    assert [t.number[-1] for t in last] == ["3"]
    assert nobodys == []


async def file_one(desk, sender: Sender) -> str:
    await desk.start_intake(sender)
    for value in (
        intake.Choice(intake.Step.TYPE, "complaint"),
        intake.Text("Till broken"),
        intake.Choice(intake.Step.ATTACHMENTS, "skip"),
        intake.Choice(intake.Step.REFERENCE, "skip"),
        intake.Choice(intake.Step.CONTACT, "skip"),
        intake.Choice(intake.Step.STOPPED, "no"),
    ):
        await desk.customer_input(sender, value)
    filed = await desk.customer_input(sender, intake.Choice(intake.Step.SUMMARY, "submit"))
    assert isinstance(filed, Filed)
    return filed.ticket.number


async def test_of_two_concurrent_withdrawals_exactly_one_wins(uow_factory, desk, departments):
    sender = Sender(501, 501, "Ann Lee", "en")
    numbers = [await file_one(desk, sender) for _ in range(5)]

    for number in numbers:
        outcomes = await asyncio.gather(
            desk.withdraw(sender, number), desk.withdraw(sender, number), return_exceptions=True
        )
        winners = [o for o in outcomes if isinstance(o, Withdrawn)]
        losers = [o for o in outcomes if isinstance(o, (ConcurrentChange, IllegalTransition))]
        assert (len(winners), len(losers)) == (1, 1), outcomes

        async with uow_factory() as uow:
            ticket = await uow.tickets.get_by_number(number)
            events = await uow.events.list_for_ticket(ticket.id, customer_visible_only=False)
        assert (ticket.status, ticket.version) == (Status.WITHDRAWN, 1)
        assert [e.kind for e in events] == [EventKind.FILED, EventKind.WITHDRAWN]
