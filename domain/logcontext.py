"""What the current work is about, for log lines: the update being handled, the ticket.

Context variables, so each update (an asyncio task or one `process_update` call) sees its
own; `bot` copies them onto every log record.
"""

from __future__ import annotations

from contextvars import ContextVar

update_id: ContextVar[int | None] = ContextVar("update_id", default=None)
ticket: ContextVar[str | None] = ContextVar("ticket", default=None)


def about_ticket(number: str | None) -> None:
    """The work from here on is about ticket `number`."""
    if number:
        ticket.set(number)


def clear() -> None:
    """The work from here on (a job's own task) is about no update and no ticket."""
    update_id.set(None)
    ticket.set(None)
