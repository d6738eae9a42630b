"""The domain's view of the settings: the DeskPolicy every use case is given."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import staffing
from bot.config import Settings
from domain.policy import ClockKind, DeskPolicy, Limits, Promise


def policy_from(settings: Settings) -> DeskPolicy:
    """The domain's view of the settings."""
    limits = settings.limits
    timezone = ZoneInfo(settings.desk.timezone)
    sla = settings.sla.to_policy()
    return DeskPolicy(
        timezone=timezone,
        routing=settings.routing(),
        vip_raises_priority=settings.priority.vip_raises,
        vip_ids=frozenset(settings.priority.vip_customers),
        limits=Limits(
            description_max_chars=limits.description_max_chars,
            reference_max_chars=limits.reference_max_chars,
            attachments_max=limits.attachments_max,
            file_max_bytes=limits.file_max_mb * 1024 * 1024,
            message_max_chars=limits.message_max_chars,
            invite_ttl=limits.invite_ttl_delta(),
        ),
        promises={
            p: Promise(within=t.acknowledge, business_hours=t.clock is ClockKind.BUSINESS)
            for p, t in sla.targets.items()
        },
        languages=tuple(settings.desk.languages),
        default_language=settings.desk.default_language,
        admin_ids=frozenset(settings.desk.admins),
        supervisors=staffing.supervisors(settings),
        calendar=settings.business_hours.calendar(timezone),
        sla=sla,
        satisfaction=settings.satisfaction.to_policy(),
        followup=settings.followup.to_policy(),
    )
