"""The SLA of one ticket: due times, pauses, re-targeting, what is due and when to look."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from domain import sla
from domain.policy import DeskPolicy, Target
from domain.ticket import Channel, FeedbackType, Priority, Status, Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
POLICY = DeskPolicy(timezone=SHANGHAI, routing=dict.fromkeys(FeedbackType, "support"))
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def ticket(priority: Priority = Priority.NORMAL, **values: object) -> Ticket:
    made = Ticket(
        number="FB-20261123-0001",
        customer_id=1,
        department_id=1,
        type=FeedbackType.COMPLAINT,
        channel=Channel.TELEGRAM,
        priority=priority,
        title="Till",
        description="Till",
        created_at=MONDAY_10,
        **values,  # type: ignore[arg-type]
    )
    sla.refresh(made, POLICY, MONDAY_10)
    return made


def at(hours: float) -> datetime:
    return MONDAY_10 + timedelta(hours=hours)


def test_a_new_ticket_is_checked_first_at_its_acknowledge_warning():
    new = ticket()
    assert new.ack_due_at == at(1)
    assert new.resolve_due_at == at(72)  # Thursday 10:00
    assert new.next_check_at == at(0.75)


def test_what_is_due_skips_a_warning_once_the_target_is_breached():
    new = ticket()
    assert [(m.target, m.stage) for m in sla.due_now(new, POLICY, at(0.8))] == [
        (Target.ACKNOWLEDGE, sla.Stage.WARNING)
    ]
    assert [(m.target, m.stage) for m in sla.due_now(new, POLICY, at(1.6))] == [
        (Target.ACKNOWLEDGE, sla.Stage.BREACH),
        (Target.ACKNOWLEDGE, sla.Stage.ESCALATION),
    ]
    assert sla.next_check(new, POLICY, at(1.6)) > at(1.6)


def test_a_claimed_ticket_runs_only_its_resolve_clock():
    claimed = ticket()
    claimed.acknowledged_at = at(0.5)
    claimed.status = Status.IN_PROGRESS
    sla.refresh(claimed, POLICY, at(0.5))
    assert {m.target for m in sla.moments(claimed, POLICY)} == {Target.RESOLVE}


def test_waiting_for_the_customer_adds_the_waited_working_time_to_the_resolve_due():
    waiting = ticket(Priority.URGENT)  # around the clock: 24 h
    waiting.acknowledged_at = at(0.1)
    waiting.status = Status.WAITING_CUSTOMER
    sla.refresh(waiting, POLICY, at(1))
    assert sla.moments(waiting, POLICY) == []  # nothing runs while paused
    assert waiting.next_check_at is None
    waiting.status = Status.IN_PROGRESS
    sla.refresh(waiting, POLICY, at(4))
    assert waiting.resolve_due_at == at(24 + 3)
    assert waiting.resolve_paused_seconds == 3 * 3600


def test_a_priority_change_re_targets_from_the_filing_time():
    changed = ticket(Priority.NORMAL)
    changed.priority = Priority.URGENT
    sla.refresh(changed, POLICY, at(0.2))
    assert changed.ack_due_at == at(0.5)
    assert changed.resolve_due_at == at(24)


def test_a_merged_in_earlier_filing_starts_the_clocks_and_a_second_round_its_own():
    kept = ticket(Priority.URGENT)  # around the clock: 30 min, 24 h
    kept.clock_started_at = at(-2)  # a duplicate filed two hours earlier was merged in
    sla.refresh(kept, POLICY, at(0.1))
    assert (kept.ack_due_at, kept.resolve_due_at) == (at(-1.5), at(22))
    assert kept.next_check_at == at(0.1)  # already late: look now
    kept.round, kept.round_started_at = 2, at(30)
    sla.refresh(kept, POLICY, at(30))
    assert kept.ack_due_at > at(30)


def test_time_left_is_counted_on_the_tickets_clock_and_goes_negative_when_late():
    normal = ticket()
    assert sla.left(normal, POLICY, at(0.25)) == (Target.ACKNOWLEDGE, timedelta(minutes=45))
    assert sla.left(normal, POLICY, at(1.5)) == (Target.ACKNOWLEDGE, -timedelta(minutes=30))
    closed = ticket(status=Status.CLOSED)
    assert sla.left(closed, POLICY, at(1)) is None
