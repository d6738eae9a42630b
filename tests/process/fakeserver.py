"""The fake Bot API served over real HTTP, for tests that run the bot as its own process.

`FakeBotServer` puts one `bot.sandbox.fakebot.FakeBotApi` behind a tornado HTTP server on
127.0.0.1 (a free port), in a background thread with its own event loop. Point a process at
it with `env()` (or `base_url` / `base_file_url`); the test reads and feeds the fake through
the thread-safe methods below, which run on the server's loop::

    with FakeBotServer() as server:
        bot = subprocess.Popen(["feedback-desk", "run"], env={**os.environ, **server.env()})
        server.queue_update(server.command_update(TgUser(501, "Ann"), "new"))
        server.wait_until(lambda fake: fake.messages_to(501), what="a reply to 501")

Requests are decoded as PTB's `HTTPXRequest` sends them: ``POST /bot<token>/<method>``,
form-urlencoded or multipart, every parameter a string (PTB JSON-encodes values that are
not strings already; see `wire_params`). ``GET /file/bot<token>/<path>`` downloads a file.
Any token is accepted; each `Call` keeps the one it came with.

Telegram's flood limits are on (`bot.sandbox.floodlimits.FloodLimits`, refilled in real time:
see `bot.sandbox.fakebot`), so a bench sees the 429s production would; ``limits=None`` turns
them off, and ``delay`` gives every call but getUpdates a round trip of that many seconds.
`HumanTime` refills them as if people took their time: real time, plus a person's step for
each message or tap a test makes (a test's customers answer at once, nobody can).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import copy
import inspect
import json
import math
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import Bot, Update

from bot.sandbox import updates
from bot.sandbox.fakebot import FakeBotApi
from bot.sandbox.floodlimits import FloodLimits
from bot.sandbox.updates import TgUser
from bot.sandbox.wire import MEDIA_KEYS, TELEGRAM_LIMITS, TEST_TOKEN, Call, SentMessage

__all__ = ["FakeBotServer", "TgUser", "wire_params"]

T = TypeVar("T")

# Bot API parameters typed String: kept as sent even when they look like JSON ("42", "true").
# Every other value was JSON-encoded by PTB unless it was a string (a "@channel" chat_id).
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "question",
        "explanation",
        "title",
        "name",
        "description",
        "short_description",
        "emoji",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "address",
        "foursquare_id",
        "url",
        "file_id",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "next_offset",
        "language_code",
        "action",
        "secret_token",
        "ip_address",
        "custom_title",
        "icon_custom_emoji_id",
        "thumbnail",
    }
) | (  # a file to send (file_id, URL or attach://), named like the message content it makes
    frozenset(MEDIA_KEYS) - {"caption_entities", "location", "contact", "poll"}
)

CALL_TIMEOUT = 10.0  # seconds a thread-safe call may take on the server loop
RECHECK = 0.05  # wait_until also re-checks this often (a call still running changes the fake)


def wire_params(fields: Mapping[str, str]) -> dict[str, Any]:
    """Bot API parameters from the string fields of a request, as `FakeBotApi` reads them
    in-process (`RequestData.parameters`): JSON-decoded, except String-typed parameters."""
    params: dict[str, Any] = {}
    for key, raw in fields.items():
        if key in STRING_PARAMS:
            params[key] = raw
            continue
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params


@dataclass
class _WireRequestData:
    """What `FakeBotApi` reads of a `telegram.request.RequestData`, rebuilt from HTTP."""

    parameters: dict[str, Any]
    multipart_data: dict[str, tuple[str, bytes, str | None]] = field(default_factory=dict)


class _Handler(tornado.web.RequestHandler):
    def initialize(self, server: FakeBotServer) -> None:
        self.server = server

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", content_type)
        self.finish(body)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A bug in the fake answers 500 in Telegram's JSON (tornado logs the traceback)."""
        body = {"ok": False, "error_code": status_code, "description": self._reason}
        self.finish(json.dumps(body).encode())


