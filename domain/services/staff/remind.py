"""Remind me: the ticket's card comes back to the presser's private chat later (in one
working hour, at the start of the next working day, or in three working days), once."""

from __future__ import annotations

from domain.errors import InvalidInput
from domain.followup import FollowupKind, remind_at
from domain.permissions import Act
from domain.presses import RemindIn
from domain.services.staff.base import Press, StaffAct, StaffBase, StaffView
from domain.ticket import Work


async def remind(desk: StaffBase, p: Press) -> StaffView:
    Work.require_workable(p.ticket)
    if p.choice is None:
        return p.choose(
            "followup.choose",
            [(Act.REMIND.value, when.value, f"followup.in.{when.value}", {}) for when in RemindIn],
        )
    if not isinstance(p.choice, RemindIn):
        raise InvalidInput("error.bad_callback")
    assert p.ticket.id is not None
    assert p.staff.id is not None
    due = remind_at(desk.policy.calendar, p.now, p.choice)
    await p.uow.followups.add(p.ticket.id, FollowupKind.REMIND, due, p.now, staff_id=p.staff.id)
    local = due.astimezone(desk.policy.timezone).strftime("%Y-%m-%d %H:%M")
    return StaffView(p.locale, "followup.set", {"number": p.number, "due": local}, ticket=p.ticket)


ACTS = {Act.REMIND: StaffAct(remind)}
