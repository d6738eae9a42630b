"""Report figures by SQL on a crafted data set; every expected number was worked out by hand
(see tests/report_data.py for the rows)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain.report import AgentRow, Figures, Ratio, ReportScope, Timing, week_of
from storage.db import session_factory
from storage.models import CustomerRow, PollRow, StaffRow, TicketEventRow, TicketRow
from storage.reports import SqlReports, build_report
from tests import report_data
from tests.report_data import NOW

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEK = week_of(date(2026, 11, 27), SHANGHAI)


@pytest.fixture
async def data(engine) -> dict[str, int]:
    return await report_data.load(engine, "support", "service")


async def test_the_department_figures_of_this_week(engine, data):
    report = await build_report(
        engine, ReportScope(data["support"], "support"), WEEK, now=NOW, zone=SHANGHAI
    )
    now, before = report.current, report.previous
    agents = {a.name: a for a in now.agents}
    bob_id, cy_id = agents["Bob"].staff_id, agents["Cy"].staff_id
    assert now == Figures(
        tickets=6,
        by_type={"complaint": 3, "inquiry": 2, "suggestion": 1},
        by_channel={"telegram": 3, "phone": 1, "email": 1, "web_form": 1},
        by_priority={"normal": 3, "high": 1, "urgent": 1, "low": 1},
        by_status={"closed": 2, "resolved": 1, "in_progress": 1, "new": 1, "withdrawn": 1},
        # 600, 1200, 4800, 300: mean 6900/4; median (600 + 1200) / 2
        acknowledge=Timing(4, 1725.0, 900.0),
        # 900, 1800, 600: mean 3300/3; median 900
        first_response=Timing(3, 1100.0, 900.0),
        # 3600, 7200, 10800
        resolve=Timing(3, 7200.0, 7200.0),
        # acknowledged 1, 2, 3 (late), 4, and 5 unacknowledged past due; 6 withdrawn
        ack_sla=Ratio(3, 5),
        # resolved 1, 2, 3 in time; 4 in progress past due; 5 not yet due
        resolve_sla=Ratio(3, 4),
        # closed 1 and 2; 2 was reopened
        first_contact=Ratio(1, 2),
        satisfaction_mean=3.5,  # 5 and 2
        scores={1: 0, 2: 1, 3: 0, 4: 0, 5: 1},
        responses=Ratio(2, 3),  # three polls sent, two counted answers
        agents=(
            # worked on 2, 3 and 4; first to answer on 2 and 4; 3's resolution stands
            AgentRow(cy_id, "Cy", 3, 10800.0, None, first_responses=2, resolved=1),
            # 1 and 2: first to answer on 1, both resolutions stand (3600 and 7200 s, 5 and 2)
            AgentRow(bob_id, "Bob", 2, 5400.0, 3.5, first_responses=1, resolved=2),
        ),
    )
    assert now.top_types() == [("complaint", 3), ("inquiry", 2), ("suggestion", 1)]
    assert now.ack_sla.percent == 60.0
    assert now.resolve_sla.percent == 75.0
    assert before == Figures(
        tickets=2,
        by_type={"complaint": 1, "inquiry": 1},
        by_channel={"telegram": 2},
        by_priority={"normal": 2},
        by_status={"closed": 2},
        acknowledge=Timing(2, 2400.0, 2400.0),  # 1800 and 3000
        first_response=Timing(1, 2400.0, 2400.0),
        resolve=Timing(2, 9000.0, 9000.0),  # 14400 and 3600
        ack_sla=Ratio(1, 2),  # 9 was late
        resolve_sla=Ratio(2, 2),
        first_contact=Ratio(1, 2),  # 9 was transferred
        satisfaction_mean=4.0,
        scores={1: 0, 2: 0, 3: 0, 4: 1, 5: 0},  # the late 1 is not counted
        responses=Ratio(1, 2),
        agents=(AgentRow(bob_id, "Bob", 2, 9000.0, 4.0, first_responses=1, resolved=2),),
    )
    assert report.previous_period.first == date(2026, 11, 16)


async def test_all_departments_add_the_other_one(engine, data):
    report = await build_report(engine, ReportScope(), WEEK, now=NOW, zone=SHANGHAI)
    now = report.current
    assert now.tickets == 7
    assert now.by_type["after_sales"] == 1
    assert now.acknowledge == Timing(5, 1400.0, 600.0)  # + 100: 7000/5, middle of five
    assert now.resolve == Timing(4, 5450.0, 5400.0)  # + 200: 21800/4, (3600 + 7200) / 2
    assert now.responses == Ratio(3, 4)
    assert now.satisfaction_mean == pytest.approx(11 / 3)
    assert now.first_contact == Ratio(2, 3)


async def test_another_department_sees_only_its_own(engine, data):
    report = await build_report(
        engine, ReportScope(data["service"], "service"), WEEK, now=NOW, zone=SHANGHAI
    )
    assert report.current.tickets == 1
    assert report.current.agents == ()
    assert report.previous.tickets == 0
    assert report.previous.acknowledge == Timing(0, None, None)
    assert report.previous.responses.percent is None


async def test_first_responses_are_measured_once(engine, data):
    reports = SqlReports(engine)
    calls = []

    def measure(priority, filed, moment):
        calls.append(priority)
        return 42

    assert await reports.measure_first_responses(measure) == 0  # none delivered unmeasured
    from sqlalchemy import update

    from storage.models import TicketRow

    async with engine.begin() as db:
        await db.execute(
            update(TicketRow)
            .where(TicketRow.number == "FB-REPORT-0005")
            .values(first_response_at=NOW)
        )
    assert await reports.measure_first_responses(measure) == 1
    assert await reports.measure_first_responses(measure) == 0
    assert len(calls) == 1
    week = await reports.figures(
        start=WEEK.start, end=WEEK.end, department_id=data["support"], now=NOW
    )
    assert week.first_response == Timing(4, 3342 / 4, 750.0)  # 42, 600, 900, 1800


OCTOBER = week_of(date(2026, 10, 7), SHANGHAI)


async def test_each_round_is_credited_to_whoever_resolved_it(engine, data):
    """Bob answered and resolved a ticket, which scored 2; Cy resolved its second round,
    the customer said it was not solved, Cy resolved it again and it scored 4."""
    filed = OCTOBER.start + timedelta(hours=2)
    async with session_factory(engine)() as session, session.begin():
        customer = await session.scalar(select(CustomerRow))
        staff = {s.name: s.id for s in await session.scalars(select(StaffRow))}
        ticket = TicketRow(
            number="FB-ROUNDS-0001", customer_id=customer.id, department_id=data["support"],
            title="Slow till", description="Slow till", type="complaint", channel="telegram",
            priority="normal", status="in_progress", round=2, assignee_id=staff["Cy"],
            created_at=filed, updated_at=filed, acknowledged_at=filed,
            ack_due_at=filed, resolve_due_at=filed, ack_seconds=60,
            first_response_seconds=600, resolve_seconds=3600,
        )  # fmt: skip
        session.add(ticket)
        await session.flush()
        for kind, by in (
            ("claimed", "Bob"),
            ("resolved", "Bob"),
            ("closed", None),
            ("second_round", None),
            ("resolved", "Cy"),
            ("reopened", None),
            ("resolved", "Cy"),
        ):
            session.add(
                TicketEventRow(
                    ticket_id=ticket.id, kind=kind, actor_kind="staff" if by else "system",
                    actor_id=staff[by] if by else None, data={}, created_at=filed,
                )
            )  # fmt: skip
            await session.flush()
        for round, score in ((1, 2), (2, 4)):
            session.add(
                PollRow(
                    ticket_id=ticket.id, customer_id=customer.id, round=round, score=score,
                    counted=True, created_at=filed, expires_at=filed, answered_at=filed,
                )
            )  # fmt: skip
    figures = await SqlReports(engine).figures(
        start=OCTOBER.start, end=OCTOBER.end, department_id=data["support"], now=NOW
    )
    assert figures.agents == (
        # the first round's resolve time is Bob's, and its score
        AgentRow(staff["Bob"], "Bob", 1, 3600.0, 2.0, first_responses=1, resolved=1),
        # the second round's resolution (the one that stands) and its score are Cy's
        AgentRow(staff["Cy"], "Cy", 1, None, 4.0, first_responses=0, resolved=1),
    )
