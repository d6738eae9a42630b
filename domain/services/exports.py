"""`/chart` and `/export`: who may have them, and for which department."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.errors import NotAllowed
from domain.exports import (
    DateRange,
    ExportSource,
    ReportScope,
    WeekFigures,
    chart_weeks,
    parse_range,
)
from domain.people import Role, Sender, Staff
from domain.permissions import Act, may
from domain.services.base import ServiceBase


@dataclass(frozen=True, slots=True)
class ExportPlan:
    """An export a staff member may have: their language, scope and days."""

    locale: str
    scope: ReportScope
    days: DateRange
    departments: dict[str, dict[str, str]]  # code -> name per language (Department.label)


@dataclass(frozen=True, slots=True)
class ChartView:
    """The chart's figures for a staff member, in their language."""

    locale: str
    scope: ReportScope
    weeks: list[WeekFigures]


@dataclass
class Exports(ServiceBase):
    """Use cases of the chart and the export."""

    source: ExportSource

    async def _scope(self, sender: Sender, act: Act, refusal: str) -> tuple[Staff, ReportScope]:
        """Supervisors: their department; admins: the whole desk. Others are refused."""
        async with self.uow() as uow:
            actor = await self._actor(uow, sender, create=False)
            staff = actor.staff
            if staff is None or not may(staff, act):
                raise NotAllowed(refusal)
            if staff.role is Role.ADMIN:
                await uow.commit()
                return staff, ReportScope()
            if staff.department_id is None:
                raise NotAllowed(refusal)
            department = await uow.departments.get(staff.department_id)
            await uow.commit()
        return staff, ReportScope.of(department)

    async def plan(self, sender: Sender, args: Sequence[str]) -> ExportPlan:
        """`/export FROM TO`: refused before the dates are looked at, unless allowed."""
        staff, scope = await self._scope(sender, Act.EXPORT, "export.not_allowed")
        days = parse_range(args, self.policy.timezone)
        async with self.uow() as uow:
            departments = {d.code: d.label() for d in await uow.departments.list()}
            await uow.commit()
        return ExportPlan(staff.locale, scope, days, departments)

    async def chart(self, sender: Sender) -> ChartView:
        """The last weeks' volume by type and satisfaction in the sender's scope."""
        staff, scope = await self._scope(sender, Act.REPORT, "chart.not_allowed")
        return ChartView(staff.locale, scope, await self.weekly(scope))

    async def weekly(self, scope: ReportScope) -> list[WeekFigures]:
        """The chart's figures of `scope` (for /report and the digest too)."""
        weeks = chart_weeks(self.clock.now(), self.policy.timezone)
        return await self.source.weekly(scope, weeks)
