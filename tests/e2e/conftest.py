"""The `desk` fixture: the real bot on a fake Telegram; `http`, a client of its endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import runtime_of
from bot.health import HealthServer
from bot.sandbox.clocks import FakeClock
from tests.e2e.dsl import DeskHarness


@pytest.fixture
async def desk(database_url: str, clock: FakeClock) -> AsyncIterator[DeskHarness]:
    """A started desk; stopped after the test."""
    harness = DeskHarness(database_url, clock)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


@pytest.fixture
async def two_departments(desk: DeskHarness) -> DeskHarness:
    """The desk with Support (a staff chat) and Billing (no chat; a supervisor in config)."""
    from tests.e2e.test_staff_desk import TWO_DEPARTMENTS

    desk.overrides.update(TWO_DEPARTMENTS)
    await desk.restart()
    return desk


@pytest.fixture
async def http(desk: DeskHarness) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the desk's endpoint, on a free port."""
    server = HealthServer(runtime_of(desk.app), "127.0.0.1", 0)
    port = await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            yield client
    finally:
        await server.stop()
