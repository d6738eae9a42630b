"""Agents work tickets from their phones: cards, claim, the conversation with the customer,
transfer, collaboration, resolution and its confirmation."""

from __future__ import annotations

import pytest

from bot.sandbox import updates
from tests.e2e.dsl import ALL_TYPES, STAFF_CHAT, DeskHarness, Person
from tests.e2e.steps import (
    add_staff,
    file_ticket,
    label,
    labels,
    open_my_ticket,
    said,
    ticket_row,
)

BILLING_SUPERVISOR = 700001
TWO_DEPARTMENTS = {
    "departments": [
        {
            "code": "support",
            "name": "Support",
            "types": [t for t in ALL_TYPES if t not in ("after_sales", "change_request")],
            "staff_chat_id": STAFF_CHAT,
        },
        {
            "code": "billing",
            "name": "Billing",
            "types": ["after_sales", "change_request"],
            "supervisor": BILLING_SUPERVISOR,
        },
    ]
}

LOCALES = [pytest.param("en", id="english"), pytest.param("zh", id="chinese")]


def card_of(desk: DeskHarness, number: str, chat: int = STAFF_CHAT):
    """The newest card of ticket `number` in `chat` (cards are edited, never re-sent)."""
    cards = [m for m in desk.api.messages_to(chat) if f"🎫 {number}" in (m.plain_text or "")]
    assert cards, f"no card of {number} in {chat}"
    return cards[-1]


async def press_on_card(person: Person, desk: DeskHarness, number: str, key: str, chat=STAFF_CHAT):
    card = card_of(desk, number, chat)
    await person.press(label(chat_locale(desk, chat, person), key), on=card)


def chat_locale(desk: DeskHarness, chat: int, person: Person) -> str:
    # the group's cards are in the desk's default language; private cards in the reader's
    return "en" if chat == STAFF_CHAT else (person.user.language_code or "en")


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_whole_conversation_between_customer_and_agent_with_media_both_ways(
    two_departments: DeskHarness, locale: str
):
    desk = two_departments
    ann = desk.customer(1001, "Ann", lang=locale)
    bob = desk.customer(2001, "Bob", lang=locale)
    await add_staff(desk, bob)

    number = await file_ticket(ann, "Till broken\nIt beeps", photos=1, phone="+8613812345678")
    await desk.dispatch()
    card = card_of(desk, number)
    assert label("en", "staff.button.claim") in labels(card)
    assert "138****5678" in (card.plain_text or "")

    # Bob claims from the group; the customer hears somebody is on it; the card says who
    await press_on_card(bob, desk, number, "staff.button.claim")
    await desk.dispatch()
    assert ann.last_text == said(locale, "notice.claimed", number=number, agent="Bob")
    card = card_of(desk, number)
    assert said("en", "card.assignee", name="Bob") in (card.plain_text or "")
    assert label("en", "staff.button.reply") in labels(card)
    assert (
        len([m for m in desk.api.messages_to(STAFF_CHAT) if number in (m.plain_text or "")]) == 1
    )
    row = await ticket_row(desk, number)
    assert row.acknowledged_at == desk.clock.now()
    assert row.first_response_at == desk.clock.now()  # "Bob is on it" reached the customer

    # Reply: the prompt comes privately; the next message goes to the customer
    await press_on_card(bob, desk, number, "staff.button.reply")
    assert bob.last_text == said(locale, "staff.prompt.reply", number=number)
    await bob.send("Please restart the till and tell me what it shows.")
    # no "sent" before it is: Bob's message gets its mark once Telegram has delivered it
    assert bob.last_text == said(locale, "staff.prompt.reply", number=number)
    assert bob.reaction_on_last() is None
    await desk.dispatch()
    assert bob.reaction_on_last() == said(locale, "reaction.delivered")
    assert ann.last_text == said(
        locale,
        "notice.agent_reply",
        number=number,
        sender="Bob",
        body="Please restart the till and tell me what it shows.",
    )

    # the customer answers with a photo: it reaches Bob with a Reply button
    await ann.send_photo("photo-screen", caption="It shows E42")
    await desk.dispatch()
    relayed = bob.last_message
    sent_photo = desk.api.calls_of("sendPhoto")[-1]
    assert (sent_photo.params["chat_id"], sent_photo.params["photo"]) == (bob.id, "photo-screen")
    assert label(locale, "staff.button.reply") in labels(relayed)

    # Bob answers with Telegram's reply-to, with a document
    await desk.feed(
        updates.document(
            bob.bot,
            bob.user,
            "doc-manual",
            50_000,
            "manual.pdf",
            "application/pdf",
            reply_to=relayed,
        )
    )
    await desk.dispatch()
    sent = desk.api.calls_of("sendDocument")[-1]
    assert (sent.params["chat_id"], sent.params["document"]) == (ann.id, "doc-manual")

    # a note never reaches the customer, and is not in their history
    before = len(ann.messages())
    await press_on_card(bob, desk, number, "staff.button.note")
    await bob.send("Customer sounds stressed; E42 is the drawer sensor.")
    await desk.dispatch()
    assert len(ann.messages()) == before
    detail = await open_my_ticket(ann, number)
    assert "drawer sensor" not in (detail.plain_text or "")
    assert "Please restart the till" in (detail.plain_text or "")


