"""Follow-ups: "Remind me" brings a ticket's card back once, in working time, across
restarts; a ticket waiting for its customer gets one nudge, then closes, by config.

The desk is in Shanghai (UTC+8); the fake clock starts Monday 2026-11-23 10:00 local;
working hours are Monday to Friday 09:00-18:00.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import runtime_of
from domain.delivery import Kind
from domain.followup import FollowupKind
from domain.services.followups import Followups
from storage.models import FollowupRow, OutboxRow, TicketEventRow
from tests.e2e.dsl import STAFF_CHAT, DeskHarness, Person
from tests.e2e.steps import (
    add_staff,
    count_rows,
    file_ticket,
    label,
    labels,
    outbox_rows,
    said,
    ticket_row,
    ticket_with_agent_and_supervisor,
)
from tests.e2e.test_staff_desk import card_of, press_on_card

LOCALES = [pytest.param("en", id="english"), pytest.param("zh", id="chinese")]
IN_AN_HOUR = "2026-11-23 11:00"


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 in Shanghai, as UTC."""
    return datetime(2026, 11, day, hour - 8, minute, tzinfo=UTC)


def reminders(person: Person, number: str) -> list[str]:
    heading = said(person.user.language_code or "en", "followup.reminder", number=number)
    return [text for text in person.texts() if text.startswith(heading)]


async def sweep_and_send(desk: DeskHarness) -> None:
    await desk.sweep()
    await desk.dispatch()


async def ask_for_reminder(desk: DeskHarness, person: Person, number: str, when: str) -> None:
    """Press Remind me on the group's card, then the choice in the private chat."""
    locale = person.user.language_code or "en"
    await press_on_card(person, desk, number, "followup.button")
    assert person.last_text == said(locale, "followup.choose", number=number)
    assert labels(person.last_message) == [
        label(locale, f"followup.in.{c}") for c in ("hour", "tmr", "days3")
    ]
    await person.press(label(locale, f"followup.in.{when}"))


async def claimed(desk: DeskHarness, locale: str = "en") -> tuple[Person, Person, str]:
    """Ann files a ticket, Bob (an agent, in his private chat with the bot) claims it."""
    ann = desk.customer(1001, "Ann", lang=locale)
    bob = desk.customer(2001, "Bob", lang=locale)
    await add_staff(desk, bob)
    await bob.send("/start")
    number = await file_ticket(ann)
    await desk.dispatch()
    await press_on_card(bob, desk, number, "staff.button.claim")
    await desk.dispatch()
    return ann, bob, number


async def pending(desk: DeskHarness) -> list[FollowupRow]:
    async with runtime_of(desk.app).uow.engine.connect() as connection:
        rows = await connection.execute(select(FollowupRow).where(FollowupRow.done_at.is_(None)))
        return list(rows.all())


@pytest.mark.parametrize("locale", LOCALES)
async def test_remind_me_tomorrow_brings_the_card_back_once_at_the_next_opening(
    desk: DeskHarness, locale: str
):
    _, bob, number = await claimed(desk, locale)
    await ask_for_reminder(desk, bob, number, "tmr")
    assert bob.last_text == said(locale, "followup.set", number=number, due="2026-11-24 09:00")

    desk.clock.set(local(24, 8, 59))
    await sweep_and_send(desk)
    assert reminders(bob, number) == []
    desk.clock.set(local(24, 9))
    await sweep_and_send(desk)
    [reminder] = reminders(bob, number)
    assert number in reminder
    assert said(locale, "staff.button.reply") in labels(bob.last_message)  # the card's buttons
    desk.clock.advance(hours=5)
    await sweep_and_send(desk)
    assert len(reminders(bob, number)) == 1
    assert STAFF_CHAT not in {m.chat_id for m in bob.messages()}


async def test_a_reminder_survives_a_restart_and_comes_once(desk: DeskHarness):
    _, bob, _, number = await ticket_with_agent_and_supervisor(desk)
    await bob.send("/start")
    await press_on_card(bob, desk, number, "staff.button.claim")
    desk.clock.set(local(23, 17, 30))  # half an hour before the close of business
    await ask_for_reminder(desk, bob, number, "hour")
    assert bob.last_text == said("en", "followup.set", number=number, due="2026-11-24 09:30")
    await desk.restart()
    desk.clock.set(local(24, 9, 30))
    await sweep_and_send(desk)
    assert len(reminders(bob, number)) == 1
    await desk.restart()
    desk.clock.advance(days=1)
    await sweep_and_send(desk)
    assert len(reminders(bob, number)) == 1
    assert await pending(desk) == []


