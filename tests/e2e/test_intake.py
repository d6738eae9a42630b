"""Filing feedback through `/new`: every step, in English and in Chinese, edits, cancelling,
numbering, and a restart of the bot in the middle of the wizard."""

from __future__ import annotations

import pytest

from bot.sandbox.clocks import FakeClock
from handlers.i18n import t
from tests.e2e.dsl import STAFF_CHAT, DeskHarness, Person
from tests.e2e.steps import (
    file_ticket,
    filed_text,
    has_reply_keyboard,
    keyboard_removed,
    label,
    labels,
    my_ticket_labels,
    said,
    start_new,
    ticket_count,
)

LANGUAGES = [pytest.param("en", "en", id="english"), pytest.param("zh-hans", "zh", id="chinese")]


def summary(locale: str, **fields: str) -> str:
    """The summary page with the values the customer entered (as the catalog renders it)."""
    return said(locale, "intake.summary", **fields)


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
async def test_a_customer_files_urgent_feedback_with_files_and_their_own_phone(
    desk: DeskHarness, language_code: str, locale: str
) -> None:
    ann = desk.customer(101, "Ann", lang=language_code)

    await ann.send("/new")
    assert ann.last_text == said(locale, "intake.ask_type")
    assert labels(ann.last_message) == [
        *(t(locale, f"type.{k}") for k in ("complaint", "inquiry", "suggestion")),
        *(t(locale, f"type.{k}") for k in ("after_sales", "change_request")),
        label(locale, "button.cancel"),
    ]

    await ann.press(label(locale, "type.complaint"))
    assert ann.last_text == said(locale, "intake.ask_description", limit=4000)

    await ann.send("Till is broken\nIt beeps at every sale since Monday")
    assert ann.last_text == said(locale, "intake.ask_attachments", limit=10)
    assert labels(ann.last_message) == [
        label(locale, "button.done"),
        label(locale, "button.cancel"),
    ]

    await ann.send_photo("photo-1")
    assert ann.last_text == said(locale, "intake.file_added", count=1, limit=10)
    await ann.send_document("doc-1")
    await ann.send_voice("voice-1")
    await ann.send_video("video-1")
    assert ann.last_text == said(locale, "intake.file_added", count=4, limit=10)
    assert label(locale, "button.clear") in labels(ann.last_message)

    await ann.press(label(locale, "button.done"))
    assert ann.last_text == said(locale, "intake.ask_reference")
    await ann.send("ORD-7781")

    assert ann.last_text == said(locale, "intake.ask_contact")
    assert has_reply_keyboard(ann.last_message)
    keys = ann.last_message.reply_markup["keyboard"]
    assert keys[0][0] == {"text": label(locale, "button.share_contact"), "request_contact": True}
    assert keys[1][0]["text"] == label(locale, "button.skip_contact")

    await ann.share_contact("13812345678")
    thanks, question = ann.messages()[-2:]
    assert thanks.plain_text == said(locale, "intake.contact_saved")
    assert keyboard_removed(thanks)
    assert question.plain_text == said(locale, "intake.ask_stopped")

    await ann.press(label(locale, "button.yes_stopped"))
    assert ann.last_text == summary(
        locale,
        type=t(locale, "type.complaint"),
        title="Till is broken",
        description="Till is broken\nIt beeps at every sale since Monday",
        attachments="4",
        reference="ORD-7781",
        phone="13812345678",
        stopped=t(locale, "value.yes"),
    )
    assert labels(ann.last_message) == [
        label(locale, "button.submit"),
        label(locale, "button.edit"),
        label(locale, "button.cancel"),
    ]

    await ann.press(label(locale, "button.submit"))
    assert ann.last_text == filed_text(locale, "FB-20261123-0001", urgent=True)
    assert keyboard_removed(ann.last_message)

    assert desk.texts_to(STAFF_CHAT) == []  # the notice goes through the outbox
    report = await desk.dispatch()
    assert report.sent == 1
    card = desk.last_message_to(STAFF_CHAT)
    for shown in (
        "FB-20261123-0001",
        t("en", "priority.urgent"),
        t("en", "type.complaint"),
        "Ann 138****5678",
        "Till is broken",
        t("en", "card.attachments", count=4),
        t("en", "card.unclaimed"),
    ):
        assert shown in card.plain_text
    assert "13812345678" not in card.plain_text  # staff see the contact masked
    assert label("en", "staff.button.claim") in labels(card)
    assert "13812345678" not in (desk.last_message_to(STAFF_CHAT).plain_text or "")


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
async def test_a_typed_phone_and_a_running_business_make_a_normal_ticket(
    desk: DeskHarness, language_code: str, locale: str
) -> None:
    bo = desk.customer(102, "Bo", lang=language_code)
    await start_new(bo, "inquiry", "When do you open on Sunday?")
    await bo.press(label(locale, "button.done"))
    await bo.press(label(locale, "button.skip"))
    await bo.send("+86 139-8765-4321")
    await bo.press(label(locale, "button.no_stopped"))
    assert bo.last_text == summary(
        locale,
        type=t(locale, "type.inquiry"),
        title="When do you open on Sunday?",
        description="When do you open on Sunday?",
        attachments="0",
        reference=t(locale, "value.none"),
        phone="+86 139-8765-4321",
        stopped=t(locale, "value.no"),
    )

    await bo.press(label(locale, "button.submit"))
    assert bo.last_text == filed_text(locale, "FB-20261123-0001", urgent=False)

    await desk.dispatch()
    notice = desk.last_message_to(STAFF_CHAT).plain_text or ""
    assert f"FB-20261123-0001 · {t('en', 'priority.normal')}" in notice
    assert "+86 139****4321" in notice
    assert "8765" not in notice


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
async def test_skip_no_phone_files_without_a_phone_and_removes_the_phone_keyboard(
    desk: DeskHarness, language_code: str, locale: str
) -> None:
    cy = desk.customer(103, "Cy", lang=language_code)
    await start_new(cy, "suggestion", "Open on Sundays")
    await cy.press(label(locale, "button.done"))
    await cy.press(label(locale, "button.skip"))
    await cy.send(label(locale, "button.skip_contact"))
    thanks = cy.messages()[-2]
    assert keyboard_removed(thanks)
    await cy.press(label(locale, "button.no_stopped"))
    assert cy.last_text == summary(
        locale,
        type=t(locale, "type.suggestion"),
        title="Open on Sundays",
        description="Open on Sundays",
        attachments="0",
        reference=t(locale, "value.none"),
        phone=t(locale, "value.none"),
        stopped=t(locale, "value.no"),
    )
    await cy.press(label(locale, "button.submit"))
    assert cy.last_text == filed_text(locale, "FB-20261123-0001", urgent=False)
    await desk.dispatch()
    notice = desk.last_message_to(STAFF_CHAT).plain_text or ""
    assert "👤 Cy \n" in notice  # no contact to show