@pytest.mark.parametrize("locale", LOCALES)
async def test_resolve_not_solved_resolve_solved(two_departments: DeskHarness, locale: str):
    desk = two_departments
    ann = desk.customer(1001, "Ann", lang=locale)
    bob = desk.customer(2001, "Bob", lang=locale)
    await add_staff(desk, bob)
    number = await file_ticket(ann)
    await desk.dispatch()
    await press_on_card(bob, desk, number, "staff.button.claim")
    await desk.dispatch()

    # a resolution needs words
    await press_on_card(bob, desk, number, "staff.button.resolve")
    await bob.send_photo("photo-proof")
    assert bob.last_text == said(locale, "staff.need_text.resolve")
    await bob.send("Replaced the drawer sensor.")
    assert bob.last_text == said(locale, "staff.done.resolve", number=number)
    await desk.dispatch()
    assert ann.last_text == said(
        locale, "notice.resolved", number=number, resolution="Replaced the drawer sensor."
    )
    assert (await ticket_row(desk, number)).status == "resolved"

    await ann.press(label(locale, "confirm.button.not_solved"))
    assert ann.last_text == said(locale, "confirm.reopened", number=number)
    await desk.dispatch()
    assert bob.last_text == said(locale, "notice.reopened", number=number)
    row = await ticket_row(desk, number)
    assert (row.status, row.assignee_id is not None) == ("in_progress", True)

    # an old "Solved" button of the first resolution does nothing now
    first_resolution = [m for m in ann.messages() if "drawer sensor" in (m.plain_text or "")]
    await ann.press_data(f"v1:cf:{number}:y", on=first_resolution[0])
    assert ann.last_alert() == said(locale, "error.not_resolved", number=number)
    assert (await ticket_row(desk, number)).status == "in_progress"

    await desk.dispatch()
    await press_on_card(bob, desk, number, "staff.button.resolve")
    await bob.send("Replaced the whole drawer.")
    await desk.dispatch()
    await ann.press(label(locale, "confirm.button.solved"))
    assert ann.last_text == said(locale, "confirm.solved", number=number)
    assert (await ticket_row(desk, number)).status == "closed"
    await desk.dispatch()
    card = card_of(desk, number)
    assert labels(card) == [label("en", "staff.button.hist")]  # nothing left to do on it


