"""The desk on the sandbox Telegram: the Application `feedback-desk run` builds, with the fake
Bot API behind it and clocks the caller moves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram.ext import Application, BaseRateLimiter

from bot.app import build_application, runtime_of
from bot.config import Settings
from bot.sandbox.fakebot import FakeBotApi
from bot.sandbox.wire import TEST_TOKEN
from domain.clock import Clock


async def start_desk(
    settings: Settings,
    clock: Clock,
    api: FakeBotApi,
    flood_clock: Callable[[], float],
    rate_limiter: BaseRateLimiter[Any] | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Build and initialise the Application on `api`, migrate and seed the database."""
    application = build_application(
        settings,
        token=TEST_TOKEN,
        clock=clock,
        request=api,
        get_updates_request=api,
        rate_limiter=rate_limiter,
        flood_clock=flood_clock,
    )
    await application.initialize()
    await runtime_of(application).prepare()
    return application
