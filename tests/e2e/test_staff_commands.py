"""Staff commands and the card's other buttons: /queue, /mine, /find, /ticket, priority,
assign, reveal, history, files."""

from __future__ import annotations

import pytest

from bot.app import runtime_of
from domain.people import Role
from handlers import menus as command_menus
from tests.e2e.dsl import STAFF_CHAT, DeskHarness
from tests.e2e.steps import (
    add_staff,
    file_ticket,
    label,
    labels,
    said,
    ticket_row,
    ticket_with_agent_and_supervisor,
)
from tests.e2e.test_staff_desk import card_of, press_on_card

LOCALES = [pytest.param("en", id="english"), pytest.param("zh", id="chinese")]


@pytest.mark.parametrize("locale", LOCALES)
async def test_queue_mine_find_and_ticket(desk: DeskHarness, locale: str):
    ann = desk.customer(1001, "Ann")
    cy = desk.customer(1002, "Cy")
    bob = desk.customer(2001, "Bob", lang=locale)
    await add_staff(desk, bob)
    normal = await file_ticket(ann, "Printer jams\non every receipt")
    desk.clock.advance(minutes=5)
    urgent = await file_ticket(cy, "Card reader dead", stopped=True, phone="+8613900001111")
    await desk.dispatch()

    await bob.send("/queue")
    assert bob.last_text == said(locale, "staff.queue", count=2)
    # the urgent one, filed later, is due first
    assert [b.split(" · ")[0] for b in labels(bob.last_message)] == [urgent, normal]

    await bob.send("/mine")
    assert bob.last_text == said(locale, "staff.mine_empty")
    await press_on_card(bob, desk, urgent, "staff.button.claim")
    await bob.send("/mine")
    assert [b.split(" · ")[0] for b in labels(bob.last_message)] == [urgent]
    await bob.send("/queue")
    assert [b.split(" · ")[0] for b in labels(bob.last_message)] == [normal]

    for words, found in (
        ("printer", [normal]),
        ("RECEIPT jams", [normal]),
        ("Cy", [urgent]),
        ("13900001111", [urgent]),
        (urgent, [urgent]),
        ("nothing-like-this", []),
        ("100%", []),
    ):
        await bob.send(f"/find {words}")
        assert [b.split(" · ")[0] for b in labels(bob.last_message)] == found, words
    await bob.send("/find")
    assert bob.last_text == said(locale, "staff.find_usage")

    await bob.send(f"/ticket {normal.lower()}")
    assert normal in bob.last_text
    assert label(locale, "staff.button.claim") in labels(bob.last_message)
    await bob.send("/ticket FB-20991231-9999")
    assert bob.last_text == said(locale, "error.ticket_not_found", number="FB-20991231-9999")

    # customers have none of this
    await ann.send("/queue")
    assert ann.last_text == said("en", "error.staff_only")


@pytest.mark.parametrize("locale", LOCALES)
async def test_priority_reveal_history_and_files(desk: DeskHarness, locale: str):
    ann = desk.customer(1001, "Ann")
    bob = desk.customer(2001, "Bob", lang=locale)
    await add_staff(desk, bob)
    number = await file_ticket(ann, photos=2, phone="+8613812345678")
    await desk.dispatch()
    await press_on_card(bob, desk, number, "staff.button.claim")
    await desk.dispatch()

    await press_on_card(bob, desk, number, "staff.button.prio")
    assert bob.last_text == said(locale, "staff.choose_priority", number=number)
    await bob.press(label(locale, "priority.urgent"))
    assert (await ticket_row(desk, number)).priority == "urgent"
    await desk.dispatch()
    assert said("en", "priority.urgent") in (card_of(desk, number).plain_text or "")

    # reveal: the full number once, as an alert, and the look is in the history
    await press_on_card(bob, desk, number, "staff.button.reveal")
    assert bob.last_alert() == said(
        locale, "staff.revealed", number=number, phone="+8613812345678"
    )
    assert all("+8613812345678" not in text for text in desk.texts_to(STAFF_CHAT))

    # files: both photos come again, privately, by file id
    await press_on_card(bob, desk, number, "staff.button.files")
    photos = [c.params["photo"] for c in desk.api.calls_of("sendPhoto")]
    assert photos[-2:] == [f"photo-{ann.id}-0", f"photo-{ann.id}-1"]
    assert {c.params["chat_id"] for c in desk.api.calls_of("sendPhoto")[-2:]} == {bob.id}

    # history, newest first, paged
    for n in range(10):
        await press_on_card(bob, desk, number, "staff.button.note")
        await bob.send(f"note {n}")
    await press_on_card(bob, desk, number, "staff.button.hist")
    page = bob.last_message
    assert "note 9" in (page.plain_text or "")
    assert "note 0" not in (page.plain_text or "")
    await bob.press(label(locale, "staff.button.older"), on=page)
    page = desk.api.message(bob.id, page.message_id)
    assert "note 0" in (page.plain_text or "")
    assert said(locale, "event.contact_revealed") in (page.plain_text or "")
    assert label(locale, "staff.button.newer") in labels(page)


async def test_a_supervisor_assigns_and_the_agent_is_told(desk: DeskHarness):
    _, bob, sue, number = await ticket_with_agent_and_supervisor(desk)
    await press_on_card(sue, desk, number, "staff.button.assign")
    assert sue.last_text == said("en", "staff.choose_assignee", number=number)
    await sue.press("Bob")
    await desk.dispatch()
    assert bob.last_text == said("en", "notice.assigned", number=number, by="Sue")
    row = await ticket_row(desk, number)
    assert (row.status, row.acknowledged_at) == ("in_progress", desk.clock.now())
    assert said("en", "card.assignee", name="Bob") in (card_of(desk, number).plain_text or "")


async def test_at_start_each_active_staff_member_gets_the_menu_of_their_role(desk: DeskHarness):
    sue = desk.customer(2005, "Sue", lang="zh")
    gus = desk.customer(2006, "Gus")
    await add_staff(desk, sue, Role.SUPERVISOR)
    await add_staff(desk, gus, active=False)
    async with runtime_of(desk.app).uow() as uow:
        members = await uow.staff.list_all()
    await command_menus.set_staff_commands(desk.app, members)
    menus = {
        call.params["scope"]["chat_id"]: [c["command"] for c in call.params["commands"]]
        for call in desk.api.calls_of("setMyCommands")
        if "scope" in call.params
    }
    assert set(menus) == {sue.id, 900001}  # the config's admin too; not the deactivated one
    assert {"report", "export", "invite", "queue"} <= set(menus[sue.id])
    assert "departments" not in menus[sue.id]  # admins only