class _ApiHandler(_Handler):
    """``/bot<token>/<method>``: one Bot API call."""

    async def post(self, token: str, method: str) -> None:
        url = f"{self.server.base_url}{token}/{method}"
        result = await self.server.answer(url, "POST", self._request_data())
        if result is not None:
            self._answer(*result, "application/json")

    get = post  # Telegram takes a query string too

    def _request_data(self) -> _WireRequestData:
        request = self.request
        if request.headers.get("Content-Type", "").startswith("application/json"):
            params = {k: v for k, v in json.loads(request.body or b"{}").items() if v is not None}
            return _WireRequestData(params)
        fields = {key: values[-1].decode() for key, values in request.arguments.items()}
        parts = {
            part: (files[-1].filename, files[-1].body, files[-1].content_type or None)
            for part, files in request.files.items()
        }
        return _WireRequestData(wire_params(fields), parts)


class _FileHandler(_Handler):
    """``/file/bot<token>/<path>``: a file download."""

    async def get(self, token: str, path: str) -> None:
        url = f"{self.server.base_file_url}{token}/{path}"
        result = await self.server.answer(url, "GET", None)
        if result is not None:
            self._answer(*result, "application/octet-stream")


class _NotFound(_Handler):
    def prepare(self) -> None:
        body = {"ok": False, "error_code": 404, "description": "Not Found"}
        self._answer(404, json.dumps(body).encode(), "application/json")


class HumanTime:
    """Seconds for the flood limits of a fake that people use in real time: the real clock,
    moved on by `step` at every action of a person (`act`), as the in-process harness's
    flood clock is (tests.e2e.dsl.HUMAN_STEP). Safe to call from any thread."""

    def __init__(self, step: float) -> None:
        self.step = step
        self._skipped = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return time.monotonic() + self._skipped

    def act(self) -> None:
        """A person sent a message or tapped a button: it took them `step` seconds."""
        with self._lock:
            self._skipped += self.step


