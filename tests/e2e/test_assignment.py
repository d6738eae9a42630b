"""Auto-assignment: a new ticket goes to one present agent of its department, who is told
and acknowledges it with Claim or an answer; unacknowledged in time, it moves on and the
supervisor is told once. Agents step out with /away and back with /back."""

from __future__ import annotations

import pytest

from bot.app import runtime_of
from tests.e2e.dsl import DeskHarness, Person
from tests.e2e.steps import add_staff, file_ticket, label, said, ticket_row
from tests.e2e.test_sla import WITH_SUPERVISOR, local
from tests.e2e.test_staff_desk import card_of

LOCALES = [pytest.param("en", id="english"), pytest.param("zh", id="chinese")]


def assigning(mode: str = "round_robin", ack_minutes: int = 15) -> dict:
    """Support with its supervisor, assigning new tickets by `mode`."""
    [support] = WITH_SUPERVISOR["departments"]
    return {"departments": [{**support, "assignment": mode, "ack_minutes": ack_minutes}]}


@pytest.fixture
async def desk(desk: DeskHarness) -> DeskHarness:
    desk.overrides.update(assigning())
    await desk.restart()
    desk.clock.set(local(23, 10))  # Monday 10:00 in Shanghai, business hours
    return desk


async def agents(desk: DeskHarness, locale: str = "en") -> tuple[Person, Person]:
    bob = desk.customer(2001, "Bob", lang=locale)
    cara = desk.customer(2002, "Cara", lang=locale)
    for agent in (bob, cara):
        await add_staff(desk, agent)
    return bob, cara


async def assignee_of(desk: DeskHarness, number: str) -> int | None:
    row = await ticket_row(desk, number)
    return row.assignee_id


async def staff_id(desk: DeskHarness, person: Person) -> int:
    async with runtime_of(desk.app).uow() as uow:
        staff = await uow.staff.get_by_telegram_id(person.id)
    assert staff is not None
    assert staff.id is not None
    return staff.id


@pytest.mark.parametrize("locale", LOCALES)
async def test_new_tickets_go_round_to_the_agents_who_are_told_and_the_card_shows_it(
    desk: DeskHarness, locale: str
):
    bob, cara = await agents(desk, locale)
    ann = desk.customer(1001, "Ann")

    numbers = [await file_ticket(ann) for _ in range(3)]
    await desk.dispatch()

    ids = [await staff_id(desk, bob), await staff_id(desk, cara)]
    assert [await assignee_of(desk, n) for n in numbers] == [ids[0], ids[1], ids[0]]
    told = [m.plain_text for m in desk.api.messages_to(bob.id)]
    assert told == [
        said(locale, "assign.notice_auto", number=n, title="Till broken", minutes=15)
        for n in (numbers[0], numbers[2])
    ]
    card = card_of(desk, numbers[1])
    assert said("en", "assign.card_given", name="Cara") in card.plain_text
    assert label("en", "staff.button.claim") in [b["text"] for b in card.buttons]
