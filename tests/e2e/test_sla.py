"""SLA: a warning before a miss, the supervisor at the breach, the admins after, each once.

The desk is in Shanghai (UTC+8); the fake clock starts Monday 2026-11-23 10:00 local.
Normal tickets: acknowledge within 1 working hour, resolve within 3 working days
(Mon-Fri 09:00-18:00); urgent: 30 minutes and 24 hours around the clock.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from handlers.timewords import clock_words
from tests.e2e.dsl import ALL_TYPES, STAFF_CHAT, DeskHarness
from tests.e2e.steps import add_staff, file_ticket, label, labels, said, ticket_row
from tests.e2e.test_staff_desk import card_of, press_on_card

SUPERVISOR = 800001
ADMIN = 900001
WITH_SUPERVISOR = {
    "departments": [
        {
            "code": "support",
            "name": "Support",
            "types": ALL_TYPES,
            "staff_chat_id": STAFF_CHAT,
            "supervisor": SUPERVISOR,
        }
    ]
}


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 in Shanghai, as UTC."""
    return (
        datetime(2026, 11, day, hour - 8, minute, tzinfo=UTC)
        if hour >= 8
        else datetime(2026, 11, day - 1, hour + 16, minute, tzinfo=UTC)
    )


@pytest.fixture
async def desk(desk: DeskHarness) -> DeskHarness:
    desk.overrides.update(WITH_SUPERVISOR)
    await desk.restart()
    return desk


def sla_texts(desk: DeskHarness, chat: int) -> list[str]:
    marks = ("⏳", "🚨", "🔥")
    return [text for text in desk.texts_to(chat) if text.startswith(marks)]


async def sweep_and_send(desk: DeskHarness):
    report = await desk.sweep()
    await desk.dispatch()
    return report


async def comes_at(desk: DeskHarness, stage: str, before: datetime, at: datetime) -> None:
    """Nothing of `stage` a minute before `at`; one notice of it at `at`."""
    desk.clock.set(before)
    assert getattr(await sweep_and_send(desk), stage) == 0
    desk.clock.set(at)
    assert getattr(await sweep_and_send(desk), stage) == 1


@pytest.mark.parametrize(
    "locale", [pytest.param("en", id="english"), pytest.param("zh", id="chinese")]
)
async def test_warning_breach_and_escalation_each_arrive_once(desk: DeskHarness, locale: str):
    ann = desk.customer(1001, "Ann")
    sue = desk.customer(SUPERVISOR, "Sue", lang=locale)
    await sue.send("/start")
    number = await file_ticket(ann)  # Monday 10:00: acknowledge by 11:00
    await desk.dispatch()
    row = await ticket_row(desk, number)
    assert row.ack_due_at == local(23, 11)

    await comes_at(desk, "warnings", local(23, 10, 44), local(23, 10, 45))
    assert sla_texts(desk, STAFF_CHAT) == [
        said(
            "en",
            "notice.sla_warning",
            number=number,
            priority=said("en", "priority.normal"),
            target=said("en", "target.acknowledge"),
            due="2026-11-23 11:00",
            title="Till broken",
        )
    ]
    card = card_of(desk, number)
    assert said("en", "card.left", left=said("en", "time.minutes", m=15)) in card.plain_text
    # looking again changes nothing
    assert (await sweep_and_send(desk)).warnings == 0
    await comes_at(desk, "breaches", local(23, 10, 59), local(23, 11))
    [breach] = sla_texts(desk, sue.id)
    assert breach == said(
        locale,
        "notice.sla_breach",
        number=number,
        priority=said(locale, "priority.normal"),
        target=said(locale, "target.acknowledge"),
        due="2026-11-23 11:00",
        title="Till broken",
    )
    assert labels(sue.last_message) == [
        label(locale, "staff.button.assign"),
        label(locale, "staff.button.view"),
    ]
    await sue.send("/overdue")
    assert sue.last_text == said(locale, "staff.overdue", count=1)
    assert [b.split(" · ")[0] for b in labels(sue.last_message)] == [number]

    await comes_at(desk, "escalations", local(23, 11, 29), local(23, 11, 30))
    assert len(sla_texts(desk, ADMIN)) == 1
    desk.clock.set(local(23, 17))
    report = await sweep_and_send(desk)
    assert (report.warnings, report.breaches, report.escalations) == (0, 0, 0)
    assert "⚠️" in card_of(desk, number).plain_text  # the card says it is overdue


async def test_claiming_stops_the_acknowledge_clock_and_the_resolve_clock_runs_on(
    desk: DeskHarness,
):
    ann = desk.customer(1001, "Ann")
    bob = desk.customer(2001, "Bob")
    await add_staff(desk, bob)
    number = await file_ticket(ann)
    await desk.dispatch()
    desk.clock.set(local(23, 10, 30))
    await press_on_card(bob, desk, number, "staff.button.claim")
    desk.clock.set(local(23, 13))
    report = await sweep_and_send(desk)
    assert (report.warnings, report.breaches, report.escalations) == (0, 0, 0)
    # resolve: 3 working days from Mon 10:00 is Thu 10:00; warned at 75% = Wed 12:15
    row = await ticket_row(desk, number)
    assert row.resolve_due_at == local(26, 10)
    await comes_at(desk, "warnings", local(25, 12, 14), local(25, 12, 15))
    assert sla_texts(desk, bob.id)[-1].startswith("⏳")  # the assignee, not the group
    assert sla_texts(desk, STAFF_CHAT) == []


