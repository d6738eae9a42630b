"""`feedback-desk run` in process: updates are stored before Telegram is told they arrived,
handled once however often they are delivered, and a stop leaves nothing behind.

The Instance runs for real (poller, worker, jobs, webhook server) on the fake Bot API; the
tests wait for what a user would see, with a deadline."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update

from bot.app import build_application
from bot.config import Settings
from bot.leader import ACTIVE_KEY
from bot.sandbox import updates
from bot.sandbox.clocks import FakeClock
from bot.sandbox.fakebot import FakeBotApi
from bot.sandbox.updates import TgUser
from bot.sandbox.wire import TEST_TOKEN
from bot.serve import EXIT_LOST, EXIT_OK, EXIT_REFUSED, Instance
from storage.inbox import SqlInbox
from storage.models import InboxRow
from tests.e2e.dsl import settings_for
from tests.e2e.steps import said

SECRET = "s3cret-token_1"
HOOK_URL = "https://desk.example.com/telegram"
ON_POSTGRES = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")


WAIT = 10.0  # seconds a condition may take before the test fails


async def eventually(check: Callable[[], Any], what: str) -> Any:
    """Wait until `check()` is truthy (returns it); AssertionError after WAIT seconds."""
    deadline = asyncio.get_running_loop().time() + WAIT
    while not (result := check()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {WAIT} s: {what}")
        await asyncio.sleep(0.01)
    return result


def welcomes(api: FakeBotApi, user_id: int) -> int:
    """How many welcome messages a user got (the answer to /start)."""
    hello = said("en", "start.customer", name="Ann").split("!")[0]
    return sum(1 for m in api.messages_to(user_id) if (m.plain_text or "").startswith(hello))


class Running:
    """Instances started by a test; all stopped at its end."""

    def __init__(self, database_url: str, clock: FakeClock, api: FakeBotApi) -> None:
        self.database_url = database_url
        self.clock = clock
        self.api = api
        self.tasks: list[tuple[Instance, asyncio.Task[int]]] = []

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "telegram": {"poll_timeout": 1},
            "instance": {"standby_check": 0.05, "stop_timeout": 5},
        }
        values.update(overrides)
        return settings_for(self.database_url, **values)

    def build(self, **overrides: Any) -> Instance:
        settings = self.settings(**overrides)
        app = build_application(
            settings,
            token=TEST_TOKEN,
            clock=self.clock,
            request=self.api,
            get_updates_request=self.api,
        )
        return Instance(settings, app)

    async def start(self, instance: Instance | None = None, **overrides: Any) -> Instance:
        instance = instance or self.build(**overrides)
        task = asyncio.create_task(instance.run())
        self.tasks.append((instance, task))
        return instance

    async def active(self, **overrides: Any) -> Instance:
        instance = await self.start(**overrides)
        await eventually(lambda: instance.runtime.role == "active", "the instance is active")
        return instance

    async def stop(self, instance: Instance) -> int:
        instance.stop()
        task = next(t for i, t in self.tasks if i is instance)
        return await asyncio.wait_for(task, 15)

    async def close(self) -> None:
        for instance, task in self.tasks:
            instance.stop()
            await asyncio.wait_for(task, 15)


@pytest.fixture
async def running(database_url: str, clock: FakeClock) -> AsyncIterator[Running]:
    run = Running(database_url, clock, FakeBotApi(clock=clock))
    try:
        yield run
    finally:
        await run.close()


def start_from(api: FakeBotApi, user_id: int) -> Any:
    bot = build_application(settings_for("sqlite+aiosqlite://"), token=TEST_TOKEN, request=api).bot
    return updates.command(bot, TgUser(user_id, "Ann", None, language_code="en"), "start")


async def test_an_update_is_confirmed_to_telegram_only_once_it_is_stored(
    running: Running,
) -> None:
    api = running.api
    instance = running.build()
    real_store = instance.runtime.inbox.store_new
    stored_after: list[int] = []  # getUpdates calls made before each successful store
    failures = [OSError("disk full")]  # the first store fails

    async def store_failing_once(batch: list[dict[str, Any]], now: Any) -> set[int]:
        if failures:
            raise failures.pop()
        new = await real_store(batch, now)
        stored_after.append(len(api.calls_of("getUpdates")))
        return new

    instance.runtime.inbox.store_new = store_failing_once  # type: ignore[method-assign]
    update = start_from(api, 501)
    api.queue_update(update)
    await running.start(instance)

    await eventually(lambda: welcomes(api, 501), "Ann is welcomed")
    confirming = [
        n
        for n, call in enumerate(api.calls_of("getUpdates"), start=1)
        if call.params.get("offset") == update.update_id + 1
    ]
    assert confirming, "the update was never confirmed"
    # the update was delivered twice (the first store failed); Telegram heard of it only
    # by the call after the successful store
    assert min(confirming) > stored_after[0]
    assert welcomes(api, 501) == 1


async def test_updates_stored_before_a_crash_are_handled_at_the_next_start(
    running: Running, engine: Any, clock: FakeClock
) -> None:
    update = start_from(running.api, 502)
    await SqlInbox(engine).store([update.to_dict()], clock.now())  # then the process died

    await running.active()

    await eventually(lambda: welcomes(running.api, 502), "the stored update is handled")
    assert not any(call.result for call in running.api.calls_of("getUpdates"))


async def test_an_update_delivered_again_is_answered_once(running: Running) -> None:
    api = running.api
    instance = await running.active()
    update = start_from(api, 503)
    api.queue_update(update)
    await eventually(lambda: welcomes(api, 503), "Ann is welcomed")

    api.queue_update(update)  # Telegram delivers it again (e.g. after a restart)
    api.queue_update(start_from(api, 513))  # then somebody else writes
    # updates are handled in order: once Bob is answered, the repeat has been seen
    await eventually(lambda: welcomes(api, 513), "the next update is handled")
    assert await instance.runtime.inbox.backlog() == 0
    assert welcomes(api, 503) == 1


async def test_a_stop_during_a_burst_loses_nothing_and_answers_nobody_twice(
    running: Running,
) -> None:
    api = running.api
    users = range(600, 630)
    for user_id in users:
        api.queue_update(start_from(api, user_id))
    first = await running.active()
    await eventually(lambda: any(welcomes(api, u) for u in users), "the burst is being handled")

    assert await running.stop(first) == EXIT_OK
    answered = sum(welcomes(api, u) for u in users)
    await running.active()  # the next start

    await eventually(lambda: all(welcomes(api, u) for u in users), "everyone is answered")
    assert [welcomes(api, u) for u in users] == [1] * len(users)
    assert answered >= 1


async def test_webhook_takes_updates_only_with_the_secret_and_only_once(
    running: Running,
) -> None:
    api = running.api
    instance = await running.active(
        telegram={"mode": "webhook"},
        webhook={"url": HOOK_URL, "secret_token": SECRET, "listen": "127.0.0.1", "port": 0},
    )
    hook = api.last_call("setWebhook").params
    assert (hook["url"], hook["secret_token"]) == (HOOK_URL, SECRET)
    assert not api.calls_of("getUpdates")  # no polling in webhook mode
    server = instance.runtime.health_server
    assert server is not None
    update = start_from(api, 504).to_dict()

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as http:
        refused = await http.post("/telegram", json=update)
        wrong = await http.post(
            "/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
        )
        assert (refused.status_code, wrong.status_code) == (403, 403)
        assert await instance.runtime.inbox.backlog() == 0
        assert welcomes(api, 504) == 0

        right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        bad = await http.post("/telegram", content=b"{not json", headers=right)
        assert bad.status_code == 400
        first = await http.post("/telegram", json=update, headers=right)
        assert first.status_code == 200
        await eventually(lambda: welcomes(api, 504), "the webhook update is handled")
        again = await http.post("/telegram", json=update, headers=right)  # Telegram retried
        assert again.status_code == 200
        health = (await http.get("/healthz")).json()

    assert health["role"] == "active"
    assert health["inbox_backlog"] == 0
    assert welcomes(api, 504) == 1


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's single-instance rule")
async def test_a_second_instance_on_the_same_sqlite_file_is_refused(running: Running) -> None:
    await running.active()
    second = running.build()

    assert await second.run() == EXIT_REFUSED

    running.api.queue_update(start_from(running.api, 505))  # the first one still serves
    await eventually(lambda: welcomes(running.api, 505), "the first instance answers")


@pytest.mark.skipif(not ON_POSTGRES, reason="standby instances need PostgreSQL")
async def test_a_standby_waits_and_takes_over_when_the_active_one_stops(
    running: Running,
) -> None:
    first = await running.active()
    standby = await running.start()
    await eventually(lambda: standby.runtime.role == "standby", "the second one waits")
    running.api.queue_update(start_from(running.api, 506))
    await eventually(lambda: welcomes(running.api, 506), "the active one answers")
    assert standby.runtime.role == "standby"

    assert await running.stop(first) == EXIT_OK
    await eventually(lambda: standby.runtime.role == "active", "the standby takes over")
    running.api.queue_update(start_from(running.api, 507))
    await eventually(lambda: welcomes(running.api, 507), "the new active one answers")
    assert welcomes(running.api, 506) == 1


@pytest.mark.skipif(not ON_POSTGRES, reason="standby instances need PostgreSQL")
async def test_an_active_instance_that_loses_its_database_session_stops_with_code_4(
    running: Running, engine: Any
) -> None:
    first = await running.active()
    standby = await running.start()
    await eventually(lambda: standby.runtime.role == "standby", "the second one waits")

    async with engine.connect() as connection:  # e.g. a database restart or a network cut
        await connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE locktype = 'advisory' AND granted AND objid = :key"
            ),
            {"key": ACTIVE_KEY & 0xFFFFFFFF},
        )
        await connection.commit()

    task = next(t for i, t in running.tasks if i is first)
    assert await asyncio.wait_for(task, 15) == EXIT_LOST
    await eventually(lambda: standby.runtime.role == "active", "the standby takes over")
    running.api.queue_update(start_from(running.api, 508))
    await eventually(lambda: welcomes(running.api, 508), "the new active one answers")


@pytest.mark.skipif(not ON_POSTGRES, reason="standby instances need PostgreSQL")
async def test_a_standby_stores_webhook_updates_for_the_active_one(running: Running) -> None:
    hook = {"url": HOOK_URL, "secret_token": SECRET, "listen": "127.0.0.1", "port": 0}
    await running.active(telegram={"mode": "webhook"}, webhook=hook)
    standby = await running.start(telegram={"mode": "webhook"}, webhook=hook)
    server = await eventually(lambda: standby.runtime.health_server, "the standby listens")
    update = start_from(running.api, 509).to_dict()

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as http:
        health = (await http.get("/healthz")).json()
        answer = await http.post(
            "/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )

    assert health["role"] == "standby"
    assert answer.status_code == 200
    await eventually(lambda: welcomes(running.api, 509), "the active one answers")
    assert welcomes(running.api, 509) == 1


async def test_an_update_the_bot_died_on_three_times_is_skipped(
    running: Running, engine: Any, clock: FakeClock
) -> None:
    poison, after = start_from(running.api, 510), start_from(running.api, 511)
    await SqlInbox(engine).store([poison.to_dict(), after.to_dict()], clock.now())
    async with engine.begin() as connection:  # two starts already died handling it
        await connection.execute(
            update(InboxRow).where(InboxRow.update_id == poison.update_id).values(attempts=2)
        )

    await running.active()

    await eventually(lambda: welcomes(running.api, 511), "the update behind it is handled")
    assert welcomes(running.api, 510) == 0


async def test_healthz_says_active_from_the_moment_the_log_does(running: Running) -> None:
    instance = running.build()
    seen: list[str] = []

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage() == "this instance is active":
                seen.append(instance.runtime.role)

    watch = Watch()
    serve_log = logging.getLogger("bot.serve")
    serve_log.addHandler(watch)
    level = serve_log.level
    serve_log.setLevel(logging.INFO)
    try:
        await running.start(instance)
        await eventually(lambda: seen, "the log says the instance is active")
    finally:
        serve_log.removeHandler(watch)
        serve_log.setLevel(level)
    assert seen == ["active"]
