"""Delivery at Telegram's pace: a lane per chat, cards that cost little, marks that say
"we have it" and "delivered", and a sender told when their message could not be."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace

from bot.app import runtime_of
from domain.ports import Notice
from domain.services import cards
from tests.e2e.dsl import STAFF_CHAT, DeskHarness, Person
from tests.e2e.steps import file_ticket, said, ticket_with_agent_and_supervisor
from tests.e2e.test_staff_desk import card_of, press_on_card


async def claimed(desk: DeskHarness) -> tuple[Person, Person, str]:
    ann, bob, _sue, number = await ticket_with_agent_and_supervisor(desk)
    await press_on_card(bob, desk, number, "staff.button.claim")
    await desk.dispatch()
    return ann, bob, number


async def reply(desk: DeskHarness, agent: Person, number: str, text: str) -> None:
    await press_on_card(agent, desk, number, "staff.button.reply")
    await agent.send(text)


def edits_of(desk: DeskHarness, chat_id: int) -> int:
    return sum(
        1
        for call in desk.api.calls_of("editMessageText")
        if call.params.get("chat_id") == chat_id and not call.failed
    )


async def test_an_answer_to_a_customer_does_not_wait_behind_a_held_staff_group(
    desk: DeskHarness,
) -> None:
    ann, bob, number = await claimed(desk)
    desk.api.flood(60, chat_id=STAFF_CHAT, times=None)  # the group must wait a minute
    await reply(desk, bob, number, "Please restart the till.")
    await desk.dispatch()
    assert ann.last_text == said(
        "en", "notice.agent_reply", number=number, sender="Bob", body="Please restart the till."
    )
    assert bob.reaction_on_last() == said("en", "reaction.delivered")


async def test_one_private_chat_gets_a_burst_then_one_message_a_second(
    desk: DeskHarness,
) -> None:
    async with runtime_of(desk.app).uow() as uow:
        for n in range(6):
            uow.outbox.add(Notice(4242, "ticket.claimed", "en", {"number": f"N{n}", "agent": "B"}))
        await uow.commit()
    started = desk.flood_clock()
    report = await desk.dispatch()
    assert report.sent == 6
    assert desk.texts_to(4242) == [
        said("en", "notice.claimed", number=f"N{n}", agent="B") for n in range(6)
    ]
    # three at once, then one a second: the last went three seconds later (no 429 either:
    # the harness fails a test whose bot drew one)
    assert desk.flood_clock() - started >= 3.0
    assert report.deferred > 0


async def test_queued_states_of_a_card_become_one_edit_and_an_unchanged_card_is_not_sent(
    desk: DeskHarness,
) -> None:
    ann, _bob, _sue, number = await ticket_with_agent_and_supervisor(desk)
    before = edits_of(desk, STAFF_CHAT)
    for line in ("It beeps", "Now it is silent", "Now it beeps again"):
        await ann.send(line)
    await desk.dispatch()
    assert edits_of(desk, STAFF_CHAT) == before + 1
    assert said("en", "card.last_message", body="Now it beeps again") in (
        card_of(desk, number).plain_text or ""
    )

    runtime = runtime_of(desk.app)
    async with runtime.uow() as uow:
        ticket = await uow.tickets.get_by_number(number)
        assert ticket is not None
        await cards.ticket_changed(uow, runtime.desk.policy, ticket)
        await uow.commit()
    report = await desk.dispatch()
    assert (report.unchanged, report.calls) == (1, 0)
    assert edits_of(desk, STAFF_CHAT) == before + 1


async def test_a_new_urgent_tickets_card_is_posted_first(desk: DeskHarness) -> None:
    customers = [desk.customer(1100 + n, f"C{n}") for n in range(4)]
    numbers = [await file_ticket(c, f"Question {n}") for n, c in enumerate(customers[:3])]
    urgent = await file_ticket(customers[3], "The shop is closed: nothing works", stopped=True)
    await desk.dispatch()
    posted = [m.plain_text or "" for m in desk.api.messages_to(STAFF_CHAT)]
    assert urgent in posted[0]
    assert [n for n in numbers if any(n in text for text in posted[1:])] == numbers


async def test_a_burst_of_customer_lines_reaches_the_agent_as_one_message(
    desk: DeskHarness,
) -> None:
    ann, bob, number = await claimed(desk)
    before = len(bob.messages())
    for line in ("First line", "Second line", "Third line"):
        await ann.send(line)
    await desk.dispatch()
    relayed = bob.messages()[before:]
    assert len(relayed) == 1
    assert relayed[0].plain_text == said(
        "en",
        "notice.customer_message",
        number=number,
        sender="Ann",
        body="First line\nSecond line\nThird line",
    )
    assert ann.reaction_on_last() == said("en", "reaction.received")


async def test_an_answer_the_customer_cannot_get_is_reported_to_the_agent(
    desk: DeskHarness,
) -> None:
    ann, bob, number = await claimed(desk)
    desk.api.blocked(chat_id=ann.id, times=None)
    await reply(desk, bob, number, "Please restart the till.")
    report = await desk.dispatch()
    assert report.parked == 1
    assert bob.last_text == said("en", "notice.undelivered_blocked", number=number)
    assert bob.reaction_on_last() is None
    assert said("en", "card.undelivered_blocked") in (card_of(desk, number).plain_text or "")


async def queue_notices(desk: DeskHarness, chat_id: int, count: int) -> None:
    async with runtime_of(desk.app).uow() as uow:
        for n in range(count):
            uow.outbox.add(
                Notice(chat_id, "ticket.claimed", "en", {"number": f"N{n}", "agent": "B"})
            )
        await uow.commit()


async def test_the_outbox_keeps_to_the_configured_pace_per_private_chat(desk: DeskHarness) -> None:
    desk.overrides.update({"outbox": {"private_chat_per_second": 0.5}})
    await desk.restart()
    await queue_notices(desk, 4242, 6)
    started = desk.flood_clock()
    assert (await desk.dispatch()).sent == 6
    # three at once, then one every two seconds
    assert desk.flood_clock() - started >= 6.0


async def test_the_outbox_keeps_to_the_configured_pace_per_group(desk: DeskHarness) -> None:
    desk.overrides.update({"outbox": {"group_per_minute": 6}})
    await desk.restart()
    await queue_notices(desk, STAFF_CHAT, 8)
    started = desk.flood_clock()
    assert (await desk.dispatch()).sent == 8
    # six at once, then one every ten seconds
    assert desk.flood_clock() - started >= 20.0


async def test_the_outbox_keeps_to_the_configured_overall_pace(desk: DeskHarness) -> None:
    desk.overrides.update({"outbox": {"overall_per_second": 2}})
    await desk.restart()
    for chat in range(5001, 5007):
        await queue_notices(desk, chat, 1)
    started = desk.flood_clock()
    assert (await desk.dispatch()).sent == 6
    # six chats, each free to get a message, but two a second for the whole bot
    assert desk.flood_clock() - started >= 2.0


async def test_the_running_dispatcher_survives_a_database_that_fails_and_sends_when_woken(
    desk: DeskHarness,
) -> None:
    """The loop `feedback-desk run` starts: a claim that fails is logged, not fatal; a
    commit wakes it at once (no poll interval to wait for)."""
    runtime = runtime_of(desk.app)
    dispatcher = runtime.dispatcher
    claim = dispatcher.store.claim_due
    failures = [RuntimeError("database is locked")]

    async def failing_once(**kwargs):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop()
        return await claim(**kwargs)

    dispatcher.store.claim_due = failing_once  # type: ignore[method-assign]
    dispatcher.settings = replace(dispatcher.settings, interval_seconds=60.0)
    sent = asyncio.Event()
    task = asyncio.create_task(dispatcher.serve(desk.app.bot, lambda r: r.sent and sent.set()))
    try:
        await asyncio.sleep(0)  # the loop's first claim fails
        await queue_notices(desk, 4242, 1)  # the commit wakes it
        async with asyncio.timeout(10):  # far under the 60 s interval
            await sent.wait()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert failures == []
    assert desk.texts_to(4242) == [said("en", "notice.claimed", number="N0", agent="B")]
