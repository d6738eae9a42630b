"""Ask the customer: a question relayed like a reply, that waits for their answer."""

from __future__ import annotations

from domain.permissions import Act
from domain.services.staff.base import Said, StaffAct, StaffBase, StaffView, prompt
from domain.services.staff.relay import to_customer


async def ask(desk: StaffBase, s: Said) -> StaffView:
    return await to_customer(desk, s, Act.ASK)


ACTS = {Act.ASK: StaffAct(prompt(Act.ASK, workable=True), ask)}