async def test_in_three_days_skips_the_weekend(desk: DeskHarness):
    _, bob, _, number = await ticket_with_agent_and_supervisor(desk)
    await bob.send("/start")
    desk.clock.set(local(27, 11))  # Friday
    await ask_for_reminder(desk, bob, number, "days3")
    assert bob.last_text == said("en", "followup.set", number=number, due="2026-12-02 11:00")


async def test_every_role_that_sees_the_ticket_may_ask_for_a_reminder(desk: DeskHarness):
    _, bob, sue, number = await ticket_with_agent_and_supervisor(desk)
    root = desk.customer(900001, "Root")  # an admin by config
    for person in (bob, sue, root):
        await person.send("/start")
        await ask_for_reminder(desk, person, number, "hour")
        assert person.last_text == said(
            "en", "followup.set", number=number, due="2026-11-23 11:00"
        )
    desk.clock.set(local(23, 11))
    await sweep_and_send(desk)
    for person in (bob, sue, root):
        assert len(reminders(person, number)) == 1


async def _unchanged(desk: DeskHarness) -> tuple[int, int, int]:
    return (
        await count_rows(desk, FollowupRow),
        await count_rows(desk, OutboxRow),
        await count_rows(desk, TicketEventRow),
    )


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_customer_another_department_and_bad_choices_are_refused(
    two_departments: DeskHarness, locale: str
):
    desk = two_departments
    ann = desk.customer(1001, "Ann", lang=locale)
    bill = desk.customer(3001, "Bill", lang=locale)
    bob = desk.customer(2001, "Bob", lang=locale)
    await add_staff(desk, bill, department="billing")
    await add_staff(desk, bob)
    number = await file_ticket(ann)
    await desk.dispatch()
    before = await _unchanged(desk)
    other = said(locale, "error.other_department", number=number)
    for person, data, error in [
        (ann, f"v1:s:remind:{number}", said(locale, "error.staff_only")),
        (ann, f"v1:sc:remind:{number}:hour", said(locale, "error.staff_only")),
        (bill, f"v1:sc:remind:{number}:hour", other),
        (bob, f"v1:sc:remind:{number}:2w", said(locale, "error.bad_callback")),
        (bob, "v1:sc:remind:FB-20261123-9999:hour", None),
    ]:
        await person.press_data(data, on=card_of(desk, number))
        if error is not None:
            assert person.last_alert() == error
    assert await _unchanged(desk) == before


async def test_a_closed_ticket_offers_no_reminder(desk: DeskHarness):
    ann, bob, _, number = await ticket_with_agent_and_supervisor(desk)
    await press_on_card(bob, desk, number, "staff.button.claim")
    await desk.dispatch()
    assert label("en", "followup.button") in labels(card_of(desk, number))
    async with runtime_of(desk.app).uow() as uow:
        ticket = await uow.tickets.get_by_number(number)
        assert ticket is not None
        ticket.status = ticket.status.WITHDRAWN
        await uow.tickets.save(ticket)
        await uow.commit()
    before = await _unchanged(desk)
    await bob.press_data(f"v1:sc:remind:{number}:hour", on=card_of(desk, number))
    assert bob.last_alert() == said("en", "error.ticket_not_open", number=number)
    assert await _unchanged(desk) == before
    assert (await ticket_row(desk, number)).status == "withdrawn"
    del ann


# -- a ticket waiting for its customer -------------------------------------------------------


async def asked(desk: DeskHarness, locale: str = "en") -> tuple[Person, Person, str]:
    """Bob claims Ann's ticket and asks her a question (Monday 10:00)."""
    ann, bob, number = await claimed(desk, locale)
    await press_on_card(bob, desk, number, "staff.button.ask")
    await bob.send("Which model is the till?")
    await desk.dispatch()
    assert (await ticket_row(desk, number)).status == "waiting_customer"
    return ann, bob, number


async def follow_up_after(desk: DeskHarness, *, nudge: float, close: float) -> None:
    """Restart the desk with `[followup] nudge_after_hours` and `close_after_hours`."""
    desk.overrides.update({"followup": {"nudge_after_hours": nudge, "close_after_hours": close}})
    await desk.restart()


def nudges(person: Person, number: str, title: str = "Till broken") -> list[str]:
    locale = person.user.language_code or "en"
    text = said(locale, "followup.nudge", number=number, title=title)
    return [t for t in person.texts() if t == text]


