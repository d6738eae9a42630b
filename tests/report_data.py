"""A crafted data set for reports; every figure it gives is worked out by hand in the tests.

The week of Monday 2026-11-23 (Asia/Shanghai) is the current period, the week before the
previous one; "now" is Friday 2026-11-27 10:00 in Shanghai. Rows are written directly so
each duration, due time and event is exactly what the expected numbers assume.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import (
    CustomerRow,
    DepartmentRow,
    PollRow,
    StaffRow,
    TicketEventRow,
    TicketRow,
)

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
THIS_WEEK = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai
LAST_WEEK = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
BOB, CY = 7001, 7002  # Telegram ids of the two agents of the first department
HOUR = timedelta(hours=1)


def _ticket(n: int, filed: datetime, department: int, **values: Any) -> TicketRow:
    created = filed + timedelta(minutes=n)
    ack_s, resolve_s = values.get("ack_seconds"), values.get("resolve_seconds")
    defaults: dict[str, Any] = {
        "number": f"FB-REPORT-{n:04d}",
        "customer_id": 0,
        "department_id": department,
        "title": f"Ticket {n}",
        "description": f"Ticket {n}",
        "created_at": created,
        "updated_at": created,
        "ack_due_at": created + HOUR,
        "resolve_due_at": created + timedelta(days=3),
        "acknowledged_at": created + timedelta(seconds=ack_s) if ack_s is not None else None,
        "resolved_at": created + timedelta(seconds=resolve_s) if resolve_s is not None else None,
    }
    late = values.pop("ack_late", False)
    if late:  # acknowledged after its due time
        defaults["acknowledged_at"] = created + timedelta(minutes=80)
    return TicketRow(**(defaults | values))


async def load(engine: AsyncEngine, first: str, second: str) -> dict[str, int]:
    """Write the data set into departments `first` and `second` (codes, existing or new);
    returns their ids."""
    from storage.db import session_factory

    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        ids: dict[str, int] = {}
        for code in (first, second):
            found = await session.scalar(select(DepartmentRow).where(DepartmentRow.code == code))
            if found is None:
                found = DepartmentRow(code=code, name=code.title())
                session.add(found)
                await session.flush()
            ids[code] = found.id
        customer = CustomerRow(number="C202611170001", name="Ann", created_at=LAST_WEEK)
        session.add(customer)
        staff = {}
        for telegram_id, name in ((BOB, "Bob"), (CY, "Cy")):
            found_staff = await session.scalar(
                select(StaffRow).where(StaffRow.telegram_id == telegram_id)
            )
            if found_staff is None:
                found_staff = StaffRow(
                    telegram_id=telegram_id, name=name, role="agent", department_id=ids[first]
                )
                session.add(found_staff)
            staff[name] = found_staff
        await session.flush()
        bob, cy = staff["Bob"].id, staff["Cy"].id
        a, b = ids[first], ids[second]
        s = dict  # row values, for short lines
        rows = [
            # -- this week, first department
            _ticket(1, THIS_WEEK, a, **s(type="complaint", channel="telegram", priority="normal",
                    status="closed", assignee_id=bob, ack_seconds=600,
                    first_response_seconds=900, resolve_seconds=3600)),
            _ticket(2, THIS_WEEK, a, **s(type="complaint", channel="phone", priority="high",
                    status="closed", assignee_id=bob, ack_seconds=1200,
                    first_response_seconds=1800, resolve_seconds=7200)),
            _ticket(3, THIS_WEEK, a, **s(type="inquiry", channel="telegram", priority="normal",
                    status="resolved", assignee_id=cy, ack_seconds=4800, ack_late=True,
                    resolve_seconds=10800)),
            _ticket(4, THIS_WEEK, a, **s(type="inquiry", channel="email", priority="urgent",
                    status="in_progress", assignee_id=cy, ack_seconds=300,
                    first_response_seconds=600, resolve_due_at=THIS_WEEK + HOUR)),
            _ticket(5, THIS_WEEK, a, **s(type="suggestion", channel="telegram", priority="low",
                    status="new", resolve_due_at=NOW + timedelta(days=5))),
            _ticket(6, THIS_WEEK, a, **s(type="complaint", channel="web_form",
                    priority="normal", status="withdrawn")),
            # -- this week, second department
            _ticket(7, THIS_WEEK, b, **s(type="after_sales", channel="phone", priority="normal",
                    status="closed", ack_seconds=100, resolve_seconds=200)),
            # -- last week, first department
            _ticket(8, LAST_WEEK, a, **s(type="complaint", channel="telegram",
                    priority="normal", status="closed", assignee_id=bob, ack_seconds=1800,
                    first_response_seconds=2400, resolve_seconds=14400)),
            _ticket(9, LAST_WEEK, a, **s(type="inquiry", channel="telegram", priority="normal",
                    status="closed", assignee_id=bob, ack_seconds=3000, ack_late=True,
                    resolve_seconds=3600)),
            # -- filed on the Monday after: in no period of the tests
            _ticket(10, NOW + timedelta(days=3), a, **s(type="complaint", channel="telegram",
                    priority="normal", status="new")),
        ]  # fmt: skip
        for row in rows:
            row.customer_id = customer.id
            session.add(row)
        await session.flush()
        by_n = {int(r.number[-4:]): r for r in rows}

        def event(n: int, kind: str, by: int | None = None) -> TicketEventRow:
            return TicketEventRow(
                ticket_id=by_n[n].id,
                kind=kind,
                actor_kind="staff" if by is not None else "system",
                actor_id=by,
                data={},
                created_at=NOW,
            )

        def poll(n: int, score: int | None, counted: bool | None, round: int = 1) -> PollRow:
            return PollRow(
                ticket_id=by_n[n].id,
                customer_id=customer.id,
                round=round,
                created_at=NOW,
                expires_at=NOW + timedelta(days=7),
                score=score,
                counted=counted,
                answered_at=NOW if score is not None else None,
            )

        # who did what, in order: Cy answered 2 first and resolved it, the customer
        # reopened it and Bob's resolution stands; Cy has 3 and 4
        events = [
            event(1, "claimed", bob),
            event(1, "resolved", bob),
            event(2, "claimed", cy),
            event(2, "resolved", cy),
            event(2, "reopened"),
            event(2, "note", bob),
            event(2, "resolved", bob),
            event(3, "claimed", cy),
            event(3, "resolved", cy),
            event(4, "claimed", cy),
            event(8, "claimed", bob),
            event(8, "resolved", bob),
            event(9, "transferred"),
            event(9, "resolved", bob),
        ]
        for one in events:  # one by one: their ids are their order
            session.add(one)
            await session.flush()
        session.add_all(
            [
                poll(1, 5, True),
                poll(2, 2, True),
                poll(2, None, None, round=2),
                poll(7, 4, True),
                poll(8, 4, True),
                poll(8, 1, False, round=2),  # answered too late: sent, not counted
            ]
        )
    return ids
