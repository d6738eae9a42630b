"""Telegram's flood limits: the token buckets alone, then the fake Bot API enforcing them."""

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot, InputMediaPhoto
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.sandbox import updates
from bot.sandbox.clocks import FakeClock
from bot.sandbox.fakebot import FakeBotApi
from bot.sandbox.floodlimits import FloodGate, FloodLimits, Limit, TokenBucket, cost_of
from bot.sandbox.updates import TgUser
from bot.sandbox.wire import TEST_TOKEN

# PTB reads it when a time period is accessed (RetryAfter.retry_after): timedelta, no warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")

ANNA = TgUser(1001, "Anna")
AGENTS = -100500


# -- the buckets alone ----------------------------------------------------------------------


def test_telegram_limits_are_the_default() -> None:
    limits = FloodLimits()

    assert limits.private_chat == Limit(capacity=5, refill=1, period=1.0)
    assert limits.group_chat == Limit(capacity=20, refill=20, period=60.0)
    assert limits.bot == Limit(capacity=30, refill=30, period=1.0)


def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    bucket = TokenBucket.full(Limit(capacity=5, refill=1), now=100.0)

    for _ in range(5):
        assert bucket.wait(100.0) == 0
        bucket.take(100.0)
    assert bucket.wait(100.0) == pytest.approx(1.0)
    assert bucket.wait(100.4) == pytest.approx(0.6)
    assert bucket.wait(101.0) == 0
    assert bucket.wait(1000.0) == 0
    assert bucket.tokens == 5  # never above the capacity


def test_a_clock_set_back_refills_nothing() -> None:
    bucket = TokenBucket.full(Limit(capacity=1, refill=1), now=50.0)
    bucket.take(50.0)

    assert bucket.wait(10.0) == pytest.approx(1.0)
    assert bucket.wait(11.0) == 0


def test_a_cost_over_the_capacity_goes_when_full_and_leaves_a_debt() -> None:
    bucket = TokenBucket.full(Limit(capacity=5, refill=1), now=0.0)

    assert bucket.wait(0.0, cost=10) == 0
    bucket.take(0.0, cost=10)
    assert bucket.wait(0.0) == pytest.approx(6.0)


def test_retry_after_is_whole_seconds_and_at_least_one() -> None:
    gate = FloodGate(FloodLimits())
    for _ in range(20):
        assert gate.retry_after(AGENTS, 1, now=0.0) is None
        gate.take(AGENTS, 1, now=0.0)

    assert gate.retry_after(AGENTS, 1, now=0.0) == 3  # 20 per minute: a token every 3 s
    assert gate.retry_after(AGENTS, 1, now=2.5) == 1
    assert gate.retry_after(AGENTS, 1, now=3.0) is None


def test_chats_have_buckets_of_their_own_and_share_the_bots() -> None:
    gate = FloodGate(FloodLimits(bot=Limit(capacity=7, refill=7)))
    for chat in (1, 2):
        for _ in range(3):
            gate.take(chat, 1, now=0.0)

    assert gate.retry_after(1, 1, now=0.0) is None
    assert gate.retry_after(3, 2, now=0.0) == 1  # the bot has one token left, not two
    assert gate.retry_after(None, 1, now=0.0) is None  # an inline message: the bot's only


def test_an_at_name_is_a_channel_with_the_group_limit() -> None:
    gate = FloodGate(FloodLimits())
    for _ in range(20):
        gate.take("@desk_news", 1, now=0.0)

    assert gate.retry_after("@desk_news", 1, now=0.0) == 3


@pytest.mark.parametrize(
    ("method", "params", "cost"),
    [
        ("sendMessage", {}, 1),
        ("sendPhoto", {}, 1),
        ("sendDice", {}, 1),
        ("sendMediaGroup", {"media": [{}, {}, {}]}, 3),
        ("copyMessage", {}, 1),
        ("copyMessages", {"message_ids": [1, 2]}, 2),
        ("forwardMessage", {}, 1),
        ("forwardMessages", {"message_ids": [4, 5, 6]}, 3),
        ("editMessageText", {}, 1),
        ("editMessageCaption", {}, 1),
        ("editMessageReplyMarkup", {}, 1),
        ("setMessageReaction", {}, 1),
        ("sendChatAction", {}, 0),
        ("getUpdates", {}, 0),
        ("getMe", {}, 0),
        ("answerCallbackQuery", {}, 0),
        ("setMyCommands", {}, 0),
        ("deleteMyCommands", {}, 0),
        ("deleteMessage", {}, 0),
        ("deleteMessages", {"message_ids": [1, 2]}, 0),
        ("getChat", {}, 0),
        ("getFile", {}, 0),
        ("setWebhook", {}, 0),
    ],
)
def test_what_counts(method: str, params: dict, cost: int) -> None:
    assert cost_of(method, params) == cost


# -- the fake enforcing them ----------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> FakeBotApi:
    return FakeBotApi(clock=clock)


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(token=TEST_TOKEN, request=fake, get_updates_request=fake) as bot:
        yield bot


def test_the_fake_enforces_telegram_limits_unless_told_not_to() -> None:
    assert FakeBotApi().limits == FloodLimits()
    assert FakeBotApi(limits=None).limits is None


async def send(bot: Bot, chat_id: int | str, times: int) -> None:
    for n in range(times):
        await bot.send_message(chat_id, f"message {n}")