async def nudged_at(desk: DeskHarness, ann: Person, number: str, moment: datetime) -> None:
    """No nudge a minute before `moment`; one at `moment`."""
    desk.clock.set(moment - timedelta(minutes=1))
    await sweep_and_send(desk)
    assert nudges(ann, number) == []
    desk.clock.set(moment)
    await sweep_and_send(desk)
    assert len(nudges(ann, number)) == 1


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_unanswered_question_is_nudged_once_then_the_ticket_closes(
    desk: DeskHarness, locale: str
):
    await follow_up_after(desk, nudge=9, close=18)
    ann, bob, number = await asked(desk, locale)
    await nudged_at(desk, ann, number, local(24, 10))  # 9 working hours later
    desk.clock.set(local(25, 9, 59))
    await sweep_and_send(desk)
    assert len(nudges(ann, number)) == 1
    assert (await ticket_row(desk, number)).status == "waiting_customer"

    desk.clock.set(local(25, 10))
    await sweep_and_send(desk)
    assert (await ticket_row(desk, number)).status == "closed"
    closed = said(locale, "followup.closed", number=number, title="Till broken")
    assert ann.texts().count(closed) == 1
    told = said(locale, "followup.closed_staff", number=number, title="Till broken")
    assert bob.texts().count(told) == 1
    assert labels(card_of(desk, number)) == [label("en", "staff.button.hist")]
    desk.clock.advance(days=7)
    await sweep_and_send(desk)
    assert ann.texts().count(closed) == 1
    assert await pending(desk) == []


async def test_an_answer_stops_the_nudge_and_the_close(desk: DeskHarness):
    ann, bob, number = await asked(desk)
    await ann.send("It is the T-100")
    await desk.dispatch()
    desk.clock.set(local(30, 10))  # a week later
    await sweep_and_send(desk)
    assert nudges(ann, number) == []
    assert (await ticket_row(desk, number)).status == "in_progress"
    del bob


async def test_asking_again_starts_the_wait_again(desk: DeskHarness):
    await follow_up_after(desk, nudge=4, close=0)
    ann, bob, number = await asked(desk)  # Monday 10:00: the nudge would come at 14:00
    desk.clock.set(local(23, 13))
    await press_on_card(bob, desk, number, "staff.button.ask")
    await bob.send("And its serial number?")
    await desk.dispatch()
    await nudged_at(desk, ann, number, local(23, 17))
    desk.clock.set(local(30, 10))  # close_after_hours = 0: never closed
    await sweep_and_send(desk)
    assert (await ticket_row(desk, number)).status == "waiting_customer"


async def test_with_both_keys_zero_a_waiting_ticket_waits(desk: DeskHarness):
    await follow_up_after(desk, nudge=0, close=0)
    ann, _, number = await asked(desk)
    desk.clock.set(local(30, 10))
    await sweep_and_send(desk)
    assert nudges(ann, number) == []
    assert (await ticket_row(desk, number)).status == "waiting_customer"
    assert await pending(desk) == []


async def test_the_defaults_nudge_after_24_and_close_after_72_working_hours(desk: DeskHarness):
    ann, _, number = await asked(desk)  # Monday 10:00 + 24 working hours: Wednesday 16:00
    await nudged_at(desk, ann, number, local(25, 16))
    # + 72 working hours (8 + 7 x 9 + 1): Thursday 3 December 10:00
    desk.clock.set(datetime(2026, 12, 3, 1, 59, tzinfo=UTC))
    await sweep_and_send(desk)
    assert (await ticket_row(desk, number)).status == "waiting_customer"
    desk.clock.set(datetime(2026, 12, 3, 2, 0, tzinfo=UTC))
    await sweep_and_send(desk)
    assert (await ticket_row(desk, number)).status == "closed"


async def test_two_instances_sweeping_at_once_send_each_reminder_once(desk: DeskHarness):
    _, bob, number = await claimed(desk)
    runtime = runtime_of(desk.app)
    async with runtime.uow() as uow:
        ticket = await uow.tickets.get_by_number(number)
        staff = await uow.staff.get_by_telegram_id(bob.id)
        assert ticket is not None
        assert ticket.id is not None
        assert staff is not None
        now = desk.clock.now()
        for _ in range(30):
            await uow.followups.add(ticket.id, FollowupKind.REMIND, now, now, staff_id=staff.id)
        await uow.commit()
    other = Followups(runtime.uow, desk.clock, runtime.followups.policy)
    reports = await asyncio.gather(*(s.run(limit=7) for s in (runtime.followups, other)))
    assert sum(r.reminders for r in reports) == 30
    kinds = [row.kind for row in await outbox_rows(desk)]
    assert kinds.count(Kind.REMINDER) == 30
    await desk.dispatch()
    assert len(reminders(bob, number)) == 30
