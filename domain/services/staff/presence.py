"""An agent's presence for auto-assignment: `/away`, `/back`, `/hours 09:00-18:00`.

Only agents take auto-assigned tickets; their open tickets stay with them while away."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from domain.assignment import parse_hours
from domain.errors import InvalidInput, NotAllowed
from domain.people import Role, Sender, Staff
from domain.ports import UnitOfWork
from domain.services.staff.base import StaffBase, StaffView

CLEAR_HOURS = ("off", "none", "-")


class StaffPresence(StaffBase):
    """Whether an agent takes new tickets now."""

    async def away(self, sender: Sender) -> StaffView:
        return await self._change(sender, "assign.away", away=True)

    async def back(self, sender: Sender) -> StaffView:
        return await self._change(sender, "assign.back", away=False)

    async def hours(self, sender: Sender, args: Sequence[str]) -> StaffView:
        """No words: the hours as they are; `off`: none; `HH:MM-HH:MM`: these hours."""
        async with self.uow() as uow:
            staff = await self._agent(uow, sender)
            assert staff.id is not None
            presence = await uow.assignment.presence(staff.id)
            if args:
                hours = _hours_from(" ".join(args))
                presence = replace(presence, hours=hours)
                await uow.assignment.set_presence(staff.id, presence)
            await uow.commit()
        if args:
            key = "assign.hours_saved" if presence.hours else "assign.hours_cleared"
        else:
            key = "assign.hours_now" if presence.hours else "assign.hours_none"
        return StaffView(staff.locale, key, {"hours": presence.hours or ""})

    async def _change(self, sender: Sender, key: str, **change: object) -> StaffView:
        async with self.uow() as uow:
            staff = await self._agent(uow, sender)
            assert staff.id is not None
            presence = replace(await uow.assignment.presence(staff.id), **change)
            await uow.assignment.set_presence(staff.id, presence)
            await uow.commit()
        return StaffView(staff.locale, key, {"hours": presence.hours or ""})

    async def _agent(self, uow: UnitOfWork, sender: Sender) -> Staff:
        staff = await self.staff_of(uow, sender)
        if staff.role is not Role.AGENT:
            raise NotAllowed("assign.agents_only")
        return staff


def _hours_from(text: str) -> str | None:
    """`09:00-18:00` as the desk keeps it; None for `off`; InvalidInput for anything else."""
    if text.strip().lower() in CLEAR_HOURS:
        return None
    try:
        start, end = parse_hours(text)
    except ValueError:
        raise InvalidInput("assign.hours_usage") from None
    return f"{start:%H:%M}-{end:%H:%M}"
