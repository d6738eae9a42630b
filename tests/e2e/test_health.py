"""/healthz and /metrics over real HTTP on 127.0.0.1, fed by real updates and outbox runs."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import build_application, runtime_of
from bot.health import HealthServer
from bot.sandbox.clocks import FakeClock
from bot.sandbox.fakebot import FakeBotApi
from bot.sandbox.wire import TEST_TOKEN
from tests.e2e.dsl import DeskHarness, settings_for
from tests.e2e.steps import file_ticket


async def metrics(http: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics: (name, labels) → value."""
    answer = await http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str):
    return samples[(name, tuple(sorted(labels.items())))]


async def test_healthz_reports_the_database_the_role_and_the_backlog(
    desk: DeskHarness, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    answer = await http.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {
        "database": "ok",
        "role": "active",
        "outbox_backlog": 0,
        "oldest_pending_seconds": 0.0,
        "inbox_backlog": 0,
    }

    await file_ticket(desk.customer(501, "Ann"))
    clock.advance(seconds=90)

    body = (await http.get("/healthz")).json()
    assert body["outbox_backlog"] >= 1
    assert body["oldest_pending_seconds"] == 90.0

    await desk.dispatch()
    body = (await http.get("/healthz")).json()
    assert (body["outbox_backlog"], body["oldest_pending_seconds"]) == (0, 0.0)


async def test_metrics_count_updates_errors_outbox_and_sla_and_read_the_gauges(
    desk: DeskHarness, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    before = await metrics(http)
    assert value(before, "updates_handled_total") == 0
    assert value(before, "tickets_by_status", status="new") == 0
    assert value(before, "inbox_backlog") == 0
    stored = {"update_id": 77, "message": {"message_id": 1, "text": "hello"}}
    await runtime_of(desk.app).inbox.store([stored], clock.now())  # not handled yet
    assert value(await metrics(http), "inbox_backlog") == 1
    await runtime_of(desk.app).inbox.mark_handled(77, clock.now())

    ann = desk.customer(501, "Ann")
    await file_ticket(ann, stopped=True)  # urgent: acknowledged within 30 minutes, always
    handled = value(await metrics(http), "updates_handled_total")
    assert handled >= 5
    pending = value(await metrics(http), "outbox_backlog")
    assert pending >= 1

    report = await desk.dispatch()
    await ann.press_data("v1:forged")  # out of date: a normal outcome, not a handler error
    desk.api.fail_next("answerCallbackQuery", status=500, description="Internal Server Error")
    await ann.press_data("v1:list")  # Telegram fails the answer: unexpected, counted
    clock.advance(minutes=23)  # past 75 % of 30 minutes
    await desk.sweep()

    after = await metrics(http)
    assert value(after, "updates_handled_total") == handled + 2
    assert value(after, "handler_errors_total") == 1
    assert value(after, "outbox_sent_total") == report.sent == pending
    assert value(after, "outbox_retried_total") == 0
    assert value(after, "outbox_parked_total") == 0
    assert value(after, "sla_warnings_total") == 1
    assert value(after, "sla_breaches_total") == 0
    assert value(after, "outbox_backlog") >= 1  # the warning waits for the next run
    assert value(after, "outbox_oldest_pending_seconds") == 0
    assert value(after, "tickets_by_status", status="new") == 1
    assert value(after, "tickets_by_status", status="closed") == 0
    assert value(after, "database_up") == 1
    assert value(after, "inbox_backlog") == 0


async def test_anything_else_is_not_found(http: httpx.AsyncClient) -> None:
    assert (await http.get("/")).status_code == 404
    assert (await http.get("/healthz/extra")).status_code == 404
    assert (await http.post("/healthz")).status_code == 405


async def test_without_the_database_healthz_is_503_and_metrics_still_answer(
    tmp_path: Path, clock: FakeClock
) -> None:
    # a folder where the SQLite file should be: every connection attempt fails
    app = build_application(
        settings_for(f"sqlite+aiosqlite:///{tmp_path}"),
        token=TEST_TOKEN,
        clock=clock,
        request=FakeBotApi(clock=clock),
    )
    runtime = runtime_of(app)
    server = HealthServer(runtime, "127.0.0.1", 0)
    port = await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            answer = await http.get("/healthz")
            assert answer.status_code == 503
            assert answer.json() == {
                "database": "error",
                "role": "active",
                "outbox_backlog": None,
                "oldest_pending_seconds": None,
                "inbox_backlog": None,
            }
            assert value(await metrics(http), "database_up") == 0
    finally:
        await server.stop()
        await runtime.close()


async def test_the_endpoint_is_off_by_default(desk: DeskHarness) -> None:
    runtime = runtime_of(desk.app)

    await runtime.start_health()

    assert runtime.health_server is None


async def test_the_config_turns_the_endpoint_on_and_stopping_turns_it_off(
    database_url: str, clock: FakeClock
) -> None:
    desk = DeskHarness(database_url, clock, overrides={"health": {"enabled": True, "port": 0}})
    await desk.start()
    runtime = runtime_of(desk.app)
    await runtime.start_health()
    server = runtime.health_server
    assert server is not None
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as http:
        assert (await http.get("/healthz")).status_code == 200

        await desk.stop()

        assert runtime.health_server is None
        with pytest.raises(httpx.ConnectError):
            await http.get("/healthz")


async def test_a_refusal_is_counted_apart_and_is_not_a_handler_error(
    desk: DeskHarness, http: httpx.AsyncClient
) -> None:
    ann = desk.customer(501, "Ann")
    await ann.send("/start")

    await ann.send("/file")  # staff only: refused, as it should be

    after = await metrics(http)
    assert value(after, "handler_errors_total") == 0
    assert value(after, "refusals_total", kind="not_allowed", act="/file") == 1