@pytest.mark.parametrize("locale", LOCALES)
async def test_transfer_and_collaboration_across_two_departments(
    two_departments: DeskHarness, locale: str
):
    desk = two_departments
    ann = desk.customer(1001, "Ann", lang=locale)
    bob = desk.customer(2001, "Bob", lang=locale)
    carol = desk.customer(BILLING_SUPERVISOR, "Carol", lang=locale)
    await add_staff(desk, bob)
    await carol.send("/start")  # config made Carol billing's supervisor
    number = await file_ticket(ann)
    await desk.dispatch()
    await press_on_card(bob, desk, number, "staff.button.claim")
    await desk.dispatch()

    # collaborate: billing gets a card with the question; its answer reaches Bob
    await press_on_card(bob, desk, number, "staff.button.collab")
    await bob.press(label(locale, "staff.label", name="Billing"))
    await bob.send("Was this customer charged twice on Monday?")
    assert bob.last_text == said(locale, "staff.done.collab", number=number, department="Billing")
    await desk.dispatch()
    collab_card = card_of(desk, number, carol.id)
    assert "charged twice" in (collab_card.plain_text or "")
    assert label(locale, "staff.button.answer") in labels(collab_card)
    # the question is not the customer's business
    assert all("charged twice" not in text for text in ann.texts())

    await carol.press(label(locale, "staff.button.answer"), on=collab_card)
    await carol.send("Yes, refund 88.00 issued today.")
    await desk.dispatch()
    assert bob.last_text == said(
        locale,
        "notice.collab_answer",
        number=number,
        by="Carol",
        body="Yes, refund 88.00 issued today.",
    )

    # transfer to billing: the reason is required; billing's supervisor gets a card
    await press_on_card(bob, desk, number, "staff.button.xfer")
    await bob.press(label(locale, "staff.to_department", name="Billing"))
    assert bob.last_text == said(locale, "staff.prompt.xfer", number=number)
    await bob.send_sticker()
    assert bob.last_text == said(locale, "staff.need_text.xfer")
    await bob.send("It is a billing matter.")
    assert bob.last_text == said(locale, "staff.done.xfer", number=number, target="Billing")
    await desk.dispatch()
    row = await ticket_row(desk, number)
    assert (row.status, row.assignee_id) == ("new", None)
    old_card = card_of(desk, number)
    assert said("en", "card.moved", department="Billing") in (old_card.plain_text or "")
    assert labels(old_card) == [label("en", "staff.button.hist")]
    billing_cards = [
        m
        for m in desk.api.messages_to(carol.id)
        if label(locale, "staff.button.claim") in labels(m)
    ]
    assert len(billing_cards) == 1

    # Bob is not Billing: he can no longer claim or reply; Carol can
    await bob.press(label(locale, "staff.button.claim"), on=billing_cards[0])
    assert bob.last_alert() == said(locale, "error.other_department", number=number)
    await carol.press(label(locale, "staff.button.claim"), on=billing_cards[0])
    assert (await ticket_row(desk, number)).assignee_id is not None


async def test_two_agents_pressing_claim_at_once_one_wins_the_other_is_told_who(
    desk: DeskHarness,
):
    import asyncio

    ann = desk.customer(1001, "Ann")
    bob = desk.customer(2001, "Bob")
    dan = desk.customer(2002, "Dan")
    await add_staff(desk, bob)
    await add_staff(desk, dan)
    number = await file_ticket(ann)
    await desk.dispatch()
    card = card_of(desk, number)
    data = card.button(label("en", "staff.button.claim"))["callback_data"]
    await asyncio.gather(
        desk.feed(updates.callback(bob.bot, bob.user, data, card, query_id="claim-bob")),
        desk.feed(updates.callback(dan.bot, dan.user, data, card, query_id="claim-dan")),
    )
    answers = {
        c.params["callback_query_id"]: c.params.get("text")
        for c in desk.api.calls_of("answerCallbackQuery")
        if c.params["callback_query_id"] in ("claim-bob", "claim-dan")
    }
    assert len(answers) == 2
    refused = [text for text in answers.values() if text and "already taken by" in text]
    assert len(refused) == 1
    winner = "Bob" if refused[0].endswith("Bob.") else "Dan"
    assert refused[0] == said("en", "error.claimed_by", number=number, name=winner)
    await desk.dispatch()
    assert ann.last_text == said("en", "notice.claimed", number=number, agent=winner)
    claims = [m for m in await _events(desk, number) if m == "claimed"]
    assert claims == ["claimed"]


async def _events(desk: DeskHarness, number: str) -> list[str]:
    from sqlalchemy import select

    from bot.app import runtime_of
    from storage.models import TicketEventRow, TicketRow

    async with runtime_of(desk.app).uow.engine.connect() as connection:
        rows = await connection.execute(
            select(TicketEventRow.kind)
            .join(TicketRow, TicketRow.id == TicketEventRow.ticket_id)
            .where(TicketRow.number == number)
            .order_by(TicketEventRow.id)
        )
        return [r[0] for r in rows]


async def test_a_message_on_an_unclaimed_ticket_is_added_to_its_card(desk: DeskHarness):
    ann = desk.customer(1001, "Ann")
    number = await file_ticket(ann)
    await desk.dispatch()
    await ann.send("It now shows error E42")
    await ann.send("And the drawer is stuck")
    await desk.dispatch()
    card = card_of(desk, number).plain_text or ""
    assert said("en", "card.messages", count=2) in card
    assert said("en", "card.last_message", body="And the drawer is stuck") in card
