"""The outbox carries the new-ticket notice: Telegram's 429 and 5xx are retried when the clock
says so, 403 and 400 are parked with their reason, and each chat gets its messages in order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.sandbox.clocks import FakeClock
from domain.delivery import Kind
from tests.e2e.dsl import ALL_TYPES, STAFF_CHAT, DeskHarness
from tests.e2e.steps import (
    TICKET_NUMBER,
    file_ticket,
    filed_text,
    keyboard_removed,
    label,
    outbox_rows,
    start_new,
    ticket_number_in,
)

SALES_CHAT = -1005550001
SUPERVISOR = 700001
ADMIN, SECOND_ADMIN = 900001, 900002


def notices_to(desk: DeskHarness, chat_id: int) -> list[str]:
    """The ticket numbers of the new-ticket notices a chat got, in order."""
    return [ticket_number_in(text) for text in desk.texts_to(chat_id)]


def send_attempts(desk: DeskHarness, chat_id: int) -> int:
    """How often the bot tried to send a message to a chat (failed tries included)."""
    return sum(1 for c in desk.api.calls_of("sendMessage") if c.params.get("chat_id") == chat_id)


@pytest.fixture
async def started() -> AsyncIterator[list[DeskHarness]]:
    """Desks built inside a test with their own config; stopped after it."""
    desks: list[DeskHarness] = []
    yield desks
    for desk in desks:
        await desk.stop()


async def desk_with(
    started: list[DeskHarness], database_url: str, clock: FakeClock, **overrides: Any
) -> DeskHarness:
    desk = await DeskHarness(database_url, clock, overrides=overrides).start()
    started.append(desk)
    return desk


# -- transient failures -------------------------------------------------------------------------


async def test_a_flood_answer_is_retried_after_retry_after_and_sent_once(
    desk: DeskHarness, clock: FakeClock
) -> None:
    ann = desk.customer(501, "Ann")
    number = await file_ticket(ann)
    desk.api.flood(7, "sendMessage", chat_id=STAFF_CHAT)

    report = await desk.dispatch()
    assert (report.sent, report.retried) == (0, 1)
    assert desk.texts_to(STAFF_CHAT) == []

    clock.advance(seconds=6)
    report = await desk.dispatch()
    assert report.sent == 0
    assert send_attempts(desk, STAFF_CHAT) == 1

    clock.advance(seconds=1)
    report = await desk.dispatch()
    assert report.sent == 1
    assert notices_to(desk, STAFF_CHAT) == [number]

    clock.advance(minutes=10)
    assert (await desk.dispatch()).sent == 0
    assert notices_to(desk, STAFF_CHAT) == [number]
    assert send_attempts(desk, STAFF_CHAT) == 2

    [row] = await outbox_rows(desk)
    assert (row.status, row.attempts) == ("sent", 1)
    assert row.message_id == desk.last_message_to(STAFF_CHAT).message_id


async def test_a_server_error_is_retried_with_growing_backoff(
    desk: DeskHarness, clock: FakeClock
) -> None:
    ann = desk.customer(502, "Ann")
    number = await file_ticket(ann)
    desk.api.server_error("sendMessage", chat_id=STAFF_CHAT, times=2)

    assert (await desk.dispatch()).retried == 1  # next try in 1 s
    clock.advance(seconds=1)
    assert (await desk.dispatch()).retried == 1  # next try in 2 s
    clock.advance(seconds=1)
    assert (await desk.dispatch()).sent == 0
    assert send_attempts(desk, STAFF_CHAT) == 2
    clock.advance(seconds=1)
    assert (await desk.dispatch()).sent == 1

    assert notices_to(desk, STAFF_CHAT) == [number]
    [row] = await outbox_rows(desk)
    assert (row.status, row.attempts) == ("sent", 2)


async def test_a_chat_that_keeps_failing_is_given_up_after_the_attempt_limit(
    desk: DeskHarness, clock: FakeClock
) -> None:
    ann = desk.customer(503, "Ann")
    await file_ticket(ann)
    desk.api.server_error("sendMessage", chat_id=STAFF_CHAT, times=None)
    for _ in range(12):
        await desk.dispatch()
        clock.advance(seconds=300)
    [row] = await outbox_rows(desk)
    assert (row.status, row.attempts) == ("parked", 12)
    assert "gave up after 12 attempts" in (row.error or "")
    desk.api.clear_failures()
    clock.advance(hours=1)
    assert (await desk.dispatch()).sent == 0
    assert send_attempts(desk, STAFF_CHAT) == 12


async def test_a_notice_waiting_in_the_outbox_survives_a_restart(desk: DeskHarness) -> None:
    ann = desk.customer(504, "Ann")
    number = await file_ticket(ann)
    await desk.restart()
    assert (await desk.dispatch()).sent == 1
    assert notices_to(desk, STAFF_CHAT) == [number]


# -- permanent failures -------------------------------------------------------------------------


async def test_a_blocked_recipient_is_parked_and_the_others_still_get_theirs(
    started: list[DeskHarness], database_url: str, clock: FakeClock
) -> None:
    desk = await desk_with(
        started,
        database_url,
        clock,
        desk={"timezone": "Asia/Shanghai", "admins": [ADMIN, SECOND_ADMIN]},
        departments=[{"code": "support", "name": "Support", "types": ALL_TYPES}],
    )
    ann = desk.customer(505, "Ann")
    number = await file_ticket(ann)
    desk.api.blocked(chat_id=ADMIN, times=None)

    report = await desk.dispatch()
    assert (report.sent, report.parked) == (1, 1)
    assert notices_to(desk, SECOND_ADMIN) == [number]
    assert desk.api.messages_to(ADMIN) == []

    rows = {row.chat_id: row for row in await outbox_rows(desk)}
    assert rows[ADMIN].status == "parked"
    assert "forbidden" in (rows[ADMIN].error or "").lower()
    assert "blocked" in (rows[ADMIN].error or "")
    assert rows[SECOND_ADMIN].status == "sent"

    desk.api.clear_failures()
    clock.advance(days=1)
    assert (await desk.dispatch()).sent == 0
    assert send_attempts(desk, ADMIN) == 1

    second = await file_ticket(ann, "Another problem")
    await desk.dispatch()
    assert notices_to(desk, ADMIN) == [second]


async def test_a_chat_that_does_not_exist_is_parked(desk: DeskHarness, clock: FakeClock) -> None:
    ann = desk.customer(506, "Ann")
    await file_ticket(ann)
    desk.api.chat_not_found(chat_id=STAFF_CHAT)

    report = await desk.dispatch()
    assert (report.sent, report.retried, report.parked) == (0, 0, 1)
    [row] = await outbox_rows(desk)
    assert row.status == "parked"
    assert "chat not found" in (row.error or "").lower()

    clock.advance(hours=1)
    assert (await desk.dispatch()).sent == 0
    assert send_attempts(desk, STAFF_CHAT) == 1


# -- order --------------------------------------------------------------------------------------


async def test_a_delayed_first_message_holds_back_the_next_one_to_the_same_chat(
    started: list[DeskHarness], database_url: str, clock: FakeClock
) -> None:
    desk = await desk_with(
        started,
        database_url,
        clock,
        departments=[
            {
                "code": "support",
                "name": "Support",
                "types": ["complaint", "inquiry", "suggestion"],
                "staff_chat_id": STAFF_CHAT,
            },
            {
                "code": "sales",
                "name": "Sales",
                "types": ["after_sales", "change_request"],
                "staff_chat_id": SALES_CHAT,
            },
        ],
    )
    ann = desk.customer(507, "Ann")
    bo = desk.customer(508, "Bo")
    first = await file_ticket(ann, "Till broken")
    second = await file_ticket(bo, "Printer jammed", type_key="inquiry")
    sales = await file_ticket(bo, "Wrong invoice", type_key="after_sales")
    desk.api.flood(7, "sendMessage", chat_id=STAFF_CHAT)

    report = await desk.dispatch()
    assert (report.sent, report.retried) == (1, 1)  # the second card waits behind the first
    assert desk.texts_to(STAFF_CHAT) == []
    assert notices_to(desk, SALES_CHAT) == [sales]

    clock.advance(seconds=3)
    third = await file_ticket(ann, "Scanner dead", type_key="suggestion")
    assert (await desk.dispatch()).sent == 0
    assert desk.texts_to(STAFF_CHAT) == []

    clock.advance(seconds=4)
    assert (await desk.dispatch()).sent == 3
    assert notices_to(desk, STAFF_CHAT) == [first, second, third]


# -- who hears of a new ticket ------------------------------------------------------------------


async def test_without_a_staff_chat_the_supervisor_gets_the_notice_privately(
    started: list[DeskHarness], database_url: str, clock: FakeClock
) -> None:
    desk = await desk_with(
        started,
        database_url,
        clock,
        departments=[
            {"code": "support", "name": "Support", "types": ALL_TYPES, "supervisor": SUPERVISOR}
        ],
    )
    ann = desk.customer(509, "Ann", lang="zh-hans")
    number = await file_ticket(ann, "收银机坏了", phone="13812345678", stopped=True)
    assert (await desk.dispatch()).sent == 1

    notice = desk.last_message_to(SUPERVISOR).plain_text or ""
    assert notice.startswith(f"🎫 {number} · urgent · ")
    assert "👤 Ann 138****5678\n" in notice
    assert desk.api.messages_to(ADMIN) == []
    assert desk.api.messages_to(STAFF_CHAT) == []


async def test_with_neither_staff_chat_nor_staff_the_admins_get_the_notice(
    started: list[DeskHarness], database_url: str, clock: FakeClock
) -> None:
    desk = await desk_with(
        started,
        database_url,
        clock,
        departments=[{"code": "support", "name": "Support", "types": ALL_TYPES}],
    )
    ann = desk.customer(510, "Ann")
    number = await file_ticket(ann)
    assert (await desk.dispatch()).sent == 1
    assert notices_to(desk, ADMIN) == [number]


async def test_the_filing_confirmation_is_sent_once_and_its_outbox_copy_stays_unused(
    desk: DeskHarness, clock: FakeClock
) -> None:
    ann = desk.customer(501, "Ann")
    number = await file_ticket(ann)
    confirmation = desk.last_message_to(501)

    clock.advance(minutes=10)
    await desk.dispatch()
    assert [t for t in desk.texts_to(501) if number in t] == [confirmation.plain_text]
    [receipt] = [r for r in await outbox_rows(desk, receipts=True) if r.kind == Kind.FILED]
    assert (receipt.status, receipt.message_id) == ("sent", confirmation.message_id)


async def test_a_filing_confirmation_that_did_not_go_out_is_sent_by_the_outbox(
    desk: DeskHarness, clock: FakeClock
) -> None:
    """The reply after Submit fails (as if the bot died right after filing): the customer
    still gets the ticket's number, once, from the outbox copy."""
    ann = desk.customer(501, "Ann")
    await start_new(ann, "complaint", "Till broken")
    await ann.press(label("en", "button.done"))
    await ann.press(label("en", "button.skip"))
    await ann.send(label("en", "button.skip_contact"))
    await ann.press(label("en", "button.no_stopped"))
    desk.api.fail_next("sendMessage", chat_id=501, status=502, description="Bad Gateway")
    await ann.press(label("en", "button.submit"))
    assert not any(TICKET_NUMBER.search(t) for t in desk.texts_to(501))

    await desk.dispatch()
    assert not any(TICKET_NUMBER.search(t) for t in desk.texts_to(501))  # not due yet
    clock.advance(seconds=30)
    await desk.dispatch()
    clock.advance(minutes=10)
    await desk.dispatch()

    confirmations = [t for t in desk.texts_to(501) if TICKET_NUMBER.search(t)]
    assert len(confirmations) == 1
    number = ticket_number_in(confirmations[0])
    assert confirmations[0] == filed_text("en", number, urgent=False)
    assert keyboard_removed(desk.last_message_to(501))
