"""`/report` and the weekly digest: who may see which figures, and sending them once a week."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial

from domain import report, sla
from domain.delivery import Kind
from domain.errors import InvalidInput, NotAllowed
from domain.people import Department, Role, Sender, Staff
from domain.permissions import Act, may
from domain.ports import Notice, UnitOfWork
from domain.report import Report, ReportScope, ReportSource
from domain.services.base import ServiceBase

DEPARTMENT_PREFIX = "dept:"


@dataclass(frozen=True, slots=True)
class DigestPolicy:
    """When the weekly digest goes out, in the desk's time zone (weekday: Monday is 0)."""

    enabled: bool = True
    weekday: int = 0
    at: time = time(9, 0)


@dataclass(frozen=True, slots=True)
class ReportView:
    """A report for one staff member, in their language."""

    locale: str
    report: Report


@dataclass
class Reporting(ServiceBase):
    """Use cases of reports."""

    reports: ReportSource
    digest: DigestPolicy = DigestPolicy()

    async def report(self, sender: Sender, args: Sequence[str]) -> ReportView:
        """`/report [today|week|month|YYYY-MM|FROM TO] [dept:CODE]` in the sender's scope."""
        period_args = [a for a in args if not a.lower().startswith(DEPARTMENT_PREFIX)]
        codes = [a[len(DEPARTMENT_PREFIX) :] for a in args if a not in period_args]
        async with self.uow() as uow:
            staff = await self._reporter(uow, sender)
            scope = await self._scope(uow, staff, codes)
            await uow.commit()
        now = self.clock.now()
        period = report.parse_period(period_args, now=now, zone=self.policy.timezone)
        await self.measure_responses()
        built = await report.build(self.reports, scope, period, now=now, zone=self.policy.timezone)
        return ReportView(staff.locale, built)

    async def _reporter(self, uow: UnitOfWork, sender: Sender) -> Staff:
        actor = await self._actor(uow, sender, create=False)
        if actor.staff is None or not may(actor.staff, Act.REPORT):
            raise NotAllowed("report.not_allowed")
        return actor.staff

    @staticmethod
    async def _scope(uow: UnitOfWork, staff: Staff, codes: list[str]) -> ReportScope:
        if len(codes) > 1:
            raise InvalidInput("report.one_department")
        own = staff.department_id if staff.role is not Role.ADMIN else None
        if not codes:
            if staff.role is not Role.ADMIN and own is None:
                raise NotAllowed("report.no_department")
            department = await uow.departments.get(own) if own is not None else None
            return ReportScope.of(department)
        found = await uow.departments.get_by_code(codes[0].strip().lower())
        if found is None:
            raise InvalidInput("report.unknown_department", department=codes[0])
        if staff.role is not Role.ADMIN and found.id != own:
            raise NotAllowed("report.other_department", department=found.label())
        return ReportScope.of(found)

    async def measure_responses(self) -> int:
        """Put the business-time length on first responses delivered since the last run."""
        return await self.reports.measure_first_responses(
            partial(sla.counted_seconds, self.policy)
        )

    async def send_digest(self) -> int:
        """Queue last week's report to every supervisor once the digest's moment of this week
        has come; once per week whatever restarts or instances (the week's row is claimed in
        the commit that queues the messages). How many were queued."""
        if not self.digest.enabled:
            return 0
        now = self.clock.now()
        zone = self.policy.timezone
        this_week = report.week_of(now.astimezone(zone).date(), zone)
        due_day = this_week.first + timedelta(days=self.digest.weekday)
        if now < datetime.combine(due_day, self.digest.at, tzinfo=zone):
            return 0
        week = report.previous(this_week, zone)
        key = week.first.isoformat()
        async with self.uow() as uow:
            if await uow.digests.queued(key):
                return 0
            if _after(await uow.departments.list(), week.end):
                return 0  # the desk did not exist yet that week
            supervisors = [
                s
                for s in await uow.staff.list_all()
                if s.heads_department and s.active and not _after([s], week.end)
            ]
            codes = {
                s.department_id: (await uow.departments.get(s.department_id))
                for s in supervisors
                if s.department_id is not None
            }
        await self.measure_responses()
        built: dict[int, Report] = {}
        for department_id, department in codes.items():
            if department_id is None or department is None:
                continue
            scope = ReportScope.of(department)
            built[department_id] = await report.build(
                self.reports, scope, week, now=now, zone=zone
            )
        notices = [
            Notice(s.telegram_id, Kind.DIGEST, s.locale, built[s.department_id].to_dict())
            for s in supervisors
            if s.department_id in built
        ]
        async with self.uow() as uow:
            if not await uow.digests.claim(key, now):
                return 0
            for notice in notices:
                uow.outbox.add(notice)
            await uow.commit()
        return len(notices)


def _after(made: Sequence[Staff | Department], end: datetime) -> bool:
    """Whether all of `made` came to be at or after `end` (never, for what was made before
    the desk recorded when)."""
    moments = [m.since for m in made]
    return bool(moments) and None not in moments and min(m for m in moments if m) >= end


__all__ = ["DigestPolicy", "ReportView", "Reporting"]
