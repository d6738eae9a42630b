"""Writing to the bot outside a flow: the message goes onto the customer's open ticket."""

from __future__ import annotations

import pytest

from bot.sandbox.clocks import FakeClock
from tests.e2e.dsl import DeskHarness
from tests.e2e.steps import (
    file_ticket,
    labels,
    my_ticket_labels,
    open_my_ticket,
    said,
    ticket_number_in,
)


@pytest.mark.parametrize(("language_code", "locale"), [("en", "en"), ("zh-hans", "zh")])
async def test_without_an_open_ticket_the_customer_is_pointed_to_new(
    desk: DeskHarness, language_code: str, locale: str
) -> None:
    ann = desk.customer(301, "Ann", lang=language_code)
    await ann.send("Hello, is anybody there?")
    assert ann.last_text == said(locale, "message.no_open_ticket")
    await ann.send_photo("p1", caption="look")
    assert ann.last_text == said(locale, "message.no_open_ticket")
    assert await my_ticket_labels(ann) == []


async def test_with_one_open_ticket_a_message_is_added_to_it(
    desk: DeskHarness, clock: FakeClock
) -> None:
    ann = desk.customer(302, "Ann")
    number = await file_ticket(ann, "Till broken")
    clock.advance(minutes=3)

    before = len(ann.messages())
    await ann.send("It works again after a restart, but slowly")
    await desk.dispatch()
    assert ann.reaction_on_last() == said("en", "reaction.received")
    clock.advance(minutes=1)
    await ann.send_photo("screen", caption="The error on the screen")
    await ann.send_document("log", name="till.log", mime="text/plain")
    await desk.dispatch()
    # one mark for the burst: on the newest message, and not a word in the chat
    assert ann.reactions() == {
        ann.sent[-3]: said("en", "reaction.received"),
        ann.sent[-1]: said("en", "reaction.received"),
    }
    assert len(ann.messages()) == before

    detail = await open_my_ticket(ann, number)
    assert (detail.plain_text or "").endswith(
        "2026-11-23 10:03 — you: It works again after a restart, but slowly\n"
        "2026-11-23 10:04 — you: The error on the screen (+1 file)\n"
        "2026-11-23 10:04 — you: (file) (+1 file)"
    )


async def test_a_withdrawn_ticket_takes_no_more_messages(desk: DeskHarness) -> None:
    ann = desk.customer(303, "Ann")
    number = await file_ticket(ann, "Till broken")
    detail = await open_my_ticket(ann, number)
    await ann.press("Withdraw this ticket", on=detail)
    await ann.press("Yes, withdraw it", on=desk.api.message(ann.id, detail.message_id))

    await ann.send("One more thing")
    assert ann.last_text == said("en", "message.no_open_ticket")
    detail = await open_my_ticket(ann, number)
    assert "One more thing" not in (detail.plain_text or "")


async def test_with_several_open_tickets_the_customer_picks_one(
    desk: DeskHarness, clock: FakeClock
) -> None:
    ann = desk.customer(304, "Ann")
    till = await file_ticket(ann, "Till broken")
    printer = await file_ticket(ann, "Printer jammed")
    clock.advance(minutes=10)

    await ann.send_photo("jam", caption="Paper stuck here")
    question = ann.last_message
    assert question.plain_text == said("en", "message.pick_ticket")
    assert labels(question) == [f"{printer} · Printer jammed", f"{till} · Till broken"]

    await ann.press(f"{printer} · Printer jammed", on=question)
    answered = desk.api.message(ann.id, question.message_id)
    assert answered.plain_text == said("en", "message.added", number=printer)
    assert answered.buttons == []

    printer_detail = await open_my_ticket(ann, printer)
    assert (printer_detail.plain_text or "").endswith(
        "2026-11-23 10:10 — you: Paper stuck here (+1 file)"
    )
    till_detail = await open_my_ticket(ann, till)
    assert "Paper stuck here" not in (till_detail.plain_text or "")

    # The question was answered: pressing one of its old buttons adds nothing anywhere.
    await ann.press_data(f"v1:pick:{till}", on=answered)
    assert ann.last_alert() == said("en", "error.bad_callback")
    assert desk.api.message(ann.id, question.message_id).plain_text == said(
        "en", "message.added", number=printer
    )
    till_detail = await open_my_ticket(ann, till)
    assert "Paper stuck here" not in (till_detail.plain_text or "")
    printer_detail = await open_my_ticket(ann, printer)
    assert (printer_detail.plain_text or "").count("Paper stuck here") == 1


async def test_a_chinese_customer_with_two_tickets_is_asked_in_chinese(
    desk: DeskHarness,
) -> None:
    li = desk.customer(305, "Li", lang="zh-hans")
    first = await file_ticket(li, "收银机坏了")
    second = await file_ticket(li, "打印机卡纸")
    await li.send("还是不行")
    assert li.last_text == said("zh", "message.pick_ticket")
    await li.press(f"{first} · 收银机坏了")
    assert ticket_number_in(li.last_text) == first
    assert li.last_text == said("zh", "message.added", number=first)
    assert second != first
