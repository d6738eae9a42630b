"""Unexpected input: a clear answer in the user's language, the same step asked again, nothing
stored changes, and the bot keeps working."""

from __future__ import annotations

import pytest

from bot.sandbox import updates
from handlers.i18n import t
from tests.e2e.dsl import STAFF_CHAT, DeskHarness, Person
from tests.e2e.steps import (
    asked_again,
    customer_count,
    file_ticket,
    has_reply_keyboard,
    label,
    labels,
    my_ticket_labels,
    open_my_ticket,
    said,
    start_new,
    ticket_count,
)

LANGUAGES = [pytest.param("en", "en", id="english"), pytest.param("zh-hans", "zh", id="chinese")]
MB = 1024 * 1024


async def finish(person: Person, locale: str) -> str:
    """From the attachments step, skip everything to the summary; returns its text."""
    await person.press(label(locale, "button.done"))
    await person.press(label(locale, "button.skip"))
    await person.send(label(locale, "button.skip_contact"))
    await person.press(label(locale, "button.no_stopped"))
    return person.last_text


def summary_line(locale: str, field: str, value: str) -> str:
    colon = "：" if locale == "zh" else ": "
    return f"{t(locale, f'field.{field}')}{colon}{value}"


# -- where text is asked ----------------------------------------------------------------------


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
@pytest.mark.parametrize("what", ["sticker", "location"])
async def test_a_sticker_or_location_for_the_description_asks_again(
    desk: DeskHarness, language_code: str, locale: str, what: str
) -> None:
    ann = desk.customer(401, "Ann", lang=language_code)
    await ann.send("/new")
    await ann.press(label(locale, "type.complaint"))
    await (ann.send_sticker() if what == "sticker" else ann.send_location())
    assert ann.last_text == asked_again(
        locale, "intake.text_needed", said(locale, "intake.ask_description", limit=4000)
    )
    assert labels(ann.last_message) == [label(locale, "button.cancel")]

    await ann.send("Till broken")
    assert ann.last_text == said(locale, "intake.ask_attachments", limit=10)


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
@pytest.mark.parametrize("what", ["sticker", "location"])
async def test_a_sticker_or_location_for_the_reference_asks_again(
    desk: DeskHarness, language_code: str, locale: str, what: str
) -> None:
    ann = desk.customer(402, "Ann", lang=language_code)
    await start_new(ann, "complaint", "Till broken")
    await ann.press(label(locale, "button.done"))
    await (ann.send_sticker() if what == "sticker" else ann.send_location())
    assert ann.last_text == asked_again(
        locale, "intake.text_needed", said(locale, "intake.ask_reference")
    )
    await ann.send("ORD-9")
    assert ann.last_text == said(locale, "intake.ask_contact")


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
async def test_a_sticker_at_the_phone_step_asks_for_the_phone_again(
    desk: DeskHarness, language_code: str, locale: str
) -> None:
    ann = desk.customer(403, "Ann", lang=language_code)
    await start_new(ann, "complaint", "Till broken")
    await ann.press(label(locale, "button.done"))
    await ann.press(label(locale, "button.skip"))
    for bad in ("call me maybe", None):
        await (ann.send(bad) if bad else ann.send_sticker())
        assert ann.last_text == asked_again(
            locale, "intake.contact_needed", said(locale, "intake.ask_contact")
        )
        assert has_reply_keyboard(ann.last_message)
    await ann.send(label(locale, "button.skip_contact"))
    assert ann.last_text == said(locale, "intake.ask_stopped")


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
async def test_a_description_over_4000_characters_is_refused(
    desk: DeskHarness, language_code: str, locale: str
) -> None:
    ann = desk.customer(404, "Ann", lang=language_code)
    await ann.send("/new")
    await ann.press(label(locale, "type.complaint"))
    await ann.send("x" * 4001)
    assert ann.last_text == asked_again(
        locale,
        "intake.too_long",
        said(locale, "intake.ask_description", limit=4000),
        length=4001,
        limit=4000,
    )
    await ann.send("Till broken\n" + "y" * 3988)  # exactly 4000 characters
    assert ann.last_text == said(locale, "intake.ask_attachments", limit=10)
    text = await finish(ann, locale)
    assert summary_line(locale, "description", "Till broken") in text
    assert "x" * 10 not in text


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
async def test_a_whitespace_only_message_is_called_empty(
    desk: DeskHarness, language_code: str, locale: str
) -> None:
    ann = desk.customer(405, "Ann", lang=language_code)
    await ann.send("/new")
    await ann.press(label(locale, "type.complaint"))
    await ann.send("   \n\t ")
    assert ann.last_text == asked_again(
        locale, "intake.empty", said(locale, "intake.ask_description", limit=4000)
    )
    await ann.send("Till broken")
    await ann.press(label(locale, "button.done"))
    await ann.send("   ")
    assert ann.last_text == asked_again(
        locale, "intake.empty", said(locale, "intake.ask_reference")
    )


