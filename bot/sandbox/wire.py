"""What goes over the wire between the desk and the fake Bot API (`bot.sandbox.fakebot`): the
bot's identity, Telegram's size limits, the calls the fake records and the messages it keeps,
the error it answers with, and the small readings of parameters every part of the fake
shares."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from telegram import TelegramObject
from telegram.request import RequestData

from bot.sandbox import telegram_html
from bot.sandbox.floodlimits import FloodLimits

BOT_ID = 999000
BOT_USERNAME = "feedback_desk_test_bot"
BOT_FIRST_NAME = "Feedback Desk"
TEST_TOKEN = "123456:" + "A" * 35

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200

# Keys of a Message that carry its content (copied by copyMessage / forwardMessage).
CONTENT_KEYS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "photo",
    "document",
    "voice",
    "video",
    "audio",
    "video_note",
    "animation",
    "sticker",
    "location",
    "contact",
    "poll",
)
MEDIA_KEYS = tuple(k for k in CONTENT_KEYS if k not in ("text", "entities", "caption"))
TELEGRAM_LIMITS = FloodLimits()


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded (an `InputFile`), as it went over the wire."""

    filename: str
    mime_type: str | None
    content: bytes = field(repr=False)

    @property
    def marker(self) -> str:
        """How the upload appears in `Call.params`: ``"<upload:filename>"``."""
        return f"<upload:{self.filename}>"


@dataclass
class Call:
    """One Bot API request: the method name and its JSON-ready parameters.

    `status` is the HTTP status the fake answered (200 on success); `failed` is true for
    any error answer, injected or produced by the fake's own checks; `token` is the bot
    token in the request URL. Equality compares method, params and status only, so
    ``Call("getMe", {})`` equals a successful getMe.
    """

    method: str
    params: dict[str, Any]
    status: int = 200
    description: str | None = field(default=None, compare=False)
    result: Any = field(default=None, compare=False, repr=False)
    uploads: dict[str, Upload] = field(default_factory=dict, compare=False, repr=False)
    known: bool = field(default=True, compare=False, repr=False)
    token: str | None = field(default=None, compare=False, repr=False)
    # when the call was answered (time.monotonic), for benches that time deliveries
    at: float = field(default_factory=time.monotonic, compare=False, repr=False)

    @property
    def failed(self) -> bool:
        """Whether Telegram answered this call with an error."""
        return not 200 <= self.status <= 299


@dataclass
class SentMessage:
    """A message the bot sent, as it currently looks in the chat (edits update it).

    `text` is the text or the caption (None for media without caption), `reply_markup`
    the markup dict it was sent with (inline or reply keyboard, after edits the current
    inline keyboard), `params` the parameters of the call that sent it, `message` the
    Telegram Message dict as the fake returns it now.
    """

    chat_id: int | str
    message_id: int
    method: str
    text: str | None
    reply_markup: dict[str, Any] | None
    params: dict[str, Any]
    message: dict[str, Any] = field(repr=False)
    parse_mode: str | None = None
    deleted: bool = False
    edits: int = 0

    @property
    def plain_text(self) -> str | None:
        """`text` as the user reads it: HTML tags removed and entities unescaped when the
        message was sent with ``parse_mode="HTML"``; otherwise `text` unchanged."""
        return as_read(self.text, self.parse_mode)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row by row flattened (empty without one)."""
        markup = self.reply_markup or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    def button(self, text: str) -> dict[str, Any]:
        """The inline button labelled exactly `text`; AssertionError naming the labels
        there are when none is."""
        for candidate in self.buttons:
            if candidate.get("text") == text:
                return candidate
        labels = [b.get("text") for b in self.buttons]
        raise AssertionError(
            f"no button {text!r} on message {self.message_id} in chat {self.chat_id}; "
            f"buttons: {labels}"
        )


@dataclass
class Failure:
    method: str | None
    chat_id: int | str | None
    status: int
    description: str
    retry_after: int | None
    times: int | None  # None: until clear_failures()

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method is not None and self.method != method:
            return False
        if self.chat_id is None:
            return True
        return "chat_id" in params and chat_key(params["chat_id"]) == self.chat_id


@dataclass
class StoredFile:
    file_path: str
    content: bytes | None = None


class ApiError(Exception):
    """Raised inside a method handler to answer with a Telegram error."""

    def __init__(self, status: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def chat_key(value: Any) -> int | str:
    if isinstance(value, bool):
        raise ApiError(400, "Bad Request: chat not found")
    if isinstance(value, int):
        return value
    text = str(value)
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def token_of(url: str) -> str | None:
    """The bot token in a Bot API or file URL (``.../bot<token>/<method or path>``)."""
    found = re.search(r"/bot([^/]+)/", url)
    return found.group(1) if found else None


def unique_id(file_id: str) -> str:
    return "U" + hashlib.sha1(file_id.encode()).hexdigest()[:15]


def as_read(text: str | None, parse_mode: str | None) -> str | None:
    if text is None or (parse_mode or "").upper() != "HTML":
        return text
    try:
        return telegram_html.plain(text)
    except telegram_html.ParseError as error:
        raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None


def normal_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None:
        return None
    if isinstance(markup, str):
        markup = json.loads(markup)
    if isinstance(markup, TelegramObject):
        markup = markup.to_dict()
    return dict(markup)


def inline(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The inline keyboard of a markup, None when there is none or it is empty."""
    if not markup or not any(markup.get("inline_keyboard") or []):
        return None
    return markup


def replace_strings(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return new if value == old else value
    if isinstance(value, list):
        return [replace_strings(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: replace_strings(v, old, new) for k, v in value.items()}
    return value


def contains_string(value: Any, needle: str) -> bool:
    if isinstance(value, str):
        return value == needle
    if isinstance(value, list):
        return any(contains_string(v, needle) for v in value)
    if isinstance(value, dict):
        return any(contains_string(v, needle) for v in value.values())
    return False


def decode(request_data: RequestData | None) -> tuple[dict[str, Any], dict[str, Upload]]:
    """The parameters of a request as JSON values, and the files uploaded with it (each
    replaced in the parameters by its `Upload.marker`)."""
    if request_data is None:
        return {}, {}
    params: dict[str, Any] = copy.deepcopy(request_data.parameters)
    if "reply_markup" in params:
        params["reply_markup"] = normal_markup(params["reply_markup"])
    uploads: dict[str, Upload] = {}
    for part, (filename, content, mime_type) in request_data.multipart_data.items():
        if isinstance(content, bytes):
            data = content
        else:
            data = content.read()
            if hasattr(content, "seek"):
                content.seek(0)
        upload = Upload(filename or part, mime_type, data)
        uploads[part] = upload
        attach_uri = f"attach://{part}"
        if contains_string(params, attach_uri):
            params = replace_strings(params, attach_uri, upload.marker)
        elif part not in params:
            params[part] = upload.marker
    return params, uploads


def iter_inline_buttons(markup: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    for row in (markup or {}).get("inline_keyboard") or []:
        yield from row


def set_or_pop(target: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value
