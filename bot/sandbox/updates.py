"""Builders of real `telegram.Update` objects, as Telegram would deliver them to the bot.

Every builder takes the `bot` first (``application.bot``; `Update.de_json` needs it) and
returns ``Update.de_json(data, bot)``. Update ids increase across all builders. When the
bot's request is a `FakeBotApi`, message ids come from the fake's per-chat counter (so user
and bot messages interleave like in a real chat), dates come from the fake's clock, and the
message is made known to the fake (for copyMessage, forwardMessage and replies).
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from telegram import Bot, Message, TelegramObject, Update

from bot.sandbox.fakebot import FakeBotApi
from bot.sandbox.wire import SentMessage

_update_ids = itertools.count(1)
_callback_ids = itertools.count(1)
_message_ids: dict[int, int] = defaultdict(int)


@dataclass(frozen=True)
class TgUser:
    """A Telegram user (the person, not the bot)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"

    def to_dict(self) -> dict[str, Any]:
        """The Bot API ``User`` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    def private_chat(self) -> dict[str, Any]:
        """The Bot API ``Chat`` of this user's private chat with the bot."""
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        return data


MessageRef = int | SentMessage | Message | dict[str, Any]


def next_update_id() -> int:
    """A fresh update id (global, increasing)."""
    return next(_update_ids)


def _fake(bot: Bot) -> FakeBotApi | None:
    request = bot.request
    return request if isinstance(request, FakeBotApi) else None


def _group_chat(chat_id: int, title: str | None = None, *, forum: bool = False) -> dict:
    chat: dict[str, Any] = {"id": chat_id, "type": "supergroup", "title": title or "Group"}
    if forum:
        chat["is_forum"] = True
    return chat


def _message_dict(bot: Bot, user: TgUser, chat: dict[str, Any] | None, **content: Any) -> dict:
    chat = chat or user.private_chat()
    fake = _fake(bot)
    if fake is not None:
        message_id = fake.next_message_id(chat["id"])
        date = fake.timestamp()
    else:
        _message_ids[chat["id"]] += 1
        message_id = _message_ids[chat["id"]]
        date = int(time.time())
    data = {
        "message_id": message_id,
        "from": user.to_dict(),
        "date": date,
        "chat": chat,
    }
    data.update({k: v for k, v in content.items() if v is not None})
    return data


def _reply_dict(bot: Bot, chat: dict[str, Any], reply_to: MessageRef) -> dict[str, Any]:
    if isinstance(reply_to, SentMessage):
        data = dict(reply_to.message)
    elif isinstance(reply_to, TelegramObject):
        data = reply_to.to_dict()
    elif isinstance(reply_to, dict):
        data = dict(reply_to)
    else:
        fake = _fake(bot)
        found = fake.find_message(chat["id"], reply_to) if fake is not None else None
        data = dict(found) if found else {"message_id": reply_to, "date": 0, "chat": chat}
    data.pop("reply_to_message", None)
    return data


def _deliver(bot: Bot, message: dict[str, Any], *, kind: str = "message") -> Update:
    fake = _fake(bot)
    if fake is not None:
        fake.record_incoming(message)
    update = Update.de_json({"update_id": next_update_id(), kind: message}, bot)
    assert update is not None
    return update


def _message(
    bot: Bot,
    user: TgUser,
    chat: int | dict[str, Any] | None,
    reply_to: MessageRef | None,
    **content: Any,
) -> Update:
    if isinstance(chat, int):
        chat_dict = user.private_chat() if chat == user.id else _group_chat(chat)
    else:
        chat_dict = chat
    data = _message_dict(bot, user, chat_dict, **content)
    if reply_to is not None:
        data["reply_to_message"] = _reply_dict(bot, data["chat"], reply_to)
    return _deliver(bot, data)


