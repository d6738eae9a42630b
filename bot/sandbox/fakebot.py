"""A recording fake of Telegram's Bot API, plugged into PTB as its `BaseRequest`.

Give one `FakeBotApi` to `ApplicationBuilder().request(fake).get_updates_request(fake)` (or to
`telegram.Bot(token, request=fake, get_updates_request=fake)`): every Bot API call the real
PTB code makes ends in `FakeBotApi.do_request`, which records it as a `Call`, keeps a per-chat
view of what the bot sent (`SentMessage`), and answers with the JSON body and HTTP status
Telegram would use, so PTB's own decoding and error mapping run unchanged.

Faithfulness, on purpose:
- message ids are per chat and shared with incoming messages built by `bot.sandbox.updates`
  (they ask `next_message_id`), as in a real private chat;
- `editMessage*` with the text and inline keyboard a message already has answers
  400 "message is not modified"; editing an unknown or deleted message answers
  400 "message to edit not found"; texts over 4096 characters, captions over 1024 and
  callback data over 64 bytes are refused like Telegram refuses them;
- failures are injected per method and/or chat (`fail_next`, `flood`, `blocked` ...) and
  come back as Telegram's error bodies, so PTB raises `RetryAfter`, `Forbidden`,
  `BadRequest`, `NetworkError` itself;
- Telegram's flood limits are on by default (`bot.sandbox.floodlimits.FloodLimits`), as token
  buckets: 5 messages at once per private chat then 1 per second, 20 per group or channel
  then 20 per minute, 30 for the bot overall then 30 per second. Each call that puts or
  changes a message takes a token from its chat's bucket and the bot's (an album one per
  item); a call finding one empty answers 429 "Too Many Requests: retry after N" with
  ``parameters.retry_after`` N (whole seconds until it would go, at least 1), sends nothing
  and is kept in `throttled`. Refused calls (429, an injected failure, any other error)
  take no token; an injected failure is answered before the limits are checked. Buckets
  refill by the `clock` when there is one (move it instead of sleeping), else by
  `time.monotonic`; ``limits=None`` turns them off;
- `setMessageReaction` needs a live message of that chat (400 "message to react not found")
  and an emoji from Telegram's reaction list (400 "REACTION_INVALID"); see `reaction_on`;
- ``delay`` makes every call but getUpdates take that long, like a round trip to Telegram.

HTML `parse_mode` is read as Telegram reads it (`bot.sandbox.telegram_html`): bad markup is
refused with 400 "can't parse entities". Known simplifications: a sent photo is one
`PhotoSize`; `getChat`, `getFile` and file downloads answer for any id; a reaction with a
custom emoji is refused (Telegram takes the ones a chat allows).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import itertools
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from telegram import TelegramObject
from telegram.request import BaseRequest, RequestData

from bot.sandbox import telegram_html
from bot.sandbox.floodlimits import FloodGate, FloodLimits, cost_of
from bot.sandbox.reactions import ReactionRefused, reaction_emoji

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


class _Clock(Protocol):
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
        return _plain(self.text, self.parse_mode)

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
class _Failure:
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
        return "chat_id" in params and _chat_key(params["chat_id"]) == self.chat_id


@dataclass
class _StoredFile:
    file_path: str
    content: bytes | None = None


class ApiError(Exception):
    """Raised inside a method handler to answer with a Telegram error."""

    def __init__(self, status: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _chat_key(value: Any) -> int | str:
    if isinstance(value, bool):
        raise ApiError(400, "Bad Request: chat not found")
    if isinstance(value, int):
        return value
    text = str(value)
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def _token_of(url: str) -> str | None:
    """The bot token in a Bot API or file URL (``.../bot<token>/<method or path>``)."""
    found = re.search(r"/bot([^/]+)/", url)
    return found.group(1) if found else None


def _unique_id(file_id: str) -> str:
    return "U" + hashlib.sha1(file_id.encode()).hexdigest()[:15]


def _plain(text: str | None, parse_mode: str | None) -> str | None:
    if text is None or (parse_mode or "").upper() != "HTML":
        return text
    try:
        return telegram_html.plain(text)
    except telegram_html.ParseError as error:
        raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None


def _normal_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None:
        return None
    if isinstance(markup, str):
        markup = json.loads(markup)
    if isinstance(markup, TelegramObject):
        markup = markup.to_dict()
    return dict(markup)


def _inline(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The inline keyboard of a markup, None when there is none or it is empty."""
    if not markup or not any(markup.get("inline_keyboard") or []):
        return None
    return markup


