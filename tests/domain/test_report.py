"""Report arithmetic and periods, and the business-time durations a ticket records."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain import report, sla
from domain.errors import InvalidInput
from domain.policy import DeskPolicy
from domain.report import Figures, PeriodKind, Ratio, Report, ReportScope, Timing
from domain.ticket import Priority, Status, Ticket, Work
from tests.domain.test_sla import ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Friday 2026-11-27 10:00 in Shanghai
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def test_mean_and_median_of_nothing_are_none():
    assert report.mean([]) is None
    assert report.median([]) is None
    assert report.mean_of(None, 0) is None


def test_mean_and_median():
    assert report.mean([600, 1200, 4800, 300]) == 1725
    assert report.median([600, 1200, 4800, 300]) == 900  # (600 + 1200) / 2
    assert report.median([5, 1, 3]) == 3
    assert report.mean_of(6900, 4) == 1725


def test_middle_ranks_give_the_median():
    for values in ([7], [1, 2], [3, 1, 2], [4, 1, 3, 2], list(range(11))):
        ordered = sorted(values)
        low, high = report.middle_ranks(len(values))
        assert (ordered[low - 1] + ordered[high - 1]) / 2 == report.median(values)


def test_percentage_of_nothing_is_none():
    assert report.percentage(0, 0) is None
    assert report.percentage(3, 5) == 60
    assert Ratio(2, 3).percent == pytest.approx(66.666, abs=0.001)


def test_change_needs_both_sides():
    assert report.change(60.0, 50.0) == 10.0
    assert report.change(None, 50.0) is None
    assert report.change(3, None) is None


def test_top_types_by_count_then_name():
    figures = Figures(by_type={"inquiry": 2, "complaint": 3, "suggestion": 2, "after_sales": 0})
    assert figures.top_types() == [("complaint", 3), ("inquiry", 2), ("suggestion", 2)]


def parse(*args: str) -> report.Period:
    return report.parse_period(list(args), now=NOW, zone=SHANGHAI)


def local(period: report.Period) -> tuple[datetime, datetime]:
    return period.start.astimezone(SHANGHAI), period.end.astimezone(SHANGHAI)


def test_today_is_the_local_day_in_utc():
    today = parse("today")
    assert (today.kind, today.first, today.last) == (
        PeriodKind.DAY,
        date(2026, 11, 27),
        today.first,
    )
    assert today.start == datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    assert today.end == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    assert report.previous(today, SHANGHAI).first == date(2026, 11, 26)


def test_week_is_monday_to_sunday_and_the_default():
    week = parse("week")
    assert parse() == week
    assert (week.first, week.last) == (date(2026, 11, 23), date(2026, 11, 29))
    before = report.previous(week, SHANGHAI)
    assert (before.first, before.last, before.kind) == (
        date(2026, 11, 16),
        date(2026, 11, 22),
        PeriodKind.WEEK,
    )
    assert before.end == week.start


def test_months_and_the_month_before():
    month = parse("month")
    assert (month.first, month.last) == (date(2026, 11, 1), date(2026, 11, 30))
    january = parse("2027-01")
    before = report.previous(january, SHANGHAI)
    assert (before.first, before.last) == (date(2026, 12, 1), date(2026, 12, 31))
    march = report.previous(parse("2026-04"), SHANGHAI)
    assert (march.first, march.last) == (date(2026, 3, 1), date(2026, 3, 31))
    assert report.previous(parse("2026-03"), SHANGHAI).last == date(2026, 2, 28)


def test_a_range_and_the_same_number_of_days_before():
    span = parse("2026-11-10", "2026-11-19")
    assert span.days == 10
    before = report.previous(span, SHANGHAI)
    assert (before.first, before.last) == (date(2026, 10, 31), date(2026, 11, 9))
    assert local(span)[1] == datetime(2026, 11, 20, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["yesterday"], "report.bad_period"),
        (["2026-13"], "report.bad_period"),
        (["2026-1"], "report.bad_period"),
        (["2026-11-31", "2026-12-01"], "report.bad_period"),
        (["2026-11-20", "2026-11-10"], "report.bad_range"),
        (["2025-01-01", "2026-11-10"], "report.bad_range"),
        (["week", "month", "today"], "report.bad_period"),
    ],
)
def test_bad_periods_say_why(args, code):
    with pytest.raises(InvalidInput) as raised:
        parse(*args)
    assert raised.value.code == code


def test_a_report_survives_the_outbox():
    week = parse("week")
    figures = Figures(
        tickets=2,
        by_type={"complaint": 2},
        acknowledge=Timing(2, 90.0, 90.0),
        ack_sla=Ratio(1, 2),
        satisfaction_mean=4.5,
        scores={4: 1, 5: 1},
        responses=Ratio(2, 2),
        agents=(report.AgentRow(3, "Bob", 2, 100.0, None),),
        canned=(("Restart the till", 3), ("Refund", 1)),
    )
    value = Report(
        ReportScope(1, "support"), week, report.previous(week, SHANGHAI), figures, Figures()
    )
    assert Report.from_dict(value.to_dict()) == value


# -- durations for reports, on the ticket's clock ------------------------------------------


def a_ticket(priority: Priority, filed: datetime) -> Ticket:
    return replace(ticket(priority), created_at=filed, updated_at=filed)


def test_business_hours_tickets_count_working_time_only():
    policy = DeskPolicy(timezone=SHANGHAI, routing={})
    filed = datetime(2026, 11, 27, 17, 0, tzinfo=SHANGHAI)  # Friday, an hour before closing
    ticket = a_ticket(Priority.NORMAL, filed)
    sla.refresh(ticket, policy, filed)
    assert (ticket.ack_seconds, ticket.resolve_seconds) == (None, None)
    monday = datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI)
    Work.claim(ticket, 5, monday)
    sla.refresh(ticket, policy, monday)
    assert ticket.ack_seconds == 90 * 60  # 17:00-18:00 Friday, 09:00-09:30 Monday
    later = monday + timedelta(hours=2)
    Work.resolve(ticket, 5, "fixed", later)
    sla.refresh(ticket, policy, later)
    assert ticket.resolve_seconds == 210 * 60
    # "not solved": the resolution did not hold, so it is measured again when it does
    Work.confirm(ticket, 1, False, later)
    sla.refresh(ticket, policy, later)
    assert ticket.resolve_seconds is None
    assert ticket.ack_seconds == 90 * 60
    again = later + timedelta(hours=1)
    Work.resolve(ticket, 5, "fixed now", again)
    sla.refresh(ticket, policy, again)
    assert ticket.resolve_seconds == 270 * 60


def test_urgent_tickets_count_around_the_clock():
    policy = DeskPolicy(timezone=SHANGHAI, routing={})
    filed = datetime(2026, 11, 27, 23, 0, tzinfo=SHANGHAI)
    ticket = a_ticket(Priority.URGENT, filed)
    Work.claim(ticket, 5, filed + timedelta(minutes=20))
    sla.refresh(ticket, policy, filed + timedelta(minutes=20))
    assert ticket.ack_seconds == 20 * 60
    assert ticket.status is Status.IN_PROGRESS


def test_agent_rows_credit_what_each_person_did() -> None:
    from domain.report import HistoryLine, agent_rows
    from domain.ticket import EventKind as K

    def line(ticket: int, kind: K, staff: int | None, seconds: int | None = 3600) -> HistoryLine:
        return HistoryLine(ticket, kind, staff, responded=ticket != 3, resolve_seconds=seconds)

    history = [
        # ticket 1: Ann claims, Cy resolves, the customer reopens, Bob resolves
        line(1, K.CLAIMED, 1),
        line(1, K.RESOLVED, 3),
        line(1, K.REOPENED, None),
        line(1, K.RESOLVED, 2, 7200),
        # ticket 2: Bob answers first and resolves; a second round, resolved by Ann
        line(2, K.AGENT_REPLY, 2),
        line(2, K.RESOLVED, 2, 1800),
        line(2, K.SECOND_ROUND, 1),
        line(2, K.RESOLVED, 1, 1800),
        # ticket 3: Ann's claim never reached the customer (no measured first response)
        line(3, K.CLAIMED, 1),
    ]
    scores = {(2, 1): [5], (2, 2): [2], (1, 1): [4]}
    rows = {
        a.name: (a.handled, a.first_responses, a.resolved, a.resolve_median, a.satisfaction_mean)
        for a in agent_rows(history, scores, {1: "Ann", 2: "Bob", 3: "Cy"})
    }

    assert rows == {
        "Ann": (3, 1, 1, None, 2.0),
        "Bob": (2, 1, 2, 4500.0, 4.5),
        "Cy": (1, 0, 0, None, None),
    }
