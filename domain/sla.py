"""The SLA of one ticket: its targets, the moments notices are due, when to look again.

Two targets run from filing: *acknowledge* (until someone claims the ticket) and *resolve*
(until it is resolved; paused while the desk waits for the customer). Each has three
moments: a warning at `warn_fraction` of the target, the breach at the target, and an
escalation at `escalate_fraction` of it. Times are counted on the target's clock (business
hours or around the clock), so a business-hours ticket never comes due at night.

Which notices were already sent is storage's business (one conditional update per notice);
this module only says what is due and when the sweep must look next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.policy import DeskPolicy, SlaTarget, Target
from domain.ticket import Priority, Status, Ticket


class Stage(StrEnum):
    """How late a target is; each stage is notified once per ticket and due time."""

    WARNING = "warning"
    BREACH = "breach"
    ESCALATION = "escalation"


STAGES = (Stage.WARNING, Stage.BREACH, Stage.ESCALATION)
RESOLVE_RUNNING = frozenset({Status.NEW, Status.IN_PROGRESS})


@dataclass(frozen=True, slots=True)
class Moment:
    """One notice of one target: when it is due, and the target's due time it is about."""

    target: Target
    stage: Stage
    at: datetime
    due: datetime


def target_of(ticket: Ticket, policy: DeskPolicy) -> SlaTarget:
    return policy.sla.target_for(ticket.priority, second_round=ticket.round > 1)


def _start(ticket: Ticket) -> datetime:
    """Clocks run from filing (or from the earlier filing of a duplicate merged in); a
    second round's from its start."""
    if ticket.round > 1 and ticket.round_started_at:
        return ticket.round_started_at
    return ticket.clock_started_at or ticket.created_at


def _moments(
    policy: DeskPolicy, target: SlaTarget, which: Target, start: datetime, paused: timedelta
) -> list[Moment]:
    clock = policy.clock_for(target.clock)
    length = policy.sla_length(target, which)
    due = clock.add(start, length + paused)
    fractions = {
        Stage.WARNING: policy.sla.warn_fraction,
        Stage.BREACH: 1.0,
        Stage.ESCALATION: policy.sla.escalate_fraction,
    }
    return [
        Moment(
            which,
            stage,
            due if stage is Stage.BREACH else clock.add(start, length * f + paused),
            due,
        )
        for stage, f in fractions.items()
    ]


def moments(ticket: Ticket, policy: DeskPolicy) -> list[Moment]:
    """Every notice moment of the targets still running, earliest first."""
    target = target_of(ticket, policy)
    paused = timedelta(seconds=ticket.resolve_paused_seconds)
    running: list[Moment] = []
    start = _start(ticket)
    if ticket.acknowledged_in_round is None and ticket.status in RESOLVE_RUNNING:
        running += _moments(policy, target, Target.ACKNOWLEDGE, start, timedelta())
    if ticket.status in RESOLVE_RUNNING:
        running += _moments(policy, target, Target.RESOLVE, start, paused)
    return sorted(running, key=lambda m: m.at)


def refresh(ticket: Ticket, policy: DeskPolicy, now: datetime) -> None:
    """Bring the ticket's SLA fields in line with its state after a change: account for a
    pause that began or ended, recompute both due times, and say when to look next (now,
    when a moment may have passed unnoticed; the sweep knows what was already sent)."""
    target = target_of(ticket, policy)
    clock = policy.clock_for(target.clock)
    if ticket.status is Status.WAITING_CUSTOMER and ticket.resolve_paused_at is None:
        ticket.resolve_paused_at = now
    elif ticket.status is not Status.WAITING_CUSTOMER and ticket.resolve_paused_at is not None:
        waited = clock.elapsed(ticket.resolve_paused_at, now)
        ticket.resolve_paused_seconds += int(waited.total_seconds())
        ticket.resolve_paused_at = None
    paused = timedelta(seconds=ticket.resolve_paused_seconds)
    start = _start(ticket)
    ticket.ack_due_at = policy.sla_due(start, target, Target.ACKNOWLEDGE)
    ticket.resolve_due_at = clock.add(start, policy.sla_length(target, Target.RESOLVE) + paused)
    if ticket.status is Status.RESOLVED:
        if ticket.auto_close_at is None:
            ticket.auto_close_at = now + policy.satisfaction.auto_close_after
    else:
        ticket.auto_close_at = None
    upcoming = moments(ticket, policy)
    ticket.next_check_at = max(upcoming[0].at, now) if upcoming else None
    _measure(ticket, policy)


def counted_seconds(
    policy: DeskPolicy, priority: Priority, filed: datetime, moment: datetime
) -> int:
    """Seconds from filing to `moment` on the clock of `priority`'s first-round target
    (business time for business-hours priorities), for reports."""
    clock = policy.clock_for(policy.sla.target_for(priority).clock)
    return int(clock.elapsed(filed, max(moment, filed)).total_seconds())


def _measure(ticket: Ticket, policy: DeskPolicy) -> None:
    """Record how long the first round took to acknowledge and resolve. A reopen clears
    the resolution (it did not hold); a second round leaves the first round's figures."""
    if ticket.acknowledged_at is not None and ticket.ack_seconds is None:
        ticket.ack_seconds = counted_seconds(
            policy, ticket.priority, ticket.created_at, ticket.acknowledged_at
        )
    if ticket.round > 1:
        return
    if ticket.resolved_at is None:
        ticket.resolve_seconds = None
    elif ticket.resolve_seconds is None:
        ticket.resolve_seconds = counted_seconds(
            policy, ticket.priority, ticket.created_at, ticket.resolved_at
        )


def due_now(ticket: Ticket, policy: DeskPolicy, now: datetime) -> list[Moment]:
    """The passed moments of the running targets, earliest first; a warning is moot once
    its target is breached (the breach and the escalation are each still told)."""
    passed = [m for m in moments(ticket, policy) if m.at <= now]
    breached = {m.target for m in passed if m.stage is Stage.BREACH}
    return [m for m in passed if not (m.stage is Stage.WARNING and m.target in breached)]


def next_check(ticket: Ticket, policy: DeskPolicy, now: datetime) -> datetime | None:
    """The first moment after `now` still to come (None when no target runs)."""
    later = [m.at for m in moments(ticket, policy) if m.at > now]
    return min(later) if later else None


def left(ticket: Ticket, policy: DeskPolicy, now: datetime) -> tuple[Target, timedelta] | None:
    """The running target due first and its counted time left (negative: overdue by)."""
    target = target_of(ticket, policy)
    clock = policy.clock_for(target.clock)
    running = {m.target: m.due for m in moments(ticket, policy)}
    if not running:
        return None
    which = Target.ACKNOWLEDGE if Target.ACKNOWLEDGE in running else Target.RESOLVE
    due = running[which]
    if due >= now:
        return which, clock.elapsed(now, due)
    return which, -clock.elapsed(due, now)
