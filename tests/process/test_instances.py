"""The desk as its own processes (`python -m bot run`) on the fake Bot API over HTTP: a
standby that takes over from a killed active one, webhook mode, a graceful stop in a burst,
a refused second instance on SQLite, and updates Telegram delivers twice.

`Desks` starts instances (and kills what is left at the end of a test); `Customer` talks to
the bot like a person in a private chat: each step waits until the bot has answered it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeVar

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from telegram import Bot, Update

from bot.sandbox import updates
from bot.sandbox.fakebot import FakeBotApi
from bot.sandbox.wire import TEST_TOKEN, SentMessage
from domain.delivery import STAND_IN_KINDS
from storage.models import CustomerRow, InboxRow, OutboxRow, TicketRow
from tests.e2e.dsl import HUMAN_STEP
from tests.e2e.steps import TICKET_NUMBER, label
from tests.process.fakeserver import FakeBotServer, HumanTime, TgUser

ROOT = Path(__file__).resolve().parents[2]
STAFF_CHAT = -1001234567890
STOP_TIMEOUT = 5.0  # [instance] stop_timeout of the instances started here
STOP_MARGIN = 2.0  # what the interpreter needs to end after the bot has stopped
START_TIMEOUT = 30.0  # a cold start on a busy 2-core machine
ANSWER_TIMEOUT = 20.0  # how long a customer waits for the bot's answer to one step
DEPARTMENTS = [
    {
        "code": "support",
        "name": "Support",
        "types": ["complaint", "inquiry", "suggestion", "after_sales", "change_request"],
        "staff_chat_id": STAFF_CHAT,
    }
]
STANDBY_TOKEN = "654321:" + "S" * 35  # the standby's calls are told apart by it
WEBHOOK_URL = "https://desk.example.com/telegram"
WEBHOOK_SECRET = "desk-secret_42"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RECHECK = 0.05  # how often a condition outside the fake server is looked at again
T = TypeVar("T")


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def eventually(check: Callable[[], T | None], timeout: float, what: str) -> T:
    """Re-check `check` until it gives a value (returned) or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        threading.Event().wait(RECHECK)


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def rows(database_url: str, statement: Any) -> list[Any]:
    """Run one SELECT on the desk's database, from outside the bot."""

    async def run() -> list[Any]:
        engine = create_async_engine(database_url, poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                return list((await connection.execute(statement)).all())
        finally:
            await engine.dispose()

    return asyncio.run(run())


def stored_updates(database_url: str) -> int:
    """How many updates the inbox holds (handled or not)."""
    [(count,)] = rows(database_url, select(func.count()).select_from(InboxRow))
    return int(count)


def tickets_by_customer(database_url: str) -> dict[int, list[str]]:
    """Ticket numbers per customer Telegram id, straight from the database."""
    found = rows(
        database_url,
        select(CustomerRow.telegram_id, TicketRow.number).join(
            CustomerRow, TicketRow.customer_id == CustomerRow.id
        ),
    )
    tickets: dict[int, list[str]] = {}
    for telegram_id, number in found:
        tickets.setdefault(telegram_id, []).append(number)
    return tickets


# -- instances --------------------------------------------------------------------------


@dataclass
class Desk:
    """One running `python -m bot run`; `port` serves /healthz (and the webhook, if any)."""

    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: TextIO
    port: int | None

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        """What the instance has logged so far."""
        self.log_file.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def health(self) -> dict[str, Any] | None:
        """The instance's /healthz body, None while it does not answer."""
        assert self.port is not None, "started without an HTTP port"
        try:
            answer = httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2.0)
        except httpx.HTTPError:
            return None
        return answer.json() if answer.status_code in (200, 503) else None

    def wait_role(self, role: str, timeout: float = START_TIMEOUT) -> dict[str, Any]:
        """Wait until /healthz shows `role`; fails at once if the process ends."""
        return self.wait_health(lambda body: body["role"] == role, timeout, f"role {role!r}")

    def wait_health(
        self, check: Callable[[dict[str, Any]], bool], timeout: float, what: str
    ) -> dict[str, Any]:
        """Wait until the /healthz body passes `check`; fails at once if the process ends."""

        def healthy() -> dict[str, Any] | None:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"instance {self.pid} exited with {self.process.returncode} while waiting "
                    f"for {what}:\n{self.output()[-3000:]}"
                )
            body = self.health()
            return body if body is not None and check(body) else None

        return eventually(healthy, timeout, f"{what} on instance {self.pid}")

    def stop(self, timeout: float = STOP_TIMEOUT + STOP_MARGIN) -> tuple[int, float]:
        """SIGTERM; the exit code and the seconds it took to exit."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        return code, time.monotonic() - started

    def kill(self) -> None:
        """kill -9: nothing of the instance runs after this returns."""
        self.process.kill()
        self.process.wait()


@dataclass
class Desks:
    """Starts instances on one database and one fake Telegram; `close` kills leftovers."""

    folder: Path
    server: FakeBotServer
    database_url: str
    started: list[Desk] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)  # over the tests' settings

    def environment(self, **overrides: str) -> dict[str, str]:
        config = self.folder / "config.toml"
        config.touch()
        env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDBACK_DESK")}
        env.update(self.server.env())
        env.update(
            {
                "FEEDBACK_DESK_CONFIG": str(config),
                "FEEDBACK_DESK__TELEGRAM__TOKEN": TEST_TOKEN,
                "FEEDBACK_DESK__DATABASE__URL": self.database_url,
                "FEEDBACK_DESK__DEPARTMENTS": json.dumps(DEPARTMENTS),
                "FEEDBACK_DESK__TELEGRAM__POLL_TIMEOUT": "1",
                "FEEDBACK_DESK__INSTANCE__STANDBY_CHECK": "0.2",
                "FEEDBACK_DESK__INSTANCE__STOP_TIMEOUT": str(STOP_TIMEOUT),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def start(
        self, *, health: bool = True, webhook_port: int | None = None, token: str = TEST_TOKEN
    ) -> Desk:
        """Start one instance: polling with /healthz on a port of its own, or webhook mode
        on `webhook_port` (which serves /healthz too). Another `token` than the others' lets
        the fake tell this instance's calls apart (the fake answers as one bot for any)."""
        overrides: dict[str, str] = {"FEEDBACK_DESK__TELEGRAM__TOKEN": token}
        port: int | None = None
        if webhook_port is not None:
            port = webhook_port
            overrides |= {
                "FEEDBACK_DESK__TELEGRAM__MODE": "webhook",
                "FEEDBACK_DESK__WEBHOOK__URL": WEBHOOK_URL,
                "FEEDBACK_DESK__WEBHOOK__SECRET_TOKEN": WEBHOOK_SECRET,
                "FEEDBACK_DESK__WEBHOOK__LISTEN": "127.0.0.1",
                "FEEDBACK_DESK__WEBHOOK__PORT": str(port),
            }
        elif health:
            port = free_port()
            overrides |= {
                "FEEDBACK_DESK__HEALTH__ENABLED": "true",
                "FEEDBACK_DESK__HEALTH__HOST": "127.0.0.1",
                "FEEDBACK_DESK__HEALTH__PORT": str(port),
            }
        log_path = self.folder / f"desk-{len(self.started) + 1}.log"
        log_file = log_path.open("w", encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=self.folder,
            env=self.environment(**overrides),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        desk = Desk(process, log_path, log_file, port)
        self.started.append(desk)
        return desk

    def close(self) -> None:
        for desk in self.started:
            if desk.process.poll() is None:
                desk.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                desk.process.wait(10)
            desk.log_file.close()


# -- customers --------------------------------------------------------------------------

_bots: dict[int, Bot] = {}


def _bot_for(fake: FakeBotApi) -> Bot:
    """A Bot on the fake, only for the update builders (message ids come from the fake)."""
    if id(fake) not in _bots:
        _bots[id(fake)] = Bot(TEST_TOKEN, request=fake, get_updates_request=fake)
    return _bots[id(fake)]


def deliver(server: FakeBotServer, build: Callable[[Bot], Update], copies: int = 1) -> dict:
    """Build an update and queue it for getUpdates in one step on the server's loop, so
    update ids reach Telegram's queue in order however many customers write at once."""

    def build_and_queue(fake: FakeBotApi) -> dict[str, Any]:
        update = build(_bot_for(fake)).to_dict()
        for _ in range(copies):
            fake.queue_update(update)
        return update

    return server.run(build_and_queue)


class NoAnswer(AssertionError):
    """The bot did not answer a customer's step in time."""


@dataclass
class Customer:
    """A person in a private chat with the bot; every step waits for the bot's answer.

    `patience`: seconds to wait for one answer before giving up (NoAnswer)."""

    server: FakeBotServer
    user: TgUser
    patience: float = ANSWER_TIMEOUT
    mark: int = 0  # how many messages the chat had when the latest step was taken
    step: str = ""  # the latest step, as the customer would tell it

    @property
    def id(self) -> int:
        return self.user.id

    def messages(self) -> list[SentMessage]:
        return self.server.messages_to(self.id)

    def texts(self) -> list[str]:
        return [m.plain_text or "" for m in self.messages()]

    def _step(self, step: str, build: Callable[[Bot], Update]) -> list[SentMessage]:
        """Take a step; the messages the bot answered it with (at least one)."""
        mark = len(self.messages())
        if self.server.human_time is not None:
            self.server.human_time.act()  # nobody types or taps faster
        deliver(self.server, build)
        self.mark, self.step = mark, step

        def answered(fake: FakeBotApi) -> list[SentMessage]:
            return fake.messages_to(self.id)[mark:]

        try:
            return self.server.wait_until(
                answered, timeout=self.patience, what=f"an answer to customer {self.id}"
            )
        except AssertionError as missing:
            raise NoAnswer(f"no answer to {step!r}: {missing}") from None

    def send(self, text: str) -> list[SentMessage]:
        """Type a message; ``/word args`` is a command."""
        if text.startswith("/"):
            name, *args = text[1:].split()
            return self._step(text, lambda bot: updates.command(bot, self.user, name, *args))
        return self._step(text, lambda bot: updates.text_message(bot, self.user, text))

    def press(self, text: str) -> list[SentMessage]:
        """Tap the button labelled `text` on the bot's newest answer that has it."""

        def with_button(fake: FakeBotApi) -> SentMessage | None:
            for message in reversed(fake.messages_to(self.id)[self.mark :]):
                if any(b.get("text") == text for b in message.buttons):
                    return message
            return None

        try:
            message = self.server.wait_until(
                with_button, timeout=self.patience, what=f"a button {text!r} for {self.id}"
            )
        except AssertionError as missing:
            raise NoAnswer(f"no button {text!r} after {self.step!r}: {missing}") from None
        data = message.button(text)["callback_data"]
        return self._step(
            f"press {text}", lambda bot: updates.callback(bot, self.user, data, message)
        )

    def file_ticket(self) -> str:
        """File a complaint through /new and the buttons; the number the bot confirmed."""
        self.send("/new")
        self.press(label("en", "type.complaint"))
        self.send(f"Till {self.id} is broken\nIt beeps at every sale")
        self.press(label("en", "button.done"))
        self.press(label("en", "button.skip"))
        self.send(label("en", "button.skip_contact"))
        self.press(label("en", "button.no_stopped"))
        for answer in self.press(label("en", "button.submit")):
            found = TICKET_NUMBER.search(answer.plain_text or "")
            if found:
                return found.group()
        raise AssertionError(f"customer {self.id} got no ticket number: {self.texts()}")

    def confirmations(self) -> list[str]:
        """The ticket numbers the bot confirmed to this customer, one per confirmation."""
        return [m.group() for text in self.texts() if (m := TICKET_NUMBER.search(text))]


def answered_chats(chats: list[int]) -> Callable[[FakeBotApi], int]:
    """How many of `chats` the bot has written to (for `wait_until` and `run`)."""
    return lambda fake: sum(1 for chat in chats if fake.messages_to(chat))


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[FakeBotServer]:
    """Telegram's flood limits, refilled as if the customers took a person's time per step
    (they answer the bot at once)."""
    with FakeBotServer(human_time=HumanTime(HUMAN_STEP)) as running:
        yield running


@pytest.fixture
def desks(tmp_path: Path, server: FakeBotServer, database_url: str) -> Iterator[Desks]:
    started = Desks(tmp_path, server, database_url)
    try:
        yield started
    finally:
        started.close()


def started_user(n: int) -> TgUser:
    return TgUser(7000 + n, f"Customer{n}")


# -- a. failover ------------------------------------------------------------------------


@dataclass
class Filing:
    """How one customer's filing went under failover."""

    customer: Customer
    number: str | None = None
    lost_step: str | None = None  # the step whose answer never came (the killed instance's)


def file_patiently(customer: Customer) -> Filing:
    """File a ticket; if one answer never comes (it went down with the killed instance),
    do what a person would: look at /my, and file again only if nothing was filed."""
    filing = Filing(customer)
    try:
        filing.number = customer.file_ticket()
        return filing
    except NoAnswer:
        filing.lost_step = customer.step
    customer.patience = ANSWER_TIMEOUT
    [listing] = customer.send("/my")
    listed = [TICKET_NUMBER.search(b["text"]) for b in listing.buttons]
    numbers = [m.group() for m in listed if m]
    if numbers:
        filing.number = numbers[0]
        return filing
    customer.send("/cancel")
    filing.number = customer.file_ticket()
    return filing


@dataclass
class Failover:
    """What one kill -9 of the active instance under load looked like."""

    polling: float  # seconds from the kill to the standby's first getUpdates
    answering: float  # seconds from the kill to the answer to a customer who wrote after it
    filings: list[Filing]
    newcomer: Customer


def fail_over(
    server: FakeBotServer,
    active: Desk,
    standby_token: str,
    customers: list[Customer],
    newcomer: Customer,
) -> Failover:
    """Customers file tickets (half at first, the rest once a ticket is filed); once two are
    filed and all are under way, kill -9 `active`, and `newcomer` writes /start at once.
    Returns when every customer is done."""
    early, late = customers[: len(customers) // 2], customers[len(customers) // 2 :]
    with ThreadPoolExecutor(len(customers) + 1) as pool:
        filings = [pool.submit(file_patiently, c) for c in early]
        server.wait_until(lambda f: confirmed(f, early) >= 1, what="a first ticket filed")
        filings += [pool.submit(file_patiently, c) for c in late]
        server.wait_until(
            lambda f: confirmed(f, early) >= 2 and all(f.messages_to(c.id) for c in late),
            what="two tickets filed and every later customer under way",
        )
        killed_at = time.monotonic()
        active.kill()
        answered = pool.submit(newcomer.send, "/start")
        server.wait_until(
            lambda f: any(c.method == "getUpdates" and c.token == standby_token for c in f.calls),
            timeout=15,
            what="getUpdates from the standby",
        )
        polling = time.monotonic() - killed_at
        answered.result(timeout=ANSWER_TIMEOUT)
        answering = time.monotonic() - killed_at
        done = [f.result(timeout=120) for f in filings]
    return Failover(polling, answering, done, newcomer)


def check_failover(server: FakeBotServer, database_url: str, failover: Failover) -> list[str]:
    """Assert that every customer's ticket was filed once and confirmed once (but for an
    answer that went down with the killed instance) and the newcomer answered once; the
    steps whose answers were lost."""
    tickets = tickets_by_customer(database_url)
    done = failover.filings
    for filing in done:
        customer = filing.customer
        assert tickets.get(customer.id) == [filing.number], (customer.id, tickets)
    lost = [f.lost_step for f in done if f.lost_step is not None]
    # Only the update in hand at the kill can have had its answer lost (its work committed,
    # the reply not sent); nothing else may go missing, and nothing is confirmed twice.
    assert len(lost) <= 1, lost
    submit = f"press {label('en', 'button.submit')}"
    for filing in done:
        # the one answer that may be lost is the confirmation itself, if Submit was in hand
        expected = [] if filing.lost_step == submit else [filing.number]
        assert filing.customer.confirmations() == expected, (
            filing.customer.id,
            filing.lost_step,
            filing.customer.texts(),
        )
    assert len(failover.newcomer.messages()) == 1, failover.newcomer.texts()
    return [step for step in lost if step]


def test_standby_takes_over_from_a_killed_active_and_every_ticket_is_filed_once(
    desks: Desks, server: FakeBotServer, database_url: str
) -> None:
    if not is_postgres(database_url):
        pytest.skip("a standby instance needs PostgreSQL: set TEST_DATABASE_URL to one")
    active = desks.start()
    active.wait_role("active")
    standby = desks.start(token=STANDBY_TOKEN)
    standby.wait_role("standby")
    assert server.calls("getUpdates", token=STANDBY_TOKEN) == []  # a standby does not poll
    customers = [Customer(server, started_user(n), patience=8.0) for n in range(8)]

    failover = fail_over(
        server, active, STANDBY_TOKEN, customers, Customer(server, started_user(99))
    )

    print(
        f"takeover after kill -9: the standby polls after {failover.polling:.2f} s, "
        f"answers a new customer after {failover.answering:.2f} s"
    )
    assert failover.answering < 5.0, f"takeover took {failover.answering:.2f} s"
    assert standby.health()["role"] == "active"  # type: ignore[index]
    for step in check_failover(server, database_url, failover):
        print(f"the answer to {step!r} went down with the killed instance")
    assert_outbox_sent_once(server, database_url, [f.number for f in failover.filings if f.number])
    assert server.throttled() == []  # no 429: people's pace, the desk's own pacing


def confirmed(fake: FakeBotApi, customers: list[Customer]) -> int:
    """How many of `customers` have had a ticket number confirmed."""
    return sum(
        1
        for c in customers
        if any(TICKET_NUMBER.search(m.plain_text or "") for m in fake.messages_to(c.id))
    )


def assert_outbox_sent_once(
    server: FakeBotServer, database_url: str, numbers: list[str], kills: int = 1
) -> int:
    """Every outbox row marked sent is one message in its chat; a ticket's card is in the
    staff chat once, or twice only when a killed instance was sending it (cards may be
    repeated by design); a row parked as in flight was sent at most once. Returns how many
    messages were repeated (at most one per kill)."""

    def staff_posted(fake: FakeBotApi) -> bool:
        texts = [m.plain_text or "" for m in fake.messages_to(STAFF_CHAT)]
        return all(any(n in t for t in texts) for n in numbers)

    server.wait_until(staff_posted, timeout=ANSWER_TIMEOUT, what="every card in the staff chat")

    def settled() -> list[Any] | None:
        outbox = rows(database_url, select(OutboxRow))
        # a kept answer goes only if the handler's own was lost, after its grace period
        done = ("sent", "parked", "superseded")
        waiting = [r for r in outbox if r.status not in done and r.kind not in STAND_IN_KINDS]
        return None if waiting else outbox

    outbox = eventually(settled, ANSWER_TIMEOUT, "every outbox row sent or parked")
    by_chat: dict[int, list[SentMessage]] = {}
    for row in outbox:
        if row.chat_id not in by_chat:
            by_chat[row.chat_id] = server.messages_to(row.chat_id)
    repeats = 0
    for row in outbox:
        sent = by_chat[row.chat_id]
        if row.status not in ("sent", "parked") or (row.status, row.message_id) == ("sent", None):
            continue  # a kept answer not needed, or confirmed without its message's id
        if row.status == "sent":
            match = [m for m in sent if m.message_id == row.message_id]
            assert len(match) == 1, (row.id, row.kind, row.message_id)
            same = [m for m in sent if m.text == match[0].text]
        else:
            assert "in flight" in (row.error or ""), (row.id, row.error)
            number = (row.params or {}).get("number")
            same = [m for m in sent if number and number in (m.plain_text or "")]
        allowed = 2 if row.kind == "card" else 1
        assert len(same) <= allowed, (row.id, row.kind, [m.text for m in same])
        repeats += len(same) - 1 if same else 0
    assert repeats <= kills, f"{repeats} outbox messages were sent twice"
    for number in numbers:
        cards = [m for m in by_chat.get(STAFF_CHAT, []) if number in (m.plain_text or "")]
        assert 1 <= len(cards) <= 2, (number, len(cards))
    return repeats


# -- b. webhook -------------------------------------------------------------------------


def test_webhook_stores_only_updates_with_the_secret_and_answers_each_once(
    desks: Desks, server: FakeBotServer, database_url: str
) -> None:
    port = free_port()
    desk = desks.start(webhook_port=port)
    desk.wait_role("active")
    [hook] = server.calls("setWebhook")
    assert hook.params["url"] == WEBHOOK_URL
    assert hook.params["secret_token"] == WEBHOOK_SECRET
    ann, bob = TgUser(7101, "Ann"), TgUser(7102, "Bob")
    update = server.command_update(ann, "start")
    endpoint = f"http://127.0.0.1:{port}/telegram"

    with httpx.Client(timeout=10.0) as client:
        anonymous = client.post(endpoint, json=update)
        forged = client.post(endpoint, json=update, headers={SECRET_HEADER: "guess"})
        garbage = client.post(
            endpoint, content=b"{not json", headers={SECRET_HEADER: WEBHOOK_SECRET}
        )
        assert (anonymous.status_code, forged.status_code, garbage.status_code) == (403, 403, 400)
        assert stored_updates(database_url) == 0
        assert server.messages_to(ann.id) == []

        accepted = client.post(endpoint, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET})
        assert accepted.status_code == 200
        server.wait_until(lambda f: f.messages_to(ann.id), what="the answer to Ann's /start")
        again = client.post(endpoint, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET})
        assert again.status_code == 200
        later = server.command_update(bob, "start")
        client.post(endpoint, json=later, headers={SECRET_HEADER: WEBHOOK_SECRET})
        # Bob's update comes after the repeat: once he is answered, the repeat was seen
        server.wait_until(lambda f: f.messages_to(bob.id), what="the answer to Bob's /start")

    assert len(server.messages_to(ann.id)) == 1, [m.text for m in server.messages_to(ann.id)]
    assert stored_updates(database_url) == 2
    desk.wait_health(lambda body: body["inbox_backlog"] == 0, 10, "an empty inbox")