def _replace_strings(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return new if value == old else value
    if isinstance(value, list):
        return [_replace_strings(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _replace_strings(v, old, new) for k, v in value.items()}
    return value


def _contains_string(value: Any, needle: str) -> bool:
    if isinstance(value, str):
        return value == needle
    if isinstance(value, list):
        return any(_contains_string(v, needle) for v in value)
    if isinstance(value, dict):
        return any(_contains_string(v, needle) for v in value.values())
    return False


class FakeBotApi(BaseRequest):
    """Telegram's Bot API in memory: records calls, answers like Telegram, injects failures.

    `clock` is anything with ``now() -> datetime`` (the desk's `FakeClock`); it dates the
    messages the fake returns and the updates `bot.sandbox.updates` builds, and refills the
    flood limits' buckets. `poll_wait` is how long an empty long-polling `getUpdates` waits
    for `queue_update` before answering ``[]`` (only when the call asks for a timeout).
    `limits` are the flood limits enforced (Telegram's by default; None: none; setting
    `limits` later starts from full buckets; `flood_clock`, seconds, times them instead of
    `clock` when given); `delay` is how long each call but getUpdates
    takes, in seconds.
    """

    def __init__(
        self,
        *,
        clock: _Clock | None = None,
        poll_wait: float = 0.05,
        limits: FloodLimits | None = TELEGRAM_LIMITS,
        delay: float = 0.0,
        flood_clock: Callable[[], float] | None = None,
    ) -> None:
        self.clock = clock
        self.flood_clock = flood_clock
        self.poll_wait = poll_wait
        self.delay = delay
        self.limits = limits
        self.throttled: list[Call] = []
        self.bot_user: dict[str, Any] = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.calls: list[Call] = []
        self.sent: list[SentMessage] = []
        self._messages: dict[int | str, list[SentMessage]] = defaultdict(list)
        self._incoming: dict[tuple[int | str, int], dict[str, Any]] = {}
        self._chats: dict[int | str, dict[str, Any]] = {}
        self._last_message_id: dict[int | str, int] = defaultdict(int)
        self._failures: list[_Failure] = []
        self._updates: list[dict[str, Any]] = []
        self._update_arrived = asyncio.Event()
        self._awaited: dict[str, list[asyncio.Future[Call]]] = defaultdict(list)
        self._files: dict[str, _StoredFile] = {}
        self._chat_members: dict[tuple[int | str, int], str] = {}
        self._reactions: dict[tuple[int | str, int], list[str]] = {}
        self._upload_ids = itertools.count(1)
        self._topic_ids = itertools.count(1001)
        self._poll_ids = itertools.count(1)
        self._handlers: dict[str, Callable[[str, dict[str, Any], Call], Any]] = {
            "getMe": lambda m, p, c: dict(self.bot_user),
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "setWebhook": self._true,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": lambda m, p, c: {
                "url": "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            },
            "setMyCommands": self._true,
            "deleteMyCommands": self._true,
            "getMyCommands": lambda m, p, c: [],
            "setChatMenuButton": self._true,
            "getChatMenuButton": lambda m, p, c: {"type": "commands"},
            "setMyName": self._true,
            "setMyDescription": self._true,
            "setMyShortDescription": self._true,
            "sendChatAction": self._true,
            "answerCallbackQuery": self._answer_callback_query,
            "sendMessage": self._send,
            "sendPhoto": self._send,
            "sendDocument": self._send,
            "sendVoice": self._send,
            "sendVideo": self._send,
            "sendAudio": self._send,
            "sendVideoNote": self._send,
            "sendAnimation": self._send,
            "sendSticker": self._send,
            "sendLocation": self._send,
            "sendContact": self._send,
            "sendPoll": self._send,
            "sendMediaGroup": self._send_media_group,
            "copyMessage": self._copy_message,
            "copyMessages": self._copy_messages,
            "forwardMessage": self._forward_message,
            "forwardMessages": self._copy_messages,
            "editMessageText": self._edit,
            "editMessageCaption": self._edit,
            "editMessageReplyMarkup": self._edit,
            "setMessageReaction": self._set_message_reaction,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "pinChatMessage": self._true,
            "unpinChatMessage": self._true,
            "unpinAllChatMessages": self._true,
            "getFile": self._get_file,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "createForumTopic": self._create_forum_topic,
            "editForumTopic": self._true,
            "closeForumTopic": self._true,
            "reopenForumTopic": self._true,
            "deleteForumTopic": self._true,
            "leaveChat": self._true,
        }

    # -- BaseRequest -------------------------------------------------------------------

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = url.rstrip("/").rsplit("/", 1)[-1]
        if self.delay > 0 and api_method != "getUpdates":
            await asyncio.sleep(self.delay)
        if "/file/bot" in url:
            return self._download(url)
        params, uploads = self._decode(request_data)
        call = Call(
            api_method,
            params,
            uploads=uploads,
            known=api_method in self._handlers,
            token=_token_of(url),
        )
        self.calls.append(call)
        for waiting in self._awaited.pop(api_method, []):
            if not waiting.done():
                waiting.set_result(call)
        try:
            self._inject_failure(api_method, params)
            spend_tokens = self._check_flood(call)
            handler = self._handlers.get(api_method, self._true)
            result = handler(api_method, params, call)
            if asyncio.iscoroutine(result):
                result = await result
            spend_tokens()
        except ApiError as error:
            call.status = error.status
            call.description = error.description
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.status,
                "description": error.description,
            }
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            return error.status, json.dumps(body).encode()
        call.result = result
        call.at = time.monotonic()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # -- what tests read ---------------------------------------------------------------

    def next_call(self, method: str) -> asyncio.Future[Call]:
        """A future the next call of `method` resolves, the moment the fake receives it."""
        future: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        self._awaited[method].append(future)
        return future

    def calls_of(self, method: str) -> list[Call]:
        """Every call of one Bot API method (failed ones included), in order."""
        return [call for call in self.calls if call.method == method]

    def last_call(self, method: str | None = None) -> Call:
        """The latest call (of `method`, when given); AssertionError when there is none."""
        for call in reversed(self.calls):
            if method is None or call.method == method:
                return call
        raise AssertionError(f"no {method or 'Bot API'} call was made")

    @property
    def unknown_calls(self) -> list[Call]:
        """Calls of methods the fake has no model for (answered ``true``)."""
        return [call for call in self.calls if not call.known]

    def messages_to(self, chat_id: int | str) -> list[SentMessage]:
        """What the bot sent to a chat, oldest first (deleted ones stay, `deleted=True`)."""
        return list(self._messages.get(_chat_key(chat_id), []))

    def last_message_to(self, chat_id: int | str) -> SentMessage:
        """The latest message the bot sent to a chat; AssertionError when it sent none."""
        messages = self.messages_to(chat_id)
        if not messages:
            chats = sorted(self._messages, key=str)
            raise AssertionError(f"the bot sent nothing to chat {chat_id}; it sent to {chats}")
        return messages[-1]

    def message(self, chat_id: int | str, message_id: int) -> SentMessage:
        """One message the bot sent; AssertionError when it did not send it."""
        found = self._find_sent(_chat_key(chat_id), message_id)
        if found is None:
            raise AssertionError(f"the bot sent no message {message_id} to chat {chat_id}")
        return found

    def find_message(self, chat_id: int | str, message_id: int) -> dict[str, Any] | None:
        """The Message dict of a live message in a chat, sent by the bot (current state)
        or recorded with `record_incoming`; None when the fake does not know it."""
        found = self._find_any(_chat_key(chat_id), message_id)
        return copy.deepcopy(found) if found is not None else None

    def reaction_on(self, chat_id: int | str, message_id: int) -> list[str]:
        """The emoji the bot's reaction on a message shows now (empty: none)."""
        return list(self._reactions.get((_chat_key(chat_id), message_id), []))

    def clear_calls(self) -> None:
        """Forget the recorded calls and `throttled` (messages, chats and ids stay)."""
        self.calls.clear()
        self.throttled.clear()

    # -- what tests and update builders feed in ----------------------------------------

    def now(self) -> datetime | None:
        """The clock's time, or None without a clock."""
        return self.clock.now() if self.clock is not None else None

    def timestamp(self) -> int:
        """Unix time for message dates: from the clock when there is one."""
        now = self.now()
        return int(now.timestamp()) if now is not None else int(time.time())

    def next_message_id(self, chat_id: int | str) -> int:
        """Allocate the next message id of a chat (bot and user messages share them)."""
        key = _chat_key(chat_id)
        self._last_message_id[key] += 1
        return self._last_message_id[key]

    def record_incoming(self, message: dict[str, Any] | TelegramObject) -> None:
        """Make a message a user sent known (for copyMessage, forwardMessage, replies)."""
        data = message.to_dict() if isinstance(message, TelegramObject) else message
        key = _chat_key(data["chat"]["id"])
        self._chats.setdefault(key, dict(data["chat"]))
        self._incoming[(key, int(data["message_id"]))] = copy.deepcopy(data)
        self._last_message_id[key] = max(self._last_message_id[key], int(data["message_id"]))

    def queue_update(self, update: dict[str, Any] | TelegramObject) -> None:
        """Queue an update for getUpdates (kept until a later offset confirms it)."""
        data = update.to_dict() if isinstance(update, TelegramObject) else dict(update)
        self._updates.append(data)
        self._update_arrived.set()

    def put_file(self, file_id: str, content: bytes, file_path: str | None = None) -> None:
        """Serve `content` for `file_id` through getFile and the file download."""
        self._files[file_id] = _StoredFile(file_path or f"files/{file_id}", content)

    def set_chat_member(self, chat_id: int | str, user_id: int, status: str) -> None:
        """What getChatMember answers: member, administrator, creator, left or kicked."""
        self._chat_members[(_chat_key(chat_id), user_id)] = status

    # -- flood limits ------------------------------------------------------------------

    @property
    def limits(self) -> FloodLimits | None:
        """The flood limits enforced (None: off)."""
        return self._flood_gate.limits if self._flood_gate is not None else None

    @limits.setter
    def limits(self, limits: FloodLimits | None) -> None:
        self._flood_gate = FloodGate(limits) if limits is not None else None

    def _flood_now(self) -> float:
        """Seconds for the buckets: `flood_clock`, else the clock, else real time."""
        if self.flood_clock is not None:
            return self.flood_clock()
        return self.clock.now().timestamp() if self.clock is not None else time.monotonic()

    def _check_flood(self, call: Call) -> Callable[[], None]:
        """429 when the call would exceed a flood limit; else what spends its tokens, to be
        called once it succeeded (nothing when it is not counted or there are no limits)."""
        gate, cost = self._flood_gate, cost_of(call.method, call.params)
        if gate is None or cost == 0:
            return lambda: None
        chat = _chat_key(call.params["chat_id"]) if "chat_id" in call.params else None
        now = self._flood_now()
        retry_after = gate.retry_after(chat, cost, now)
        if retry_after is not None:
            self.throttled.append(call)
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        return lambda: gate.take(chat, cost, now)

    # -- failure injection -------------------------------------------------------------

    def fail_next(
        self,
        method: str | None = None,
        *,
        chat_id: int | str | None = None,
        status: int,
        description: str,
        retry_after: int | None = None,
        times: int | None = 1,
    ) -> None:
        """Answer the next `times` calls matching `method` and/or `chat_id` (None: any)
        with Telegram's error body; ``times=None`` keeps failing until `clear_failures`.
        Rules are checked in the order they were added."""
        key = _chat_key(chat_id) if chat_id is not None else None
        self._failures.append(_Failure(method, key, status, description, retry_after, times))

    def flood(
        self,
        retry_after: int,
        method: str | None = None,
        *,
        chat_id: int | str | None = None,
        times: int | None = 1,
    ) -> None:
        """429 "Too Many Requests: retry after N" with ``parameters.retry_after``."""
        self.fail_next(
            method,
            chat_id=chat_id,
            status=429,
            description=f"Too Many Requests: retry after {retry_after}",
            retry_after=retry_after,
            times=times,
        )

    def server_error(
        self, method: str | None = None, *, chat_id: int | str | None = None, times: int | None = 1
    ) -> None:
        """500 "Internal Server Error" (PTB raises `NetworkError`)."""
        self.fail_next(
            method, chat_id=chat_id, status=500, description="Internal Server Error", times=times
        )

    def blocked(
        self, method: str | None = None, *, chat_id: int | str | None = None, times: int | None = 1
    ) -> None:
        """403 "Forbidden: bot was blocked by the user" (PTB raises `Forbidden`)."""
        self.fail_next(
            method,
            chat_id=chat_id,
            status=403,
            description="Forbidden: bot was blocked by the user",
            times=times,
        )

    def chat_not_found(
        self, method: str | None = None, *, chat_id: int | str | None = None, times: int | None = 1
    ) -> None:
        """400 "Bad Request: chat not found" (PTB raises `BadRequest`)."""
        self.fail_next(
            method,
            chat_id=chat_id,
            status=400,
            description="Bad Request: chat not found",
            times=times,
        )

    def clear_failures(self) -> None:
        """Drop every pending failure rule."""
        self._failures.clear()

    def _inject_failure(self, method: str, params: dict[str, Any]) -> None:
        for failure in self._failures:
            if failure.matches(method, params):
                if failure.times is not None:
                    failure.times -= 1
                    if failure.times <= 0:
                        self._failures.remove(failure)
                raise ApiError(failure.status, failure.description, failure.retry_after)

    # -- decoding ----------------------------------------------------------------------

    def _decode(
        self, request_data: RequestData | None
    ) -> tuple[dict[str, Any], dict[str, Upload]]:
        if request_data is None:
            return {}, {}
        params: dict[str, Any] = copy.deepcopy(request_data.parameters)
        if "reply_markup" in params:
            params["reply_markup"] = _normal_markup(params["reply_markup"])
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
            if _contains_string(params, attach_uri):
                params = _replace_strings(params, attach_uri, upload.marker)
            elif part not in params:
                params[part] = upload.marker
        return params, uploads

    # -- method handlers ---------------------------------------------------------------

    @staticmethod
    def _true(method: str, params: dict[str, Any], call: Call) -> bool:
        return True

    def _delete_webhook(self, method: str, params: dict[str, Any], call: Call) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_updates(self, method: str, params: dict[str, Any], call: Call) -> list:
        offset = params.get("offset") or 0
        if offset > 0:
            self._updates = [u for u in self._updates if u.get("update_id", 0) >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        timeout = params.get("timeout") or 0
        if not self._updates and timeout > 0 and self.poll_wait > 0:
            self._update_arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._update_arrived.wait(), timeout=min(timeout, self.poll_wait)
                )
        limit = params.get("limit") or 100
        return copy.deepcopy(self._updates[:limit])

    def _answer_callback_query(self, method: str, params: dict[str, Any], call: Call) -> bool:
        if len(params.get("text") or "") > MAX_CALLBACK_ANSWER:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _send(self, method: str, params: dict[str, Any], call: Call) -> dict[str, Any]:
        content = self._content_of(method, params, call)
        sent = self._new_message(method, params, content)
        return copy.deepcopy(sent.message)

    def _send_media_group(
        self, method: str, params: dict[str, Any], call: Call
    ) -> list[dict[str, Any]]:
        media = params.get("media") or []
        if not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of media in the album")
        group_id = str(next(self._upload_ids) + 10_000_000)
        results = []
        for item in media:
            item_params = {**params, **item}
            kind = item["type"]
            content = self._media_content(kind, item["media"], item_params, call)
            if item.get("caption") is not None:
                self._check_caption(item["caption"], item.get("parse_mode"))
                content["caption"] = item["caption"]
            content["media_group_id"] = group_id
            sent = self._new_message(method, item_params, content)
            results.append(copy.deepcopy(sent.message))
        return results

    def _copy_message(self, method: str, params: dict[str, Any], call: Call) -> dict[str, Any]:
        sent = self._copy_one(method, params, int(params.get("message_id", 0)))
        return {"message_id": sent.message_id}

    def _copy_messages(self, method: str, params: dict[str, Any], call: Call) -> list:
        ids = params.get("message_ids") or []
        return [{"message_id": self._copy_one(method, params, int(i)).message_id} for i in ids]

    def _forward_message(self, method: str, params: dict[str, Any], call: Call) -> dict:
        source = self._source(params, int(params.get("message_id", 0)), "forward")
        content = {k: v for k, v in source.items() if k in CONTENT_KEYS}
        origin_user = source.get("from") or self.bot_user
        content["forward_origin"] = {
            "type": "user",
            "sender_user": origin_user,
            "date": source.get("date", self.timestamp()),
        }
        sent = self._new_message(method, params, content)
        return copy.deepcopy(sent.message)

    def _copy_one(self, method: str, params: dict[str, Any], message_id: int) -> SentMessage:
        source = self._source(params, message_id, "copy")
        content = {k: v for k, v in source.items() if k in CONTENT_KEYS}
        if "text" not in content and "caption" in params:
            self._check_caption(params["caption"], params.get("parse_mode"))
            content["caption"] = params["caption"]
            content.pop("caption_entities", None)
        return self._new_message(method, params, content)

    def _source(self, params: dict[str, Any], message_id: int, verb: str) -> dict[str, Any]:
        if "from_chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        found = self._find_any(_chat_key(params["from_chat_id"]), message_id)
        if found is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        return copy.deepcopy(found)

    def _edit(self, method: str, params: dict[str, Any], call: Call) -> dict[str, Any] | bool:
        if "inline_message_id" in params:
            return True
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        sent = self._find_sent(_chat_key(params["chat_id"]), int(params.get("message_id", 0)))
        if sent is None or sent.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        new_markup = _inline(params.get("reply_markup"))
        self._check_markup(new_markup)
        old_markup = _inline(sent.message.get("reply_markup"))
        message = sent.message
        if method == "editMessageText":
            if "text" not in message:
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            text = params.get("text") or ""
            self._check_text(text, params.get("parse_mode"))
            before = (message["text"], sent.parse_mode, message.get("entities"))
            after = (text, params.get("parse_mode"), params.get("entities"))
            if before == after and old_markup == new_markup:
                raise ApiError(400, NOT_MODIFIED)
            message["text"] = text
            _set_or_pop(message, "entities", params.get("entities"))
            sent.text, sent.parse_mode = text, params.get("parse_mode")
        elif method == "editMessageCaption":
            if "text" in message:
                raise ApiError(400, "Bad Request: there is no caption in the message to edit")
            caption = params.get("caption")
            if caption is not None:
                self._check_caption(caption, params.get("parse_mode"))
            before = (message.get("caption"), sent.parse_mode, message.get("caption_entities"))
            after = (caption, params.get("parse_mode"), params.get("caption_entities"))
            if before == after and old_markup == new_markup:
                raise ApiError(400, NOT_MODIFIED)
            _set_or_pop(message, "caption", caption)
            _set_or_pop(message, "caption_entities", params.get("caption_entities"))
            sent.text, sent.parse_mode = caption, params.get("parse_mode")
        elif old_markup == new_markup:  # editMessageReplyMarkup
            raise ApiError(400, NOT_MODIFIED)
        _set_or_pop(message, "reply_markup", new_markup)
        keeps_reply_keyboard = bool(sent.reply_markup) and "inline_keyboard" not in (
            sent.reply_markup or {}
        )
        if new_markup is not None or not keeps_reply_keyboard:
            sent.reply_markup = new_markup
        message["edit_date"] = self.timestamp()
        sent.edits += 1
        return copy.deepcopy(message)

    def _set_message_reaction(self, method: str, params: dict[str, Any], call: Call) -> bool:
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat, message_id = _chat_key(params["chat_id"]), int(params.get("message_id", 0))
        if self._find_any(chat, message_id) is None:
            raise ApiError(400, "Bad Request: message to react not found")
        try:
            self._reactions[(chat, message_id)] = reaction_emoji(params.get("reaction"))
        except ReactionRefused as refused:
            raise ApiError(400, str(refused)) from None
        return True

    def _delete_message(self, method: str, params: dict[str, Any], call: Call) -> bool:
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        self._delete(_chat_key(params["chat_id"]), int(params.get("message_id", 0)))
        return True

    def _delete_messages(self, method: str, params: dict[str, Any], call: Call) -> bool:
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = _chat_key(params["chat_id"])
        for message_id in params.get("message_ids") or []:
            try:
                self._delete(chat, int(message_id))
            except ApiError:
                continue  # deleteMessages skips messages it cannot find
        return True

    def _delete(self, chat: int | str, message_id: int) -> None:
        sent = self._find_sent(chat, message_id)
        if sent is not None:
            if sent.deleted:
                raise ApiError(400, "Bad Request: message to delete not found")
            sent.deleted = True
            return
        if self._incoming.pop((chat, message_id), None) is not None:
            return
        if not 0 < message_id <= self._last_message_id.get(chat, 0):
            raise ApiError(400, "Bad Request: message to delete not found")

    def _get_file(self, method: str, params: dict[str, Any], call: Call) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        if not file_id:
            raise ApiError(400, "Bad Request: invalid file_id")
        stored = self._files.setdefault(file_id, _StoredFile(f"files/{file_id}"))
        result: dict[str, Any] = {
            "file_id": file_id,
            "file_unique_id": _unique_id(file_id),
            "file_path": stored.file_path,
        }
        if stored.content is not None:
            result["file_size"] = len(stored.content)
        return result

    def _download(self, url: str) -> tuple[int, bytes]:
        file_path = url.split("/file/bot", 1)[1].split("/", 1)[1]
        self.calls.append(Call("downloadFile", {"file_path": file_path}, token=_token_of(url)))
        for file_id, stored in self._files.items():
            if stored.file_path == file_path:
                return 200, stored.content or f"content of {file_id}".encode()
        return 200, f"content of {file_path}".encode()

    def _get_chat(self, method: str, params: dict[str, Any], call: Call) -> dict[str, Any]:
        chat = self._chat_dict(_chat_key(params.get("chat_id", 0)))
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _get_chat_member(self, method: str, params: dict[str, Any], call: Call) -> dict:
        user_id = int(params.get("user_id", 0))
        chat = _chat_key(params.get("chat_id", 0))
        status = self._chat_members.get((chat, user_id), "member")
        if user_id == BOT_ID:
            user = dict(self.bot_user)
        else:
            user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "kicked":
            member["until_date"] = 0
        elif status == "administrator":
            member.update(
                dict.fromkeys(
                    (
                        "can_be_edited",
                        "is_anonymous",
                        "can_restrict_members",
                        "can_promote_members",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                    ),
                    False,
                )
            )
            member.update(
                dict.fromkeys(
                    (
                        "can_manage_chat",
                        "can_delete_messages",
                        "can_manage_video_chats",
                        "can_change_info",
                        "can_invite_users",
                    ),
                    True,
                )
            )
        return member

    def _create_forum_topic(self, method: str, params: dict[str, Any], call: Call) -> dict:
        return {
            "message_thread_id": next(self._topic_ids),
            "name": params.get("name", ""),
            "icon_color": params.get("icon_color", 7322096),
        }

    # -- building messages -------------------------------------------------------------

    def _content_of(self, method: str, params: dict[str, Any], call: Call) -> dict[str, Any]:
        if method == "sendMessage":
            text = params.get("text") or ""
            self._check_text(text, params.get("parse_mode"))
            content: dict[str, Any] = {"text": text}
            if params.get("entities"):
                content["entities"] = params["entities"]
            return content
        if method == "sendLocation":
            return {"location": {"latitude": params["latitude"], "longitude": params["longitude"]}}
        if method == "sendContact":
            contact = {
                k: params[k]
                for k in ("phone_number", "first_name", "last_name", "vcard")
                if k in params
            }
            return {"contact": contact}
        if method == "sendPoll":
            options = [
                {"text": o["text"] if isinstance(o, dict) else str(o), "voter_count": 0}
                for o in params.get("options") or []
            ]
            poll = {
                "id": str(next(self._poll_ids)),
                "question": params.get("question", ""),
                "options": options,
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": params.get("is_anonymous", True),
                "type": params.get("type", "regular"),
                "allows_multiple_answers": params.get("allows_multiple_answers", False),
            }
            return {"poll": poll}
        kind = {
            "sendPhoto": "photo",
            "sendDocument": "document",
            "sendVoice": "voice",
            "sendVideo": "video",
            "sendAudio": "audio",
            "sendVideoNote": "video_note",
            "sendAnimation": "animation",
            "sendSticker": "sticker",
        }[method]
        if kind not in params:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        content = self._media_content(kind, params[kind], params, call)
        if params.get("caption") is not None and kind not in ("sticker", "video_note"):
            self._check_caption(params["caption"], params.get("parse_mode"))
            content["caption"] = params["caption"]
            if params.get("caption_entities"):
                content["caption_entities"] = params["caption_entities"]
        return content

    def _media_content(
        self, kind: str, ref: Any, params: dict[str, Any], call: Call
    ) -> dict[str, Any]:
        file_id, upload = self._file_ref(str(ref), call)
        base: dict[str, Any] = {"file_id": file_id, "file_unique_id": _unique_id(file_id)}
        if upload is not None:
            base["file_size"] = len(upload.content)
        duration = params.get("duration", 1)
        width, height = params.get("width", 1280), params.get("height", 720)
        if kind == "photo":
            return {"photo": [{**base, "width": width, "height": height}]}
        if kind == "document":
            document = dict(base)
            if upload is not None:
                document["file_name"] = upload.filename
                if upload.mime_type:
                    document["mime_type"] = upload.mime_type
            return {"document": document}
        if kind == "voice":
            return {"voice": {**base, "duration": duration, "mime_type": "audio/ogg"}}
        if kind == "video":
            return {"video": {**base, "width": width, "height": height, "duration": duration}}
        if kind == "audio":
            return {"audio": {**base, "duration": duration}}
        if kind == "video_note":
            length = params.get("length", 240)
            return {"video_note": {**base, "length": length, "duration": duration}}
        if kind == "animation":
            animation = {**base, "width": width, "height": height, "duration": duration}
            return {"animation": animation, "document": dict(base)}
        if kind == "sticker":
            sticker = {
                **base,
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
            if params.get("emoji"):
                sticker["emoji"] = params["emoji"]
            return {"sticker": sticker}
        raise ApiError(400, f"Bad Request: unsupported media type {kind}")

    def _file_ref(self, ref: str, call: Call) -> tuple[str, Upload | None]:
        """The file_id a sent file gets: an uploaded file gets a fresh one (its content
        served by getFile), a file_id or URL is echoed."""
        for upload in call.uploads.values():
            if upload.marker == ref:
                file_id = f"fake-upload-{next(self._upload_ids)}"
                self._files[file_id] = _StoredFile(
                    f"uploads/{file_id}/{upload.filename}", upload.content
                )
                return file_id, upload
        return ref, None

    def _new_message(
        self, method: str, params: dict[str, Any], content: dict[str, Any]
    ) -> SentMessage:
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = _chat_key(params["chat_id"])
        markup = params.get("reply_markup")
        self._check_markup(markup)
        message_id = self.next_message_id(chat)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": dict(self.bot_user),
            "date": self.timestamp(),
            "chat": self._chat_dict(chat),
            **copy.deepcopy(content),
        }
        if params.get("message_thread_id"):
            message["message_thread_id"] = params["message_thread_id"]
            message["is_topic_message"] = True
        reply_to = (params.get("reply_parameters") or {}).get("message_id") or params.get(
            "reply_to_message_id"
        )
        if reply_to:
            replied = self._find_any(chat, int(reply_to))
            if replied is not None:
                message["reply_to_message"] = {
                    k: v for k, v in replied.items() if k != "reply_to_message"
                }
        if _inline(markup) is not None:
            message["reply_markup"] = markup
        sent = SentMessage(
            chat_id=chat,
            message_id=message_id,
            method=method,
            text=content.get("text", content.get("caption")),
            reply_markup=markup,
            params=params,
            message=message,
            parse_mode=params.get("parse_mode"),
        )
        self._messages[chat].append(sent)
        self.sent.append(sent)
        return sent

    def _chat_dict(self, chat: int | str) -> dict[str, Any]:
        if chat in self._chats:
            return dict(self._chats[chat])
        if isinstance(chat, str):
            return {"id": -1000000000000 - len(chat), "type": "channel", "username": chat[1:]}
        if chat > 0:
            return {"id": chat, "type": "private", "first_name": f"User {chat}"}
        return {"id": chat, "type": "supergroup", "title": f"Group {chat}"}

    def _find_sent(self, chat: int | str, message_id: int) -> SentMessage | None:
        for sent in self._messages.get(chat, []):
            if sent.message_id == message_id:
                return sent
        return None

    def _find_any(self, chat: int | str, message_id: int) -> dict[str, Any] | None:
        sent = self._find_sent(chat, message_id)
        if sent is not None and not sent.deleted:
            return sent.message
        return self._incoming.get((chat, message_id))

    # -- Telegram's checks -------------------------------------------------------------

    @staticmethod
    def _check_text(text: str, parse_mode: str | None) -> None:
        plain = _plain(text, parse_mode) or ""
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")

    @staticmethod
    def _check_caption(caption: str, parse_mode: str | None) -> None:
        if len(_plain(caption, parse_mode) or "") > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")

    @staticmethod
    def _check_markup(markup: dict[str, Any] | None) -> None:
        for button in _iter_inline_buttons(markup):
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def _iter_inline_buttons(markup: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    for row in (markup or {}).get("inline_keyboard") or []:
        yield from row


def _set_or_pop(target: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value
