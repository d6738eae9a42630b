"""The fake Bot API is faithful enough: the real `telegram.Bot` talks to it unchanged."""

import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.sandbox import updates
from bot.sandbox.fakebot import FakeBotApi
from bot.sandbox.updates import TgUser
from bot.sandbox.wire import BOT_ID, BOT_USERNAME, TEST_TOKEN, Call

# PTB reads it when a time period is accessed (RetryAfter.retry_after): timedelta, no warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")

ANNA = TgUser(1001, "Anna", "Petrova", "anna_p")
BORIS = TgUser(1002, "Boris")
AGENTS = -100500


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def fake() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    bot = Bot(token=TEST_TOKEN, request=fake, get_updates_request=fake)
    async with bot:
        yield bot


def claim_keyboard(ticket: str = "FB-0007") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Claim", callback_data=f"v1:claim:{ticket}")],
            [InlineKeyboardButton("Note", callback_data=f"v1:note:{ticket}")],
        ]
    )


# -- getMe and sending -------------------------------------------------------------------


async def test_get_me_answers_the_test_bot(bot: Bot, fake: FakeBotApi) -> None:
    assert bot.id == BOT_ID
    assert bot.username == BOT_USERNAME
    assert fake.calls[0] == Call("getMe", {})


async def test_message_ids_increase_per_chat(bot: Bot, fake: FakeBotApi) -> None:
    first = await bot.send_message(ANNA.id, "one")
    second = await bot.send_message(ANNA.id, "two")
    other = await bot.send_message(BORIS.id, "hi")
    group = await bot.send_message(AGENTS, "card")

    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.chat.type == "private"
    assert group.chat.type == "supergroup"
    assert first.from_user.id == BOT_ID
    assert second.text == "two"
    assert [m.text for m in fake.messages_to(ANNA.id)] == ["one", "two"]
    assert fake.last_message_to(ANNA.id).message_id == 2
    assert fake.last_call() == Call("sendMessage", {"chat_id": AGENTS, "text": "card"})


async def test_message_dates_come_from_the_clock(fake: FakeBotApi) -> None:
    moment = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    fake.clock = FixedClock(moment)
    async with Bot(token=TEST_TOKEN, request=fake, get_updates_request=fake) as bot:
        sent = await bot.send_message(ANNA.id, "hi")
    assert sent.date == moment


async def test_last_message_to_a_silent_chat_fails_loudly(fake: FakeBotApi) -> None:
    with pytest.raises(AssertionError, match="sent nothing to chat 1001"):
        fake.last_message_to(ANNA.id)


async def test_inline_keyboard_round_trips(bot: Bot, fake: FakeBotApi) -> None:
    sent = await bot.send_message(AGENTS, "New ticket FB-0007", reply_markup=claim_keyboard())

    assert sent.reply_markup == claim_keyboard()
    recorded = fake.last_message_to(AGENTS)
    assert recorded.reply_markup == {
        "inline_keyboard": [
            [{"text": "Claim", "callback_data": "v1:claim:FB-0007"}],
            [{"text": "Note", "callback_data": "v1:note:FB-0007"}],
        ]
    }
    assert recorded.button("Claim")["callback_data"] == "v1:claim:FB-0007"
    with pytest.raises(AssertionError, match="'Claim', 'Note'"):
        recorded.button("Close")


async def test_reply_keyboards_are_recorded_but_not_returned(bot: Bot, fake: FakeBotApi) -> None:
    keyboard = ReplyKeyboardMarkup([[KeyboardButton("Share phone", request_contact=True)]])
    sent = await bot.send_message(ANNA.id, "Your phone?", reply_markup=keyboard)

    assert sent.reply_markup is None
    assert fake.last_message_to(ANNA.id).reply_markup["keyboard"][0][0]["request_contact"]


async def test_callback_data_over_64_bytes_is_refused(bot: Bot) -> None:
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(ANNA.id, "hi", reply_markup=too_long)


async def test_texts_over_4096_characters_are_refused(bot: Bot, fake: FakeBotApi) -> None:
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(ANNA.id, "x" * 4097)
    assert fake.last_call("sendMessage").failed
    assert fake.messages_to(ANNA.id) == []


