"""`/departments` for admins: each department's auto-assignment mode, changed by a button
(the config's value applies again only when the config changes it)."""

from __future__ import annotations

from domain import staffadmin as rules
from domain.errors import NotAllowed, NotFound
from domain.people import Sender
from domain.permissions import Act, may
from domain.presses import AssignmentPick
from domain.services.staffadmin import StaffAdmin
from domain.staffadmin import DepartmentList


class AssignmentAdmin(StaffAdmin):
    """Admins choose how each department's new tickets find their assignee."""

    async def set_mode(self, sender: Sender, pick: AssignmentPick) -> DepartmentList:
        """Change a department's mode; the departments as they are now."""
        async with self.uow() as uow:
            actor = rules.require_active_staff(await self._staff(uow, sender))
            if not may(actor, Act.ASSIGNMENT):
                raise NotAllowed("staffadmin.refused_role", role=actor.role)
            department = await uow.departments.get(pick.department_id)
            if department is None:
                raise NotFound("staffadmin.unknown_department")
            await uow.assignment.set_mode(pick.department_id, pick.mode, department.ack_minutes)
            await uow.commit()
        return await self.departments(sender)
