"""Auto-assignment: a new ticket goes to one present agent of its department, who is told
and acknowledges it with Claim or an answer; unacknowledged in time, it moves on and the
supervisor is told once. Agents step out with /away and back with /back."""

from __future__ import annotations

import pytest

from bot.app import runtime_of
from tests.e2e.dsl import DeskHarness, Person
from tests.e2e.steps import add_staff, file_ticket, label, said, ticket_row
from tests.e2e.test_sla import SUPERVISOR, WITH_SUPERVISOR, local
from tests.e2e.test_staff_desk import card_of, press_on_card

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


async def sweep_and_send(desk: DeskHarness) -> None:
    await desk.sweep()
    await desk.dispatch()


async def test_an_agent_away_gets_no_new_tickets_until_back(desk: DeskHarness):
    bob, cara = await agents(desk)
    ann = desk.customer(1001, "Ann")
    await bob.send("/away")
    assert bob.last_text == said("en", "assign.away")

    while_away = [await file_ticket(ann) for _ in range(2)]
    await bob.send("/back")
    assert bob.last_text == said("en", "assign.back")
    after = [await file_ticket(ann) for _ in range(2)]

    ids = {await staff_id(desk, p): p.user.first_name for p in (bob, cara)}
    got = [ids[await assignee_of(desk, n)] for n in while_away + after]
    assert got == ["Cara", "Cara", "Bob", "Cara"]


async def test_outside_their_hours_an_agent_gets_no_new_tickets(desk: DeskHarness):
    bob, cara = await agents(desk)
    ann = desk.customer(1001, "Ann")
    await bob.send("/hours 14:00-18:00")
    assert bob.last_text == said("en", "assign.hours_saved", hours="14:00-18:00")
    await bob.send("/hours")
    assert bob.last_text == said("en", "assign.hours_now", hours="14:00-18:00")

    morning = [await file_ticket(ann) for _ in range(2)]  # 10:00: Bob's hours have not begun
    desk.clock.set(local(23, 15))
    afternoon = [await file_ticket(ann) for _ in range(2)]

    ids = {await staff_id(desk, p): p.user.first_name for p in (bob, cara)}
    got = [ids[await assignee_of(desk, n)] for n in morning + afternoon]
    assert got == ["Cara", "Cara", "Bob", "Cara"]
    await bob.send("/hours off")
    assert bob.last_text == said("en", "assign.hours_cleared")


async def test_bad_hours_are_answered_and_change_nothing(desk: DeskHarness):
    bob, _ = await agents(desk, "zh")
    await bob.send("/hours 09:00-18:00")
    for bad in ("/hours 9-18", "/hours 25:00-26:00", "/hours 10:00-10:00", "/hours soon"):
        await bob.send(bad)
        assert bob.last_text == said("zh", "assign.hours_usage"), bad
    await bob.send("/hours")
    assert bob.last_text == said("zh", "assign.hours_now", hours="09:00-18:00")


@pytest.mark.parametrize("locale", LOCALES)
async def test_unacknowledged_it_moves_on_and_the_supervisor_is_told_once(
    desk: DeskHarness, locale: str
):
    sue = desk.customer(SUPERVISOR, "Sue", lang=locale)
    await sue.send("/start")
    bob, cara = await agents(desk)
    ann = desk.customer(1001, "Ann")
    number = await file_ticket(ann)  # Monday 10:00: Bob has until 10:15
    await desk.dispatch()
    ids = [await staff_id(desk, bob), await staff_id(desk, cara)]
    assert await assignee_of(desk, number) == ids[0]

    desk.clock.set(local(23, 10, 14))
    await sweep_and_send(desk)
    assert await assignee_of(desk, number) == ids[0]
    desk.clock.set(local(23, 10, 15))
    await sweep_and_send(desk)
    assert await assignee_of(desk, number) == ids[1]
    assert cara.last_text == said(
        "en", "assign.notice_auto", number=number, title="Till broken", minutes=15
    )
    moved = said(
        locale,
        "assign.notice_moved",
        number=number,
        title="Till broken",
        before="Bob",
        after="Cara",
    )
    assert sue.texts()[-1] == moved
    assert said("en", "assign.card_given", name="Cara") in card_of(desk, number).plain_text

    desk.clock.set(local(23, 10, 30))  # Cara lets it pass too: back to Bob, Sue not again
    await sweep_and_send(desk)
    assert await assignee_of(desk, number) == ids[0]
    assert sue.texts().count(moved) == 1
    assert len([t for t in sue.texts() if number in t]) == 1


async def given_to_bob(desk: DeskHarness) -> tuple[Person, Person, Person, str]:
    """Bob and Cara agents; Ann's new ticket, given to Bob and shown on the card."""
    bob, cara = await agents(desk)
    ann = desk.customer(1001, "Ann")
    number = await file_ticket(ann)
    await desk.dispatch()
    return bob, cara, ann, number


async def stays_with_bob(desk: DeskHarness, bob: Person, number: str) -> None:
    """Acknowledged: nothing moves it at 11:00."""
    row = await ticket_row(desk, number)
    assert (row.status, row.acknowledged_at) == ("in_progress", desk.clock.now())
    desk.clock.set(local(23, 11))
    await sweep_and_send(desk)
    assert await assignee_of(desk, number) == await staff_id(desk, bob)


async def test_claim_acknowledges_and_nobody_else_can_take_it(desk: DeskHarness):
    bob, cara, ann, number = await given_to_bob(desk)

    await press_on_card(cara, desk, number, "staff.button.claim")
    assert cara.last_alert() == said("en", "error.claimed_by", number=number, name="Bob")
    await press_on_card(bob, desk, number, "staff.button.claim")
    await desk.dispatch()
    assert ann.last_text == said("en", "notice.claimed", number=number, agent="Bob")
    card = card_of(desk, number)
    assert said("en", "card.assignee", name="Bob") in card.plain_text
    assert label("en", "staff.button.claim") not in [b["text"] for b in card.buttons]
    await stays_with_bob(desk, bob, number)


