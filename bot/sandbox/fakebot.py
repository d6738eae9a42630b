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
import copy
import itertools
import json
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import TelegramObject
from telegram.request import BaseRequest, RequestData

from bot.sandbox.chats import ChatMethods
from bot.sandbox.failures import FailureInjection
from bot.sandbox.floodlimits import FloodGate, FloodLimits, cost_of
from bot.sandbox.messaging import MessageMethods
from bot.sandbox.wire import (
    BOT_FIRST_NAME,
    BOT_ID,
    BOT_USERNAME,
    TELEGRAM_LIMITS,
    ApiError,
    Call,
    Clock,
    Failure,
    SentMessage,
    StoredFile,
    chat_key,
    decode,
    token_of,
)


class FakeBotApi(FailureInjection, ChatMethods, MessageMethods, BaseRequest):
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
        clock: Clock | None = None,
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
        self._failures: list[Failure] = []
        self._updates: list[dict[str, Any]] = []
        self._update_arrived = asyncio.Event()
        self._awaited: dict[str, list[asyncio.Future[Call]]] = defaultdict(list)
        self._files: dict[str, StoredFile] = {}
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
        params, uploads = decode(request_data)
        call = Call(
            api_method,
            params,
            uploads=uploads,
            known=api_method in self._handlers,
            token=token_of(url),
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
        return list(self._messages.get(chat_key(chat_id), []))

    def last_message_to(self, chat_id: int | str) -> SentMessage:
        """The latest message the bot sent to a chat; AssertionError when it sent none."""
        messages = self.messages_to(chat_id)
        if not messages:
            chats = sorted(self._messages, key=str)
            raise AssertionError(f"the bot sent nothing to chat {chat_id}; it sent to {chats}")
        return messages[-1]

    def message(self, chat_id: int | str, message_id: int) -> SentMessage:
        """One message the bot sent; AssertionError when it did not send it."""
        found = self._find_sent(chat_key(chat_id), message_id)
        if found is None:
            raise AssertionError(f"the bot sent no message {message_id} to chat {chat_id}")
        return found

    def find_message(self, chat_id: int | str, message_id: int) -> dict[str, Any] | None:
        """The Message dict of a live message in a chat, sent by the bot (current state)
        or recorded with `record_incoming`; None when the fake does not know it."""
        found = self._find_any(chat_key(chat_id), message_id)
        return copy.deepcopy(found) if found is not None else None

    def reaction_on(self, chat_id: int | str, message_id: int) -> list[str]:
        """The emoji the bot's reaction on a message shows now (empty: none)."""
        return list(self._reactions.get((chat_key(chat_id), message_id), []))

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
        key = chat_key(chat_id)
        self._last_message_id[key] += 1
        return self._last_message_id[key]

    def record_incoming(self, message: dict[str, Any] | TelegramObject) -> None:
        """Make a message a user sent known (for copyMessage, forwardMessage, replies)."""
        data = message.to_dict() if isinstance(message, TelegramObject) else message
        key = chat_key(data["chat"]["id"])
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
        self._files[file_id] = StoredFile(file_path or f"files/{file_id}", content)

    def set_chat_member(self, chat_id: int | str, user_id: int, status: str) -> None:
        """What getChatMember answers: member, administrator, creator, left or kicked."""
        self._chat_members[(chat_key(chat_id), user_id)] = status

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
        chat = chat_key(call.params["chat_id"]) if "chat_id" in call.params else None
        now = self._flood_now()
        retry_after = gate.retry_after(chat, cost, now)
        if retry_after is not None:
            self.throttled.append(call)
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        return lambda: gate.take(chat, cost, now)
