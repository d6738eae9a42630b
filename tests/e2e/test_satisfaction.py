"""Closing the loop: confirmation, auto-close, the 1-5 poll, its reminder, the second round."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.dsl import ALL_TYPES, STAFF_CHAT, DeskHarness, Person
from tests.e2e.steps import add_staff, file_ticket, label, labels, said, ticket_row
from tests.e2e.test_staff_desk import card_of, press_on_card

SUPERVISOR = 800001
LOCALES = [pytest.param("en", id="english"), pytest.param("zh", id="chinese")]


@pytest.fixture
async def desk(desk: DeskHarness) -> DeskHarness:
    desk.overrides["departments"] = [
        {
            "code": "support",
            "name": "Support",
            "types": ALL_TYPES,
            "staff_chat_id": STAFF_CHAT,
            "supervisor": SUPERVISOR,
        }
    ]
    await desk.restart()
    return desk


async def resolved_ticket(
    desk: DeskHarness, text: str = "Done.", locale: str = "en"
) -> tuple[Person, Person, str]:
    """Ann (in `locale`) files a ticket, Bob claims and resolves it with `text`."""
    ann = desk.customer(1001, "Ann", lang=locale)
    bob = desk.customer(2001, "Bob")
    await add_staff(desk, bob)
    number = await file_ticket(ann)
    await desk.dispatch()
    await press_on_card(bob, desk, number, "staff.button.claim")
    await desk.dispatch()
    await resolve(desk, bob, number, text)
    return ann, bob, number


async def resolve(desk: DeskHarness, bob: Person, number: str, text: str) -> None:
    await press_on_card(bob, desk, number, "staff.button.resolve")
    await bob.send(text)
    await desk.dispatch()


def polls(person: Person) -> list:
    return [m for m in person.messages() if any(b["text"].startswith("5") for b in m.buttons)]


@pytest.mark.parametrize("locale", LOCALES)
async def test_solved_then_a_five(desk: DeskHarness, locale: str):
    ann, _, number = await resolved_ticket(desk, "Replaced the sensor.", locale)
    await ann.press(label(locale, "confirm.button.solved"))
    await desk.dispatch()
    assert ann.last_text == said(locale, "poll.ask", number=number)
    assert labels(ann.last_message) == [label(locale, f"poll.score_{n}") for n in range(1, 6)]
    poll = ann.last_message
    five = poll.button(label(locale, "poll.score_5"))["callback_data"]
    await ann.press(label(locale, "poll.score_5"))
    assert ann.last_text == said(locale, "poll.ask_comment", number=number)
    await ann.send("Fast and friendly, thanks!")
    assert ann.last_text == said(locale, "poll.thanks")
    row = await ticket_row(desk, number)
    assert (row.status, row.score, row.score_comment, row.round) == (
        "closed",
        5,
        "Fast and friendly, thanks!",
        1,
    )
    # a second press on the same poll (a slow client) changes nothing and says so
    await ann.press_data(five.rsplit(":", 1)[0] + ":1", on=poll)
    assert ann.last_text == said(locale, "poll.already", number=number)
    assert (await ticket_row(desk, number)).score == 5


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_long_way_round(desk: DeskHarness, locale: str):
    sue = desk.customer(SUPERVISOR, "Sue", lang=locale)
    await sue.send("/start")
    ann, bob, number = await resolved_ticket(desk, "Rebooted the till.", locale)

    # not solved: back to Bob; resolved again; then silence
    await ann.press(label(locale, "confirm.button.not_solved"))
    await desk.dispatch()
    await resolve(desk, bob, number, "Replaced the till.")
    resolved_at = desk.clock.now()
    desk.clock.set(resolved_at + timedelta(days=3) - timedelta(minutes=1))
    await desk.sweep()
    assert (await ticket_row(desk, number)).status == "resolved"
    desk.clock.set(resolved_at + timedelta(days=3))
    await desk.sweep()
    await desk.dispatch()
    assert (await ticket_row(desk, number)).status == "closed"
    assert ann.last_text == said(locale, "poll.ask", number=number)
    poll = ann.last_message

    # one reminder after 24 h, never a second
    desk.clock.advance(hours=23, minutes=59)
    await desk.sweep()
    await desk.dispatch()
    assert ann.last_message.message_id == poll.message_id
    desk.clock.advance(minutes=1)
    await desk.sweep()
    await desk.dispatch()
    assert ann.last_text == said(locale, "poll.reminder", number=number)
    desk.clock.advance(days=2)
    await desk.sweep()
    await desk.dispatch()
    assert len([t for t in ann.texts() if t == said(locale, "poll.reminder", number=number)]) == 1

    # a 2 with a comment: a second round at the supervisor
    await ann.press(label(locale, "poll.score_2"), on=ann.last_message)
    assert ann.last_text == said(locale, "poll.ask_comment_low", number=number)
    await ann.send("The new till is just as slow")
    await desk.dispatch()
    assert said(locale, "poll.second_round", number=number) in ann.texts()
    assert sue.last_text == said(locale, "notice.second_round", number=number, score=2)
    row = await ticket_row(desk, number)
    assert (row.status, row.round, row.score) == ("in_progress", 2, 2)
    card = card_of(desk, number)
    assert said("en", "card.second_round", score=2) in card.plain_text
    assert (
        said("en", "card.score_comment", comment="The new till is just as slow") in card.plain_text
    )
    # second-round SLA: acknowledge within 1 h of its start, around the clock
    assert row.ack_due_at == desk.clock.now() + timedelta(hours=1)

    # Sue resolves, Ann confirms, a new poll comes for the second round
    await press_on_card(sue, desk, number, "staff.button.resolve")
    await sue.send("Installed the fast model, free of charge.")
    await desk.dispatch()
    await ann.press(label(locale, "confirm.button.solved"))
    await desk.dispatch()
    assert ann.last_text == said(locale, "poll.ask", number=number)
    assert len(polls(ann)) == 2
    # the first poll is out of date now
    await ann.press(label(locale, "poll.score_5"), on=polls(ann)[0])
    assert ann.last_text == said(locale, "poll.replaced", number=number)
    await ann.press(label(locale, "poll.score_4"), on=polls(ann)[1])
    assert (await ticket_row(desk, number)).score == 4
    assert (await ticket_row(desk, number)).status == "closed"  # no third round


async def test_forged_scores_other_polls_and_expired_polls(desk: DeskHarness):
    eve = desk.customer(1002, "Eve")
    ann, _, number = await resolved_ticket(desk)
    await ann.press(label("en", "confirm.button.solved"))
    await desk.dispatch()
    poll = ann.last_message
    data = poll.button(label("en", "poll.score_1"))["callback_data"]
    poll_id = data.split(":")[2]
    for forged in (f"v1:ps:{poll_id}:0", f"v1:ps:{poll_id}:6", "v1:ps:abc:3", "v1:pk:x"):
        await ann.press_data(forged, on=poll)
        assert ann.last_alert() == said("en", "error.bad_callback")
    await eve.press_data(data, on=poll)  # somebody else's poll
    assert eve.last_alert() == said("en", "error.bad_callback")
    assert (await ticket_row(desk, number)).score is None

    # after 7 days the answer is thanked but not counted (and starts nothing)
    desk.clock.advance(days=7, minutes=1)
    await ann.press(label("en", "poll.score_1"), on=poll)
    assert ann.last_text == said("en", "poll.expired", number=number)
    row = await ticket_row(desk, number)
    assert (row.score, row.round, row.status) == (None, 1, "closed")
    await ann.press_data(data.rsplit(":", 1)[0] + ":2", on=poll)  # a slow client's second press
    assert ann.last_text == said("en", "poll.already", number=number)


async def test_a_restart_between_close_and_delivery_still_polls_once(desk: DeskHarness):
    ann, _, number = await resolved_ticket(desk)
    await ann.press(label("en", "confirm.button.solved"))
    await desk.restart()
    await desk.dispatch()
    await desk.dispatch()
    assert [t for t in ann.texts() if t == said("en", "poll.ask", number=number)] == [
        said("en", "poll.ask", number=number)
    ]


async def test_staff_close_a_ticket_confirmed_by_phone_and_the_poll_follows(desk: DeskHarness):
    ann, bob, number = await resolved_ticket(desk)
    await press_on_card(bob, desk, number, "staff.button.close")
    await bob.send("Customer confirmed by phone")
    assert bob.last_text == said("en", "staff.done.close", number=number)
    await desk.dispatch()
    assert ann.last_text == said("en", "poll.ask", number=number)
    assert (await ticket_row(desk, number)).status == "closed"


async def test_two_instances_auto_close_and_remind_once(desk: DeskHarness, database_url: str):
    import asyncio

    other = DeskHarness(database_url, desk.clock, dict(desk.overrides))
    other.api = desk.api  # one Telegram: what either instance sends, Ann sees
    await other.start()
    try:
        ann, _, number = await resolved_ticket(desk)
        desk.clock.advance(days=3)
        await asyncio.gather(desk.sweep(), other.sweep())
        desk.clock.advance(days=1)
        await asyncio.gather(desk.sweep(), other.sweep())
        await desk.dispatch()
        await other.dispatch()
        assert ann.texts().count(said("en", "poll.ask", number=number)) == 1
        assert ann.texts().count(said("en", "poll.reminder", number=number)) == 1
    finally:
        await other.stop()