def text_message(
    bot: Bot,
    user: TgUser,
    text: str,
    chat: int | dict[str, Any] | None = None,
    reply_to: MessageRef | None = None,
    *,
    entities: list[dict[str, Any]] | None = None,
) -> Update:
    """`user` writes `text` (in its private chat unless `chat`: a chat id or Chat dict;
    `reply_to`: a message id, a `SentMessage`, a `Message` or a Message dict)."""
    return _message(bot, user, chat, reply_to, text=text, entities=entities)


def command(
    bot: Bot,
    user: TgUser,
    name: str,
    *args: str,
    chat: int | dict[str, Any] | None = None,
) -> Update:
    """`user` sends ``/name arg1 arg2`` (a leading slash is added when missing; ``/new@bot``
    works) with its ``bot_command`` entity at offset 0."""
    name = name if name.startswith("/") else f"/{name}"
    text = " ".join([name, *args])
    entity = {"type": "bot_command", "offset": 0, "length": _utf16_len(name)}
    return _message(bot, user, chat, None, text=text, entities=[entity])


def photo(
    bot: Bot,
    user: TgUser,
    file_id: str,
    size: int = 85_000,
    caption: str | None = None,
    *,
    chat: int | dict[str, Any] | None = None,
    media_group_id: str | None = None,
) -> Update:
    """`user` sends a photo; ``photo[-1]`` is the full size with `file_id` and `size`
    bytes (Telegram also sends a smaller thumbnail size first)."""
    sizes = [
        {
            "file_id": f"{file_id}-thumb",
            "file_unique_id": f"u-{file_id}-thumb",
            "width": 90,
            "height": 68,
            "file_size": min(size, 1_500),
        },
        {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "width": 1280,
            "height": 960,
            "file_size": size,
        },
    ]
    return _message(
        bot, user, chat, None, photo=sizes, caption=caption, media_group_id=media_group_id
    )


def document(
    bot: Bot,
    user: TgUser,
    file_id: str,
    size: int,
    file_name: str,
    mime: str,
    caption: str | None = None,
    *,
    chat: int | dict[str, Any] | None = None,
    media_group_id: str | None = None,
    reply_to: MessageRef | None = None,
) -> Update:
    """`user` sends a file (as a reply to `reply_to`, if given)."""
    doc = {
        "file_id": file_id,
        "file_unique_id": f"u-{file_id}",
        "file_name": file_name,
        "mime_type": mime,
        "file_size": size,
    }
    return _message(
        bot, user, chat, reply_to, document=doc, caption=caption, media_group_id=media_group_id
    )


def voice(
    bot: Bot,
    user: TgUser,
    file_id: str,
    duration: int = 4,
    size: int = 16_000,
    caption: str | None = None,
    *,
    chat: int | dict[str, Any] | None = None,
) -> Update:
    """`user` sends a voice note."""
    data = {
        "file_id": file_id,
        "file_unique_id": f"u-{file_id}",
        "duration": duration,
        "mime_type": "audio/ogg",
        "file_size": size,
    }
    return _message(bot, user, chat, None, voice=data, caption=caption)


def video(
    bot: Bot,
    user: TgUser,
    file_id: str,
    size: int = 1_200_000,
    caption: str | None = None,
    *,
    duration: int = 12,
    width: int = 1280,
    height: int = 720,
    chat: int | dict[str, Any] | None = None,
    media_group_id: str | None = None,
) -> Update:
    """`user` sends a video."""
    data = {
        "file_id": file_id,
        "file_unique_id": f"u-{file_id}",
        "width": width,
        "height": height,
        "duration": duration,
        "mime_type": "video/mp4",
        "file_size": size,
    }
    return _message(
        bot, user, chat, None, video=data, caption=caption, media_group_id=media_group_id
    )


def sticker(
    bot: Bot,
    user: TgUser,
    file_id: str = "CAACAgIAAxkBAAEFakeSticker",
    emoji: str = "👍",
    *,
    chat: int | dict[str, Any] | None = None,
) -> Update:
    """`user` sends a sticker."""
    data = {
        "file_id": file_id,
        "file_unique_id": f"u-{file_id}",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
        "emoji": emoji,
    }
    return _message(bot, user, chat, None, sticker=data)