# -- c. SIGTERM during a burst ----------------------------------------------------------


def test_sigterm_in_a_burst_stops_in_time_and_the_next_instance_answers_the_rest(
    desks: Desks, server: FakeBotServer
) -> None:
    first = desks.start()
    first.wait_role("active")
    people = [TgUser(7200 + n, f"Customer{n}") for n in range(40)]
    chats = [p.id for p in people]

    def burst(fake: FakeBotApi) -> None:
        bot = _bot_for(fake)
        for person in people:
            fake.queue_update(updates.command(bot, person, "start").to_dict())

    server.run(burst)
    answered = answered_chats(chats)
    server.wait_until(lambda f: answered(f) >= 3, what="the burst under way")
    code, took = first.stop()
    answered_by_first = server.run(answered)

    assert code == 0, first.output()[-3000:]
    assert took < STOP_TIMEOUT + STOP_MARGIN, f"stopping took {took:.2f} s"
    print(f"SIGTERM: exit 0 after {took:.2f} s; {answered_by_first}/40 answered before it")

    second = desks.start()
    second.wait_role("active")
    server.wait_until(lambda f: answered(f) == len(chats), what="an answer to all 40")
    second.wait_health(lambda body: body["inbox_backlog"] == 0, 10, "an empty inbox")
    twice = {chat: len(server.messages_to(chat)) for chat in chats}
    assert all(n == 1 for n in twice.values()), {c: n for c, n in twice.items() if n != 1}


