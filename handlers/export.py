"""`/export FROM TO`: the tickets of a range as a CSV and an XLSX document.

Streaming all the way: the source reads a chunk of rows per query; each chunk is written to
both files (in a worker thread, so the loop serves others meanwhile) and dropped; the XLSX is
written as a stream of sheet XML (handlers/xlsx.py), which keeps no rows either. The files
live in a temporary folder until they are sent.
"""

from __future__ import annotations

import asyncio
import csv
import html
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from telegram import InputFile, Update

from domain.exports import CHUNK, COLUMNS, TIMES, WORDS, ExportSource, ReportScope, cells
from domain.policy import DeskPolicy
from handlers.context import DeskContext, sender_of
from handlers.i18n import in_language, t
from handlers.inputs import arguments
from handlers.xlsx import StreamingXlsx

TELEGRAM_MAX_BYTES = 50 * 1024 * 1024  # what a bot may upload to Telegram's cloud Bot API
LOCAL_SERVER_MAX_BYTES = 2000 * 1024 * 1024  # through a self-hosted Bot API server


def upload_limit(base_url: str) -> int:
    """How large a document the bot may send: a self-hosted Bot API server
    (`telegram.base_url`) takes files up to 2000 MB, the cloud one 50 MB."""
    return TELEGRAM_MAX_BYTES if "api.telegram.org" in base_url else LOCAL_SERVER_MAX_BYTES


UPLOAD_TIMEOUT = 300.0  # seconds to send one file
WIDTHS = {"number": 20, "department": 16, "assignee": 16, "customer": 18, "phone": 18}
TIME_WIDTH = 19
# the catalog section of each coded column's words (statuses as staff say them)
SECTIONS = {"type": "type", "channel": "channel", "priority": "priority", "status": "staff.status"}


class Words:
    """The codes of an export row in the reader's words: a type, channel, priority, the status
    as staff say it, the department's name."""

    def __init__(self, locale: str, departments: Mapping[str, Mapping[str, str]]) -> None:
        self.locale = locale
        self.departments = departments
        self._known: dict[tuple[int, str], str] = {}

    def __call__(self, index: int, code: str | None) -> str | None:
        if code is None:
            return None
        found = self._known.get((index, code))
        if found is None:
            found = self._known[(index, code)] = self._word(index, code)
        return found

    def _word(self, index: int, code: str) -> str:
        column = COLUMNS[index]
        if column == "department":
            names = self.departments.get(code)
            return in_language(self.locale, names) if names else code
        return _plain(self.locale, f"{SECTIONS[column]}.{code}")


class _Files:
    """The CSV and the XLSX being written, row by row."""

    def __init__(
        self, csv_path: Path, xlsx_path: Path, headers: list[str], sheet: str, words: Words
    ) -> None:
        self._words = words
        self._csv_file = csv_path.open("w", newline="", encoding="utf-8-sig")  # Excel: UTF-8
        self._csv = csv.writer(self._csv_file)
        self._csv.writerow(headers)
        widths = [
            WIDTHS.get(column, TIME_WIDTH if index in TIMES else 12)
            for index, column in enumerate(COLUMNS)
        ]
        self._xlsx = StreamingXlsx(xlsx_path, sheet, headers, widths)

    def write(self, rows: Sequence[Sequence[Any]], zone: tzinfo) -> int:
        """Both files get `rows`; how many."""
        for row in rows:
            values = cells(row, zone)
            for index in WORDS:
                values[index] = self._words(index, values[index])
            self._csv.writerow(values)
            self._xlsx.append(values)
        return len(rows)

    def close(self) -> None:
        self._csv_file.close()
        self._xlsx.close()


def _plain(locale: str, key: str, **params: Any) -> str:
    return html.unescape(t(locale, key, **params))


def file_stem(scope: ReportScope, start: datetime, end: datetime, zone: tzinfo) -> str:
    """`tickets-support-2026-11-01-2026-11-30`: the scope and the days, local."""
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return f"tickets-{scope.department or 'all'}-{first.isoformat()}-{last.isoformat()}"


async def write_export(
    source: ExportSource,
    policy: DeskPolicy,
    scope: ReportScope,
    start: datetime,
    end: datetime,
    folder: Path,
    locale: str = "en",
    *,
    departments: Mapping[str, Mapping[str, str]] | None = None,
    chunk: int = CHUNK,
) -> tuple[Path, Path, int]:
    """Write the tickets of `scope` filed in [start, end) to a CSV and an XLSX in `folder`,
    headers and values in `locale` (`departments`: code -> name per language), the codes in
    columns of their own, times in the desk's time zone, phones masked. Returns both paths
    and the number of tickets. Never holds more than one chunk of rows."""
    stem = file_stem(scope, start, end, policy.timezone)
    csv_path, xlsx_path = folder / f"{stem}.csv", folder / f"{stem}.xlsx"
    headers = [_plain(locale, f"export.column.{c}") for c in COLUMNS]
    words = Words(locale, departments or {})
    files = _Files(csv_path, xlsx_path, headers, _plain(locale, "export.sheet"), words)
    count = 0
    writing: asyncio.Future[int] | None = None
    try:
        # a chunk is written in a thread while the next one is read
        async for rows in source.rows(scope, start, end, chunk=chunk):
            if writing is not None:
                count += await writing
            writing = asyncio.ensure_future(asyncio.to_thread(files.write, rows, policy.timezone))
        if writing is not None:
            count += await writing
            writing = None
    finally:
        if writing is not None:
            await asyncio.gather(writing, return_exceptions=True)
        await asyncio.to_thread(files.close)
    return csv_path, xlsx_path, count


async def export(update: Update, context: DeskContext) -> None:
    """`/export FROM TO`: refusals and bad dates come back as errors (handlers.errors)."""
    sender = sender_of(update)
    exports = context.deps.exports
    if sender is None or update.effective_message is None or exports is None:
        return
    plan = await exports.plan(sender, arguments(context.args))
    days = {"first": plan.days.first.isoformat(), "last": plan.days.last.isoformat()}
    await context.bot.send_message(sender.chat_id, t(plan.locale, "export.preparing", **days))
    policy = context.deps.policy
    with tempfile.TemporaryDirectory(prefix="desk-export-") as folder:
        paths = await write_export(
            exports.source,
            policy,
            plan.scope,
            plan.days.start,
            plan.days.end,
            Path(folder),
            plan.locale,
            departments=plan.departments,
        )
        count = paths[2]
        if count == 0:
            await context.bot.send_message(sender.chat_id, t(plan.locale, "export.empty", **days))
            return
        for path in paths[:2]:
            await _send(context, sender.chat_id, plan.locale, path, count=count, **days)


async def _send(
    context: DeskContext, chat_id: int, locale: str, path: Path, **params: Any
) -> None:
    size = await asyncio.to_thread(lambda: path.stat().st_size)
    if size > upload_limit(context.bot.base_url):
        megabytes = round(size / 1024 / 1024)
        await context.bot.send_message(
            chat_id, t(locale, "export.too_large", name=path.name, size_mb=megabytes)
        )
        return
    with path.open("rb") as file:
        await context.bot.send_document(
            chat_id,
            InputFile(file, filename=path.name),
            caption=t(locale, "export.caption", **params),
            write_timeout=UPLOAD_TIMEOUT,
        )