async def test_a_sixth_message_at_one_instant_is_refused_and_sends_nothing(
    bot: Bot, fake: FakeBotApi, clock: FakeClock
) -> None:
    await send(bot, ANNA.id, 5)

    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(ANNA.id, "sixth")
    assert raised.value.retry_after == timedelta(seconds=1)
    refused = fake.last_call("sendMessage")
    assert (refused.status, refused.description) == (429, "Too Many Requests: retry after 1")
    assert fake.throttled == [refused]
    assert len(fake.messages_to(ANNA.id)) == 5

    clock.advance(seconds=1)
    sent = await bot.send_message(ANNA.id, "sixth")
    assert sent.message_id == 6  # the refused call took no message id either
    with pytest.raises(RetryAfter):
        await bot.send_message(ANNA.id, "seventh")
    await bot.send_message(-1, "another chat has its own bucket")


async def test_a_21st_message_to_a_group_in_a_minute_is_refused(
    bot: Bot, fake: FakeBotApi, clock: FakeClock
) -> None:
    await send(bot, AGENTS, 20)

    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(AGENTS, "21st")
    assert raised.value.retry_after == timedelta(seconds=3)  # 20 a minute: one every 3 s
    clock.advance(seconds=2)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(AGENTS, "21st")
    assert raised.value.retry_after == timedelta(seconds=1)
    for _ in range(20):  # then a steady 20 a minute
        clock.advance(seconds=1)
        await bot.send_message(AGENTS, "one more")
        clock.advance(seconds=2)
    assert len(fake.messages_to(AGENTS)) == 40


async def test_a_31st_call_in_one_second_is_refused(bot: Bot, fake: FakeBotApi) -> None:
    for chat_id in range(1, 31):
        await bot.send_message(chat_id, "news")

    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(31, "news")
    assert raised.value.retry_after == timedelta(seconds=1)
    assert fake.messages_to(31) == []


async def test_edits_copies_albums_and_reactions_count_other_calls_do_not(
    bot: Bot, fake: FakeBotApi, clock: FakeClock
) -> None:
    incoming = updates.text_message(bot, ANNA, "the till beeps").effective_message
    album = [InputMediaPhoto("AgAC1"), InputMediaPhoto("AgAC2")]
    first = await bot.send_message(ANNA.id, "Ticket FB-0007")
    await bot.edit_message_text("Ticket FB-0007 (claimed)", ANNA.id, first.message_id)
    await bot.send_media_group(ANNA.id, album)
    await bot.delete_message(ANNA.id, first.message_id)
    await bot.send_chat_action(ANNA.id, "typing")
    await bot.get_chat(ANNA.id)
    await bot.answer_callback_query("cq-1")

    await bot.set_message_reaction(ANNA.id, incoming.message_id, "👀")
    for refused in (
        bot.send_message(ANNA.id, "sixth"),
        bot.copy_message(ANNA.id, ANNA.id, incoming.message_id),
        bot.set_message_reaction(ANNA.id, incoming.message_id, "👍"),
    ):
        with pytest.raises(RetryAfter):
            await refused
    assert fake.reaction_on(ANNA.id, incoming.message_id) == ["👀"]
    assert [c.method for c in fake.throttled] == [
        "sendMessage",
        "copyMessage",
        "setMessageReaction",
    ]


async def test_an_album_bigger_than_the_burst_goes_then_the_chat_waits(
    bot: Bot, clock: FakeClock
) -> None:
    album = [InputMediaPhoto(f"AgAC{n}") for n in range(10)]

    await bot.send_media_group(ANNA.id, album)

    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(ANNA.id, "after the album")
    assert raised.value.retry_after == timedelta(seconds=6)


async def test_calls_refused_for_another_reason_take_no_token(bot: Bot, fake: FakeBotApi) -> None:
    sent = await bot.send_message(ANNA.id, "same")
    for _ in range(5):
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("same", ANNA.id, sent.message_id)
    fake.server_error("sendMessage", times=3)
    for _ in range(3):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(ANNA.id, "lost")

    await send(bot, ANNA.id, 4)
    assert fake.throttled == []


async def test_without_limits_nothing_is_refused(clock: FakeClock) -> None:
    fake = FakeBotApi(clock=clock, limits=None)
    async with Bot(token=TEST_TOKEN, request=fake, get_updates_request=fake) as bot:
        await send(bot, ANNA.id, 40)
        await send(bot, AGENTS, 40)

    assert fake.limits is None
    assert len(fake.sent) == 80
    assert fake.throttled == []


async def test_setting_limits_starts_from_full_buckets(bot: Bot, fake: FakeBotApi) -> None:
    await send(bot, ANNA.id, 5)

    fake.limits = FloodLimits(private_chat=Limit(capacity=2, refill=1))
    await send(bot, ANNA.id, 2)
    with pytest.raises(RetryAfter):
        await bot.send_message(ANNA.id, "third")
    fake.clear_calls()
    assert fake.throttled == []


async def test_without_a_clock_buckets_refill_in_real_time() -> None:
    fake = FakeBotApi(limits=FloodLimits(private_chat=Limit(capacity=1, refill=20)))
    async with Bot(token=TEST_TOKEN, request=fake, get_updates_request=fake) as bot:
        await bot.send_message(ANNA.id, "one")
        with pytest.raises(RetryAfter):
            await bot.send_message(ANNA.id, "two")
        await asyncio.sleep(0.06)  # a token every 0.05 s
        await bot.send_message(ANNA.id, "two")
