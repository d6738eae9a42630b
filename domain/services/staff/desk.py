"""The staff desk: a press or a message finds its act in `ACTS`, after the permission check.

Adding a staff act is one module of this package with its `ACTS` entries, one line below
and the codec's entry for its button (handlers.callback_data).
"""

from __future__ import annotations

from collections.abc import Awaitable
from functools import cached_property
from typing import Any

from domain import intake
from domain.errors import IllegalTransition, InvalidInput, NotAllowed, NotFound
from domain.people import Sender, Staff
from domain.permissions import Act, check
from domain.ports import Conversation, UnitOfWork
from domain.presses import CannedPick, Confirmation, ReplyTo, StaffPress
from domain.services.staff import (
    ask,
    canned,
    claim,
    look,
    merge,
    relay,
    remind,
    resolve,
    transfer,
)
from domain.services.staff.base import (
    FILING,
    FLOW,
    Said,
    StaffAct,
    StaffBase,
    StaffView,
    enum_of,
)
from domain.services.staff.filing import Filing
from domain.services.staff.lists import StaffLists
from domain.services.staff.manage_canned import MANAGING, CannedAdmin
from domain.services.staff.presence import StaffPresence
from domain.services.staff.profiles import PROFILE, Profiles, ProfileView
from domain.ticket import Attachment, Ticket

# Every staff act, by the act its button names.
ACTS: dict[Act, StaffAct] = {
    **look.ACTS,
    **claim.ACTS,
    **relay.ACTS,
    **ask.ACTS,
    **transfer.ACTS,
    **resolve.ACTS,
    **remind.ACTS,
    **canned.ACTS,
    **merge.ACTS,
}


