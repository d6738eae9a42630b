"""`feedback-desk report`: the figures `/report` gives an admin (the whole desk), printed from
the database without Telegram; `--chart FILE` also writes the chart `/report` sends."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from bot.app import policy_from
from bot.config import Settings
from bot.sandbox.telegram_html import plain
from domain import report, sla
from domain.clock import SystemClock
from domain.errors import DeskError
from domain.exports import chart_weeks
from domain.report import ReportScope
from handlers import render_report
from handlers.chart import chart_png
from handlers.i18n import t
from storage.db import create_engine
from storage.exports import SqlExports
from storage.migrate import upgrade
from storage.reports import SqlReports

EXIT_FAILED = 1


async def print_report(
    settings: Settings, period: Sequence[str], lang: str, chart: Path | None
) -> int:
    """Print the report of `period` (as `/report` reads it: nothing is this week) in `lang`;
    write the chart of the last 12 weeks to `chart` if given."""
    policy = policy_from(settings)
    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
        now = SystemClock().now()
        try:
            chosen = report.parse_period(period, now=now, zone=policy.timezone)
        except DeskError as error:
            print(plain(t(lang, error.code, **error.params)), file=sys.stderr)
            return EXIT_FAILED
        source = SqlReports(engine)
        await source.measure_first_responses(partial(sla.counted_seconds, policy))
        scope = ReportScope()
        built = await report.build(source, scope, chosen, now=now, zone=policy.timezone)
        print(plain(render_report.text(lang, built)))
        if chart is not None:
            weeks = await SqlExports(engine).weekly(scope, chart_weeks(now, policy.timezone))
            png = await chart_png(lang, weeks, scope)
            await asyncio.to_thread(chart.write_bytes, png)
            print(f"the chart of the last 12 weeks is in {chart}", file=sys.stderr)
    finally:
        await engine.dispose()
    return 0
