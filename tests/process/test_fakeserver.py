"""The fake Bot API over HTTP: PTB's own HTTPXRequest talks to it as it talks to Telegram."""

import asyncio
import os
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
)
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.sandbox.fakebot import FakeBotApi
from bot.sandbox.floodlimits import FloodLimits, Limit
from bot.sandbox.wire import BOT_USERNAME
from tests.process.fakeserver import FakeBotServer, TgUser, wire_params

# PTB reads it when a time period is accessed (RetryAfter.retry_after): timedelta, no warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")

TOKEN = "424242:" + "B" * 35
CUSTOMER = TgUser(501, "Ann")


@pytest.fixture
def server() -> Iterator[FakeBotServer]:
    with FakeBotServer() as running:
        yield running


@pytest.fixture
async def bot(server: FakeBotServer) -> AsyncIterator[Bot]:
    async with client_of(server) as bot:
        yield bot


def getting_updates(fake: FakeBotApi) -> bool:
    return any(call.method == "getUpdates" for call in fake.calls)


def client_of(server: FakeBotServer) -> Bot:
    return Bot(TOKEN, base_url=server.base_url, base_file_url=server.base_file_url)


async def test_get_me_answers_and_records_the_token(bot: Bot, server: FakeBotServer) -> None:
    assert bot.username == BOT_USERNAME
    assert [call.method for call in server.calls(token=TOKEN)] == ["getMe"]
    assert server.tokens() == [TOKEN]


