"""`/new` for a customer who already has open tickets: the summary offers "add to FB-…
instead", which puts the description and files on that ticket and files nothing new."""

from __future__ import annotations

import pytest

from domain.people import Role
from storage.models import ConversationRow, TicketEventRow
from tests.e2e.dsl import DeskHarness, Person
from tests.e2e.steps import (
    add_staff,
    count_rows,
    file_ticket,
    label,
    labels,
    open_my_ticket,
    said,
    start_new,
    ticket_count,
    ticket_row,
)
from tests.e2e.test_merge import history_kinds
from tests.e2e.test_staff_desk import press_on_card

LOCALES = [pytest.param("en", id="english"), pytest.param("zh", id="chinese")]


async def up_to_summary(person: Person, locale: str, description: str, photos: int = 0) -> None:
    """`/new` up to its summary, with no reference, contact or stop."""
    await start_new(person, "complaint", description, locale=locale)
    for n in range(photos):
        await person.send_photo(f"again-{n}")
    await person.press(label(locale, "button.done"))
    await person.press(label(locale, "button.skip"))
    await person.send(label(locale, "button.skip_contact"))
    await person.press(label(locale, "button.no_stopped"))


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_summary_offers_the_open_ticket_and_adding_files_nothing_new(
    desk: DeskHarness, locale: str
):
    ann = desk.customer(1001, "Ann", lang=locale)
    bob = desk.customer(2001, "Bob", lang=locale)
    await add_staff(desk, bob)
    number = await file_ticket(ann, "Till broken")
    await desk.dispatch()
    await press_on_card(bob, desk, number, "staff.button.claim")
    await desk.dispatch()

    await up_to_summary(ann, locale, "The till beeps again", photos=1)
    summary = ann.last_message
    assert said(locale, "merge.offer_at_intake", count=1) in (summary.plain_text or "")
    add = label(locale, "merge.add_to", number=number)
    assert labels(summary) == [
        label(locale, "button.submit"),
        add,
        label(locale, "button.edit"),
        label(locale, "button.cancel"),
    ]
    await ann.press(add)
    assert ann.last_text == said(locale, "merge.added", number=number)
    await desk.dispatch()

    # no new ticket; the words and the photo are on the open one, and reach its agent
    assert await ticket_count(desk) == 1
    assert (await history_kinds(desk, number))[-1][0] == "customer_message"
    assert (await ticket_row(desk, number)).attachment_count == 1
    assert (
        said(
            bob.user.language_code or "en",
            "notice.customer_message",
            number=number,
            sender="Ann",
            body="The till beeps again",
        )
        in bob.texts()
    )
    # the draft is gone: /new starts afresh
    await ann.send("/new")
    assert ann.last_text.startswith(said(locale, "intake.ask_type").split("\n")[0])


@pytest.mark.parametrize("locale", LOCALES)
async def test_without_open_tickets_there_is_no_offer(desk: DeskHarness, locale: str):
    ann = desk.customer(1001, "Ann", lang=locale)
    number = await file_ticket(ann, "Till broken")
    await open_my_ticket(ann, number)
    await ann.press(label(locale, "button.withdraw"))
    await ann.press(label(locale, "button.withdraw_confirm"))
    assert (await ticket_row(desk, number)).status == "withdrawn"
    await up_to_summary(ann, locale, "Another thing")
    assert labels(ann.last_message) == [
        label(locale, "button.submit"),
        label(locale, "button.edit"),
        label(locale, "button.cancel"),
    ]
    assert said(locale, "merge.offer_at_intake", count=1) not in ann.last_text


@pytest.mark.parametrize("locale", LOCALES)
async def test_stale_forged_and_staff_presses_of_the_offer_change_nothing(
    desk: DeskHarness, locale: str
):
    ann = desk.customer(1001, "Ann", lang=locale)
    eve = desk.customer(1002, "Eve", lang=locale)
    bob = desk.customer(2001, "Bob", lang=locale)
    await add_staff(desk, bob, Role.AGENT)
    await bob.send("/start")
    number = await file_ticket(ann, "Till broken")
    theirs = await file_ticket(eve, "Printer jams")
    await up_to_summary(ann, locale, "Till again")
    summary = ann.last_message

    async def unchanged(person: Person, data: str) -> str | None:
        before = (
            await ticket_count(desk),
            await count_rows(desk, TicketEventRow),
            await count_rows(desk, ConversationRow),
        )
        await person.press_data(data, on=summary if person is ann else person.last_message)
        assert (
            await ticket_count(desk),
            await count_rows(desk, TicketEventRow),
            await count_rows(desk, ConversationRow),
        ) == before
        return person.last_alert()

    # another customer's ticket; a staff member; the offer when there is no summary
    alert = await unchanged(ann, f"v1:addto:{theirs}")
    assert alert == said(locale, "error.ticket_not_found", number=theirs)
    alert = await unchanged(bob, f"v1:addto:{number}")
    assert alert == said(locale, "error.customers_only", role=said(locale, "role.agent"))
    alert = await unchanged(eve, f"v1:addto:{theirs}")
    assert alert == said(locale, "error.bad_callback")
    # Submit files the new ticket; the offer pressed afterwards is out of date
    await ann.press(label(locale, "button.submit"), on=summary)
    assert await ticket_count(desk) == 3
    alert = await unchanged(ann, f"v1:addto:{number}")
    assert alert == said(locale, "error.bad_callback")
