"""The desk's rules that come from configuration: routing, priority, limits, promises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta, tzinfo

from domain.durations import Span
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


@dataclass(frozen=True, slots=True)
class DeskPolicy:
    """Everything configurable the use cases need to decide."""

    timezone: tzinfo
    routing: dict[FeedbackType, str]
    vip_raises_priority: bool = True
    limits: Limits = field(default_factory=Limits)
    promises: dict[Priority, Promise] = field(default_factory=dict)
    languages: tuple[str, ...] = ("en", "zh")
    default_language: str = "en"
    admin_ids: frozenset[int] = frozenset()

    def department_for(self, feedback_type: FeedbackType) -> str:
        """The department code that handles `feedback_type`."""
        return self.routing[feedback_type]

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