# -- files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
async def test_an_eleventh_attachment_is_refused(
    desk: DeskHarness, language_code: str, locale: str
) -> None:
    ann = desk.customer(406, "Ann", lang=language_code)
    await start_new(ann, "complaint", "Till broken")
    for n in range(10):
        await ann.send_photo(f"p{n}")
    assert ann.last_text == said(locale, "intake.file_added", count=10, limit=10)

    await ann.send_document("eleventh")
    assert ann.last_text == asked_again(
        locale,
        "intake.too_many_files",
        said(locale, "intake.ask_attachments", limit=10),
        limit=10,
    )
    assert label(locale, "button.done") in labels(ann.last_message)
    text = await finish(ann, locale)
    assert summary_line(locale, "attachments", "10") in text


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
async def test_a_21_mb_document_is_refused(
    desk: DeskHarness, language_code: str, locale: str
) -> None:
    ann = desk.customer(407, "Ann", lang=language_code)
    await start_new(ann, "complaint", "Till broken")
    await ann.send_document("huge", size=21 * MB, name="video.zip", mime="application/zip")
    assert ann.last_text == asked_again(
        locale,
        "intake.file_too_large",
        said(locale, "intake.ask_attachments", limit=10),
        size_mb=21.0,
        limit_mb=20,
    )
    await ann.send_document("just-fits", size=20 * MB)
    assert ann.last_text == said(locale, "intake.file_added", count=1, limit=10)
    text = await finish(ann, locale)
    assert summary_line(locale, "attachments", "1") in text


async def test_a_photo_with_a_too_large_file_as_the_description_is_refused(
    desk: DeskHarness,
) -> None:
    ann = desk.customer(408, "Ann")
    await ann.send("/new")
    await ann.press("Complaint")
    await ann.send_photo("huge", size=25 * MB, caption="Till broken")
    assert ann.last_text.startswith(said("en", "intake.file_too_large", size_mb=25.0, limit_mb=20))
    await ann.send("Till broken")
    text = await finish(ann, "en")
    assert "Attachments: 0\n" in text


async def test_outside_a_flow_bad_messages_are_not_added_to_the_ticket(
    desk: DeskHarness,
) -> None:
    ann = desk.customer(409, "Ann")
    number = await file_ticket(ann, "Till broken")

    await ann.send_document("huge", size=21 * MB)
    assert ann.last_text == said("en", "intake.file_too_large", size_mb=21.0, limit_mb=20)
    await ann.send("z" * 4001)
    assert ann.last_text == said("en", "intake.too_long", length=4001, limit=4000)
    await ann.send_sticker()
    assert ann.last_text == said("en", "message.unsupported")
    await ann.send_location()
    assert ann.last_text == said("en", "message.unsupported")

    detail = await open_my_ticket(ann, number)
    assert (detail.plain_text or "").endswith("— you: Till broken")

    await ann.send("Still broken")
    await desk.dispatch()
    assert ann.reaction_on_last() == said("en", "reaction.received")


# -- commands ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
async def test_an_unknown_command_is_answered(
    desk: DeskHarness, language_code: str, locale: str
) -> None:
    ann = desk.customer(410, "Ann", lang=language_code)
    await ann.send("/foo")
    assert ann.last_text == said(locale, "command.unknown")
    await ann.send("/start")
    assert ann.last_text.startswith(said(locale, "start.customer", name="Ann")[:10])


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
async def test_an_unknown_command_in_the_wizard_asks_the_step_again(
    desk: DeskHarness, language_code: str, locale: str
) -> None:
    ann = desk.customer(411, "Ann", lang=language_code)
    await ann.send("/new")
    await ann.press(label(locale, "type.complaint"))
    await ann.send("/foo")
    assert ann.last_text == asked_again(
        locale, "command.unknown", said(locale, "intake.ask_description", limit=4000)
    )
    await ann.send("Till broken")
    text = await finish(ann, locale)
    assert summary_line(locale, "description", "Till broken") in text