class FakeBotServer:
    """A `FakeBotApi` answering over HTTP on 127.0.0.1 from a background thread.

    Use it as a context manager (or `start` / `stop`). Its methods may be called from any
    thread but the server's own (a sync test, or an async test on its own loop); they run on
    the server's loop, and the readers return copies, so what a test holds does not change
    under it.
    `poll_wait` caps how long an empty long-polling getUpdates waits (default: the whole
    ``timeout`` the client asked for; it answers as soon as an update is queued). `limits`
    and `delay` are `FakeBotApi`'s: Telegram's flood limits unless None, and how long each
    call but getUpdates takes. `human_time`, when given, refills the limits instead of the
    real clock; the test's people `act` on it.
    """

    def __init__(
        self,
        *,
        poll_wait: float = math.inf,
        limits: FloodLimits | None = TELEGRAM_LIMITS,
        delay: float = 0.0,
        human_time: HumanTime | None = None,
    ) -> None:
        self.human_time = human_time
        self._fake = FakeBotApi(
            poll_wait=poll_wait, limits=limits, delay=delay, flood_clock=human_time
        )
        # Only for the update builders of bot.sandbox.updates; it never sends anything.
        self._bot = Bot(TEST_TOKEN, request=self._fake, get_updates_request=self._fake)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._http: tornado.httpserver.HTTPServer | None = None
        self._changed: asyncio.Event | None = None
        self._in_flight: set[asyncio.Task[tuple[int, bytes]]] = set()
        self._stopping = False
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> FakeBotServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Listen on a free port of 127.0.0.1; returns once requests are being answered."""
        if self._thread is not None:
            raise RuntimeError("the fake Bot API server is already running")
        started: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._serve, args=(started,), name="fake-bot-api", daemon=True
        )
        self._thread.start()
        started.result(timeout=CALL_TIMEOUT)

    def stop(self) -> None:
        """Stop answering (calls in progress are dropped) and end the server's thread."""
        if self._thread is None or self._loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop already ended
            self._submit(self._shut_down)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=CALL_TIMEOUT)
        self._thread = None

    @property
    def base_url(self) -> str:
        """The Bot API base URL for PTB (``base_url``): ``http://127.0.0.1:PORT/bot``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """The file base URL for PTB (``base_file_url``)."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def env(self) -> dict[str, str]:
        """Environment that points a ``feedback-desk`` process at this server."""
        return {
            "FEEDBACK_DESK__TELEGRAM__BASE_URL": self.base_url,
            "FEEDBACK_DESK__TELEGRAM__BASE_FILE_URL": self.base_file_url,
        }

    # -- reading and feeding the fake --------------------------------------------------

    def run(self, fn: Callable[[FakeBotApi], T | Awaitable[T]]) -> T:
        """Run ``fn(fake)`` on the server's loop (awaiting it if it returns an awaitable)
        and return its result as is: return plain values or copies from `fn`."""

        async def call() -> T:
            result = fn(self._fake)
            if inspect.isawaitable(result):
                result = await result
            self._touch()
            return result  # type: ignore[return-value]

        return self._submit(call)

    def calls(self, method: str | None = None, *, token: str | None = None) -> list[Call]:
        """A copy of the recorded calls, in order (of one method and/or token, when given)."""
        return self.run(
            lambda fake: copy.deepcopy(
                [
                    call
                    for call in fake.calls
                    if (method is None or call.method == method)
                    and (token is None or call.token == token)
                ]
            )
        )

    def throttled(self) -> list[Call]:
        """A copy of the calls the flood limits answered with 429, in order."""
        return self.run(lambda fake: copy.deepcopy(fake.throttled))

    def tokens(self) -> list[str]:
        """The bot tokens requests came with, in order of first use."""
        return self.run(
            lambda fake: list(dict.fromkeys(c.token for c in fake.calls if c.token is not None))
        )

    def messages_to(self, chat_id: int | str) -> list[SentMessage]:
        """A copy of what the bot sent to a chat, oldest first."""
        return self.run(lambda fake: copy.deepcopy(fake.messages_to(chat_id)))

    def queue_update(self, update: Mapping[str, Any] | Update) -> int:
        """Queue an update for getUpdates; returns its update id."""
        data = update.to_dict() if isinstance(update, Update) else copy.deepcopy(dict(update))
        self.run(lambda fake: fake.queue_update(data))
        return int(data["update_id"])

    def update(self, builder: Callable[..., Update], *args: Any, **kwargs: Any) -> dict:
        """An update dict from a `bot.sandbox.updates` builder, given its arguments after
        ``bot``: update ids increase, message ids and dates come from the fake."""
        return self.run(lambda fake: builder(self._bot, *args, **kwargs).to_dict())

    def text_update(self, user: TgUser, text: str, **kwargs: Any) -> dict[str, Any]:
        """`user` writes `text` (see `bot.sandbox.updates.text_message`)."""
        return self.update(updates.text_message, user, text, **kwargs)

    def command_update(self, user: TgUser, name: str, *args: str, **kwargs: Any) -> dict:
        """`user` sends ``/name args...`` (see `bot.sandbox.updates.command`)."""
        return self.update(updates.command, user, name, *args, **kwargs)

    def fail_next(self, method: str | None = None, **kwargs: Any) -> None:
        """`FakeBotApi.fail_next` on the server's fake."""
        self.run(lambda fake: fake.fail_next(method, **kwargs))

    def put_file(self, file_id: str, content: bytes, file_path: str | None = None) -> None:
        """`FakeBotApi.put_file`: serve `content` for `file_id`."""
        self.run(lambda fake: fake.put_file(file_id, content, file_path))

    # -- waiting -----------------------------------------------------------------------

    def wait_until(
        self,
        predicate: Callable[[FakeBotApi], T],
        *,
        timeout: float = 10.0,
        what: str | None = None,
    ) -> T:
        """Block until ``predicate(fake)`` is truthy and return a copy of its value; it is
        checked on the server's loop after every answered call. An AssertionError from the
        predicate counts as "not yet". At the deadline: AssertionError naming `what` and
        the latest calls. From a coroutine, use `wait_until_async`."""
        return self._submit(lambda: self._until(predicate, timeout, what), timeout + CALL_TIMEOUT)

    async def wait_until_async(
        self,
        predicate: Callable[[FakeBotApi], T],
        *,
        # wait_until's signature: the server's loop keeps the deadline, to name what is missing
        timeout: float = 10.0,  # noqa: ASYNC109
        what: str | None = None,
    ) -> T:
        """`wait_until` without blocking the caller's event loop."""
        self._check_caller()
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(
            self._until(predicate, timeout, what), self._loop
        )
        return await asyncio.wrap_future(future)

    async def _until(
        self, predicate: Callable[[FakeBotApi], T], seconds: float, what: str | None
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        failure: AssertionError | None = None
        while True:
            assert self._changed is not None
            changed = self._changed
            try:
                result = predicate(self._fake)
            except AssertionError as error:
                failure, result = error, None
            if result:
                return copy.deepcopy(result)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(self._explain(predicate, seconds, what, failure))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), min(remaining, RECHECK))

    def _explain(
        self,
        predicate: Callable[..., Any],
        timeout: float,
        what: str | None,
        failure: AssertionError | None,
    ) -> str:
        name = what or getattr(predicate, "__qualname__", repr(predicate))
        lines = [f"waited {timeout} s for {name}; it never came"]
        if failure is not None:
            lines.append(f"last check: {failure}")
        calls = self._fake.calls[-12:]
        lines.append(f"{len(self._fake.calls)} calls; the latest:" if calls else "no calls")
        for call in calls:
            shown = {k: v for k, v in call.params.items() if k in ("chat_id", "text", "offset")}
            lines.append(f"  {call.method} {shown} -> {call.status} {call.description or ''}")
        return "\n".join(lines)

    # -- the server's thread -----------------------------------------------------------

    async def answer(
        self, url: str, method: str, data: _WireRequestData | None
    ) -> tuple[int, bytes] | None:
        """The fake's answer to one HTTP request, for the handlers (None when stopping)."""
        task = asyncio.ensure_future(self._fake.do_request(url, method, data))  # type: ignore[arg-type]
        self._in_flight.add(task)
        try:
            return await task
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            return None
        finally:
            self._in_flight.discard(task)
            self._touch()

    def _serve(self, started: concurrent.futures.Future[None]) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._listen())
        except BaseException as error:
            started.set_exception(error)
            self._loop.close()
            return
        started.set_result(None)
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    async def _listen(self) -> None:
        self._changed = asyncio.Event()
        app = tornado.web.Application(
            [
                (r"/bot([^/]+)/([^/]+)", _ApiHandler, {"server": self}),
                (r"/file/bot([^/]+)/(.+)", _FileHandler, {"server": self}),
            ],
            default_handler_class=_NotFound,
            default_handler_args={"server": self},
            log_function=lambda handler: None,
        )
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1", family=socket.AF_INET)
        self.port = sockets[0].getsockname()[1]
        self._http = tornado.httpserver.HTTPServer(app)
        self._http.add_sockets(sockets)

    async def _shut_down(self) -> None:
        self._stopping = True
        assert self._http is not None
        self._http.stop()
        for task in list(self._in_flight):
            task.cancel()
        await asyncio.wait_for(self._http.close_all_connections(), CALL_TIMEOUT)

    def _touch(self) -> None:
        """Wake every `wait_until` to check its predicate again."""
        assert self._changed is not None
        self._changed.set()
        self._changed = asyncio.Event()

    def _check_caller(self) -> None:
        if self._loop is None or self._thread is None:
            raise RuntimeError("the fake Bot API server is not running")
        if threading.current_thread() is self._thread:
            raise RuntimeError("call the fake directly on the server's own thread")

    def _submit(self, make: Callable[[], Awaitable[T]], timeout: float = CALL_TIMEOUT) -> T:
        self._check_caller()
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(_awaited(make), self._loop)
        return future.result(timeout)


async def _awaited(make: Callable[[], Awaitable[T]]) -> T:
    return await make()
