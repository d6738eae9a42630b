"""Every refusal of the staff desk says why and changes nothing."""

from __future__ import annotations

import pytest

from domain.people import Role
from storage.models import OutboxRow, TicketEventRow
from tests.e2e.dsl import DeskHarness, Person
from tests.e2e.steps import (
    add_staff,
    count_rows,
    file_ticket,
    said,
    ticket_row,
    ticket_with_agent_and_supervisor,
)
from tests.e2e.test_staff_desk import card_of, press_on_card

LOCALES = [pytest.param("en", id="english"), pytest.param("zh", id="chinese")]


async def snapshot(desk: DeskHarness, number: str) -> tuple:
    row = await ticket_row(desk, number)
    return (
        row.status,
        row.assignee_id,
        row.priority,
        row.department_id,
        row.version,
        await count_rows(desk, TicketEventRow),
        await count_rows(desk, OutboxRow),
    )


async def refused(person: Person, desk: DeskHarness, number: str, data: str, on=None) -> str:
    """Press forged or stale `data`; the ticket and the outbox must stay as they were."""
    before = await snapshot(desk, number)
    await person.press_data(data, on=on or card_of(desk, number))
    assert await snapshot(desk, number) == before
    return person.last_alert() or ""


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_customer_pressing_staff_buttons_is_refused(
    two_departments: DeskHarness, locale: str
):
    ann = two_departments.customer(1001, "Ann", lang=locale)
    eve = two_departments.customer(1002, "Eve", lang=locale)
    number = await file_ticket(ann)
    await file_ticket(eve)
    await two_departments.dispatch()
    for act in ("claim", "reveal", "hist", "files", "reply", "note"):
        alert = await refused(eve, two_departments, number, f"v1:s:{act}:{number}")
        assert alert == said(locale, "error.staff_only")
    # nor may she confirm somebody else's resolution, in the group or in her own chat
    alert = await refused(eve, two_departments, number, f"v1:cf:{number}:y")
    assert alert == said(locale, "error.bad_callback")
    alert = await refused(eve, two_departments, number, f"v1:cf:{number}:y", on=eve.last_message)
    assert alert == said(locale, "error.ticket_not_found", number=number)


@pytest.mark.parametrize("locale", LOCALES)
async def test_other_departments_deactivated_staff_and_stale_cards_are_refused(
    two_departments: DeskHarness, locale: str
):
    ann = two_departments.customer(1001, "Ann", lang=locale)
    bob = two_departments.customer(2001, "Bob", lang=locale)
    dan = two_departments.customer(2002, "Dan", lang=locale)
    bill = two_departments.customer(3001, "Bill", lang=locale)
    gone = two_departments.customer(2003, "Gus", lang=locale)
    await add_staff(two_departments, bob)
    await add_staff(two_departments, dan)
    await add_staff(two_departments, bill, department="billing")
    await add_staff(two_departments, gone, active=False)
    number = await file_ticket(ann, phone="+8613812345678")
    await two_departments.dispatch()
    card = card_of(two_departments, number)

    alert = await refused(bill, two_departments, number, f"v1:s:claim:{number}")
    assert alert == said(locale, "error.other_department", number=number)
    alert = await refused(gone, two_departments, number, f"v1:s:claim:{number}")
    assert alert == said(locale, "error.deactivated")

    await press_on_card(bob, two_departments, number, "staff.button.claim")
    # Dan still has the old card: its Claim tells him who has it
    alert = await refused(dan, two_departments, number, f"v1:s:claim:{number}", on=card)
    assert alert == said(locale, "error.claimed_by", number=number, name="Bob")
    for act in ("reply", "ask", "resolve", "reveal", "xfer", "prio"):
        alert = await refused(dan, two_departments, number, f"v1:s:{act}:{number}")
        assert alert == said(locale, "error.not_your_ticket_staff", number=number)
    # agents do not assign
    alert = await refused(dan, two_departments, number, f"v1:s:assign:{number}")
    assert alert == said(locale, "error.role_cannot")
    # /ticket of another department's ticket
    await bill.send(f"/ticket {number}")
    assert bill.last_text == said(locale, "error.other_department", number=number)


@pytest.mark.parametrize(
    "data",
    [
        "v1:s:nuke:{n}",
        "v1:s:claim:FB-2026-1",
        "v1:s:claim:{n}:extra",
        "v1:sc:prio:{n}:superurgent",
        "v1:sc:xfer:{n}:d999",
        "v1:sc:assign:{n}:a999",
        "v1:sc:hist:{n}:p-1",
        "v1:sc:collab:{n}:x1",
        "v1:cf:{n}:maybe",
        "v2:s:claim:{n}",
        "v1:s:claim:" + "9" * 60,
    ],
)
async def test_forged_or_malformed_button_data_changes_nothing(
    two_departments: DeskHarness, data: str
):
    ann = two_departments.customer(1001, "Ann")
    bob = two_departments.customer(2001, "Bob")
    await add_staff(two_departments, bob, Role.SUPERVISOR)
    number = await file_ticket(ann)
    await two_departments.dispatch()
    await press_on_card(bob, two_departments, number, "staff.button.claim")
    await two_departments.dispatch()
    alert = await refused(bob, two_departments, number, data.format(n=number))
    assert alert in (
        said("en", "error.bad_callback"),
        said("en", "error.staff_gone"),
        said("en", "error.ticket_not_found", number="FB-2026-1"),
    )


async def test_a_prompt_answered_after_the_ticket_moved_on_is_refused(
    two_departments: DeskHarness,
):
    ann, bob, sue, number = await ticket_with_agent_and_supervisor(two_departments)
    await press_on_card(bob, two_departments, number, "staff.button.claim")
    await two_departments.dispatch()
    await press_on_card(bob, two_departments, number, "staff.button.reply")
    # meanwhile the supervisor gives the ticket to herself
    await press_on_card(sue, two_departments, number, "staff.button.assign")
    await sue.press("Sue")
    before = len(ann.messages())
    await bob.send("Here is what I found")
    assert bob.last_text == said("en", "error.not_your_ticket_staff", number=number)
    await two_departments.dispatch()
    assert len(ann.messages()) == before
    await bob.send("Hello?")  # the void prompt is gone
    assert bob.last_text == said("en", "staff.nothing_to_do")
