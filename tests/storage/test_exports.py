"""SqlExports: tickets a chunk at a time in a scope and range, weekly sums for the chart,
and the files written from them read back with csv and openpyxl."""

from __future__ import annotations

import csv
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from typing import Any

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.exports import COLUMNS, SOURCE_COLUMNS, ReportScope, chart_weeks, parse_range
from domain.people import Department
from handlers.export import write_export
from handlers.i18n import t
from storage.db import session_factory
from storage.exports import SqlExports
from storage.models import CustomerRow, PollRow, StaffRow, TicketRow

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # Friday 10:00 in Shanghai
MONDAY = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)  # Monday 2026-11-23 00:00 in Shanghai


def _ticket(*args: Any, **values: Any) -> TicketRow:
    """A ticket row from (number, customer id, department id, type, filed, status)."""
    keys = ("number", "customer_id", "department_id", "type", "created_at", "status")
    fields = dict(zip(keys, args, strict=True))
    created = fields["created_at"]
    fields |= {"channel": "telegram", "priority": "normal", "title": "t", "description": "…"}
    fields |= {"updated_at": created, "ack_due_at": created + timedelta(hours=1)}
    return TicketRow(**(fields | values))


async def _load(engine: AsyncEngine, departments: dict[str, Department]) -> None:
    """Support: four tickets this week (one filed a second before it began: last week's),
    one two weeks ago; service: one this week. Polls: 5 and 2 counted this week, one not
    counted, 4 two weeks ago."""
    support, service = departments["support"].id, departments["service"].id
    async with session_factory(engine)() as session, session.begin():
        customer = CustomerRow(
            number="C-20261101-0001", name="Ann", phone="+8613812345678", created_at=NOW
        )
        session.add(customer)
        session.add(StaffRow(telegram_id=5, name="Bob", role="agent", department_id=support))
        await session.flush()
        filed = [
            (1, support, "complaint", MONDAY + timedelta(hours=1)),
            (2, support, "complaint", MONDAY + timedelta(hours=2)),
            (3, support, "inquiry", MONDAY + timedelta(hours=2)),  # same moment: by id
            (4, support, "inquiry", MONDAY - timedelta(seconds=1)),
            (5, support, "suggestion", MONDAY - timedelta(weeks=2)),
            (6, service, "after_sales", MONDAY + timedelta(hours=3)),
        ]
        for n, department, kind, created in filed:
            values: dict[str, Any] = {}
            if n == 1:
                values = {
                    "assignee_id": 1,
                    "acknowledged_at": created + timedelta(minutes=20),
                    "resolved_at": created + timedelta(hours=5),
                    "closed_at": created + timedelta(hours=6),
                    "ack_seconds": 1200,
                    "resolve_seconds": 18000,
                    "score": 5,
                    "contact_phone": "13900001111",
                }
            status = "closed" if n == 1 else "new"
            session.add(
                _ticket(
                    f"FB-TEST-{n:04d}", customer.id, department, kind, created, status, **values
                )
            )
        await session.flush()
        for ticket, score, counted in ((1, 5, True), (2, 2, True), (3, 1, False), (5, 4, True)):
            session.add(
                PollRow(
                    ticket_id=ticket,
                    customer_id=customer.id,
                    created_at=NOW,
                    expires_at=NOW,
                    score=score,
                    counted=counted,
                    answered_at=NOW,
                )
            )


async def test_rows_come_in_chunks_oldest_first_in_scope(engine, departments):
    await _load(engine, departments)
    source = SqlExports(engine)
    support = ReportScope(departments["support"].id, "support")
    start, end = MONDAY - timedelta(weeks=3), MONDAY + timedelta(weeks=1)
    chunks = [list(c) async for c in source.rows(support, start, end, chunk=2)]
    assert [len(c) for c in chunks] == [2, 2, 1]
    numbers = [row[0] for chunk in chunks for row in chunk]
    assert numbers == [f"FB-TEST-000{n}" for n in (5, 4, 1, 2, 3)]
    first = dict(zip(SOURCE_COLUMNS, chunks[1][0], strict=True))
    assert (first["department"], first["status"]) == ("support", "closed")  # codes
    assert first["assignee"] == "Bob"
    assert first["customer"] == "C-20261101-0001"
    assert first["phone"] == "13900001111"  # the ticket's own contact before the customer's
    assert first["ack_minutes"] == 1200  # seconds: the domain makes minutes of them
    everything = [row async for c in source.rows(ReportScope(), start, end) for row in c]
    assert len(everything) == 6
    this_week = [r async for c in source.rows(support, MONDAY, end) for r in c]
    assert [r[0] for r in this_week] == ["FB-TEST-0001", "FB-TEST-0002", "FB-TEST-0003"]
    assert [c async for c in source.rows(support, end, end + timedelta(days=1))] == []