# -- edits -------------------------------------------------------------------------------


async def test_edit_with_the_same_content_is_not_modified(bot: Bot, fake: FakeBotApi) -> None:
    sent = await bot.send_message(AGENTS, "card", reply_markup=claim_keyboard())

    with pytest.raises(BadRequest, match="Message is not modified"):
        await sent.edit_text("card", reply_markup=claim_keyboard())

    call = fake.last_call()
    assert (call.method, call.status, call.failed) == ("editMessageText", 400, True)


async def test_edit_updates_the_stored_message(bot: Bot, fake: FakeBotApi) -> None:
    sent = await bot.send_message(AGENTS, "card", reply_markup=claim_keyboard())

    edited = await sent.edit_text("card: claimed by Boris")

    assert edited.text == "card: claimed by Boris"
    assert edited.reply_markup is None  # editing text without a keyboard drops it
    stored = fake.message(AGENTS, sent.message_id)
    assert (stored.text, stored.reply_markup, stored.edits) == ("card: claimed by Boris", None, 1)
    assert fake.last_call().method == "editMessageText"


async def test_edit_reply_markup_only(bot: Bot, fake: FakeBotApi) -> None:
    sent = await bot.send_message(AGENTS, "card", reply_markup=claim_keyboard())

    await sent.edit_reply_markup(reply_markup=claim_keyboard("FB-0008"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await sent.edit_reply_markup(reply_markup=claim_keyboard("FB-0008"))

    stored = fake.last_message_to(AGENTS)
    assert stored.button("Claim")["callback_data"] == "v1:claim:FB-0008"
    assert stored.text == "card"


async def test_editing_an_unknown_message_is_refused(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=ANNA.id, message_id=42)


async def test_deleted_messages_stay_visible_as_deleted(bot: Bot, fake: FakeBotApi) -> None:
    sent = await bot.send_message(ANNA.id, "temporary")

    assert await sent.delete()
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await sent.delete()
    assert fake.last_message_to(ANNA.id).deleted


# -- failures, as Telegram answers them ----------------------------------------------------


async def test_flood_raises_retry_after(bot: Bot, fake: FakeBotApi) -> None:
    fake.flood(7, "sendMessage")

    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(ANNA.id, "hi")
    assert raised.value.retry_after == timedelta(seconds=7)

    sent = await bot.send_message(ANNA.id, "hi")  # only the next call fails
    assert sent.message_id == 1
    attempts = fake.calls_of("sendMessage")
    assert [(c.status, c.failed) for c in attempts] == [(429, True), (200, False)]
    assert attempts[0].description == "Too Many Requests: retry after 7"


async def test_server_error_raises_network_error(bot: Bot, fake: FakeBotApi) -> None:
    fake.server_error()

    with pytest.raises(NetworkError) as raised:
        await bot.send_message(ANNA.id, "hi")
    assert type(raised.value) is NetworkError
    assert "Internal Server Error" in raised.value.message


async def test_blocked_raises_forbidden_for_that_chat_only(bot: Bot, fake: FakeBotApi) -> None:
    fake.blocked(chat_id=ANNA.id, times=None)

    for _ in range(2):
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(ANNA.id, "hi")
    await bot.send_message(BORIS.id, "hi")

    fake.clear_failures()
    await bot.send_message(ANNA.id, "hi again")
    assert [c.status for c in fake.calls_of("sendMessage")] == [403, 403, 200, 200]


async def test_chat_not_found_raises_bad_request(bot: Bot, fake: FakeBotApi) -> None:
    fake.chat_not_found("sendMessage", chat_id=BORIS.id)

    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(BORIS.id, "hi")


async def test_failures_can_repeat_a_given_number_of_times(bot: Bot, fake: FakeBotApi) -> None:
    fake.server_error("sendMessage", times=2)

    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(ANNA.id, "hi")
    await bot.send_message(ANNA.id, "hi")


async def test_a_delay_makes_each_call_but_get_updates_take_that_long() -> None:
    fake = FakeBotApi(delay=0.2)
    async with Bot(token=TEST_TOKEN, request=fake, get_updates_request=fake) as bot:
        started = time.perf_counter()
        await bot.send_message(ANNA.id, "hi")
        assert time.perf_counter() - started >= 0.2

        started = time.perf_counter()
        await bot.get_updates()
        assert time.perf_counter() - started < 0.2


# -- media, copies, files ------------------------------------------------------------------


async def test_photo_by_file_id_echoes_it(bot: Bot, fake: FakeBotApi) -> None:
    sent = await bot.send_photo(AGENTS, "AgACphoto1", caption="from Anna")

    assert sent.photo[-1].file_id == "AgACphoto1"
    assert sent.caption == "from Anna"
    assert fake.last_message_to(AGENTS).text == "from Anna"


async def test_uploads_are_recorded_with_their_content(bot: Bot, fake: FakeBotApi) -> None:
    csv = b"number,status\nFB-0007,open\n"

    sent = await bot.send_document(ANNA.id, InputFile(csv, filename="export.csv"))

    call = fake.last_call("sendDocument")
    assert call.params["document"] == "<upload:export.csv>"
    assert call.uploads["document"].content == csv
    assert sent.document.file_name == "export.csv"
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == csv


async def test_media_group_returns_one_message_per_item(bot: Bot, fake: FakeBotApi) -> None:
    media = [
        InputMediaPhoto("AgACphoto1", caption="two photos"),
        InputMediaPhoto(InputFile(b"png", filename="chart.png", attach=True)),
    ]

    sent = await bot.send_media_group(AGENTS, media)

    assert [m.message_id for m in sent] == [1, 2]
    assert sent[0].media_group_id == sent[1].media_group_id
    assert fake.last_call().params["media"][1]["media"] == "<upload:chart.png>"
    assert [m.text for m in fake.messages_to(AGENTS)] == ["two photos", None]


async def test_copy_message_relays_a_user_message(bot: Bot, fake: FakeBotApi) -> None:
    incoming = updates.photo(bot, ANNA, "AgACphoto1", caption="broken screen")

    copied = await bot.copy_message(AGENTS, ANNA.id, incoming.effective_message.message_id)

    relayed = fake.last_message_to(AGENTS)
    assert relayed.message_id == copied.message_id
    assert relayed.text == "broken screen"
    assert relayed.message["photo"][-1]["file_id"] == "AgACphoto1"
    with pytest.raises(BadRequest, match="Message to copy not found"):
        await bot.copy_message(AGENTS, ANNA.id, 999)


async def test_unknown_methods_answer_true_and_are_recorded(bot: Bot, fake: FakeBotApi) -> None:
    assert await bot.do_api_request("setFutureThing", api_kwargs={"x": 1}) is True
    assert [c.method for c in fake.unknown_calls] == ["setFutureThing"]
    assert fake.last_call().params == {"x": 1}


async def test_get_updates_returns_queued_updates(bot: Bot, fake: FakeBotApi) -> None:
    assert await bot.get_updates() == ()
    fake.queue_update(updates.text_message(bot, ANNA, "hello"))

    got = await bot.get_updates()
    assert [u.effective_message.text for u in got] == ["hello"]
    assert await bot.get_updates(offset=got[-1].update_id + 1) == ()


# -- update builders ---------------------------------------------------------------------


async def test_text_message_update(bot: Bot) -> None:
    update = updates.text_message(bot, ANNA, "My order is late")

    assert isinstance(update, Update)
    assert update.effective_message.text == "My order is late"
    assert update.effective_user.username == "anna_p"
    assert update.effective_chat.type == "private"
    assert update.effective_chat.id == ANNA.id


async def test_update_ids_increase(bot: Bot) -> None:
    first = updates.text_message(bot, ANNA, "a")
    second = updates.sticker(bot, BORIS)
    assert second.update_id > first.update_id


async def test_user_and_bot_messages_share_the_chat_ids(bot: Bot) -> None:
    question = updates.text_message(bot, ANNA, "hi")
    answer = await bot.send_message(ANNA.id, "hello", reply_to_message_id=1)
    follow_up = updates.text_message(bot, ANNA, "thanks", reply_to=answer)

    assert question.effective_message.message_id == 1
    assert answer.message_id == 2
    assert answer.reply_to_message.text == "hi"
    assert follow_up.effective_message.message_id == 3
    assert follow_up.effective_message.reply_to_message.text == "hello"


async def test_command_update_has_a_bot_command_entity(bot: Bot) -> None:
    update = updates.command(bot, ANNA, "/new", "late", "delivery")

    message = update.effective_message
    assert message.text == "/new late delivery"
    assert message.entities[0].type == "bot_command"
    assert (message.entities[0].offset, message.entities[0].length) == (0, 4)
    assert message.parse_entity(message.entities[0]) == "/new"


async def test_media_updates(bot: Bot) -> None:
    photo = updates.photo(bot, ANNA, "AgACphoto1", 120_000, "see this")
    doc = updates.document(bot, ANNA, "BQACdoc1", 2048, "invoice.pdf", "application/pdf")
    voice = updates.voice(bot, ANNA, "AwACvoice1")
    video = updates.video(bot, ANNA, "BAACvideo1")
    where = updates.location(bot, ANNA, 48.85, 2.35)

    assert photo.effective_message.photo[-1].file_id == "AgACphoto1"
    assert photo.effective_message.photo[-1].file_size == 120_000
    assert photo.effective_message.caption == "see this"
    assert doc.effective_message.document.file_name == "invoice.pdf"
    assert doc.effective_message.document.mime_type == "application/pdf"
    assert voice.effective_message.voice.file_id == "AwACvoice1"
    assert video.effective_message.video.file_id == "BAACvideo1"
    assert where.effective_message.location.latitude == 48.85


async def test_contact_update(bot: Bot) -> None:
    update = updates.contact(bot, ANNA, "+79991234567")

    shared = update.effective_message.contact
    assert (shared.phone_number, shared.user_id, shared.first_name) == (
        "+79991234567",
        ANNA.id,
        "Anna",
    )


async def test_callback_update_carries_the_bot_message(bot: Bot, fake: FakeBotApi) -> None:
    await bot.send_message(AGENTS, "card", reply_markup=claim_keyboard())
    card = fake.last_message_to(AGENTS)

    update = updates.callback(bot, BORIS, card.button("Claim")["callback_data"], card)

    query = update.callback_query
    assert query.data == "v1:claim:FB-0007"
    assert query.from_user.id == BORIS.id
    assert query.message.message_id == card.message_id
    assert query.message.chat.id == AGENTS
    assert query.message.reply_markup == claim_keyboard()
    assert await query.answer("Claimed")
    assert fake.last_call() == Call(
        "answerCallbackQuery", {"callback_query_id": query.id, "text": "Claimed"}
    )


async def test_group_message_update(bot: Bot) -> None:
    update = updates.group_message(bot, BORIS, AGENTS, "on it", thread_id=7)

    message = update.effective_message
    assert message.text == "on it"
    assert message.chat.type == "supergroup"
    assert message.chat.id == AGENTS
    assert message.message_thread_id == 7


async def test_my_chat_member_update_tells_the_bot_was_blocked(bot: Bot) -> None:
    update = updates.my_chat_member(bot, ANNA, "kicked")
    assert update.my_chat_member.new_chat_member.status == "kicked"
    assert update.my_chat_member.new_chat_member.user.id == BOT_ID


# -- with a real Application -------------------------------------------------------------


async def test_an_application_replies_through_the_fake(fake: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(f"Hello, {update.effective_user.first_name}")

    app = (
        Application.builder()
        .token(TEST_TOKEN)
        .request(fake)
        .get_updates_request(fake)
        .updater(None)
        .build()
    )
    app.add_handler(CommandHandler("start", start))

    async with app:
        await app.process_update(updates.command(app.bot, ANNA, "/start"))

    reply = fake.last_message_to(ANNA.id)
    assert reply.text == "Hello, Anna"
    assert reply.message_id == 2  # after the user's /start, id 1