async def test_an_answer_acknowledges_it_too(desk: DeskHarness):
    bob, _, ann, number = await given_to_bob(desk)

    await press_on_card(bob, desk, number, "staff.button.reply")
    await bob.send("Please restart the till.")
    await desk.dispatch()
    assert ann.texts()[-1] == said(
        "en", "notice.agent_reply", number=number, sender="Bob", body="Please restart the till."
    )
    await stays_with_bob(desk, bob, number)


async def test_least_open_gives_the_next_ticket_to_the_least_busy_agent(desk: DeskHarness):
    desk.overrides.update(assigning("least_open"))
    await desk.restart()
    bob, cara = await agents(desk)
    ann = desk.customer(1001, "Ann")
    first = await file_ticket(ann)  # Bob (nobody has any)
    second = await file_ticket(ann)  # Cara
    await desk.dispatch()
    await press_on_card(cara, desk, second, "staff.button.claim")
    await desk.dispatch()
    await press_on_card(cara, desk, second, "staff.button.resolve")
    await cara.send("Restarted it")  # Cara's is resolved: it no longer counts
    assert (await ticket_row(desk, second)).status == "resolved"
    third = await file_ticket(ann)

    ids = {await staff_id(desk, p): p.user.first_name for p in (bob, cara)}
    got = [ids[await assignee_of(desk, n)] for n in (first, second, third)]
    assert got == ["Bob", "Cara", "Cara"]


ADMIN = 900001  # the desk's admin in the test settings


async def mode_of(desk: DeskHarness) -> str:
    async with runtime_of(desk.app).uow() as uow:
        department = await uow.departments.get_by_code("support")
    assert department is not None
    return department.assignment


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_admin_changes_the_mode_in_departments_and_it_holds_over_a_restart(
    desk: DeskHarness, locale: str
):
    ada = desk.customer(ADMIN, "Ada", lang=locale)
    await ada.send("/departments")
    listing = ada.last_message
    round_robin = said(locale, "assign.mode_round_robin")
    assert said(locale, "assign.department_line_ack", mode=round_robin, minutes=15) in (
        listing.plain_text or ""
    )
    least = said(locale, "assign.mode_least_open")
    await ada.press(label(locale, "assign.button", code="support", mode=least), on=listing)

    assert await mode_of(desk) == "least_open"
    edited = desk.api.message(ada.id, listing.message_id)
    assert said(locale, "assign.department_line_ack", mode=least, minutes=15) in edited.plain_text
    assert label(locale, "assign.button_current", code="support", mode=least) in [
        b["text"] for b in edited.buttons
    ]
    await desk.restart()  # the config still says round robin, as at the last start
    assert await mode_of(desk) == "least_open"
    desk.overrides.update(assigning("off"))  # a change in the config wins
    await desk.restart()
    assert await mode_of(desk) == "off"


@pytest.mark.parametrize("who", ["supervisor", "agent"])
async def test_only_admins_change_the_mode(desk: DeskHarness, who: str):
    person = desk.customer(SUPERVISOR if who == "supervisor" else 2001, "Sue", lang="zh")
    if who == "agent":
        await add_staff(desk, person)
    await person.send("/start")
    async with runtime_of(desk.app).uow() as uow:
        department = await uow.departments.get_by_code("support")
    assert department is not None
    await person.press_data(f"v1:dam:{department.id}:off", on=person.last_message)
    assert person.last_alert() == said(
        "zh", "staffadmin.refused_role", role=said("zh", f"role.{who}")
    )
    assert await mode_of(desk) == "round_robin"


async def test_a_customer_pressing_a_forged_mode_button_changes_nothing(desk: DeskHarness):
    ann = desk.customer(1001, "Ann")
    await ann.send("/start")
    await ann.press_data("v1:dam:1:off", on=ann.last_message)
    assert ann.last_alert() == said("en", "staffadmin.staff_only")
    await ann.press_data("v1:dam:1:sometimes", on=ann.last_message)
    assert ann.last_alert() == said("en", "error.bad_callback")
    assert await mode_of(desk) == "round_robin"


async def test_the_time_to_acknowledge_counts_business_hours_only(desk: DeskHarness):
    bob, cara = await agents(desk)
    ann = desk.customer(1001, "Ann")
    desk.clock.set(local(23, 17, 55))  # Monday 17:55: 5 minutes today, 10 tomorrow
    number = await file_ticket(ann)
    assert (await ticket_row(desk, number)).assign_due_at == local(24, 9, 10)
    desk.clock.set(local(24, 9, 9))
    await sweep_and_send(desk)
    assert await assignee_of(desk, number) == await staff_id(desk, bob)
    desk.clock.set(local(24, 9, 10))
    await sweep_and_send(desk)
    assert await assignee_of(desk, number) == await staff_id(desk, cara)


async def test_with_no_time_to_acknowledge_it_never_moves(desk: DeskHarness):
    desk.overrides.update(assigning(ack_minutes=0))
    await desk.restart()
    bob, _ = await agents(desk, "zh")
    number = await file_ticket(desk.customer(1001, "Ann"))
    await desk.dispatch()
    assert bob.last_text == said(
        "zh", "assign.notice_auto_no_limit", number=number, title="Till broken"
    )
    desk.clock.set(local(25, 10))
    await sweep_and_send(desk)
    assert await assignee_of(desk, number) == await staff_id(desk, bob)
