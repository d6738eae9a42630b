"""What happened on the demo's day, chat by chat: the people's messages and taps as the script
makes them, and the bot's real messages as the sandbox Telegram received them.

`collect` reads the Bot API calls the fake recorded since the last look: a message sent (its
text as the reader sees it, its buttons), an edit (the lines that changed), a toast (the
answer to a tap, seen only by who tapped), a reaction. Files the bot uploaded (the chart, the
export) are kept by name. Invite links are one-time secrets: their token is left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.sandbox import telegram_html
from bot.sandbox.fakebot import FakeBotApi
from bot.sandbox.wire import Call

SENDS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendVideo", "copyMessage"}
)
EDITS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})
MEDIA = {"photo": "📷", "document": "📎", "voice": "🎤", "video": "🎬"}
INVITE = re.compile(r"inv_[A-Za-z0-9_-]+")


class Kind:
    """What an entry is."""

    HEADING = "heading"  # the narration: a part of the day begins
    NOTE = "note"  # the narration: something without a chat (the clock moves)
    PERSON = "person"  # a person writes or taps
    BOT = "bot"  # the bot posts a message
    EDIT = "edit"  # the bot edits one of its messages
    TOAST = "toast"  # the short answer to a tap, seen by who tapped only
    REACTION = "reaction"  # the bot marks a person's message


@dataclass(frozen=True)
class Entry:
    """One moment of the transcript."""

    at: datetime
    kind: str
    text: str
    chat: int | str | None = None
    who: str | None = None  # the person (None: the bot)
    buttons: tuple[str, ...] = ()
    media: str | None = None  # an emoji for a photo, file ... and the file's name if it has one
    file: str | None = None  # the name of a file the bot uploaded (in `Transcript.files`)


@dataclass
class Transcript:
    """The day, entry by entry, and the files the bot sent."""

    now: Callable[[], datetime]
    entries: list[Entry] = field(default_factory=list)
    chats: dict[int | str, str] = field(default_factory=dict)  # chat id -> how it is called
    files: dict[str, bytes] = field(default_factory=dict)
    on_entry: Callable[[Entry], None] | None = None
    _seen: int = 0
    _shown: dict[tuple[int | str, int], list[str]] = field(default_factory=dict)
    _tapper: tuple[int | str, str] | None = None

    def name_chat(self, chat: int | str, title: str) -> None:
        self.chats[chat] = title

    def heading(self, text: str) -> None:
        self._add(Entry(self.now(), Kind.HEADING, text))

    def note(self, text: str) -> None:
        self._add(Entry(self.now(), Kind.NOTE, text))

    def person(
        self, chat: int, name: str, text: str, *, button: str | None = None, photo: bool = False
    ) -> None:
        """`name` writes `text` (with a photo) or taps `button` in `chat`."""
        buttons = (button,) if button else ()
        self._tapper = (chat, name) if button else None
        media = MEDIA["photo"] if photo else None
        shown = INVITE.sub("inv_…", text)
        self._add(Entry(self.now(), Kind.PERSON, shown, chat, name, buttons, media))

    def collect(self, api: FakeBotApi) -> None:
        """Add what the bot did since the last look."""
        calls, self._seen = api.calls[self._seen :], len(api.calls)
        for call in calls:
            if not call.failed:
                self._read(api, call)

    def _read(self, api: FakeBotApi, call: Call) -> None:
        if call.method in SENDS:
            self._sent(api, call)
        elif call.method in EDITS:
            self._edited(call)
        elif call.method == "answerCallbackQuery" and call.params.get("text"):
            chat, name = self._tapper or (None, None)
            self._add(Entry(self.now(), Kind.TOAST, call.params["text"], chat, name))
        elif call.method == "setMessageReaction":
            emoji = [r.get("emoji", "") for r in _json(call.params.get("reaction")) or []]
            chat = _chat(call.params["chat_id"])
            self._add(Entry(self.now(), Kind.REACTION, " ".join(emoji), chat))

    def _sent(self, api: FakeBotApi, call: Call) -> None:
        result = call.result if isinstance(call.result, dict) else {}
        chat = _chat(call.params["chat_id"])
        if call.method == "copyMessage":
            result = api.find_message(chat, int(result.get("message_id", 0))) or {}
        text = _text(result.get("text", result.get("caption")), call.params.get("parse_mode"))
        media = next((MEDIA[k] for k in MEDIA if k in result), None)
        name = None
        for upload in call.uploads.values():
            self.files[upload.filename] = upload.content
            name = upload.filename
            media = f"{media or MEDIA['document']} {name}"
        if "message_id" in result:
            self._shown[(chat, int(result["message_id"]))] = text.splitlines()
        buttons = _labels(call.params)
        self._add(Entry(self.now(), Kind.BOT, text, chat, None, buttons, media, name))

    def _edited(self, call: Call) -> None:
        chat = _chat(call.params["chat_id"])
        key = (chat, int(call.params.get("message_id", 0)))
        before = self._shown.get(key, [])
        raw = call.params.get("text", call.params.get("caption"))
        after = before if raw is None else _text(raw, call.params.get("parse_mode")).splitlines()
        self._shown[key] = after
        changed = [line for line in after if line not in before]
        buttons = _labels(call.params)
        if not changed and not buttons:
            return  # only its buttons went away: the step they were for is done
        self._add(Entry(self.now(), Kind.EDIT, "\n".join(changed), chat, None, buttons))

    def _add(self, entry: Entry) -> None:
        self.entries.append(entry)
        if self.on_entry is not None:
            self.on_entry(entry)


def _chat(value: Any) -> int | str:
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _text(text: str | None, parse_mode: str | None) -> str:
    if text is None:
        return ""
    if (parse_mode or "").upper() == "HTML":
        text = telegram_html.plain(text)
    return INVITE.sub("inv_…", text)


def _labels(params: dict[str, Any]) -> tuple[str, ...]:
    """The labels of a message's keyboard (inline or reply), row after row."""
    markup = _json(params.get("reply_markup")) or {}
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return tuple(
        button.get("text", "") if isinstance(button, dict) else str(button)
        for row in rows
        for button in row
    )
