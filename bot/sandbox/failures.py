"""Failures the fake Bot API injects on purpose: Telegram's error answers for the next calls of
a method and/or chat, so a test sees PTB raise `RetryAfter`, `Forbidden`, `BadRequest` or
`NetworkError` itself."""

from __future__ import annotations

from typing import Any

from bot.sandbox.wire import ApiError, Failure, chat_key


class FailureInjection:
    """The failure rules of `FakeBotApi` (its `_failures`, checked in the order added)."""

    _failures: list[Failure]

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
        key = chat_key(chat_id) if chat_id is not None else None
        self._failures.append(Failure(method, key, status, description, retry_after, times))

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
