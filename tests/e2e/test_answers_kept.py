"""An answer the customer waits for survives the process dying between the commit and the
reply: it is committed with the work as an outbox row that goes out only if the handler's
own answer was never confirmed sent (the handler's send fails here, as the dead process's
would never happen); once confirmed, it never goes a second time, across a restart too."""

from __future__ import annotations

from sqlalchemy import update

from bot.app import runtime_of
from bot.sandbox import updates
from bot.sandbox.clocks import FakeClock
from storage.models import OutboxRow
from tests.e2e.dsl import DeskHarness, Person
from tests.e2e.steps import add_staff, file_ticket, label, outbox_rows, t
from tests.e2e.test_staff_desk import press_on_card

ANN = 501


async def test_a_wizard_question_lost_with_the_process_comes_from_the_outbox_once(
    desk: DeskHarness, clock: FakeClock
) -> None:
    ann = desk.customer(ANN, "Ann")
    desk.api.fail_next("sendMessage", chat_id=ANN, status=502, description="Bad Gateway")
    await ann.send("/new")
    question = t("en", "intake.ask_type")
    assert not any(question in text for text in desk.texts_to(ANN))

    await desk.dispatch()
    assert not any(question in text for text in desk.texts_to(ANN))  # not due yet
    clock.advance(seconds=30)
    await desk.dispatch()
    clock.advance(minutes=10)
    await desk.dispatch()

    asked = [m for m in desk.api.messages_to(ANN) if question in (m.plain_text or "")]
    assert len(asked) == 1
    assert asked[0].button(label("en", "type.complaint"))  # with its buttons, to go on
    await ann.press(label("en", "type.complaint"), on=asked[0])
    assert t("en", "intake.ask_description", limit=4000) in ann.last_text  # at once


async def test_an_answer_that_went_out_is_not_sent_again_after_a_restart(
    desk: DeskHarness, clock: FakeClock
) -> None:
    ann = desk.customer(ANN, "Ann")
    await ann.send("/new")
    await ann.press(label("en", "type.complaint"))
    await ann.send("/cancel")
    before = desk.texts_to(ANN)

    await desk.restart()
    clock.advance(hours=1)
    await desk.dispatch()

    assert desk.texts_to(ANN) == before
    kept = await outbox_rows(desk, receipts=True)
    assert len(kept) == len(before)
    assert {row.status for row in kept} == {"sent"}
    assert sorted(row.message_id for row in kept) == sorted(
        m.message_id for m in desk.api.messages_to(ANN)
    )


async def claimed(desk: DeskHarness) -> tuple[Person, Person, str]:
    """Ann's ticket, claimed by Bob from the staff group."""
    ann = desk.customer(ANN, "Ann")
    bob = desk.customer(2001, "Bob")
    await add_staff(desk, bob)
    number = await file_ticket(ann)
    await desk.dispatch()
    await press_on_card(bob, desk, number, "staff.button.claim")
    return ann, bob, number


async def test_an_agents_result_lost_with_the_process_comes_from_the_outbox_once(
    desk: DeskHarness, clock: FakeClock
) -> None:
    _, bob, number = await claimed(desk)
    await press_on_card(bob, desk, number, "staff.button.note")

    desk.api.fail_next("sendMessage", chat_id=bob.id, status=502, description="Bad Gateway")
    await bob.send("Drawer sensor again")
    done = t("en", "staff.done.note", number=number)
    assert done not in desk.texts_to(bob.id)
    clock.advance(seconds=30)
    await desk.dispatch()
    clock.advance(hours=1)
    await desk.dispatch()

    assert desk.texts_to(bob.id).count(done) == 1


async def test_an_agent_answers_a_relay_whose_delivery_the_desk_never_learnt(
    desk: DeskHarness,
) -> None:
    """The instance died while sending the customer's message: Telegram had it, the desk
    never learnt its id (the row was parked in flight). The agent's Telegram reply to it
    still reaches the customer: the message shows the ticket's number."""
    ann, bob, _ = await claimed(desk)
    await ann.send("It still beeps")
    await desk.dispatch()
    relayed = bob.last_message
    async with runtime_of(desk.app).uow.engine.begin() as connection:
        await connection.execute(
            update(OutboxRow)
            .where(OutboxRow.chat_id == bob.id, OutboxRow.message_id == relayed.message_id)
            .values(status="parked", message_id=None)
        )

    await desk.feed(updates.text_message(bob.bot, bob.user, "Unplug it", reply_to=relayed))
    await desk.dispatch()

    assert "Unplug it" in ann.last_text
    forged = {**relayed.message, "from": {"id": 9, "is_bot": False, "first_name": "Eve"}}
    await desk.feed(updates.text_message(bob.bot, bob.user, "Not this one", reply_to=forged))
    await desk.dispatch()
    assert "Not this one" not in ann.last_text  # only the desk's own messages count


async def test_a_greeting_lost_with_the_process_comes_from_the_outbox_once(
    desk: DeskHarness, clock: FakeClock
) -> None:
    ann = desk.customer(ANN, "Ann")
    desk.api.fail_next("sendMessage", chat_id=ANN, status=502, description="Bad Gateway")
    await ann.send("/start")
    greeting = t("en", "start.customer", name="Ann")
    assert greeting not in desk.texts_to(ANN)

    clock.advance(seconds=30)
    await desk.dispatch()
    await ann.send("/start")  # greeted again at once: the kept copy is not sent twice
    clock.advance(hours=1)
    await desk.dispatch()

    assert desk.texts_to(ANN).count(greeting) == 2


async def test_an_answer_the_customer_is_past_is_never_sent_late(
    desk: DeskHarness, clock: FakeClock
) -> None:
    """The question of one step was lost, but Ann went on (she typed the next step's answer
    anyway): that old question is moot and never comes 30 s later, out of place."""
    ann = desk.customer(ANN, "Ann")
    await ann.send("/new")
    desk.api.fail_next("sendMessage", chat_id=ANN, status=502, description="Bad Gateway")
    await ann.press(label("en", "type.complaint"))
    await ann.send("Till broken\nIt beeps")
    asked = len(desk.texts_to(ANN))

    clock.advance(minutes=5)
    await desk.dispatch()

    assert len(desk.texts_to(ANN)) == asked
    assert t("en", "intake.ask_description", limit=4000) not in desk.texts_to(ANN)


async def test_when_two_answers_were_lost_only_the_newer_comes_and_the_older_is_dropped(
    desk: DeskHarness, clock: FakeClock
) -> None:
    ann = desk.customer(ANN, "Ann")
    desk.api.fail_next("sendMessage", chat_id=ANN, status=502, description="Bad Gateway")
    await ann.send("/new")
    desk.api.fail_next("sendMessage", chat_id=ANN, status=502, description="Bad Gateway")
    await ann.send("/cancel")
    question = t("en", "intake.ask_type")

    clock.advance(seconds=30)
    await desk.dispatch()

    assert question not in desk.texts_to(ANN)
    assert t("en", "intake.cancelled") in desk.texts_to(ANN)
    kept = await outbox_rows(desk, receipts=True)
    assert sorted(row.status for row in kept) == ["sent", "superseded"]
