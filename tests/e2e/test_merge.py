"""Merging duplicates: an agent merges ticket B into A of the same customer; B's messages,
files and history move to A in time order, B closes as merged, the customer is told once,
A's SLA clocks keep the earlier start, and reports count B once, as merged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import runtime_of
from domain.people import Role
from domain.ticket import EventKind
from storage.models import OutboxRow, TicketEventRow
from storage.reports import SqlReports
from tests.e2e.dsl import DeskHarness, Person
from tests.e2e.steps import (
    add_staff,
    count_rows,
    file_ticket,
    label,
    labels,
    open_my_ticket,
    said,
    ticket_row,
)
from tests.e2e.test_staff_desk import card_of, press_on_card

LOCALES = [pytest.param("en", id="english"), pytest.param("zh", id="chinese")]


async def files_twice(
    desk: DeskHarness, locale: str, staff: str = "Bob", role: Role = Role.AGENT
) -> tuple[Person, Person, str, str]:
    """Ann and one staff member of Support; Ann files the same trouble twice, 20 minutes
    apart, the first time with a photo. Returns Ann, the staff member and both numbers."""
    ann = desk.customer(1001, "Ann", lang=locale)
    member = desk.customer(2001, staff, lang=locale)
    await add_staff(desk, member, role)
    first = await file_ticket(ann, "Till broken\nIt beeps", photos=1)
    desk.clock.advance(minutes=20)
    second = await file_ticket(ann, "Till still broken\nStill beeping")
    await desk.dispatch()
    return ann, member, first, second


async def history_kinds(desk: DeskHarness, number: str) -> list[tuple[str, object]]:
    """The ticket's history as the desk keeps it: (kind, when), in the order it is shown."""
    row = await ticket_row(desk, number)
    async with runtime_of(desk.app).uow() as uow:
        events = await uow.events.list_for_ticket(row.id, customer_visible_only=False)
    return [(e.kind.value, e.created_at) for e in events]


async def snapshot(desk: DeskHarness, *numbers: str) -> tuple:
    rows = [await ticket_row(desk, n) for n in numbers]
    return (
        [(r.status, r.version, r.attachment_count, r.merged_into_id) for r in rows],
        await count_rows(desk, TicketEventRow),
        await count_rows(desk, OutboxRow),
    )


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_agent_merges_a_duplicate_and_everything_moves_in_order(
    two_departments: DeskHarness, locale: str
):
    desk = two_departments
    ann, bob, first, second = await files_twice(desk, locale)
    await press_on_card(bob, desk, second, "staff.button.claim")
    earlier_due = (await ticket_row(desk, first)).resolve_due_at
    assert (await ticket_row(desk, second)).resolve_due_at > earlier_due

    # Merge on the first (unclaimed) card offers Ann's other open ticket
    await press_on_card(bob, desk, first, "staff.button.merge")
    assert bob.last_text == said(locale, "merge.ask", number=first)
    offer = label(locale, "merge.offer", number=second, title="Till still broken")
    assert labels(bob.last_message) == [offer]
    await bob.press(offer)
    assert bob.last_text == said(locale, "merge.done", number=first, into=second)
    await desk.dispatch()

    # the customer is told once, in her language
    notice = said(locale, "merge.notice", number=first, into=second)
    assert ann.texts().count(notice) == 1
    # the duplicate is closed as merged; its card has nothing left to do
    old, kept = await ticket_row(desk, first), await ticket_row(desk, second)
    assert (old.status, old.merged_into_id, old.resolved_at) == ("merged", kept.id, None)
    assert labels(card_of(desk, first)) == [label("en", "staff.button.hist")]
    # the kept ticket has the files and the earlier start of the SLA clocks
    assert kept.attachment_count == 1
    assert kept.resolve_due_at == earlier_due
    # history: the duplicate's lines sit in time order among the kept one's
    kinds = await history_kinds(desk, second)
    assert [k for k, _ in kinds] == ["filed", "filed", "claimed", "merged_in"]
    assert [at for _, at in kinds] == sorted(at for _, at in kinds)
    assert await history_kinds(desk, first) == [("merged_into", kinds[-1][1])]
    # the customer reads it in /my
    detail = (await open_my_ticket(ann, second)).plain_text or ""
    assert "Till broken" in detail
    assert said(locale, "history.merged_in", time="", body=first).strip(" —") in detail
    # her next message goes to the kept ticket: the merged one is not open any more
    await ann.send("Any news?")
    await desk.dispatch()
    assert (await history_kinds(desk, second))[-1][0] == EventKind.CUSTOMER_MESSAGE.value

    # reports count the duplicate once, as merged, never as resolved
    figures = await SqlReports(runtime_of(desk.app).uow.engine).figures(
        start=desk.clock.now() - timedelta(days=1),
        end=desk.clock.now() + timedelta(days=1),
        department_id=None,
        now=desk.clock.now() + timedelta(days=30),
    )
    assert figures.tickets == 2
    assert dict(figures.by_status) == {"merged": 1, "in_progress": 1}
    assert figures.resolve.count == 0
    assert figures.ack_sla.base == 1  # the merged one never had to be acknowledged


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_supervisor_merges_by_number_and_bad_numbers_are_asked_again(
    two_departments: DeskHarness, locale: str
):
    desk = two_departments
    _, sue, first, second = await files_twice(desk, locale, "Sue", Role.SUPERVISOR)
    eve = desk.customer(1002, "Eve", lang=locale)
    bob = desk.customer(2002, "Bob", lang=locale)
    await add_staff(desk, bob)
    theirs = await file_ticket(eve)
    await desk.dispatch()
    await press_on_card(bob, desk, second, "staff.button.claim")

    await press_on_card(sue, desk, second, "staff.button.merge")
    before = await snapshot(desk, first, second, theirs)
    for typed, key, params in (
        ("the first one", "merge.bad_number", {}),
        ("FB-20990101-0001", "merge.unknown", {"number": "FB-20990101-0001"}),
        (second, "merge.same", {"number": second}),
        (theirs.lower(), "merge.other_customer", {"number": second, "into": theirs}),
    ):
        await sue.send(typed)
        assert sue.last_text == said(locale, key, **params)
        assert await snapshot(desk, first, second, theirs) == before
    # a number inside a sentence will do
    await sue.send(f"into {first} please")
    assert sue.last_text == said(locale, "merge.done", number=second, into=first)
    await desk.dispatch()
    assert (await ticket_row(desk, second)).status == "merged"
    # Bob, who held it, hears where it went, with a button to open it
    told = said(locale, "merge.merged_away", number=first, merged=second, by="Sue")
    assert bob.last_text == told
    assert labels(bob.last_message) == [label(locale, "staff.button.view")]
    # the clocks of the kept (earlier) ticket are its own
    kept = await ticket_row(desk, first)
    assert kept.clock_started_at is None
    # the prompt is over: the next message is not taken as a number
    await sue.send(first)
    assert sue.last_text == said(locale, "staff.nothing_to_do")


