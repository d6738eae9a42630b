"""Filing a ticket through the Desk service, down to the rows it leaves in the database."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from domain import intake
from domain.delivery import Kind
from domain.intake import Choice, ContactShared, Media, Step, Text
from domain.people import Role, Sender, Staff
from domain.services.desk import INTAKE
from domain.ticket import (
    ActorKind,
    Attachment,
    AttachmentKind,
    EventKind,
    FeedbackType,
    Priority,
    Status,
)
from domain.views import Filed, IntakeView
from storage.models import AttachmentRow, OutboxRow
from tests.storage.conftest import ADMIN_ID, SUPPORT_CHAT

ANN = Sender(telegram_id=501, chat_id=501, name="Ann Lee", language_code="zh-hans")
PHOTO = Attachment(AttachmentKind.PHOTO, "photo-1", "uphoto-1", size=300_000)
PDF = Attachment(
    AttachmentKind.DOCUMENT, "doc-2", "udoc-2", 40_000, "receipt.pdf", "application/pdf"
)


def steps(kind: str = "complaint", *, stopped: str = "no") -> list[intake.Input]:
    return [
        Choice(Step.TYPE, kind),
        Text("Till broken\nIt beeps all day"),
        Choice(Step.ATTACHMENTS, "skip"),
        Choice(Step.REFERENCE, "skip"),
        Choice(Step.CONTACT, "skip"),
        Choice(Step.STOPPED, stopped),
        Choice(Step.SUMMARY, "submit"),
    ]


async def file(desk, sender: Sender, inputs: list[intake.Input]) -> Filed:
    view = await desk.start_intake(sender)
    assert isinstance(view, IntakeView)
    for value in inputs[:-1]:
        view = await desk.customer_input(sender, value)
        assert isinstance(view, IntakeView)
        assert view.accepted, (value, view.note)
    filed = await desk.customer_input(sender, inputs[-1])
    assert isinstance(filed, Filed)
    return filed


async def outbox_rows(uow_factory, *, receipts: bool = False) -> list[OutboxRow]:
    """The outbox rows, oldest first: the notices to staff (or the customers' receipts, the
    copies of their filing confirmations that stand in for a reply lost in a crash)."""
    async with uow_factory() as uow:
        rows = list(await uow.session.scalars(select(OutboxRow).order_by(OutboxRow.id)))
        await uow.commit()  # a rollback would expire the rows we hand back
    return [row for row in rows if (row.kind == Kind.FILED) == receipts]


async def test_a_customer_files_a_ticket_with_files_and_the_desk_is_told(
    desk, uow_factory, departments, clock
):
    filed = await file(
        desk,
        ANN,
        [
            Choice(Step.TYPE, "complaint"),
            Media(PHOTO, caption="Till broken\nIt beeps all day"),
            Media(PDF),
            Choice(Step.ATTACHMENTS, "done"),
            Text("ORD-2026-42"),
            ContactShared("+8613812345678", own=True),
            Choice(Step.STOPPED, "yes"),
            Choice(Step.SUMMARY, "submit"),
        ],
    )

    assert filed.locale == "zh"
    assert filed.ticket.number == "FB-20261123-0001"
    async with uow_factory() as uow:
        ticket = await uow.tickets.get_by_number("FB-20261123-0001")
        customer = await uow.customers.get_by_telegram_id(ANN.telegram_id)
        history = await uow.events.list_for_ticket(ticket.id, customer_visible_only=True)
        files = list(await uow.session.scalars(select(AttachmentRow).order_by(AttachmentRow.id)))
        conversation = await uow.conversations.get(ANN.telegram_id)
        await uow.commit()  # a rollback would expire the attachment rows
    assert ticket == filed.ticket
    assert (ticket.status, ticket.priority, ticket.type) == (
        Status.NEW,
        Priority.URGENT,
        FeedbackType.COMPLAINT,
    )
    assert (ticket.title, ticket.description) == ("Till broken", "Till broken\nIt beeps all day")
    assert (ticket.reference, ticket.contact_phone) == ("ORD-2026-42", "+8613812345678")
    assert ticket.business_stopped
    assert ticket.attachment_count == 2
    assert ticket.department_id == departments["support"].id
    assert ticket.created_at == clock.now()
    assert customer.number == "C202611230001"
    assert customer.phone == "+8613812345678"
    assert customer.locale == "zh"

    [event] = history
    assert (event.kind, event.actor_kind, event.actor_id) == (
        EventKind.FILED,
        ActorKind.CUSTOMER,
        customer.id,
    )
    assert event.body == "Till broken\nIt beeps all day"
    assert event.data == {"reference": "ORD-2026-42"}
    assert event.attachments == [PHOTO, PDF]
    assert [(f.ticket_id, f.event_id) for f in files] == [(ticket.id, event.id)] * 2
    assert conversation is None

    [receipt] = await outbox_rows(uow_factory, receipts=True)
    assert (receipt.chat_id, receipt.locale, receipt.status) == (501, "zh", "pending")
    assert receipt.params["number"] == "FB-20261123-0001"
    assert receipt.id == filed.receipt_id
    assert receipt.next_attempt_at == clock.now() + timedelta(seconds=30)  # only if unsent
    [notice] = await outbox_rows(uow_factory)
    assert (notice.chat_id, notice.kind, notice.locale) == (SUPPORT_CHAT, "card", "en")
    assert (notice.ticket_id, notice.status, notice.attempts) == (ticket.id, "pending", 0)
    assert notice.next_attempt_at == clock.now()
    expected = {
        "number": "FB-20261123-0001",
        "type": "complaint",
        "priority": "urgent",
        "channel": "telegram",
        "title": "Till broken",
        "customer": "Ann Lee",
        "customer_number": "C202611230001",
        "contact": "+86 138****5678",
        "attachments": 2,
        "status": "new",
        "assignee": None,
        "card_kind": "card",
        "moved": False,
    }
    assert {key: notice.params[key] for key in expected} == expected
    async with uow_factory() as uow:  # the card is remembered, to be edited later
        [card] = await uow.cards.for_ticket(ticket.id)
    assert (card.id, card.chat_id) == (notice.params["card_id"], SUPPORT_CHAT)


async def test_the_number_carries_the_filing_date_in_the_desks_time_zone(desk, clock, departments):
    clock.set(datetime(2026, 11, 23, 15, 59, 59, tzinfo=UTC))  # 23:59:59 in Shanghai
    first = await file(desk, ANN, steps())
    clock.set(datetime(2026, 11, 23, 16, 0, 0, tzinfo=UTC))  # midnight in Shanghai
    second = await file(desk, ANN, steps())
    third = await file(desk, ANN, steps())

    numbers = [f.ticket.number for f in (first, second, third)]
    assert numbers == ["FB-20261123-0001", "FB-20261124-0001", "FB-20261124-0002"]


async def test_without_a_staff_chat_each_active_agent_of_the_department_is_told(
    desk, uow_factory, departments
):
    service_id = departments["service"].id
    async with uow_factory() as uow:
        for telegram_id, locale, active in (
            (601, "zh", True),
            (602, "en", True),
            (603, "en", False),
        ):
            await uow.staff.add(
                Staff(telegram_id, f"Agent {telegram_id}", Role.AGENT, service_id, active, locale)
            )
        await uow.staff.add(Staff(604, "Other", Role.AGENT, departments["support"].id))
        await uow.commit()

    filed = await file(desk, ANN, steps("after_sales"))

    assert filed.ticket.department_id == service_id
    notices = await outbox_rows(uow_factory)
    assert [(n.chat_id, n.locale, n.kind) for n in notices] == [
        (601, "zh", "card"),
        (602, "en", "card"),
    ]
    assert {n.ticket_id for n in notices} == {filed.ticket.id}


async def test_a_department_without_chat_or_agents_falls_back_to_the_admins(
    desk, uow_factory, departments
):
    await file(desk, ANN, steps("after_sales"))
    assert [(n.chat_id, n.kind) for n in await outbox_rows(uow_factory)] == [(ADMIN_ID, "card")]


async def test_a_refused_input_leaves_the_stored_draft_as_it_was(desk, uow_factory, departments):
    await desk.start_intake(ANN)
    await desk.customer_input(ANN, Choice(Step.TYPE, "inquiry"))
    async with uow_factory() as uow:
        before = await uow.conversations.get(ANN.telegram_id)

    view = await desk.customer_input(ANN, Text("x" * 4001))
    assert (view.accepted, view.note) == (False, "intake.too_long")
    view = await desk.customer_input(ANN, Choice(Step.TYPE, "complaint"))
    assert (view.accepted, view.note) == (False, "intake.stale_button")

    async with uow_factory() as uow:
        assert await uow.conversations.get(ANN.telegram_id) == before
    assert before.flow == INTAKE
    assert before.data["step"] == "description"
    assert before.data["type"] == "inquiry"


async def test_the_wizard_resumes_where_the_customer_left_off(desk, departments):
    await desk.start_intake(ANN)
    await desk.customer_input(ANN, Choice(Step.TYPE, "suggestion"))
    view = await desk.start_intake(ANN)
    assert view.resumed
    assert (view.draft.step, view.draft.type) == (Step.DESCRIPTION, FeedbackType.SUGGESTION)


async def test_twenty_customers_filing_at_once_get_twenty_distinct_numbers(
    desk, uow_factory, departments
):
    senders = [Sender(1000 + n, 1000 + n, f"Customer {n}", "en") for n in range(20)]

    filed = await asyncio.gather(*(file(desk, s, steps()) for s in senders))

    numbers = sorted(f.ticket.number for f in filed)
    assert numbers == [f"FB-20261123-{n:04d}" for n in range(1, 21)]
    assert len({f.ticket.customer_id for f in filed}) == 20
    async with uow_factory() as uow:
        customers = [await uow.customers.get_by_telegram_id(s.telegram_id) for s in senders]
    assert sorted(c.number for c in customers) == [f"C20261123{n:04d}" for n in range(1, 21)]
    assert all(re.fullmatch(r"FB-\d{8}-\d{4}", n) for n in numbers)
    assert len(await outbox_rows(uow_factory)) == 20
