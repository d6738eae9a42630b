"""`setMessageReaction` on the fake Bot API, as Telegram answers it."""

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, ReactionTypeCustomEmoji, ReactionTypeEmoji
from telegram.error import BadRequest

from bot.sandbox import updates
from bot.sandbox.fakebot import FakeBotApi
from bot.sandbox.reactions import ALLOWED_EMOJI, ReactionRefused, reaction_emoji
from bot.sandbox.updates import TgUser
from bot.sandbox.wire import TEST_TOKEN

ANNA = TgUser(1001, "Anna")
AGENTS = -100500


@pytest.fixture
def fake() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(token=TEST_TOKEN, request=fake, get_updates_request=fake) as bot:
        yield bot


def test_the_emoji_the_desk_may_use_are_allowed() -> None:
    assert {"👍", "👌", "✍", "🤝", "👀", "🔥", "❤", "🙏", "😢"} <= ALLOWED_EMOJI
    assert len(ALLOWED_EMOJI) == 73  # the Bot API's list in ReactionTypeEmoji
    assert "🍕" not in ALLOWED_EMOJI


@pytest.mark.parametrize(
    ("reaction", "emoji"),
    [
        (None, []),
        ([], []),
        ([{"type": "emoji", "emoji": "👍"}], ["👍"]),
        ('[{"type": "emoji", "emoji": "🔥"}]', ["🔥"]),  # as sent over HTTP, undecoded
    ],
)
def test_reaction_parameter_gives_its_emoji(reaction: object, emoji: list[str]) -> None:
    assert reaction_emoji(reaction) == emoji


@pytest.mark.parametrize(
    ("reaction", "description"),
    [
        ([{"type": "emoji", "emoji": "🍕"}], "REACTION_INVALID"),
        ([{"type": "custom_emoji", "custom_emoji_id": "5368324170671202286"}], "INVALID"),
        ([{"type": "paid"}], "REACTION_INVALID"),
        (["👍"], "REACTION_INVALID"),
        ([{"type": "emoji", "emoji": "👍"}, {"type": "emoji", "emoji": "👌"}], "TOO_MANY"),
        ("not json", "can't parse"),
        ({"type": "emoji", "emoji": "👍"}, "must be an array"),
    ],
)
def test_reactions_telegram_refuses(reaction: object, description: str) -> None:
    with pytest.raises(ReactionRefused, match=description):
        reaction_emoji(reaction)


async def test_the_bot_reacts_to_an_incoming_message(bot: Bot, fake: FakeBotApi) -> None:
    incoming = updates.text_message(bot, ANNA, "Thanks, it works now").effective_message

    assert await bot.set_message_reaction(ANNA.id, incoming.message_id, "👍") is True

    assert fake.reaction_on(ANNA.id, incoming.message_id) == ["👍"]
    call = fake.last_call("setMessageReaction")
    assert call.params == {
        "chat_id": ANNA.id,
        "message_id": incoming.message_id,
        "reaction": [{"type": "emoji", "emoji": "👍"}],
    }


async def test_a_reaction_replaces_the_last_and_an_empty_one_takes_it_away(
    bot: Bot, fake: FakeBotApi
) -> None:
    sent = await bot.send_message(AGENTS, "New ticket FB-0007")

    await bot.set_message_reaction(AGENTS, sent.message_id, ReactionTypeEmoji("👀"), is_big=True)
    await bot.set_message_reaction(AGENTS, sent.message_id, "✍")
    assert fake.reaction_on(AGENTS, sent.message_id) == ["✍"]
    assert fake.calls_of("setMessageReaction")[0].params["is_big"] is True

    await bot.set_message_reaction(AGENTS, sent.message_id)
    assert fake.reaction_on(AGENTS, sent.message_id) == []
    assert fake.reaction_on(AGENTS, 999) == []


async def test_a_message_that_is_not_there_cannot_be_reacted_to(
    bot: Bot, fake: FakeBotApi
) -> None:
    incoming = updates.text_message(bot, ANNA, "hello").effective_message
    deleted = await bot.send_message(ANNA.id, "gone soon")
    await bot.delete_message(ANNA.id, deleted.message_id)

    for chat_id, message_id in [
        (ANNA.id, 999),
        (ANNA.id, deleted.message_id),
        (AGENTS, incoming.message_id),  # the id exists, but in another chat
    ]:
        with pytest.raises(BadRequest, match="Message to react not found"):
            await bot.set_message_reaction(chat_id, message_id, "👍")
    assert fake.reaction_on(ANNA.id, deleted.message_id) == []


async def test_an_emoji_telegram_does_not_allow_is_refused(bot: Bot, fake: FakeBotApi) -> None:
    sent = await bot.send_message(ANNA.id, "Ticket FB-0007")
    await bot.set_message_reaction(ANNA.id, sent.message_id, "👌")

    for reaction in ("🍕", ReactionTypeCustomEmoji("5368324170671202286")):
        with pytest.raises(BadRequest, match="Reaction_invalid"):  # as PTB words it
            await bot.set_message_reaction(ANNA.id, sent.message_id, reaction)
    assert fake.last_call().description == "Bad Request: REACTION_INVALID"
    assert fake.reaction_on(ANNA.id, sent.message_id) == ["👌"]
