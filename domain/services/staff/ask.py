"""Ask the customer: a question relayed like a reply, that waits for their answer (and
nudges them, then closes, if it never comes: domain.services.followups)."""

from __future__ import annotations

from domain.permissions import Act
from domain.services import followups
from domain.services.staff.base import Said, StaffAct, StaffBase, StaffView, prompt
from domain.services.staff.relay import to_customer


async def ask(desk: StaffBase, s: Said) -> StaffView:
    view = await to_customer(desk, s, Act.ASK)
    await followups.waiting(s.uow, desk.policy, s.ticket, s.now)
    return view


ACTS = {Act.ASK: StaffAct(prompt(Act.ASK, workable=True), ask)}