async def test_an_unknown_command_at_the_phone_step_keeps_the_phone_keyboard(
    desk: DeskHarness,
) -> None:
    ann = desk.customer(412, "Ann")
    await start_new(ann)
    await ann.press("Done")
    await ann.press("Skip")
    await ann.send("/phone")
    assert ann.last_text == asked_again("en", "command.unknown", said("en", "intake.ask_contact"))
    assert has_reply_keyboard(ann.last_message)


# -- groups -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
async def test_a_non_staff_member_writing_in_a_group_is_sent_to_a_private_chat(
    desk: DeskHarness, language_code: str, locale: str
) -> None:
    stranger = desk.customer(413, "Sam", lang=language_code)
    for chat in (STAFF_CHAT, -1009999):
        await desk.feed(updates.group_message(desk.app.bot, stranger.user, chat, "/new"))
        assert desk.last_message_to(chat).plain_text == said(locale, "group.not_staff")
    assert await customer_count(desk) == 0
    assert await ticket_count(desk) == 0

    await desk.feed(updates.group_message(desk.app.bot, stranger.user, -1009999, "just chatting"))
    assert len(desk.api.messages_to(-1009999)) == 1

    await stranger.send("/new")
    assert stranger.last_text == said(locale, "intake.ask_type")


async def test_staff_writing_in_their_group_are_not_told_to_go_private(
    database_url: str, clock
) -> None:
    departments = [
        {
            "code": "support",
            "name": "Support",
            "types": ["complaint", "inquiry", "suggestion", "after_sales", "change_request"],
            "staff_chat_id": STAFF_CHAT,
            "supervisor": 700001,
        }
    ]
    desk = await DeskHarness(database_url, clock, overrides={"departments": departments}).start()
    try:
        boss = desk.customer(700001, "Boss")
        await desk.feed(updates.group_message(desk.app.bot, boss.user, STAFF_CHAT, "/new"))
        assert desk.api.messages_to(STAFF_CHAT) == []
    finally:
        await desk.stop()


# -- buttons ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "v1:evil",
        "v2:new:type:complaint",
        "v1:new:type:nonsense",
        "v1:new:summary:submit:extra",
        "v1:my:FB-2026-1",
        "v1:" + "g" * 62,
        "",
    ],
    ids=[
        "unknown-verb",
        "other-version",
        "unknown-value",
        "extra-arg",
        "bad-number",
        "65-bytes",
        "empty",
    ],
)
async def test_forged_button_data_is_out_of_date_and_the_bot_keeps_working(
    desk: DeskHarness, data: str
) -> None:
    ann = desk.customer(420, "Ann")
    await ann.send("/new")
    question = ann.last_message
    sent_before = len(desk.api.sent)

    await ann.press_data(data, on=question)
    assert ann.last_alert() == said("en", "error.bad_callback")
    assert len(desk.api.sent) == sent_before
    assert desk.api.message(ann.id, question.message_id).buttons == question.buttons

    await ann.press("Complaint")
    assert ann.last_text == said("en", "intake.ask_description", limit=4000)


async def test_chinese_users_get_the_out_of_date_alert_in_chinese(desk: DeskHarness) -> None:
    li = desk.customer(421, "Li", lang="zh-hans")
    await li.send("/new")
    await li.press_data("v1:evil")
    assert li.last_alert() == said("zh", "error.bad_callback")


async def test_a_wizard_button_from_an_earlier_step_changes_nothing(desk: DeskHarness) -> None:
    ann = desk.customer(422, "Ann")
    await ann.send("/new")
    type_question = ann.last_message
    suggestion = type_question.button("Suggestion")["callback_data"]
    await ann.press("Complaint")
    assert desk.api.message(ann.id, type_question.message_id).buttons == []

    await ann.press_data(suggestion, on=type_question)
    assert ann.last_text == asked_again(
        "en", "intake.stale_button", said("en", "intake.ask_description", limit=4000)
    )
    await ann.send("Till broken")
    text = await finish(ann, "en")
    assert "Type: Complaint\n" in text


async def test_pressing_submit_twice_files_one_ticket(desk: DeskHarness) -> None:
    ann = desk.customer(423, "Ann")
    await start_new(ann)
    await finish(ann, "en")
    summary = ann.last_message
    submit = summary.button("Submit")["callback_data"]
    await ann.press("Submit")
    assert "FB-20261123-0001" in ann.last_text

    await ann.press_data(submit, on=summary)
    assert ann.last_text == said("en", "error.bad_callback")
    assert "FB-20261123-0002" not in "".join(ann.texts())
    assert await my_ticket_labels(ann) == [f"FB-20261123-0001 · {t('en', 'status.new')}"]
    report = await desk.dispatch()
    assert report.sent == 1