async def test_someone_elses_contact_is_refused_and_the_phone_is_asked_again(
    desk: DeskHarness,
) -> None:
    ann = desk.customer(104, "Ann")
    await start_new(ann)
    await ann.press("Done")
    await ann.press("Skip")
    await ann.share_contact("13900001111", own=False)
    assert (
        ann.last_text
        == f"{said('en', 'intake.contact_not_own')}\n\n{said('en', 'intake.ask_contact')}"
    )
    assert has_reply_keyboard(ann.last_message)
    await ann.share_contact("13812345678")
    await ann.press("No")
    assert "Phone: 13812345678" in ann.last_text
    assert "13900001111" not in ann.last_text


async def test_ticket_numbers_count_up_within_a_day_and_restart_at_shanghai_midnight(
    desk: DeskHarness, clock: FakeClock
) -> None:
    ann = desk.customer(105, "Ann")
    bo = desk.customer(106, "Bo", lang="zh-hans")
    assert await file_ticket(ann) == "FB-20261123-0001"
    assert await file_ticket(bo) == "FB-20261123-0002"

    clock.advance(hours=13, minutes=59)  # 23:59 in Shanghai
    assert await file_ticket(ann) == "FB-20261123-0003"

    clock.advance(minutes=31)  # 00:30 on the 24th in Shanghai, still the 23rd in UTC
    assert clock.now().day == 23
    assert await file_ticket(bo) == "FB-20261124-0001"
    assert await file_ticket(ann) == "FB-20261124-0002"

    report = await desk.dispatch()
    assert report.sent == 5
    notices = desk.texts_to(STAFF_CHAT)
    assert [n.split(" · ")[0].removeprefix("🎫 ") for n in notices] == [
        "FB-20261123-0001",
        "FB-20261123-0002",
        "FB-20261123-0003",
        "FB-20261124-0001",
        "FB-20261124-0002",
    ]


