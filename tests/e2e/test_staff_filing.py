"""`/file`: an agent files a ticket for a customer who phoned or wrote elsewhere."""

from __future__ import annotations

import pytest

from tests.e2e.dsl import STAFF_CHAT, DeskHarness
from tests.e2e.steps import add_staff, file_ticket, label, labels, said, ticket_row

LOCALES = [pytest.param("en", id="english"), pytest.param("zh", id="chinese")]


async def walk_the_wizard(agent, locale: str, *, phone: str | None) -> None:
    await agent.press(label(locale, "type.after_sales"))
    await agent.send("Fridge delivered with a dent\nCustomer phoned at 9 pm")
    await agent.send_photo("photo-dent")
    await agent.press(label(locale, "button.done"))
    await agent.press(label(locale, "button.skip"))  # no reference
    if phone is None:
        await agent.press(label(locale, "button.skip"))
    else:
        await agent.send(phone)
    await agent.press(label(locale, "button.no_stopped"))
    await agent.press(label(locale, "button.submit"))


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_agent_files_for_a_known_customer_found_by_phone(desk: DeskHarness, locale):
    ann = desk.customer(1001, "Ann")
    bob = desk.customer(2001, "Bob", lang=locale)
    await add_staff(desk, bob)
    await file_ticket(ann, phone="+8613812345678")  # Ann is known, with her phone

    await bob.send("/file")
    assert bob.last_text == said(locale, "file.ask_channel")
    await bob.press(label(locale, "channel.phone"))
    assert bob.last_text == said(locale, "file.ask_customer")
    await bob.send("138 1234 5678")
    assert bob.last_text == said(locale, "file.pick_customer", query="138 1234 5678")
    choices = labels(bob.last_message)
    assert choices[-1] == label(locale, "file.new_customer", query="138 1234 5678")
    assert choices[0] == "Ann · +86 138****5678 · C202611230001"  # staff see it masked
    await bob.press(choices[0])
    assert said(locale, "intake.ask_type") in bob.last_text
    # the contact step does not offer Bob's own number
    await walk_the_wizard(bob, locale, phone="13812345678")
    row = await desk_ticket(desk)
    assert bob.last_text == said(locale, "file.done", number=row.number, name="Ann")
    assert (row.channel, row.type, row.attachment_count) == ("phone", "after_sales", 1)
    assert row.customer_id == (await ticket_row(desk, "FB-20261123-0001")).customer_id

    await desk.dispatch()
    assert any(row.number in text for text in desk.texts_to(STAFF_CHAT))  # a card, as always
    assert ann.last_text == said(
        "en", "notice.filed_for_you", number=row.number, channel=said("en", "channel.phone")
    )
    assert not any(
        call.params.get("reply_markup", {}).get("keyboard")
        for call in desk.api.calls_of("sendMessage")
        if call.params["chat_id"] == bob.id
    )


async def test_an_agent_files_for_a_new_customer_given_by_phone_then_name(desk: DeskHarness):
    bob = desk.customer(2001, "Bob")
    await add_staff(desk, bob)
    await bob.send("/file")
    await bob.press(label("en", "channel.in_person"))
    await bob.send("+86 139 0000 2222")
    assert bob.last_text == said("en", "file.no_match", query="+86 139 0000 2222")
    await bob.press(label("en", "file.new_customer", query="+86 139 0000 2222"))
    assert bob.last_text == said("en", "file.ask_name")
    await bob.send("Mr Wang")
    await walk_the_wizard(bob, "en", phone=None)
    row = await desk_ticket(desk)
    assert bob.last_text == said("en", "file.done", number=row.number, name="Mr Wang")
    assert row.channel == "in_person"
    await bob.send("/find Wang")
    assert [b.split(" · ")[0] for b in labels(bob.last_message)] == [row.number]


async def test_customers_cannot_file_for_others_and_stale_filing_buttons_do_nothing(
    desk: DeskHarness,
):
    ann = desk.customer(1001, "Ann")
    bob = desk.customer(2001, "Bob")
    await add_staff(desk, bob)
    await ann.send("/file")
    assert ann.last_text == said("en", "error.staff_only")
    await bob.send("/file")
    await bob.press_data("v1:fl:channel:telegram")
    assert bob.last_alert() == said("en", "error.bad_callback")
    await bob.press(label("en", "channel.email"))
    await bob.press_data("v1:fl:customer:c999")
    assert bob.last_alert() == said("en", "error.bad_callback")
    await bob.send("/cancel")
    await bob.press_data("v1:fl:customer:new")
    assert bob.last_alert() == said("en", "error.bad_callback")
    assert await desk_ticket(desk) is None


async def desk_ticket(desk: DeskHarness):
    """The newest ticket, straight from the database."""
    from sqlalchemy import select

    from bot.app import runtime_of
    from storage.models import TicketRow

    async with runtime_of(desk.app).uow.engine.connect() as connection:
        rows = await connection.execute(select(TicketRow).order_by(TicketRow.id.desc()))
        return rows.first()