def location(
    bot: Bot,
    user: TgUser,
    latitude: float = 55.7558,
    longitude: float = 37.6173,
    *,
    chat: int | dict[str, Any] | None = None,
) -> Update:
    """`user` shares a location."""
    data = {"latitude": latitude, "longitude": longitude}
    return _message(bot, user, chat, None, location=data)


def contact(
    bot: Bot,
    user: TgUser,
    phone: str,
    user_id: int | None = None,
    *,
    first_name: str | None = None,
    chat: int | dict[str, Any] | None = None,
) -> Update:
    """`user` shares a contact. ``user_id=None`` means the user's own contact (what the
    ``request_contact`` keyboard button sends); pass another id (or 0 for a contact that
    is not a Telegram user) to share someone else's."""
    data: dict[str, Any] = {
        "phone_number": phone,
        "first_name": first_name or user.first_name,
    }
    if user_id is None:
        user_id = user.id
        if user.last_name is not None:
            data["last_name"] = user.last_name
    if user_id:
        data["user_id"] = user_id
    return _message(bot, user, chat, None, contact=data)


def group_message(
    bot: Bot,
    user: TgUser,
    chat_id: int,
    text: str,
    *,
    title: str | None = None,
    thread_id: int | None = None,
    reply_to: MessageRef | None = None,
) -> Update:
    """`user` writes `text` in the supergroup `chat_id` (in forum topic `thread_id` if
    given)."""
    chat = _group_chat(chat_id, title, forum=thread_id is not None)
    content: dict[str, Any] = {"text": text}
    if thread_id is not None:
        content["message_thread_id"] = thread_id
        content["is_topic_message"] = True
    if text.startswith("/"):
        name = text.split()[0]
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(name)}]
    return _message(bot, user, chat, reply_to, **content)


def callback(
    bot: Bot,
    user: TgUser,
    data: str,
    message: SentMessage | Message | dict[str, Any],
    *,
    query_id: str | None = None,
) -> Update:
    """`user` presses the inline button carrying `data` on the bot's `message` (a
    `SentMessage` from the fake: its current state, after edits, is used)."""
    if isinstance(message, SentMessage):
        message_data = dict(message.message)
    elif isinstance(message, TelegramObject):
        message_data = message.to_dict()
    else:
        message_data = dict(message)
    chat_id = message_data["chat"]["id"]
    query = {
        "id": query_id or str(next(_callback_ids)),
        "from": user.to_dict(),
        "chat_instance": f"ci{chat_id}",
        "data": data,
        "message": message_data,
    }
    update = Update.de_json({"update_id": next_update_id(), "callback_query": query}, bot)
    assert update is not None
    return update


def my_chat_member(
    bot: Bot,
    user: TgUser,
    new_status: str = "kicked",
    old_status: str = "member",
) -> Update:
    """The bot's membership in `user`'s private chat changes: ``"kicked"`` when the user
    blocks the bot, ``"member"`` when they unblock it."""
    fake = _fake(bot)
    date = fake.timestamp() if fake is not None else int(time.time())
    bot_user = (
        dict(fake.bot_user)
        if fake is not None
        else {"id": bot.id, "is_bot": True, "first_name": bot.first_name}
    )

    def member(status: str) -> dict[str, Any]:
        data: dict[str, Any] = {"status": status, "user": bot_user}
        if status == "kicked":
            data["until_date"] = 0
        return data

    change = {
        "chat": user.private_chat(),
        "from": user.to_dict(),
        "date": date,
        "old_chat_member": member(old_status),
        "new_chat_member": member(new_status),
    }
    update = Update.de_json({"update_id": next_update_id(), "my_chat_member": change}, bot)
    assert update is not None
    return update


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