# -- edit from the summary ---------------------------------------------------------------------


async def reach_summary(person: Person, description: str = "Till broken") -> None:
    await start_new(person, "complaint", description)
    await person.press("Done")
    await person.press("Skip")
    await person.send("Skip, no phone")
    await person.press("No")


async def test_editing_the_description_returns_to_the_summary_with_the_new_text(
    desk: DeskHarness,
) -> None:
    ann = desk.customer(110, "Ann")
    await reach_summary(ann, "Till broken")
    await ann.press("Edit")
    assert ann.last_text == said("en", "intake.ask_edit")
    assert labels(ann.last_message) == [
        "Type",
        "Description",
        "Attachments",
        "Reference",
        "Phone",
        "Business stopped",
        "Back",
    ]
    await ann.press("Description")
    assert ann.last_text == said("en", "intake.ask_description", limit=4000)
    await ann.send("Card reader broken\nIt rejects every card")
    assert ann.last_text == summary(
        "en",
        type="Complaint",
        title="Card reader broken",
        description="Card reader broken\nIt rejects every card",
        attachments="0",
        reference="—",
        phone="—",
        stopped="no",
    )
    assert "Till broken" not in ann.last_text

    await ann.press("Submit")
    await desk.dispatch()
    assert "Card reader broken" in (desk.last_message_to(STAFF_CHAT).plain_text or "")


async def test_editing_the_type_returns_to_the_summary_with_the_new_type(
    desk: DeskHarness,
) -> None:
    ann = desk.customer(111, "Ann")
    await reach_summary(ann)
    await ann.press("Edit")
    await ann.press("Type")
    assert ann.last_text == said("en", "intake.ask_type")
    await ann.press("Change request")
    assert "Type: Change request\n" in ann.last_text
    assert "Description: Till broken" in ann.last_text
    assert labels(ann.last_message)[0] == "Submit"

    await ann.press("Edit")
    await ann.press("Back")
    assert "Type: Change request\n" in ann.last_text

    await ann.press("Submit")
    await desk.dispatch()
    assert "Change request · Telegram" in (desk.last_message_to(STAFF_CHAT).plain_text or "")


async def test_editing_the_attachments_adds_to_the_files_already_there(
    desk: DeskHarness,
) -> None:
    ann = desk.customer(112, "Ann")
    await start_new(ann)
    await ann.send_photo("p1")
    await ann.press("Done")
    await ann.press("Skip")
    await ann.send("Skip, no phone")
    await ann.press("No")
    await ann.press("Edit")
    await ann.press("Attachments")
    await ann.send_document("d1")
    assert ann.last_text == said("en", "intake.file_added", count=2, limit=10)
    await ann.press("Done")
    assert "Attachments: 2\n" in ann.last_text


# -- cancelling --------------------------------------------------------------------------------


async def go_to(person: Person, step: str) -> None:
    """Walk the wizard up to `step` (the question of `step` is the last message)."""
    await person.send("/new")
    if step == "type":
        return
    await person.press("Complaint")
    if step == "description":
        return
    await person.send("Till broken")
    if step == "attachments":
        return
    await person.send_photo()
    await person.press("Done")
    if step == "reference":
        return
    await person.send("ORD-1")
    if step == "contact":
        return
    await person.share_contact("13812345678")
    if step == "stopped":
        return
    await person.press("Yes, it is stopped")
    if step == "summary":
        return
    await person.press("Edit")
    assert step == "edit_menu"


STEPS = ["type", "description", "attachments", "reference", "contact", "stopped", "summary"]


