"""`/chart` and `/export` through the fake Bot API: the photo and the two documents as they
were uploaded, who gets them, and the refusals."""

from __future__ import annotations

import csv
import io
import warnings
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.sandbox.clocks import START
from bot.sandbox.wire import Call
from domain.exports import COLUMNS, ReportScope, WeekFigures, chart_weeks
from domain.people import Role
from domain.ticket import Priority
from handlers.chart import render_chart
from handlers.i18n import t
from tests.e2e.dsl import DeskHarness
from tests.e2e.steps import add_staff, file_ticket, said
from tests.e2e.test_staff_desk import BILLING_SUPERVISOR, TWO_DEPARTMENTS

LOCALES = [pytest.param("en", id="english"), pytest.param("zh", id="chinese")]
PNG = b"\x89PNG\r\n\x1a\n"
TODAY = "2026-11-23"  # the fake clock's day in Shanghai


def _upload(call: Call, kind: str) -> bytes:
    return next(u.content for u in call.uploads.values() if u.marker == call.params[kind])


def _png_size(content: bytes) -> tuple[int, int]:
    assert content.startswith(PNG)
    with Image.open(io.BytesIO(content)) as image:
        image.verify()
        return image.size


async def _desk_with_tickets(desk: DeskHarness) -> dict[str, list[str]]:
    """Support gets two tickets, Billing one (two departments, Shanghai time)."""
    desk.overrides.update(TWO_DEPARTMENTS)
    await desk.restart()
    ann = desk.customer(1001, "Ann")
    cy = desk.customer(1002, "Cy", lang="zh")
    support = [
        await file_ticket(ann, "Till broken", phone="+8613812345678"),
        await file_ticket(cy, "打印机坏了", type_key="inquiry", phone="+8613900001111"),
    ]
    billing = [await file_ticket(ann, "Refund please", type_key="after_sales")]
    await desk.dispatch()
    return {"support": support, "billing": billing}


@pytest.mark.parametrize("locale", LOCALES)
def test_the_chart_renders_every_label_in_either_language(locale: str):
    weeks = chart_weeks(START, ZoneInfo("Asia/Shanghai"))
    figures = [
        WeekFigures(w, {"complaint": n % 3, "inquiry": 1, "after_sales": n % 2}, 2 + n % 4)
        for n, w in enumerate(weeks)
    ]
    figures[3].satisfaction = None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph missing from the font is a warning
        png = render_chart(locale, figures, ReportScope(1, "support"))
        empty = render_chart(locale, [WeekFigures(w) for w in weeks], ReportScope())
    assert _png_size(png) == (960, 540)
    assert _png_size(empty) == (960, 540)


def test_without_the_cjk_font_chinese_labels_would_be_missing():
    """The check above can fail: matplotlib's own font has no Chinese glyphs."""
    from matplotlib.figure import Figure

    figure = Figure()
    figure.suptitle(t("zh", "chart.tickets"), family="DejaVu Sans")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")
    assert any("missing from font" in str(w.message) for w in caught)


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_supervisor_gets_the_chart_as_a_photo(desk: DeskHarness, locale: str):
    await _desk_with_tickets(desk)
    sue = desk.customer(2005, "Sue", lang=locale)
    await add_staff(desk, sue, Role.SUPERVISOR)
    await sue.send("/chart")
    photo = desk.api.calls_of("sendPhoto")[-1]
    assert photo.params["chat_id"] == sue.id
    assert said(locale, "chart.caption", scope="Support") == photo.params["caption"]
    assert _png_size(_upload(photo, "photo")) == (960, 540)


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_supervisor_exports_their_department_only(desk: DeskHarness, locale: str):
    numbers = await _desk_with_tickets(desk)
    sue = desk.customer(2005, "Sue", lang=locale)
    await add_staff(desk, sue, Role.SUPERVISOR)
    before = len(desk.api.calls_of("sendDocument"))
    await sue.send(f"/export {TODAY} {TODAY}")
    documents = desk.api.calls_of("sendDocument")[before:]
    assert [d.params["chat_id"] for d in documents] == [sue.id, sue.id]
    names = [next(iter(d.uploads.values())).filename for d in documents]
    stem = f"tickets-support-{TODAY}-{TODAY}"
    assert names == [f"{stem}.csv", f"{stem}.xlsx"]
    days = {"first": TODAY, "last": TODAY}
    assert documents[0].params["caption"] == said(locale, "export.caption", count=2, **days)

    headers = [t(locale, f"export.column.{c}") for c in COLUMNS]
    table = list(csv.reader(io.StringIO(_upload(documents[0], "document").decode("utf-8-sig"))))
    assert table[0] == headers
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in table[1:]]
    assert [r["number"] for r in rows] == numbers["support"]
    assert [r["phone"] for r in rows] == ["+86 138****5678", "+86 139****1111"]
    assert {r["department"] for r in rows} == {"Support"}
    assert rows[0]["created"].startswith(f"{TODAY} 10:")  # Shanghai time
    # values in the reader's words, the codes beside them for machines
    assert [r["type"] for r in rows] == [t(locale, "type.complaint"), t(locale, "type.inquiry")]
    assert [r["type_code"] for r in rows] == ["complaint", "inquiry"]
    assert {r["status"] for r in rows} == {t(locale, "staff.status.new")}
    assert {(r["status_code"], r["department_code"]) for r in rows} == {("new", "support")}
    assert {r["priority"] for r in rows} <= {t(locale, f"priority.{p}") for p in Priority}
    assert {r["channel"] for r in rows} == {t(locale, "channel.telegram")}

    book = load_workbook(io.BytesIO(_upload(documents[1], "document")), read_only=True)
    sheet = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert list(sheet[0]) == headers
    assert [r[0] for r in sheet[1:]] == numbers["support"]
    assert [r[COLUMNS.index("phone")] for r in sheet[1:]] == [r["phone"] for r in rows]


