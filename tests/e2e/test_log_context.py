"""Log lines written while an update is handled name the update and the ticket it is about."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot.logs import make_handler
from domain import logcontext
from tests.e2e.dsl import DeskHarness
from tests.e2e.steps import file_ticket

log = logging.getLogger("tests.e2e.after")


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """JSON lines of `log`, written through the desk's handler."""
    stream = io.StringIO()
    log.addHandler(make_handler("json", stream))
    log.setLevel(logging.INFO)
    log.propagate = False
    yield stream
    log.handlers.clear()
    log.propagate = True


async def test_each_update_is_named_and_the_ticket_once_a_service_names_it(
    desk: DeskHarness, lines: io.StringIO
) -> None:
    seen: list[int] = []

    async def after(update: Update, _context: object) -> None:
        seen.append(update.update_id)
        log.info("handled")

    desk.app.add_handler(TypeHandler(Update, after), group=1)  # after the desk's handlers

    number = await file_ticket(desk.customer(501, "Ann"))

    entries = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert [e["update_id"] for e in entries] == seen
    assert len(set(seen)) == len(seen) >= 5
    assert "ticket" not in entries[0]  # the wizard's first step is about no ticket yet
    assert entries[-1]["ticket"] == number  # the last one filed it
    assert logcontext.update_id.get() is None  # nothing is left over after an update
    assert logcontext.ticket.get() is None
