"""The bot's HTTP server, tornado (python-telegram-bot's webhook server) inside the bot's
event loop: GET /healthz and GET /metrics, and in webhook mode POST <path> from Telegram.

PTB's own webhook handler answers Telegram 200 as soon as an update is queued in memory;
ours answers 200 only once the update is stored in the database, so a crash loses nothing
Telegram thinks was delivered (it retries anything not answered 200)."""

from __future__ import annotations

import hmac
import json
import logging
import re
import socket
from dataclasses import dataclass
from typing import Any, Protocol

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, HTTPError, RequestHandler

from bot.metrics import CONTENT_TYPE

log = logging.getLogger(__name__)


class Observed(Protocol):
    """What the endpoint shows: the Runtime."""

    async def health(self) -> tuple[bool, dict[str, Any]]: ...

    async def scrape(self) -> bytes: ...


class Intake(Protocol):
    """Where webhook updates go: stores one, answers the HTTP status for Telegram."""

    async def receive(self, update: dict[str, Any]) -> int: ...


MAX_UPDATE_BYTES = 1024 * 1024  # an update is a few KB; refuse anything this large
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class Webhook:
    """Serve Telegram's updates at `path`, only to requests carrying `secret`."""

    path: str
    secret: str
    intake: Intake


class _Plain(RequestHandler):
    """No ETag, and errors as one line of text."""

    def compute_etag(self) -> None:
        return None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {self._reason}\n")


class _Handler(_Plain):
    observed: Observed

    def initialize(self, observed: Observed) -> None:
        self.observed = observed


class _Healthz(_Handler):
    async def get(self) -> None:
        ok, body = await self.observed.health()
        self.set_status(200 if ok else 503)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body))


class _Metrics(_Handler):
    async def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE)
        self.finish(await self.observed.scrape())


class _Updates(_Plain):
    webhook: Webhook

    def initialize(self, webhook: Webhook) -> None:
        self.webhook = webhook

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.webhook.secret.encode()):
            log.warning("webhook: a request without the right secret was refused")
            raise HTTPError(403)
        try:
            update = json.loads(self.request.body)
        except (ValueError, UnicodeDecodeError):
            raise HTTPError(400) from None
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
            raise HTTPError(400)
        status = await self.webhook.intake.receive(update)
        self.set_status(status)
        self.finish()


class _NotFound(_Handler):
    def prepare(self) -> None:
        raise HTTPError(404)


def _access_log(handler: RequestHandler) -> None:
    status = handler.get_status()
    level = logging.WARNING if status >= 500 and status != 503 else logging.DEBUG
    request = handler.request
    log.log(level, "%s %s %s", request.method, request.path, status)


class HealthServer:
    """The HTTP endpoint; `start()` listens, `stop()` closes every connection."""

    def __init__(
        self, observed: Observed, host: str, port: int, *, webhook: Webhook | None = None
    ) -> None:
        self.host = host
        self.port = port
        routes: list[Any] = [
            (r"/healthz", _Healthz, {"observed": observed}),
            (r"/metrics", _Metrics, {"observed": observed}),
        ]
        if webhook is not None:
            routes.insert(0, (re.escape(webhook.path), _Updates, {"webhook": webhook}))
        self._app = Application(
            routes,
            default_handler_class=_NotFound,
            default_handler_args={"observed": observed},
            log_function=_access_log,
        )
        self._server: HTTPServer | None = None

    async def start(self) -> int:
        """Listen on host:port (port 0: a free one); returns the port."""
        sockets = bind_sockets(self.port, self.host, family=socket.AF_UNSPEC)
        self._server = HTTPServer(self._app, xheaders=False, max_body_size=MAX_UPDATE_BYTES)
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        log.info("health and metrics on http://%s:%s/healthz and /metrics", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if self._server is None:
            return
        self._server.stop()
        await self._server.close_all_connections()
        self._server = None