async def test_weekly_figures_by_type_and_mean_score(engine, departments, policy):
    await _load(engine, departments)
    weeks = chart_weeks(NOW, policy.timezone)
    support = ReportScope(departments["support"].id, "support")
    figures = await SqlExports(engine).weekly(support, weeks)
    assert [f.week.monday for f in figures][-1] == date(2026, 11, 23)
    assert figures[-1].by_type == {"complaint": 2, "inquiry": 1}
    assert figures[-1].satisfaction == 3.5  # 5 and 2; the uncounted 1 left out
    assert figures[-2].by_type == {"inquiry": 1}
    assert figures[-2].satisfaction is None
    assert figures[-3].by_type == {"suggestion": 1}
    assert figures[-3].satisfaction == 4
    assert sum(f.total for f in figures) == 5
    whole = await SqlExports(engine).weekly(ReportScope(), weeks)
    assert whole[-1].by_type == {"complaint": 2, "inquiry": 1, "after_sales": 1}


async def test_the_files_round_trip_in_both_languages(engine, departments, policy, tmp_path):
    await _load(engine, departments)
    days = parse_range(["2026-11-01", "2026-11-30"], policy.timezone)
    support = ReportScope(departments["support"].id, "support")
    for locale in ("en", "zh"):
        folder = tmp_path / locale
        folder.mkdir()
        csv_path, xlsx_path, count = await write_export(
            SqlExports(engine), policy, support, days.start, days.end, folder, locale, chunk=2
        )
        assert count == 5
        assert csv_path.name == "tickets-support-2026-11-01-2026-11-30.csv"
        headers = [t(locale, f"export.column.{c}") for c in COLUMNS]
        with csv_path.open(encoding="utf-8-sig", newline="") as file:
            table = list(csv.reader(file))
        assert table[0] == headers
        assert len(table) == 6
        by_number = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in table[1:]}
        one = by_number["FB-TEST-0001"]
        assert one["phone"] == "139****1111"
        assert by_number["FB-TEST-0002"]["phone"] == "+86 138****5678"
        assert one["created"] == "2026-11-23 01:00:00"  # Shanghai time
        assert one["acknowledged"] == "2026-11-23 01:20:00"
        assert one["first_response"] == ""
        assert (one["ack_minutes"], one["resolve_minutes"], one["score"]) == ("20", "300", "5")
        assert all("13812345678" not in cell for row in table for cell in row)

        book = load_workbook(xlsx_path, read_only=True)
        sheet = book.worksheets[0]
        assert sheet.title == t(locale, "export.sheet")
        rows = list(sheet.iter_rows(values_only=True))
        book.close()
        assert list(rows[0]) == headers
        assert [r[0] for r in rows[1:]] == [r[0] for r in table[1:]]
        xlsx_one = dict(zip(COLUMNS, rows[1 + list(by_number).index("FB-TEST-0001")], strict=True))
        assert xlsx_one["created"] == datetime(2026, 11, 23, 1, 0, tzinfo=UTC).replace(tzinfo=None)
        assert xlsx_one["phone"] == "139****1111"
        assert xlsx_one["resolve_minutes"] == 300
        assert _second_reader(xlsx_path) == (t(locale, "export.sheet"), [list(r) for r in rows])


def _second_reader(path: Any) -> tuple[str, list[list[Any]]]:
    """The sheet as calamine (a reader that shares no code with openpyxl) reads it: its name
    and rows, empty cells None and whole numbers int, as openpyxl gives them."""
    book = CalamineWorkbook.from_path(str(path))
    [name] = book.sheet_names
    rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    width = max(len(row) for row in rows)

    def cell(value: Any) -> Any:
        if value == "":
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, date) and not isinstance(value, datetime):  # a midnight
            return datetime.combine(value, datetime.min.time())
        return value

    return name, [[cell(v) for v in row] + [None] * (width - len(row)) for row in rows]


async def test_an_empty_range_gives_files_with_headers_only(engine, departments, policy, tmp_path):
    await _load(engine, departments)
    days = parse_range(["2020-01-01", "2020-01-31"], policy.timezone)
    csv_path, xlsx_path, count = await write_export(
        SqlExports(engine), policy, ReportScope(), days.start, days.end, tmp_path
    )
    assert count == 0
    assert csv_path.name == "tickets-all-2020-01-01-2020-01-31.csv"
    assert len(csv_path.read_text(encoding="utf-8-sig").splitlines()) == 1
    assert xlsx_path.suffix == ".xlsx"


async def test_memory_stays_flat_whatever_the_row_count(engine, departments, policy, tmp_path):
    """Many more rows than a chunk: peak memory is that of a chunk, not of the export."""
    async with session_factory(engine)() as session, session.begin():
        customer = CustomerRow(number="C-1", name="Ann", phone="+8613812345678", created_at=NOW)
        session.add(customer)
        await session.flush()
        support = departments["support"].id
        session.add_all(
            _ticket(
                f"FB-MANY-{n:05d}",
                customer.id,
                support,
                "complaint",
                MONDAY + timedelta(seconds=n),
                "new",
            )
            for n in range(1200)
        )
    days = parse_range(["2026-11-23", "2026-11-29"], policy.timezone)

    async def peak(chunk: int, name: str) -> int:
        folder = tmp_path / name
        folder.mkdir()
        tracemalloc.start()
        try:
            *_, count = await write_export(
                SqlExports(engine),
                policy,
                ReportScope(),
                days.start,
                days.end,
                folder,
                chunk=chunk,
            )
            assert count == 1200
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = await peak(50, "small"), await peak(1200, "large")
    assert small < large / 2