class StaffDesk(StaffBase):
    """Use cases staff drive: the acts of `ACTS` (pressed through StaffBase.press), the
    messages their prompts ask for, the lists and `/file`."""

    acts = ACTS

    @cached_property
    def lists(self) -> StaffLists:
        return StaffLists(self.uow, self.clock, self.policy)

    @cached_property
    def profiles(self) -> Profiles:
        return Profiles(self.uow, self.clock, self.policy)

    @cached_property
    def presence(self) -> StaffPresence:
        return StaffPresence(self.uow, self.clock, self.policy)

    @cached_property
    def filing(self) -> Filing:
        return Filing(self.uow, self.clock, self.policy)

    @cached_property
    def canned(self) -> CannedAdmin:
        return CannedAdmin(self.uow, self.clock, self.policy, replies=self.replies)

    async def canned_command(self, sender: Sender, words: list[str]) -> StaffView:
        """`/canned [WORDS]`: with a reply to a ticket in hand, its canned replies holding
        the words; otherwise the replies to keep (supervisors, admins)."""
        async with self.uow() as uow:  # (reads only: the act below commits)
            await self.staff_of(uow, sender)
            current = await uow.conversations.get(sender.telegram_id)
        data = current.data if current is not None and current.flow == FLOW else {}
        if data.get("act") in (Act.REPLY.value, Act.CANNED.value):
            pick = CannedPick("list", words=tuple(words))
            return await self.press(sender, StaffPress(Act.CANNED, str(data["number"]), pick))
        return await self.canned.listing(sender, words)

    async def show(self, sender: Sender, number: str) -> StaffView:
        """`/ticket FB-…`: the card of any ticket the staff member may see."""
        return await self.press(sender, StaffPress(Act.VIEW, number))

    async def confirm(self, sender: Sender, answer: Confirmation) -> StaffView:
        """The customer's answer to a resolution."""
        return await resolve.confirm(self, sender, answer)

    async def staff_input(
        self, sender: Sender, value: intake.Input, reply_to: ReplyTo | None = None
    ) -> StaffView | ProfileView:
        """A staff member's message in private: the answer a button asked for, or a reply
        (Telegram's reply-to) on a relayed customer message or a card."""
        async with self.uow() as uow:
            staff = await self.staff_of(uow, sender)
            current = await uow.conversations.get(sender.telegram_id)
            if current is not None and current.flow == FILING:
                data = dict(current.data)
                view = await self.filing.said(uow, staff, sender, value, data)
            elif current is not None and current.flow == PROFILE:
                data = dict(current.data)
                view = await self.profiles.said(uow, staff, sender, value, data)
            elif current is not None and current.flow in (FLOW, MANAGING):
                view = await self._answer_prompt(uow, sender, staff, current, value)
            elif reply_to is not None:
                view = await self._reply_to(uow, sender, staff, reply_to, value)
            else:
                view = StaffView(staff.locale, "staff.nothing_to_do")
            await self._stand_in(uow, sender, view)
            await uow.commit()
        return view

    async def _reply_to(
        self,
        uow: UnitOfWork,
        sender: Sender,
        staff: Staff,
        reply_to: ReplyTo,
        value: intake.Input,
    ) -> StaffView:
        ticket_id = await uow.cards.ticket_at(sender.chat_id, reply_to.message_id)
        if ticket_id:
            ticket = await uow.tickets.get(ticket_id)
        elif reply_to.number is not None:
            ticket = await uow.tickets.get_by_number(reply_to.number)
        else:
            ticket = None
        if ticket is None:
            return StaffView(staff.locale, "staff.nothing_to_do")
        check(staff, Act.REPLY, ticket, await self.reach(uow, ticket))
        return await self._said(uow, staff, Act.REPLY, ticket, value, {})

    async def cancel(self, sender: Sender) -> bool:
        """Drop a pending prompt; True when there was one."""
        async with self.uow() as uow:
            await self.staff_of(uow, sender)
            current = await uow.conversations.get(sender.telegram_id)
            if current is not None:
                await uow.conversations.delete(sender.telegram_id)
            await uow.commit()
        return current is not None

    async def _answer_prompt(
        self,
        uow: UnitOfWork,
        sender: Sender,
        staff: Staff,
        current: Conversation,
        value: intake.Input,
    ) -> StaffView:
        if current.flow == MANAGING:  # the text of a canned reply being kept
            said = self.canned.said(uow, staff, current, value)
            return await self._unless_void(uow, sender, staff, None, said)
        ticket = await self.ticket(uow, str(current.data.get("number")))
        answer = self._checked(uow, staff, ticket, current, value)
        return await self._unless_void(uow, sender, staff, ticket, answer)

    async def _checked(
        self, uow: UnitOfWork, staff: Staff, ticket: Ticket, current: Conversation, value: Any
    ) -> StaffView:
        """The message a prompt asked for, if the act is still allowed on the ticket."""
        act = enum_of(Act, str(current.data.get("act")))
        # the world may have moved on since the button: ask the table again
        check(staff, act, ticket, await self.reach(uow, ticket))
        # answered (an act may ask again); a refused input rolls this back
        await uow.conversations.delete(current.user_id)
        return await self._said(uow, staff, act, ticket, value, current.data)

    @staticmethod
    async def _unless_void(
        uow: UnitOfWork,
        sender: Sender,
        staff: Staff,
        ticket: Ticket | None,
        answer: Awaitable[StaffView],
    ) -> StaffView:
        """The answer to a prompt; refused, the prompt is void now: say why, and let the
        next message be a new start."""
        try:
            return await answer
        except (NotAllowed, IllegalTransition, NotFound) as refusal:
            await uow.conversations.delete(sender.telegram_id)
            return StaffView(staff.locale, refusal.code, dict(refusal.params), ticket=ticket)

    async def _said(
        self,
        uow: UnitOfWork,
        staff: Staff,
        act: Act,
        ticket: Ticket,
        value: intake.Input,
        data: dict[str, object],
    ) -> StaffView:
        entry = self.acts.get(act)
        if entry is None or entry.said is None:
            raise InvalidInput("error.bad_callback")
        body, attachments = _message(value)
        limit = self.policy.limits.message_max_chars
        if body is not None and len(body) > limit:
            raise InvalidInput("intake.too_long", length=len(body), limit=limit)
        if entry.needs_text and not (body and body.strip()):
            raise InvalidInput(f"staff.need_text.{act.value}")
        if not body and not attachments:
            raise InvalidInput("message.unsupported")
        said = Said(uow, staff, ticket, body, attachments, value, dict(data), self.clock.now())
        return await entry.said(self, said)


def _message(value: intake.Input) -> tuple[str | None, list[Attachment]]:
    if isinstance(value, intake.Text):
        return (value.text if value.text.strip() else None), []
    if isinstance(value, intake.Media):
        return value.caption, [value.attachment]
    if isinstance(value, intake.ContactShared):
        return value.phone, []
    return None, []