async def test_waiting_for_the_customer_pauses_the_resolve_clock(desk: DeskHarness):
    ann = desk.customer(1001, "Ann")
    bob = desk.customer(2001, "Bob")
    await add_staff(desk, bob)
    number = await file_ticket(ann, stopped=True)  # urgent: resolve within 24 h, any hour
    await desk.dispatch()
    await press_on_card(bob, desk, number, "staff.button.claim")
    await desk.dispatch()
    assert (await ticket_row(desk, number)).resolve_due_at == local(24, 10)
    desk.clock.set(local(23, 11))
    await press_on_card(bob, desk, number, "staff.button.ask")
    await bob.send("Which till model is it?")
    # 18 h of waiting: the warning (Tue 04:00 unpaused) does not come
    desk.clock.set(local(24, 5))
    assert (await sweep_and_send(desk)).warnings == 0
    await ann.send("Model T-800")
    row = await ticket_row(desk, number)
    assert row.resolve_due_at == local(25, 4)  # 18 h later than before
    await comes_at(desk, "warnings", local(24, 21, 59), local(24, 22))


async def test_urgent_at_night_pings_at_night_a_normal_one_waits_for_monday(desk: DeskHarness):
    ann = desk.customer(1001, "Ann")
    cy = desk.customer(1002, "Cy")
    sue = desk.customer(SUPERVISOR, "Sue")
    await sue.send("/start")
    desk.clock.set(local(27, 17, 50))  # Friday 17:50
    urgent = await file_ticket(ann, "Card reader dead", stopped=True)
    normal = await file_ticket(cy, "Receipt typo")
    await desk.dispatch()
    assert (await ticket_row(desk, normal)).ack_due_at == local(30, 9, 50)  # Monday

    desk.clock.set(local(28, 3))  # Saturday 03:00
    report = await sweep_and_send(desk)
    assert (report.breaches, report.escalations) == (1, 1)  # both about the urgent one
    assert all(urgent in text for text in sla_texts(desk, sue.id))
    assert not any(
        normal in text for text in sla_texts(desk, STAFF_CHAT) + sla_texts(desk, sue.id)
    )

    desk.clock.set(local(30, 9, 34))
    assert not any(normal in text for text in sla_texts(desk, STAFF_CHAT))
    desk.clock.set(local(30, 9, 35))
    await sweep_and_send(desk)
    assert any(normal in text for text in sla_texts(desk, STAFF_CHAT))


async def test_a_restart_between_warning_and_breach_sends_nothing_twice(desk: DeskHarness):
    ann = desk.customer(1001, "Ann")
    number = await file_ticket(ann)
    await desk.dispatch()
    desk.clock.set(local(23, 10, 50))
    assert (await sweep_and_send(desk)).warnings == 1
    await desk.restart()
    assert (await sweep_and_send(desk)).warnings == 0
    desk.clock.set(local(23, 11, 5))
    await desk.restart()
    assert (await sweep_and_send(desk)).breaches == 1
    await desk.restart()
    assert (await sweep_and_send(desk)).breaches == 0
    assert len([t for t in sla_texts(desk, STAFF_CHAT) if number in t]) == 1


async def test_two_applications_sweeping_one_database_send_each_notice_once(
    desk: DeskHarness, database_url: str
):
    other = DeskHarness(database_url, desk.clock, dict(desk.overrides))
    await other.start()
    try:
        ann = desk.customer(1001, "Ann")
        for n in range(5):
            await file_ticket(desk.customer(1100 + n, f"C{n}"))
        await file_ticket(ann)
        desk.clock.set(local(23, 11, 40))  # every stage of every ticket has come
        first, second = await asyncio.gather(desk.sweep(), other.sweep())
        third = await other.sweep()
        for stage in ("warnings", "breaches", "escalations"):
            total = getattr(first, stage) + getattr(second, stage) + getattr(third, stage)
            # the warning is moot once breached: the breach and the escalation, once each
            assert total == (0 if stage == "warnings" else 6), stage
    finally:
        await other.stop()


@pytest.mark.parametrize(("locale", "lang"), [("en", "en"), ("zh", "zh-hans")])
async def test_a_target_missed_by_seconds_reads_in_seconds_never_zero(
    desk: DeskHarness, locale: str, lang: str
):
    ann = desk.customer(1001, "Ann", lang=lang)
    number = await file_ticket(ann)  # acknowledge by 11:00
    desk.clock.set(local(23, 11) + timedelta(seconds=18))
    await sweep_and_send(desk)
    card = card_of(desk, number)  # in the staff group, in the desk's language
    late = said("en", "card.overdue", by=said("en", "time.seconds", s=18))
    assert late in (card.plain_text or "")  # not "overdue by 0 min"
    assert clock_words(locale, 0.2) == said(locale, "time.seconds", s=1)  # rounded up
    assert clock_words(locale, 59) == said(locale, "time.seconds", s=59)
    assert clock_words(locale, 61) == said(locale, "time.minutes", m=1)
