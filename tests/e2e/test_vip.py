"""VIP customers: their tickets start one priority level higher, and the card says why."""

from __future__ import annotations

import pytest

from tests.e2e.dsl import STAFF_CHAT, DeskHarness
from tests.e2e.steps import file_ticket, said, ticket_row

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