async def test_an_admin_exports_everything_and_billing_its_own(desk: DeskHarness):
    numbers = await _desk_with_tickets(desk)
    admin = desk.customer(900001, "Ada")
    await admin.send(f"/export {TODAY} {TODAY}")
    csv_call = desk.api.calls_of("sendDocument")[-2]
    table = list(csv.reader(io.StringIO(_upload(csv_call, "document").decode("utf-8-sig"))))
    assert sorted(r[0] for r in table[1:]) == sorted(numbers["support"] + numbers["billing"])

    billing = desk.customer(BILLING_SUPERVISOR, "Bea")
    await billing.send(f"/export {TODAY} {TODAY}")
    csv_call = desk.api.calls_of("sendDocument")[-2]
    table = list(csv.reader(io.StringIO(_upload(csv_call, "document").decode("utf-8-sig"))))
    assert [r[0] for r in table[1:]] == numbers["billing"]
    assert next(iter(csv_call.uploads.values())).filename.startswith("tickets-billing-")


@pytest.mark.parametrize("locale", LOCALES)
async def test_refusals_and_bad_dates(desk: DeskHarness, locale: str):
    await _desk_with_tickets(desk)
    bob = desk.customer(2001, "Bob", lang=locale)
    sue = desk.customer(2005, "Sue", lang=locale)
    ann = desk.customer(1001, "Ann")
    await add_staff(desk, bob)
    await add_staff(desk, sue, Role.SUPERVISOR)
    sent = len(desk.api.calls_of("sendDocument")) + len(desk.api.calls_of("sendPhoto"))

    await bob.send(f"/export {TODAY} {TODAY}")
    assert bob.last_text == said(locale, "export.not_allowed")
    await bob.send("/chart")
    assert bob.last_text == said(locale, "chart.not_allowed")
    await ann.send(f"/export {TODAY} {TODAY}")
    assert ann.last_text == said("en", "export.not_allowed")
    await ann.send("/chart")
    assert ann.last_text == said("en", "chart.not_allowed")

    for args, key, params in (
        ("", "export.usage", {}),
        ("2026-11-01", "export.usage", {}),
        ("november december", "export.usage", {}),
        (
            "2026-11-30 2026-11-01",
            "export.reversed",
            {"first": "2026-11-30", "last": "2026-11-01"},
        ),
        ("2025-10-01 2026-11-04", "export.too_long", {"days": 400, "limit": 366}),
    ):
        await sue.send(f"/export {args}".strip())
        assert sue.last_text == said(locale, key, **params), args

    await sue.send("/export 2020-01-01 2020-01-31")
    assert sue.last_text == said(locale, "export.empty", first="2020-01-01", last="2020-01-31")
    after = len(desk.api.calls_of("sendDocument")) + len(desk.api.calls_of("sendPhoto"))
    assert after == sent


def test_a_self_hosted_bot_api_server_takes_larger_exports():
    from handlers.export import upload_limit

    assert upload_limit("https://api.telegram.org/bot") == 50 * 1024 * 1024
    assert upload_limit("http://127.0.0.1:8081/bot") == 2000 * 1024 * 1024