@pytest.mark.parametrize("step", [*STEPS, "edit_menu"])
async def test_cancel_command_at_any_step_files_nothing(desk: DeskHarness, step: str) -> None:
    ann = desk.customer(120, "Ann")
    await go_to(ann, step)
    await ann.send("/cancel")
    assert ann.last_text == said("en", "intake.cancelled")
    assert keyboard_removed(ann.last_message)
    assert await my_ticket_labels(ann) == []
    assert ann.last_text == said("en", "my.empty")
    assert await ticket_count(desk) == 0

    await ann.send("/new")
    assert ann.last_text == said("en", "intake.ask_type")


@pytest.mark.parametrize("step", [s for s in STEPS if s != "contact"])
async def test_cancel_button_at_any_step_files_nothing(desk: DeskHarness, step: str) -> None:
    ann = desk.customer(121, "Ann")
    await go_to(ann, step)
    await ann.press("Cancel")
    assert ann.last_text == said("en", "intake.cancelled")
    assert keyboard_removed(ann.last_message)
    assert await my_ticket_labels(ann) == []
    await desk.dispatch()
    assert desk.texts_to(STAFF_CHAT) == []


async def test_cancel_button_in_chinese_files_nothing(desk: DeskHarness) -> None:
    li = desk.customer(122, "Li", lang="zh-hans")
    await li.send("/new")
    await li.press("投诉")
    await li.press("取消")
    assert li.last_text == said("zh", "intake.cancelled")
    assert await ticket_count(desk) == 0


async def test_cancel_outside_a_flow_says_there_is_nothing(desk: DeskHarness) -> None:
    ann = desk.customer(123, "Ann")
    await ann.send("/cancel")
    assert ann.last_text == said("en", "cancel.nothing")


# -- a restart of the bot in the middle of /new -------------------------------------------------


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
async def test_after_a_restart_the_customer_continues_where_they_were(
    desk: DeskHarness, language_code: str, locale: str
) -> None:
    ann = desk.customer(130, "Ann", lang=language_code)
    await start_new(ann, "complaint", "Till broken\nIt beeps")
    await ann.send_photo("photo-1")
    assert ann.last_text == said(locale, "intake.file_added", count=1, limit=10)

    await desk.restart()

    await ann.send_photo("photo-2")
    assert ann.last_text == said(locale, "intake.file_added", count=2, limit=10)

    await ann.send("/new")
    assert ann.last_text == (
        f"{said(locale, 'intake.resumed')}\n\n{said(locale, 'intake.ask_attachments', limit=10)}"
    )
    await ann.press(label(locale, "button.done"))
    await ann.press(label(locale, "button.skip"))
    await ann.send(label(locale, "button.skip_contact"))
    await ann.press(label(locale, "button.no_stopped"))
    assert ann.last_text == summary(
        locale,
        type=t(locale, "type.complaint"),
        title="Till broken",
        description="Till broken\nIt beeps",
        attachments="2",
        reference=t(locale, "value.none"),
        phone=t(locale, "value.none"),
        stopped=t(locale, "value.no"),
    )
    await ann.press(label(locale, "button.submit"))
    assert ann.last_text == filed_text(locale, "FB-20261123-0001", urgent=False)


async def test_a_restart_at_the_contact_step_keeps_asking_for_the_phone(
    desk: DeskHarness,
) -> None:
    ann = desk.customer(131, "Ann")
    await go_to(ann, "contact")
    await desk.restart()
    await ann.share_contact("13812345678")
    assert ann.last_text == said("en", "intake.ask_stopped")
    await ann.press("No")
    assert "Reference: ORD-1\n" in ann.last_text
    assert "Attachments: 1\n" in ann.last_text


async def test_new_while_filing_resumes_instead_of_starting_over(desk: DeskHarness) -> None:
    ann = desk.customer(132, "Ann")
    await start_new(ann, "complaint", "Till broken")
    await ann.send("/new")
    assert ann.last_text.startswith(said("en", "intake.resumed"))
    await ann.press("Done")
    await ann.press("Skip")
    await ann.send("Skip, no phone")
    await ann.press("No")
    assert "Description: Till broken\n" in ann.last_text