# -- d. a second instance on SQLite -----------------------------------------------------


def test_second_instance_on_the_same_sqlite_file_is_refused_and_the_first_serves_on(
    desks: Desks, server: FakeBotServer, database_url: str
) -> None:
    if is_postgres(database_url):
        pytest.skip("with PostgreSQL a second instance waits as a standby (see failover)")
    first = desks.start()
    first.wait_role("active")

    second = desks.start(health=False)
    code = second.process.wait(START_TIMEOUT)

    assert code == 3, second.output()[-3000:]
    assert f"another Feedback Desk (pid {first.pid}) is already running on" in second.output()
    ann = Customer(server, TgUser(7301, "Ann"))
    [welcome] = ann.send("/start")
    assert "Ann" in (welcome.plain_text or "")
    assert first.process.poll() is None


# -- e. an update delivered twice -------------------------------------------------------


def test_update_delivered_twice_by_get_updates_is_answered_once(
    desks: Desks, server: FakeBotServer
) -> None:
    desk = desks.start()
    desk.wait_role("active")
    ann, bob = TgUser(7401, "Ann"), TgUser(7402, "Bob")

    twice = deliver(server, lambda bot: updates.command(bot, ann, "start"), copies=2)
    Customer(server, bob).send("/start")  # queued after both copies: handled after them
    assert len(server.messages_to(ann.id)) == 1

    # Telegram delivers again what was not confirmed before a crash: a new instance asks
    # getUpdates without an offset and gets it once more.
    code, _ = desk.stop()
    assert code == 0
    server.queue_update(twice)
    restarted = desks.start()
    restarted.wait_role("active")
    Customer(server, bob).send("/start")
    redelivered = [
        call
        for call in server.calls("getUpdates")
        if any(u["update_id"] == twice["update_id"] for u in call.result or [])
    ]
    assert len(redelivered) >= 2, "the update was not delivered again"
    assert len(server.messages_to(ann.id)) == 1, [m.text for m in server.messages_to(ann.id)]
