"""VIP customers: their tickets start one priority level higher, and the card says why."""

from __future__ import annotations

import pytest

from tests.e2e.dsl import STAFF_CHAT, DeskHarness
from tests.e2e.steps import (
    add_staff,
    file_ticket,
    label,
    labels,
    said,
    ticket_number_in,
    ticket_row,
)
from tests.e2e.test_staff_filing import walk_the_wizard

VIP, OTHER = 3101, 3102


@pytest.fixture
async def vip_desk(desk: DeskHarness) -> DeskHarness:
    desk.overrides.update({"priority": {"vip_customers": [VIP]}})
    await desk.restart()
    return desk


def card_text(desk: DeskHarness, number: str) -> str:
    cards = [m.plain_text or "" for m in desk.api.messages_to(STAFF_CHAT)]
    return next(text for text in reversed(cards) if number in text)


async def test_a_vip_from_the_config_gets_a_raised_priority_and_a_card_that_says_why(
    vip_desk: DeskHarness,
) -> None:
    vip = await file_ticket(vip_desk.customer(VIP, "Vera"), "Till broken")
    other = await file_ticket(vip_desk.customer(OTHER, "Otto"), "Till broken")
    await vip_desk.dispatch()
    assert (await ticket_row(vip_desk, vip)).priority == "high"
    assert (await ticket_row(vip_desk, other)).priority == "normal"
    assert said("en", "card.vip_raised") in card_text(vip_desk, vip)
    assert said("en", "card.vip_raised") not in card_text(vip_desk, other)
    assert said("en", "priority.high") in card_text(vip_desk, vip)


async def test_a_vips_stopped_business_stays_urgent(vip_desk: DeskHarness) -> None:
    number = await file_ticket(vip_desk.customer(VIP, "Vera"), "Shop closed", stopped=True)
    assert (await ticket_row(vip_desk, number)).priority == "urgent"


async def test_without_raising_a_vip_is_only_marked(desk: DeskHarness) -> None:
    desk.overrides.update({"priority": {"vip_customers": [VIP], "vip_raises": False}})
    await desk.restart()
    number = await file_ticket(desk.customer(VIP, "Vera"), "Till broken")
    await desk.dispatch()
    assert (await ticket_row(desk, number)).priority == "normal"
    assert said("en", "card.vip_yes") in card_text(desk, number)


async def test_a_ticket_staff_file_for_a_vip_is_raised_too(vip_desk: DeskHarness) -> None:
    vera = vip_desk.customer(VIP, "Vera")
    await file_ticket(vera, phone="+8613812345678")  # Vera is known, with her phone
    bob = vip_desk.customer(2001, "Bob")
    await add_staff(vip_desk, bob)
    await bob.send("/file")
    await bob.press(label("en", "channel.phone"))
    await bob.send("138 1234 5678")
    await bob.press(labels(bob.last_message)[0])
    await walk_the_wizard(bob, "en", phone="13812345678")
    number = ticket_number_in(bob.last_text)
    assert (await ticket_row(vip_desk, number)).priority == "high"
