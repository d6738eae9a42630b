"""Another process holds SQLite's write lock (an operator's `customer erase`, `db upgrade`, a
backup): the bot goes on answering what needs no write, at once; what needs one waits for
the lock off the event loop and is done once the lock is let go."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import httpx
from sqlalchemy.engine import make_url

from bot.sandbox.wire import SentMessage
from handlers.i18n import t
from tests.e2e.dsl import DeskHarness, Person
from tests.e2e.steps import file_ticket, open_my_ticket, said
from tests.storage.test_engine import sqlite_only

pytestmark = sqlite_only

HELD_SECONDS = 3.0
PROMPT = 0.2  # seconds within which the bot must answer while the lock is held
WAITING = t("en", "status.new")


class WriteLock:
    """`BEGIN IMMEDIATE` on a connection of its own, held for `seconds` on another thread."""

    def __init__(self, path: str, seconds: float) -> None:
        self.held = threading.Event()
        self.letting_go = threading.Event()  # set just before the lock is let go
        self._thread = threading.Thread(target=self._hold, args=(path, seconds))

    def _hold(self, path: str, seconds: float) -> None:
        connection = sqlite3.connect(path, isolation_level=None, timeout=0)
        try:
            connection.execute("BEGIN IMMEDIATE")
            self.held.set()
            time.sleep(seconds)  # the operator's long write
            self.letting_go.set()
            connection.execute("ROLLBACK")
        finally:
            self.held.set()
            connection.close()

    async def __aenter__(self) -> WriteLock:
        self._thread.start()
        await asyncio.to_thread(self.held.wait)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self._thread.join)


async def withdraw_prompt(person: Person) -> tuple[str, SentMessage]:
    """A ticket of `person`'s, opened from /my and asked to be withdrawn: its number and the
    confirmation."""
    number = await file_ticket(person, "Printer jammed")
    detail = await open_my_ticket(person, number)
    await person.press("Withdraw this ticket", on=detail)
    return number, person.harness.api.message(person.id, detail.message_id)


async def test_a_held_write_lock_delays_neither_a_look_at_a_ticket_nor_healthz(
    desk: DeskHarness, http: httpx.AsyncClient, database_url: str
) -> None:
    ann, bob = desk.customer(801, "Ann"), desk.customer(802, "Bob")
    number = await file_ticket(ann, "Till broken")
    await ann.send("/my")
    listing = ann.last_message
    bobs, confirm = await withdraw_prompt(bob)
    loop = asyncio.get_running_loop()

    async with WriteLock(str(make_url(database_url).database), HELD_SECONDS) as lock:
        # Bob's press has to write: it waits for the lock, off the event loop
        withdrawing = asyncio.create_task(bob.press("Yes, withdraw it", on=confirm))

        # Ann only looks at her ticket: the press is answered and the ticket shown at once
        answered = desk.api.next_call("answerCallbackQuery")
        asked = loop.time()
        looking = asyncio.create_task(ann.press(f"{number} · {WAITING}", on=listing))
        await answered
        assert loop.time() - asked < PROMPT
        await looking
        assert loop.time() - asked < PROMPT
        shown = desk.api.message(ann.id, listing.message_id).plain_text or ""
        assert shown.startswith(f"{number} · {WAITING}\nTill broken")

        asked = loop.time()
        health = await http.get("/healthz")
        assert loop.time() - asked < PROMPT
        assert health.status_code == 200
        assert health.json()["database"] == "ok"

        # Bob is answered once the lock is let go, not before
        assert not withdrawing.done()
        await desk.api.next_call("answerCallbackQuery")
        assert lock.letting_go.is_set()

    await withdrawing
    done = desk.api.message(bob.id, confirm.message_id)
    assert done.plain_text == said("en", "withdraw.done", number=bobs)
