"""The `desk` fixture: the real bot on a fake Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.dsl import DeskHarness
from tests.fakes import FakeClock


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
