"""GET /healthz and GET /metrics over HTTP, served by tornado (python-telegram-bot's webhook
server) inside the bot's event loop."""

from __future__ import annotations

import json
import logging
import socket
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


class _Handler(RequestHandler):
    observed: Observed

    def initialize(self, observed: Observed) -> None:
        self.observed = observed

    def compute_etag(self) -> None:
        return None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {self._reason}\n")


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

    def __init__(self, observed: Observed, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._app = Application(
            [
                (r"/healthz", _Healthz, {"observed": observed}),
                (r"/metrics", _Metrics, {"observed": observed}),
            ],
            default_handler_class=_NotFound,
            default_handler_args={"observed": observed},
            log_function=_access_log,
        )
        self._server: HTTPServer | None = None

    async def start(self) -> int:
        """Listen on host:port (port 0: a free one); returns the port."""
        sockets = bind_sockets(self.port, self.host, family=socket.AF_UNSPEC)
        self._server = HTTPServer(self._app, xheaders=False)
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