@pytest.mark.parametrize("locale", LOCALES)
async def test_who_may_merge(two_departments: DeskHarness, locale: str):
    desk = two_departments
    ann, bob, first, second = await files_twice(desk, locale)
    dan = desk.customer(2002, "Dan", lang=locale)
    bill = desk.customer(3001, "Bill", lang=locale)
    ada = desk.customer(9001, "Ada", lang=locale)
    await add_staff(desk, dan)
    await add_staff(desk, bill, department="billing")
    await add_staff(desk, ada, Role.ADMIN)
    await press_on_card(bob, desk, first, "staff.button.claim")
    await desk.dispatch()
    before = await snapshot(desk, first, second)

    async def refused(person: Person, data: str) -> str:
        await person.press_data(data, on=card_of(desk, first))
        assert await snapshot(desk, first, second) == before
        return person.last_alert() or ""

    target = (await ticket_row(desk, second)).id
    # a customer: not staff, with the button or a forged choice
    assert await refused(ann, f"v1:s:merge:{first}") == said(locale, "error.staff_only")
    alert = await refused(ann, f"v1:sc:merge:{first}:t{target}")
    assert alert == said(locale, "error.staff_only")
    # an agent who does not hold the ticket; an agent of another department
    alert = await refused(dan, f"v1:s:merge:{first}")
    assert alert == said(locale, "error.not_your_ticket_staff", number=first)
    alert = await refused(bill, f"v1:sc:merge:{first}:t{target}")
    assert alert == said(locale, "error.other_department", number=first)
    # a forged target: not a ticket
    alert = await refused(bob, f"v1:sc:merge:{first}:t99999")
    assert alert == said(locale, "error.bad_callback")

    # the admin merges anywhere
    kept = (await ticket_row(desk, first)).id
    await ada.press_data(f"v1:sc:merge:{second}:t{kept}", on=card_of(desk, second))
    assert ada.last_alert() == said(locale, "merge.done", number=second, into=first)
    await desk.dispatch()
    # a stale Merge button of the merged ticket, and a stale offer of it, change nothing
    before = await snapshot(desk, first, second)
    alert = await refused(bob, f"v1:s:merge:{second}")
    assert alert == said(locale, "error.ticket_not_open", number=second)
    alert = await refused(bob, f"v1:sc:merge:{first}:t{target}")
    assert alert == said(locale, "merge.target_closed", into=second)
    # nothing else of Ann's is open: Merge asks for a number
    await press_on_card(bob, desk, first, "staff.button.merge")
    assert bob.last_text == said(locale, "merge.ask_number", number=first)
    assert labels(bob.last_message) == []


async def test_the_merge_notice_is_queued_once_with_the_change(two_departments: DeskHarness):
    desk = two_departments
    ann, bob, first, second = await files_twice(desk, "en")
    await press_on_card(bob, desk, second, "staff.button.merge")
    await bob.press(label("en", "merge.offer", number=first, title="Till broken"))
    async with runtime_of(desk.app).uow.engine.connect() as connection:
        kinds = (
            await connection.execute(select(OutboxRow.kind).where(OutboxRow.chat_id == ann.id))
        ).scalars()
        assert list(kinds).count("ticket.merged") == 1
    await desk.dispatch()
    assert ann.texts().count(said("en", "merge.notice", number=second, into=first)) == 1
