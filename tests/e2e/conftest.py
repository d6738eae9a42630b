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