async def test_sent_message_is_recorded_with_telegram_types(
    bot: Bot, server: FakeBotServer
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Claim", callback_data="v1:c:7")]])

    sent = await bot.send_message(CUSTOMER.id, "42", reply_markup=keyboard)

    [message] = server.messages_to(CUSTOMER.id)
    assert (message.message_id, message.text) == (sent.message_id, "42")
    assert message.button("Claim")["callback_data"] == "v1:c:7"
    params = server.calls("sendMessage")[0].params
    assert params["chat_id"] == CUSTOMER.id
    assert params["text"] == "42"


async def test_editing_to_the_same_text_is_not_modified(bot: Bot) -> None:
    sent = await bot.send_message(CUSTOMER.id, "Ticket FB-0007")
    await bot.edit_message_text("Ticket FB-0007 (claimed)", CUSTOMER.id, sent.message_id)

    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("Ticket FB-0007 (claimed)", CUSTOMER.id, sent.message_id)


async def test_failure_injected_on_the_server_reaches_the_client(
    bot: Bot, server: FakeBotServer
) -> None:
    server.fail_next(
        "sendMessage", status=429, description="Too Many Requests: retry after 3", retry_after=3
    )

    with pytest.raises(RetryAfter):
        await bot.send_message(CUSTOMER.id, "hello")
    assert server.calls("sendMessage")[0].status == 429


async def test_queued_update_is_delivered_until_a_later_offset_confirms_it(
    bot: Bot, server: FakeBotServer
) -> None:
    update_id = server.queue_update(server.command_update(CUSTOMER, "new"))

    [update] = await bot.get_updates()
    assert update.update_id == update_id
    assert update.message is not None
    assert update.message.text == "/new"
    assert update.message.from_user is not None
    assert update.message.from_user.id == CUSTOMER.id
    assert [u.update_id for u in await bot.get_updates()] == [update_id]

    assert await bot.get_updates(offset=update_id + 1) == ()
    assert await bot.get_updates() == ()


async def test_update_ids_and_message_ids_follow_on(bot: Bot, server: FakeBotServer) -> None:
    first = server.text_update(CUSTOMER, "hello")
    sent = await bot.send_message(CUSTOMER.id, "hi")
    second = server.text_update(CUSTOMER, "again")

    assert second["update_id"] > first["update_id"]
    assert first["message"]["message_id"] < sent.message_id < second["message"]["message_id"]


async def test_long_poll_answers_as_soon_as_an_update_is_queued(
    bot: Bot, server: FakeBotServer
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await server.wait_until_async(getting_updates, what="a getUpdates call")
    update = server.text_update(CUSTOMER, "anyone there?")

    await asyncio.to_thread(server.queue_update, update)

    [delivered] = await asyncio.wait_for(poll, timeout=10)
    assert delivered.update_id == update["update_id"]
    assert time.monotonic() - started < 10
    assert server.calls("getUpdates")[0].params["timeout"] == 30


async def test_file_is_downloaded_through_the_file_url(bot: Bot, server: FakeBotServer) -> None:
    server.put_file("doc-1", b"invoice", "documents/invoice.pdf")

    file = await bot.get_file("doc-1")
    content = await file.download_as_bytearray()

    assert file.file_path == f"{server.base_file_url}{TOKEN}/documents/invoice.pdf"
    assert bytes(content) == b"invoice"
    download = server.calls("downloadFile")[0]
    assert (download.params, download.token) == ({"file_path": "documents/invoice.pdf"}, TOKEN)


async def test_uploads_arrive_as_multipart_parts(bot: Bot, server: FakeBotServer) -> None:
    await bot.send_document(
        CUSTOMER.id, InputFile(b"a,b\n1,2\n", filename="export.csv"), caption="7"
    )
    await bot.send_media_group(
        CUSTOMER.id,
        [
            InputMediaPhoto(InputFile(b"one", filename="1.jpg", attach=True)),
            InputMediaPhoto(b"two"),
        ],
    )

    document, album = server.calls("sendDocument")[0], server.calls("sendMediaGroup")[0]
    assert document.params["caption"] == "7"
    assert document.params["document"] == "<upload:export.csv>"
    assert document.uploads["document"].content == b"a,b\n1,2\n"
    assert [item["media"].startswith("<upload:") for item in album.params["media"]] == [
        True,
        True,
    ]
    assert sorted(upload.content for upload in album.uploads.values()) == [b"one", b"two"]
    assert [m.method for m in server.messages_to(CUSTOMER.id)] == [
        "sendDocument",
        "sendMediaGroup",
        "sendMediaGroup",
    ]


def test_a_plain_http_client_gets_telegram_answers(server: FakeBotServer) -> None:
    with httpx.Client(base_url=f"{server.base_url}{TOKEN}") as client:
        sent = client.post("/sendMessage", data={"chat_id": "501", "text": "true"})
        not_found = client.post("/sendMessage", data={"chat_id": "501", "text": " "})
    missing = httpx.get(f"http://127.0.0.1:{server.port}/nowhere")

    assert sent.json()["result"]["text"] == "true"
    assert (not_found.status_code, not_found.json()["description"]) == (
        400,
        "Bad Request: message text is empty",
    )
    assert missing.status_code == 404
    assert server.messages_to(501)[0].text == "true"


def test_wait_until_returns_the_value_once_it_holds(server: FakeBotServer) -> None:
    with httpx.Client(base_url=f"{server.base_url}{TOKEN}") as client:
        client.post("/sendMessage", data={"chat_id": "501", "text": "Ticket filed"})

    message = server.wait_until(lambda fake: fake.last_message_to(501), timeout=5)

    assert message.text == "Ticket filed"


def test_wait_until_names_what_never_came(server: FakeBotServer) -> None:
    with httpx.Client(base_url=f"{server.base_url}{TOKEN}") as client:
        client.post("/sendMessage", data={"chat_id": "502", "text": "wrong chat"})

    with pytest.raises(AssertionError, match="a reply to 501") as failure:
        server.wait_until(lambda f: f.last_message_to(501), timeout=0.2, what="a reply to 501")

    assert "the bot sent nothing to chat 501" in str(failure.value)
    assert "sendMessage {'chat_id': 502, 'text': 'wrong chat'} -> 200" in str(failure.value)


def test_wire_params_decode_json_but_keep_string_parameters() -> None:
    fields = {
        "chat_id": "501",
        "text": "42",
        "from_chat_id": "@desk_channel",
        "disable_notification": "true",
        "reply_markup": '{"inline_keyboard": []}',
    }

    assert wire_params(fields) == {
        "chat_id": 501,
        "text": "42",
        "from_chat_id": "@desk_channel",
        "disable_notification": True,
        "reply_markup": {"inline_keyboard": []},
    }


async def test_stopping_the_server_drops_a_long_poll(bot: Bot, server: FakeBotServer) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await server.wait_until_async(getting_updates, what="a getUpdates call")

    await asyncio.to_thread(server.stop)

    with pytest.raises(NetworkError, match="disconnected"):
        await asyncio.wait_for(poll, timeout=10)


# -- flood limits, delay and reactions over HTTP -------------------------------------------


async def test_a_message_over_the_limit_is_429_with_retry_after_and_sends_nothing() -> None:
    # A token a minute, so that however slow this machine is the 6th call finds none.
    slow = FloodLimits(private_chat=Limit(capacity=5, refill=1, period=60.0))
    with FakeBotServer(limits=slow) as server:
        async with client_of(server) as bot:
            for n in range(5):
                await bot.send_message(CUSTOMER.id, f"message {n}")
            with pytest.raises(RetryAfter) as raised:
                await bot.send_message(CUSTOMER.id, "sixth")
        async with httpx.AsyncClient(base_url=f"{server.base_url}{TOKEN}") as client:
            answer = await client.post("/sendMessage", data={"chat_id": "501", "text": "7th"})

        assert raised.value.retry_after == timedelta(seconds=60)
        assert answer.status_code == 429
        assert answer.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 60",
            "parameters": {"retry_after": 60},
        }
        assert len(server.messages_to(CUSTOMER.id)) == 5
        assert [call.params["text"] for call in server.throttled()] == ["sixth", "7th"]


def test_the_server_enforces_telegram_limits_by_default(server: FakeBotServer) -> None:
    assert server.run(lambda fake: fake.limits) == FloodLimits()
    assert server.throttled() == []


async def test_without_limits_the_server_refuses_nothing() -> None:
    with FakeBotServer(limits=None) as server:
        async with client_of(server) as bot:
            for n in range(8):
                await bot.send_message(CUSTOMER.id, f"message {n}")

        assert len(server.messages_to(CUSTOMER.id)) == 8
        assert server.throttled() == []


async def test_a_delay_makes_each_call_take_that_long() -> None:
    with FakeBotServer(delay=0.2) as server:
        async with client_of(server) as bot:
            started = time.monotonic()
            await bot.send_message(CUSTOMER.id, "hi")
            assert time.monotonic() - started >= 0.2


async def test_a_reaction_is_set_over_http(bot: Bot, server: FakeBotServer) -> None:
    sent = await bot.send_message(CUSTOMER.id, "Ticket FB-0007 is solved")

    assert await bot.set_message_reaction(CUSTOMER.id, sent.message_id, "🔥", is_big=True)

    assert server.run(lambda fake: fake.reaction_on(CUSTOMER.id, sent.message_id)) == ["🔥"]
    with pytest.raises(BadRequest, match="Reaction_invalid"):
        await bot.set_message_reaction(CUSTOMER.id, sent.message_id, "🍕")
