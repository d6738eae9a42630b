"""The desk's rules that come from configuration: routing, priority, limits, promises, SLA."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from domain.calendar import AroundTheClock, BusinessCalendar, WorkClock
from domain.durations import Span, parse_span, working_time
from domain.followup import FollowupPolicy
from domain.people import Customer
from domain.roles import Configured, configured
from domain.ticket import FeedbackType, Priority


@dataclass(frozen=True, slots=True)
class Limits:
    """What a customer may send in one ticket."""

    description_max_chars: int = 4000
    reference_max_chars: int = 100
    attachments_max: int = 10
    file_max_bytes: int = 20 * 1024 * 1024
    message_max_chars: int = 4000
    invite_ttl: timedelta = timedelta(hours=48)  # how long a staff invite link works


@dataclass(frozen=True, slots=True)
class Promise:
    """How soon the desk promises to acknowledge a ticket of one priority."""

    within: Span
    business_hours: bool


class ClockKind(StrEnum):
    """How a target's time is counted (config: `clock`)."""

    ALWAYS = "always"  # around the clock
    BUSINESS = "business"  # in the desk's business hours only


class Target(StrEnum):
    """Which promise an SLA deadline is about."""

    ACKNOWLEDGE = "acknowledge"  # until the ticket is claimed
    RESOLVE = "resolve"  # until it is resolved; `waiting_customer` pauses it


@dataclass(frozen=True, slots=True)
class SlaTarget:
    """The targets of one priority (or of the second round)."""

    acknowledge: Span
    resolve: Span
    clock: ClockKind

    def span(self, target: Target) -> Span:
        """The span of `target`."""
        return self.acknowledge if target is Target.ACKNOWLEDGE else self.resolve


def _target(acknowledge: str, resolve: str, clock: ClockKind) -> SlaTarget:
    return SlaTarget(parse_span(acknowledge), parse_span(resolve), clock)


def _default_targets() -> dict[Priority, SlaTarget]:
    """PRODUCT.md's "SLA and escalation" table."""
    return {
        Priority.URGENT: _target("30m", "24h", ClockKind.ALWAYS),
        Priority.HIGH: _target("1h", "24h", ClockKind.BUSINESS),
        Priority.NORMAL: _target("1h", "3bd", ClockKind.BUSINESS),
        Priority.LOW: _target("1h", "5bd", ClockKind.BUSINESS),
    }


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Targets per priority, the second round's, when to warn, how often to sweep.

    The warning goes out when `warn_fraction` of a target's counted time has passed; the
    supervisor is pinged at the deadline and the admins at the deadline plus half the
    target (`escalate_fraction`), all in the target's own clock.
    """

    targets: Mapping[Priority, SlaTarget] = field(default_factory=_default_targets)
    second_round: SlaTarget = field(default_factory=lambda: _target("1h", "48h", ClockKind.ALWAYS))
    warn_fraction: float = 0.75
    escalate_fraction: float = 1.5
    sweep_interval: timedelta = timedelta(minutes=1)

    def __post_init__(self) -> None:
        missing = [p.value for p in Priority if p not in self.targets]
        if missing:
            raise ValueError(f"no SLA target for {', '.join(missing)}")
        if not 0 < self.warn_fraction < 1:
            raise ValueError(f"warn_fraction must be between 0 and 1, not {self.warn_fraction}")

    def target_for(self, priority: Priority, *, second_round: bool = False) -> SlaTarget:
        """The targets of a ticket of `priority`, or the second round's once it is reopened
        after a low score (the second round does not depend on priority)."""
        return self.second_round if second_round else self.targets[priority]


@dataclass(frozen=True, slots=True)
class SatisfactionPolicy:
    """Closing the loop: auto-close, the 1-5 poll, its reminder, the second round."""

    auto_close_after: timedelta = timedelta(days=3)
    reminder_after: timedelta = timedelta(hours=24)
    expires_after: timedelta = timedelta(days=7)
    second_round_at_most: int = 3  # a counted score this low or lower starts it
    poll_after_second_round: bool = True


@dataclass(frozen=True, slots=True)
class DeskPolicy:
    """Everything configurable the use cases need to decide."""

    timezone: tzinfo
    routing: dict[FeedbackType, str]
    vip_raises_priority: bool = True
    vip_ids: frozenset[int] = frozenset()  # Telegram ids of VIP customers (config)
    limits: Limits = field(default_factory=Limits)
    promises: dict[Priority, Promise] = field(default_factory=dict)
    languages: tuple[str, ...] = ("en", "zh")
    default_language: str = "en"
    admin_ids: frozenset[int] = frozenset()
    # Telegram id -> code of the department the config has them head
    supervisors: Mapping[int, str] = field(default_factory=dict)
    # Business hours; left out, Monday to Friday 09:00-18:00 in `timezone` (never None
    # once constructed).
    calendar: BusinessCalendar = None  # type: ignore[assignment]
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    satisfaction: SatisfactionPolicy = field(default_factory=SatisfactionPolicy)
    followup: FollowupPolicy = field(default_factory=FollowupPolicy)

    def __post_init__(self) -> None:
        if self.calendar is None:
            object.__setattr__(self, "calendar", BusinessCalendar(self.timezone))

    def configured(self) -> dict[int, Configured]:
        """Everyone the config file names admin or supervisor, by Telegram id."""
        return configured(self.admin_ids, self.supervisors)

    def department_for(self, feedback_type: FeedbackType) -> str:
        """The department code that handles `feedback_type`."""
        return self.routing[feedback_type]

    def is_vip(self, customer: Customer | None) -> bool:
        """A VIP by their profile or by the config's list of Telegram ids."""
        if customer is None:
            return False
        return customer.vip or (customer.telegram_id in self.vip_ids)

    def initial_priority(self, *, business_stopped: bool, vip: bool) -> Priority:
        """Urgent when the customer's business is stopped; VIPs start one level up."""
        priority = Priority.URGENT if business_stopped else Priority.NORMAL
        if vip and self.vip_raises_priority:
            priority = priority.raised()
        return priority

    def language_for(self, language_code: str | None) -> str:
        """The supported language closest to Telegram's `language_code`."""
        if language_code:
            base = language_code.lower().replace("_", "-").split("-")[0]
            if base in self.languages:
                return base
        return self.default_language

    def clock_for(self, kind: ClockKind) -> WorkClock:
        """The clock a target of `kind` runs on: the business calendar or around the clock."""
        return self.calendar if kind is ClockKind.BUSINESS else AroundTheClock()

    def sla_length(self, target: SlaTarget, which: Target) -> timedelta:
        """How much of its clock's counted time `which` of `target` allows."""
        return working_time(target.span(which), self.clock_for(target.clock))

    def sla_due(self, start: datetime, target: SlaTarget, which: Target) -> datetime:
        """When `which` of `target` is due for a clock started at `start` (no pauses), UTC."""
        return self.clock_for(target.clock).add(start, self.sla_length(target, which))
