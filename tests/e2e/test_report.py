"""`/report` on a crafted data set (tests/report_data.py), every figure worked out by hand;
who may see which department; the weekly digest, once per week across a restart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import runtime_of
from domain.people import Role
from handlers.i18n import t
from handlers.timewords import clock_words
from tests import report_data
from tests.e2e.dsl import DeskHarness
from tests.e2e.steps import add_staff, outbox_rows, said
from tests.e2e.test_onboarding import join
from tests.e2e.test_staff_desk import BILLING_SUPERVISOR

LOCALES = [pytest.param("en", id="english"), pytest.param("zh", id="chinese")]
ADMIN = 900001


def line(locale: str, label: str, value: str, previous: str, change: str) -> str:
    return said(locale, "report.line", label=label, value=value, previous=previous, change=change)


def ratio(locale: str, name: str, now: str, was: str, change: str, part: int, base: int) -> str:
    tail = "report.answered" if name == "responses" else "report.of"
    head = line(locale, t(locale, f"report.{name}"), now, was, change)
    return f"{head} {said(locale, tail, part=part, base=base)}"


def timing(locale: str, kind: str, which: str) -> str:
    return t(locale, f"report.{kind}", what=t(locale, f"report.time_{which}"))


@pytest.fixture
async def reports(two_departments: DeskHarness) -> DeskHarness:
    desk = two_departments
    await report_data.load(runtime_of(desk.app).uow.engine, "support", "billing")
    desk.clock.set(report_data.NOW)
    return desk


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_supervisor_reads_the_week_of_their_department(reports: DeskHarness, locale):
    desk = reports
    sue = desk.customer(2005, "Sue", lang=locale)
    await add_staff(desk, sue, Role.SUPERVISOR)
    await sue.send("/report week")
    *_, report, picture = sue.messages()
    text = report.plain_text or ""
    photo = desk.api.calls_of("sendPhoto")[-1]  # the chart goes with the report
    assert (picture.method, photo.params["chat_id"]) == ("sendPhoto", sue.id)
    assert next(iter(photo.uploads.values())).content.startswith(b"\x89PNG")
    pct, pp = (
        (lambda v: t(locale, "report.percent", value=v)),
        (lambda v: t(locale, "report.points", value=v)),
    )
    m = lambda s: clock_words(locale, s)  # noqa: E731
    expected = [
        said(locale, "report.head", scope="Support",
             dates=t(locale, "report.dates", first="2026-11-23", last="2026-11-29"),
             previous=t(locale, "report.dates", first="2026-11-16", last="2026-11-22")),
        line(locale, t(locale, "report.tickets"), "6", "2", "+4"),
        said(locale, "report.top_types", types=" · ".join(
            f"{t(locale, f'type.{n}')} {c}" for n, c in
            (("complaint", 3), ("inquiry", 2), ("suggestion", 1)))),
        line(locale, t(locale, "type.complaint"), "3", "1", "+2"),
        line(locale, t(locale, "type.suggestion"), "1", "0", "+1"),
        line(locale, t(locale, "channel.telegram"), "3", "2", "+1"),
        line(locale, t(locale, "priority.urgent"), "1", "0", "+1"),
        line(locale, t(locale, "staff.status.closed"), "2", "2", "±0"),
        line(locale, t(locale, "staff.status.withdrawn"), "1", "0", "+1"),
        # 1725 s against 2400 s: 28 min, was 40 min, 675 s (11 min) less
        line(locale, timing(locale, "mean", "acknowledge"), m(1725), m(2400), "−" + m(675)),
        line(locale, timing(locale, "median", "acknowledge"), m(900), m(2400), "−" + m(1500)),
        line(locale, timing(locale, "mean", "first_response"), m(1100), m(2400), "−" + m(1300)),
        line(locale, timing(locale, "median", "resolve"), m(7200), m(9000), "−" + m(1800)),
        ratio(locale, "ack_sla", pct("60"), pct("50"), "+" + pp("10"), 3, 5),
        ratio(locale, "resolve_sla", pct("75"), pct("100"), "−" + pp("25"), 3, 4),
        ratio(locale, "first_contact", pct("50"), pct("50"), "±0", 1, 2),
        line(locale, t(locale, "report.score_mean"), "3.5", "4.0", "−0.5"),
        line(locale, t(locale, "report.score", score=5), "1", "0", "+1"),
        line(locale, t(locale, "report.score", score=4), "0", "1", "−1"),
        # 2 of 3 polls against 1 of 2: 66.7 % - 50 % = 16.7 points
        ratio(locale, "responses", pct("67"), pct("50"), "+" + pp("17"), 2, 3),
        # each credited with what they did (tests/report_data.py: who did what)
        said(locale, "report.agent", name="Cy", handled="3", responses="2", resolved="1",
             resolve=m(10800), score=t(locale, "report.none")),
        said(locale, "report.agent_new"),
        said(locale, "report.agent", name="Bob", handled="2", responses="1", resolved="2",
             resolve=m(5400), score="3.5"),
        said(locale, "report.agent_before", handled="2", responses="1", resolved="2",
             resolve=m(9000), score="4.0"),
    ]  # fmt: skip
    lines = text.split("\n")
    for wanted in expected:
        assert wanted in text, wanted
    assert t(locale, "type.after_sales") not in text  # the other department's ticket
    # staff read staff words: no "waiting for your answer", no "please confirm"
    assert [s for s in ("waiting_customer", "resolved") if t(locale, f"status.{s}") in text] == []
    assert max(len(x) for x in lines) < 80  # short lines, for a phone


def report_text(person) -> str:
    """The report itself: the last text message (the chart photo follows it)."""
    return [m for m in person.messages() if m.method == "sendMessage"][-1].plain_text or ""


async def test_who_may_see_which_report(reports: DeskHarness):
    desk = reports
    bob = desk.customer(report_data.BOB, "Bob")
    await bob.send("/report")
    assert bob.last_text == said("en", "report.not_allowed")
    ann = desk.customer(1001, "Ann")
    await ann.send("/report week")
    assert ann.last_text == said("en", "report.not_allowed")

    sue = desk.customer(2005, "Sue")
    await add_staff(desk, sue, Role.SUPERVISOR)
    await sue.send("/report dept:billing")
    assert sue.last_text == said("en", "report.other_department", department="Billing")
    await sue.send("/report yesterday")
    assert sue.last_text == said("en", "report.bad_period", given="yesterday")
    await sue.send("/report 2026-11-30 2026-11-01")
    assert sue.last_text == said("en", "report.bad_range", days=366)
    await sue.send("/report help")
    assert sue.last_text == said("en", "report.usage")

    billing = desk.customer(BILLING_SUPERVISOR, "Bill")
    await billing.send("/report")
    assert line("en", t("en", "report.tickets"), "1", "0", "+1") in report_text(billing)

    admin = desk.customer(ADMIN, "Ada")
    await admin.send("/report week")
    assert line("en", t("en", "report.tickets"), "7", "2", "+5") in report_text(admin)
    assert t("en", "report.all_departments") in report_text(admin)
    await admin.send("/report week dept:billing")
    assert line("en", t("en", "report.tickets"), "1", "0", "+1") in report_text(admin)
    await admin.send("/report dept:nowhere")
    assert admin.last_text == said("en", "report.unknown_department", department="nowhere")


async def test_the_weekly_digest_goes_out_once(two_departments: DeskHarness):
    desk = two_departments
    await report_data.load(runtime_of(desk.app).uow.engine, "support", "billing")
    sue = desk.customer(2005, "Sue", lang="zh")
    await add_staff(desk, sue, Role.SUPERVISOR)
    # Monday 2026-11-30, 08:59 in Shanghai: not yet
    desk.clock.set(datetime(2026, 11, 30, 0, 59, tzinfo=UTC))
    await desk.sweep()
    assert [r for r in await outbox_rows(desk) if r.kind == "report.digest"] == []
    desk.clock.advance(minutes=1)
    await desk.sweep()
    await desk.restart()
    await desk.sweep()
    desk.clock.advance(days=2)
    await desk.sweep()
    digests = [r for r in await outbox_rows(desk) if r.kind == "report.digest"]
    assert sorted(r.chat_id for r in digests) == sorted([2005, BILLING_SUPERVISOR])
    await desk.dispatch()
    text = sue.last_text
    assert text.startswith(said("zh", "report.digest_head"))
    assert line("zh", t("zh", "report.tickets"), "6", "2", "+4") in text
    bill = desk.last_message_to(BILLING_SUPERVISOR).plain_text or ""
    assert line("en", t("en", "report.tickets"), "1", "0", "+1") in bill
    # the next week, the next digest
    desk.clock.advance(days=5)
    await desk.sweep()
    later = [r for r in await outbox_rows(desk) if r.kind == "report.digest"]
    assert len(later) == 4


async def digests_to(desk: DeskHarness) -> list[int]:
    return sorted(r.chat_id for r in await outbox_rows(desk) if r.kind == "report.digest")


async def test_no_digest_for_a_week_before_the_desk_or_the_person_and_an_empty_week_in_a_line(
    two_departments: DeskHarness,
):
    desk = two_departments  # first started on Monday 2026-11-23, 10:00 in Shanghai
    await desk.sweep()
    assert await digests_to(desk) == []  # the week before: the desk did not exist
    desk.clock.set(datetime(2026, 11, 27, 2, 0, tzinfo=UTC))  # Friday
    ada = desk.customer(ADMIN, "Ada")
    sue = await join(desk, ada, 2005, "Sue", "supervisor", "support")
    desk.clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # Monday 09:00
    await desk.sweep()
    assert await digests_to(desk) == sorted([2005, BILLING_SUPERVISOR])
    await desk.dispatch()
    assert sue.last_text == said(
        "en",
        "report.digest_empty_department",
        department="Support",
        first="2026-11-23",
        last="2026-11-29",
    )
    # joined after the week ended, before its digest went out: not for that week
    desk.clock.set(datetime(2026, 12, 7, 0, 0, tzinfo=UTC))  # Monday 08:00
    await join(desk, ada, 2006, "Bea", "supervisor", "support")
    desk.clock.advance(hours=1)
    await desk.sweep()
    assert await digests_to(desk) == sorted([2005, 2005, BILLING_SUPERVISOR, BILLING_SUPERVISOR])
