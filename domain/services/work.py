"""The staff side of the desk: claim, talk to the customer, involve others, resolve.

Every use case resolves the actor, asks domain.permissions, changes the ticket through
domain.ticket.Work, records the event, queues the messages for everyone else and the card
edits, all in one unit of work.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain import intake, logcontext, sla
from domain.errors import ConcurrentChange, IllegalTransition, InvalidInput, NotAllowed, NotFound
from domain.intake import Draft
from domain.masking import mask_phone as mask
from domain.people import Customer, Department, Role, Sender, Staff
from domain.permissions import Act, Reach, check, may
from domain.ports import Conversation, Notice, UnitOfWork
from domain.services import cards, satisfaction
from domain.services.base import ServiceBase
from domain.services.desk import relay_notices
from domain.ticket import (
    OPEN_STATUSES,
    ActorKind,
    Attachment,
    Channel,
    EventKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
    Work,
)
from domain.views import IntakeView

FLOW = "staff"
FILING = "filing"  # `/file`: channel, customer, then the steps of `/new`
FILING_CHANNELS = tuple(c for c in Channel if c is not Channel.TELEGRAM)
PHONE_LIKE = 7  # digits in a query that make it a phone number
HISTORY_PAGE = 8
# acts that wait for the staff member's next message
PROMPTED = frozenset({Act.REPLY, Act.NOTE, Act.ASK, Act.RESOLVE, Act.ANSWER, Act.CLOSE})


@dataclass(frozen=True, slots=True)
class Press:
    """A staff button press that passed the permission check: who, on what, with what."""

    uow: UnitOfWork
    sender: Sender
    staff: Staff
    ticket: Ticket
    value: str | None
    now: datetime

    @property
    def locale(self) -> str:
        return self.staff.locale

    @property
    def number(self) -> str:
        return self.ticket.number


# The key of an outcome that needs no words now (a reply is confirmed once delivered).
QUIET = ""


def _receipt(staff: Staff, value: intake.Input) -> dict[str, Any] | None:
    """Where the "delivered" mark of a staff message goes: on the message itself."""
    message_id = getattr(value, "message_id", None)
    if message_id is None:
        return None
    return {"chat_id": staff.telegram_id, "message_id": message_id, "locale": staff.locale}


@dataclass(slots=True)
class StaffView:
    """What a staff use case hands back: a catalog key and its values, maybe choices."""

    locale: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    ticket: Ticket | None = None
    # (act, value, label key, label params) for buttons offering a choice
    choices: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    card: dict[str, Any] | None = None
    events: list[TicketEvent] = field(default_factory=list)
    page: int = 0
    pages: int = 1
    files: list[Attachment] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    private_prompt: bool = False
    alert: str | None = None
    intake: IntakeView | None = None


@dataclass(slots=True)
class StaffActor:
    staff: Staff

    @property
    def locale(self) -> str:
        return self.staff.locale


class StaffDesk(ServiceBase):
    """Use cases staff drive."""

    # -- who is acting ------------------------------------------------------------------

    async def _staff(self, uow: UnitOfWork, sender: Sender) -> Staff:
        actor = await self._actor(uow, sender, create=False)
        if actor.staff is None:
            deactivated = await uow.staff.get_by_telegram_id(sender.telegram_id)
            if deactivated is not None and not deactivated.active:
                raise NotAllowed("error.deactivated")
            raise NotAllowed("error.staff_only")
        return actor.staff

    async def _ticket(self, uow: UnitOfWork, number: str) -> Ticket:
        logcontext.about_ticket(number)
        ticket = await uow.tickets.get_by_number(number)
        if ticket is None:
            raise NotFound("error.ticket_not_found", number=number)
        return ticket

    async def _reach(self, uow: UnitOfWork, ticket: Ticket) -> Reach:
        assert ticket.id is not None
        return Reach(await uow.collaborations.departments_for(ticket.id))

    async def _checked(
        self, uow: UnitOfWork, sender: Sender, act: Act, number: str
    ) -> tuple[Staff, Ticket]:
        staff = await self._staff(uow, sender)
        ticket = await self._ticket(uow, number)
        check(staff, act, ticket, await self._reach(uow, ticket))
        return staff, ticket

    # -- buttons and /ticket -------------------------------------------------------------

    async def press(
        self, sender: Sender, act: Act, number: str, value: str | None = None
    ) -> StaffView:
        """A staff button on a card (or a choice offered after one)."""
        try:
            async with self.uow() as uow:
                view = await self._press(uow, sender, act, number, value)
                await uow.commit()
            return view
        except ConcurrentChange:
            if act is not Act.CLAIM:
                raise
            # somebody else's claim committed between our read and our write
            async with self.uow() as uow:
                await self._staff(uow, sender)
                ticket = await self._ticket(uow, number)
                holder = await uow.staff.get(ticket.assignee_id) if ticket.assignee_id else None
                await uow.commit()
            raise IllegalTransition(
                "error.claimed_by", number=number, name=holder.name if holder else "?"
            ) from None

    async def _press(
        self, uow: UnitOfWork, sender: Sender, act: Act, number: str, value: str | None
    ) -> StaffView:
        staff = await self._staff(uow, sender)
        ticket = await self._ticket(uow, number)
        reach = await self._reach(uow, ticket)
        if act is Act.CLAIM and ticket.assignee_id is not None:
            holder = await uow.staff.get(ticket.assignee_id)
            raise IllegalTransition(
                "error.claimed_by", number=number, name=holder.name if holder else "?"
            )
        check(staff, act, ticket, reach)
        if act in PROMPTED:
            if act in (Act.RESOLVE, Act.REPLY, Act.ASK):
                Work._require_workable(ticket)
            if act is Act.CLOSE and ticket.status is not Status.RESOLVED:
                raise IllegalTransition("error.close_resolved_only", number=number)
            return await self._expect(uow, sender, staff, act, ticket)
        on_press = PRESSES.get(act)
        if on_press is None:
            raise InvalidInput("error.bad_callback")
        return await on_press(self, Press(uow, sender, staff, ticket, value, self.clock.now()))

    async def _on_view(self, p: Press) -> StaffView:
        return StaffView(
            p.locale, "staff.card", ticket=p.ticket, card=await self._card(p.uow, p.ticket)
        )

    async def _on_claim(self, p: Press) -> StaffView:
        assert p.staff.id is not None
        event = Work.claim(p.ticket, p.staff.id, p.now)
        await self._record(p.uow, p.ticket, event)
        await self._tell_customer(p.uow, p.ticket, "ticket.claimed", {"agent": p.staff.first_name})
        return StaffView(p.locale, "staff.claimed", {"number": p.number}, ticket=p.ticket)

    async def _on_priority(self, p: Press) -> StaffView:
        assert p.staff.id is not None
        if p.value is None:
            return StaffView(
                p.locale,
                "staff.choose_priority",
                {"number": p.number},
                ticket=p.ticket,
                choices=[
                    (Act.PRIORITY.value, level.value, f"priority.{level.value}", {})
                    for level in Priority
                    if level is not p.ticket.priority
                ],
            )
        priority = _enum(Priority, p.value)
        event = Work.set_priority(p.ticket, p.staff.id, priority, p.now)
        await self._record(p.uow, p.ticket, event)
        return StaffView(
            p.locale,
            "staff.priority_set",
            {"number": p.number, "priority": priority},
            ticket=p.ticket,
        )

    async def _on_transfer(self, p: Press) -> StaffView:
        if p.value is None:
            return StaffView(
                p.locale,
                "staff.choose_transfer",
                {"number": p.number},
                ticket=p.ticket,
                choices=await self._transfer_choices(p.uow, p.ticket, p.staff),
            )
        department_id, agent_id = await self._target(p.uow, p.ticket, p.value)
        return await self._expect(
            p.uow,
            p.sender,
            p.staff,
            Act.TRANSFER,
            p.ticket,
            department_id=department_id,
            agent_id=agent_id,
        )

    async def _on_collaborate(self, p: Press) -> StaffView:
        if p.value is None:
            departments = [
                d for d in await p.uow.departments.list() if d.id != p.ticket.department_id
            ]
            if not departments:
                raise IllegalTransition("error.no_other_department")
            return StaffView(
                p.locale,
                "staff.choose_collab",
                {"number": p.number},
                ticket=p.ticket,
                choices=[
                    (Act.COLLABORATE.value, f"d{d.id}", "staff.label", {"name": d.label()})
                    for d in departments
                ],
            )
        department_id, _ = await self._target(p.uow, p.ticket, p.value)
        if department_id == p.ticket.department_id:
            raise IllegalTransition("error.same_department", number=p.number)
        return await self._expect(
            p.uow, p.sender, p.staff, Act.COLLABORATE, p.ticket, department_id=department_id
        )

    async def _on_assign(self, p: Press) -> StaffView:
        assert p.staff.id is not None
        if p.value is None:
            agents = [
                s
                for s in await p.uow.staff.list_department(p.ticket.department_id)
                if s.active and s.id != p.ticket.assignee_id
            ]
            if not agents:
                raise IllegalTransition("error.no_agents")
            return StaffView(
                p.locale,
                "staff.choose_assignee",
                {"number": p.number},
                ticket=p.ticket,
                choices=[
                    (Act.ASSIGN.value, f"a{a.id}", "staff.label", {"name": a.name}) for a in agents
                ],
            )
        _, agent_id = await self._target(p.uow, p.ticket, p.value)
        if agent_id is None:
            raise InvalidInput("error.bad_callback")
        agent = await self._active_staff(p.uow, agent_id)
        if agent.department_id != p.ticket.department_id:
            raise NotAllowed("error.other_department", number=p.number)
        event = Work.assign(p.ticket, p.staff.id, agent_id, p.now)
        await self._record(p.uow, p.ticket, event)
        self._tell_staff(p.uow, agent, p.ticket, "ticket.assigned", {"by": p.staff.name})
        return StaffView(
            p.locale, "staff.assigned", {"number": p.number, "name": agent.name}, ticket=p.ticket
        )

    async def _on_reveal(self, p: Press) -> StaffView:
        assert p.staff.id is not None
        customer = await p.uow.customers.get(p.ticket.customer_id)
        phone = p.ticket.contact_phone or (customer.phone if customer else None)
        if not phone:
            raise NotFound("error.no_contact", number=p.number)
        await p.uow.events.add(
            TicketEvent(
                kind=EventKind.CONTACT_REVEALED,
                created_at=p.now,
                actor_kind=ActorKind.STAFF,
                actor_id=p.staff.id,
                visible_to_customer=False,
                ticket_id=p.ticket.id,
            )
        )
        return StaffView(
            p.locale,
            "staff.revealed",
            {"number": p.number, "phone": phone},
            ticket=p.ticket,
            alert="staff.revealed",
        )

    async def _on_history(self, p: Press) -> StaffView:
        page = _page(p.value)
        assert p.ticket.id is not None
        events = list(await p.uow.events.list_for_ticket(p.ticket.id, customer_visible_only=False))
        names = await self._names(p.uow, events)
        for e in events:
            e.actor_name = names.get((e.actor_kind.value, e.actor_id))
        pages = max(1, -(-len(events) // HISTORY_PAGE))
        page = min(page, pages - 1)
        newest_first = list(reversed(events))
        shown = newest_first[page * HISTORY_PAGE : (page + 1) * HISTORY_PAGE]
        return StaffView(
            p.locale,
            "staff.history",
            {"number": p.number},
            ticket=p.ticket,
            events=shown,
            page=page,
            pages=pages,
        )

    async def _on_files(self, p: Press) -> StaffView:
        assert p.ticket.id is not None
        events = await p.uow.events.list_for_ticket(p.ticket.id, customer_visible_only=False)
        files = [a for e in events for a in e.attachments]
        if not files:
            raise NotFound("error.no_files", number=p.number)
        return StaffView(
            p.locale, "staff.files", {"number": p.number}, ticket=p.ticket, files=files
        )

    async def show(self, sender: Sender, number: str) -> StaffView:
        """`/ticket FB-…`: the card of any ticket the staff member may see."""
        return await self.press(sender, Act.VIEW, number)

    # -- what staff type --------------------------------------------------------------------

    async def staff_input(
        self, sender: Sender, value: intake.Input, reply_to: int | None = None
    ) -> StaffView:
        """A staff member's message in private: the answer a button asked for, or a reply
        (Telegram's reply-to) on a relayed customer message or a card."""
        async with self.uow() as uow:
            staff = await self._staff(uow, sender)
            current = await uow.conversations.get(sender.telegram_id)
            if current is not None and current.flow == FILING:
                view = await self._filing_input(uow, staff, sender, value, dict(current.data))
            elif current is not None and current.flow == FLOW:
                view = await self._answer_prompt(uow, sender, staff, current, value)
            elif reply_to is not None:
                ticket_id = await uow.cards.ticket_at(sender.chat_id, reply_to)
                ticket = await uow.tickets.get(ticket_id) if ticket_id else None
                if ticket is None:
                    view = StaffView(staff.locale, "staff.nothing_to_do")
                else:
                    check(staff, Act.REPLY, ticket, await self._reach(uow, ticket))
                    view = await self._do(uow, staff, Act.REPLY, ticket, value, {})
            else:
                view = StaffView(staff.locale, "staff.nothing_to_do")
            await uow.commit()
        return view

    async def cancel(self, sender: Sender) -> bool:
        """Drop a pending prompt; True when there was one."""
        async with self.uow() as uow:
            await self._staff(uow, sender)
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
        act = _enum(Act, str(current.data.get("act")))
        ticket = await self._ticket(uow, str(current.data.get("number")))
        try:
            # the world may have moved on since the button: ask the table again
            check(staff, act, ticket, await self._reach(uow, ticket))
            view = await self._do(uow, staff, act, ticket, value, current.data)
        except (NotAllowed, IllegalTransition, NotFound) as refusal:
            # the prompt is void now; say why, and let the next message be a new start
            await uow.conversations.delete(sender.telegram_id)
            return StaffView(staff.locale, refusal.code, dict(refusal.params), ticket=ticket)
        await uow.conversations.delete(sender.telegram_id)
        return view

    async def _do(
        self,
        uow: UnitOfWork,
        staff: Staff,
        act: Act,
        ticket: Ticket,
        value: intake.Input,
        data: dict[str, Any],
    ) -> StaffView:
        assert staff.id is not None
        body, attachments = _message(value)
        limit = self.policy.limits.message_max_chars
        if body is not None and len(body) > limit:
            raise InvalidInput("intake.too_long", length=len(body), limit=limit)
        needs_text = act in (Act.RESOLVE, Act.TRANSFER, Act.COLLABORATE, Act.ANSWER, Act.CLOSE)
        if needs_text and not (body and body.strip()):
            raise InvalidInput(f"staff.need_text.{act.value}")
        if not body and not attachments:
            raise InvalidInput("message.unsupported")
        now = self.clock.now()
        number = ticket.number
        locale = staff.locale
        if act in (Act.REPLY, Act.ASK):
            event = Work.reply(ticket, staff.id, body, attachments, now, ask=act is Act.ASK)
            await self._record(uow, ticket, event)
            customer = await uow.customers.get(ticket.customer_id)
            receipt = _receipt(staff, value)
            if customer is not None and customer.telegram_id is not None:
                kind = "ticket.asked" if act is Act.ASK else "ticket.agent_reply"
                for notice in relay_notices(
                    kind,
                    customer.telegram_id,
                    customer.locale,
                    ticket,
                    sender=staff.first_name,
                    body=body,
                    attachments=attachments,
                ):
                    if receipt is not None:  # a reaction on it says "delivered", or a notice
                        notice.params["receipt"] = receipt  # says why it was not
                    uow.outbox.add(notice)
                if act is Act.REPLY and receipt is not None:
                    return StaffView(locale, QUIET, {"number": number}, ticket=ticket)
            return StaffView(locale, f"staff.done.{act.value}", {"number": number}, ticket=ticket)
        if act is Act.NOTE:
            event = Work.note(ticket, staff.id, body, attachments, now)
            await self._record(uow, ticket, event)
            return StaffView(locale, "staff.done.note", {"number": number}, ticket=ticket)
        if act is Act.RESOLVE:
            assert body is not None
            event = Work.resolve(ticket, staff.id, body, now)
            await self._record(uow, ticket, event)
            await self._tell_customer(uow, ticket, "ticket.resolved", {"resolution": body})
            return StaffView(locale, "staff.done.resolve", {"number": number}, ticket=ticket)
        if act is Act.TRANSFER:
            assert body is not None
            return await self._transfer(uow, staff, ticket, body, data)
        if act is Act.CLOSE:
            assert body is not None
            event = Work.close(ticket, staff.id, body, now)
            await self._record(uow, ticket, event)
            await satisfaction.open_poll(uow, self.policy, now, ticket)
            return StaffView(locale, "staff.done.close", {"number": number}, ticket=ticket)
        if act is Act.COLLABORATE:
            assert body is not None
            assert ticket.id is not None
            department = await self._department(uow, int(data["department_id"]))
            assert department.id is not None
            await uow.collaborations.add(ticket.id, department.id, staff.id, body, now)
            await uow.events.add(
                TicketEvent(
                    kind=EventKind.COLLAB_REQUESTED,
                    created_at=now,
                    actor_kind=ActorKind.STAFF,
                    actor_id=staff.id,
                    body=body,
                    visible_to_customer=False,
                    data={"department": department.id},
                    ticket_id=ticket.id,
                )
            )
            await cards.post(
                uow, self.policy, now, ticket, department, kind=cards.COLLAB, question=body
            )
            return StaffView(
                locale,
                "staff.done.collab",
                {"number": number, "department": department.label()},
                ticket=ticket,
            )
        if act is Act.ANSWER:
            assert body is not None
            assert ticket.id is not None
            await uow.events.add(
                TicketEvent(
                    kind=EventKind.COLLAB_ANSWER,
                    created_at=now,
                    actor_kind=ActorKind.STAFF,
                    actor_id=staff.id,
                    body=body,
                    visible_to_customer=False,
                    attachments=attachments,
                    ticket_id=ticket.id,
                    data={"department": staff.department_id},
                )
            )
            if ticket.assignee_id is not None:
                assignee = await uow.staff.get(ticket.assignee_id)
                if assignee is not None and assignee.active:
                    self._tell_staff(
                        uow,
                        assignee,
                        ticket,
                        "ticket.collab_answer",
                        {"by": staff.name, "body": body},
                    )
            return StaffView(locale, "staff.done.answer", {"number": number}, ticket=ticket)
        raise InvalidInput("error.bad_callback")

    async def _transfer(
        self, uow: UnitOfWork, staff: Staff, ticket: Ticket, reason: str, data: dict[str, Any]
    ) -> StaffView:
        assert staff.id is not None
        now = self.clock.now()
        department = await self._department(uow, int(data["department_id"]))
        assert department.id is not None
        agent_id = data.get("agent_id")
        agent = await self._active_staff(uow, int(agent_id)) if agent_id is not None else None
        moved = department.id != ticket.department_id
        event = Work.transfer(
            ticket,
            staff.id,
            reason,
            now,
            department_id=department.id,
            agent_id=agent.id if agent else None,
        )
        await self._record(uow, ticket, event)
        if moved:
            await cards.post(uow, self.policy, now, ticket, department)
        if agent is not None:
            self._tell_staff(
                uow,
                agent,
                ticket,
                "ticket.transferred_to_you",
                {"by": staff.name, "reason": reason},
            )
        target = agent.name if agent else department.label()
        return StaffView(
            staff.locale,
            "staff.done.xfer",
            {"number": ticket.number, "target": target},
            ticket=ticket,
        )

    # -- /file: a ticket for a customer who called or wrote elsewhere -----------------------

    async def start_filing(self, sender: Sender) -> StaffView:
        """Ask for the channel the feedback came in by."""
        async with self.uow() as uow:
            staff = await self._staff(uow, sender)
            check(staff, Act.FILE_FOR_CUSTOMER)
            await self._filing(uow, sender, {"stage": "channel"})
            await uow.commit()
        return StaffView(
            staff.locale,
            "file.ask_channel",
            choices=[("channel", c.value, f"channel.{c.value}", {}) for c in FILING_CHANNELS],
        )

    async def filing_choice(self, sender: Sender, stage: str, value: str) -> StaffView:
        """A button of `/file`: the channel, or which customer it is."""
        async with self.uow() as uow:
            staff = await self._staff(uow, sender)
            check(staff, Act.FILE_FOR_CUSTOMER)
            current = await uow.conversations.get(sender.telegram_id)
            if current is None or current.flow != FILING or current.data.get("stage") != stage:
                raise InvalidInput("error.bad_callback")
            data = dict(current.data)
            if stage == "channel":
                channel = _enum(Channel, value)
                if channel is Channel.TELEGRAM:
                    raise InvalidInput("error.bad_callback")
                data.update(stage="customer", channel=channel.value)
                view = StaffView(staff.locale, "file.ask_customer", private_prompt=True)
            elif stage == "customer" and value == "new":
                view = await self._new_customer(uow, staff, data)
            elif stage == "customer" and value[:1] == "c" and value[1:].isdigit():
                customer = await uow.customers.get(int(value[1:]))
                if customer is None:
                    raise InvalidInput("error.bad_callback")
                view = self._begin_intake(staff, data, customer)
            else:
                raise InvalidInput("error.bad_callback")
            await self._filing(uow, sender, data)
            await uow.commit()
        return view

    async def _filing_input(
        self,
        uow: UnitOfWork,
        staff: Staff,
        sender: Sender,
        value: intake.Input,
        data: dict[str, Any],
    ) -> StaffView:
        check(staff, Act.FILE_FOR_CUSTOMER)
        stage = data.get("stage")
        text = value.text.strip() if isinstance(value, intake.Text) else ""
        if stage == "customer":
            if not text or len(text) > 100:
                raise InvalidInput("file.ask_customer")
            data["query"] = text
            found = await uow.customers.search(text)
            await self._filing(uow, sender, data)
            return StaffView(
                staff.locale,
                "file.pick_customer" if found else "file.no_match",
                {"query": text},
                choices=[
                    (
                        "customer",
                        f"c{c.id}",
                        "file.customer_label",
                        {"name": c.name or c.number, "phone": mask(c.phone), "number": c.number},
                    )
                    for c in found
                ]
                + [("customer", "new", "file.new_customer", {"query": text})],
            )
        if stage == "name":
            if not text or len(text) > 100:
                raise InvalidInput("file.ask_name")
            customer = await self._register_customer(
                uow, name=text, locale=self.policy.default_language, phone=data.get("phone")
            )
            view = self._begin_intake(staff, data, customer)
            await self._filing(uow, sender, data)
            return view
        if stage == "intake":
            return await self._filing_step(uow, sender, staff, data, value)
        raise InvalidInput("error.bad_callback")

    async def _new_customer(
        self, uow: UnitOfWork, staff: Staff, data: dict[str, Any]
    ) -> StaffView:
        query = str(data.get("query") or "")
        digits = "".join(ch for ch in query if ch.isdigit())
        if len(digits) >= PHONE_LIKE:  # a phone number: the name comes next
            data.update(stage="name", phone=query)
            return StaffView(staff.locale, "file.ask_name", private_prompt=True)
        customer = await self._register_customer(
            uow, name=query, locale=self.policy.default_language
        )
        return self._begin_intake(staff, data, customer)

    @staticmethod
    def _begin_intake(staff: Staff, data: dict[str, Any], customer: Customer) -> StaffView:
        draft = Draft(channel=Channel(data["channel"]))
        data.update(stage="intake", customer_id=customer.id, draft=draft.to_dict())
        return StaffView(
            staff.locale,
            "file.for_customer",
            {"name": customer.name, "number": customer.number},
            intake=IntakeView(staff.locale, draft),
        )

    async def _filing_step(
        self,
        uow: UnitOfWork,
        sender: Sender,
        staff: Staff,
        data: dict[str, Any],
        value: intake.Input,
    ) -> StaffView:
        draft = Draft.from_dict(data["draft"])
        previous_step = draft.step
        result = intake.advance(draft, value, self.policy.limits)
        if result.cancel:
            await uow.conversations.delete(sender.telegram_id)
            return StaffView(staff.locale, "intake.cancelled")
        customer = await uow.customers.get(int(data["customer_id"]))
        if customer is None:
            raise NotFound("error.not_found")
        if result.submit:
            ticket = await self._file(uow, customer, result.draft, filed_by=staff)
            await uow.conversations.delete(sender.telegram_id)
            if customer.telegram_id is not None:
                uow.outbox.add(
                    Notice(
                        customer.telegram_id,
                        "ticket.filed_for_you",
                        customer.locale,
                        {"number": ticket.number, "channel": ticket.channel.value},
                        ticket.id,
                    )
                )
            return StaffView(
                staff.locale,
                "file.done",
                {"number": ticket.number, "name": customer.name},
                ticket=ticket,
            )
        if result.accepted:
            data["draft"] = result.draft.to_dict()
            await self._filing(uow, sender, data)
        return StaffView(
            staff.locale,
            "file.step",
            intake=IntakeView.after(staff.locale, result, previous_step),
        )

    async def _filing(self, uow: UnitOfWork, sender: Sender, data: dict[str, Any]) -> None:
        await uow.conversations.put(
            Conversation(sender.telegram_id, FILING, data, self.clock.now())
        )

    # -- the customer answers a resolution --------------------------------------------------

    async def confirm(self, sender: Sender, number: str, solved: bool) -> StaffView:
        """ "Solved" closes the ticket; "Not solved" reopens it to the same assignee."""
        async with self.uow() as uow:
            actor = await self._actor(uow, sender)
            customer = self._require_customer(actor)
            assert customer.id is not None
            ticket = await self._ticket(uow, number)
            if ticket.customer_id != customer.id:
                raise NotFound("error.ticket_not_found", number=number)
            event = Work.confirm(ticket, customer.id, solved, self.clock.now())
            await self._record(uow, ticket, event)
            await satisfaction.open_poll(uow, self.policy, self.clock.now(), ticket)
            if not solved and ticket.assignee_id is not None:
                assignee = await uow.staff.get(ticket.assignee_id)
                if assignee is not None and assignee.active:
                    self._tell_staff(uow, assignee, ticket, "ticket.reopened", {})
            await uow.commit()
        key = "confirm.solved" if solved else "confirm.reopened"
        return StaffView(actor.locale, key, {"number": number}, ticket=ticket)

    # -- lists ------------------------------------------------------------------------------

    async def queue(self, sender: Sender) -> StaffView:
        """Unclaimed tickets of my department (all, for admins), nearest promise first."""
        async with self.uow() as uow:
            staff = await self._staff(uow, sender)
            departments = None if staff.role is Role.ADMIN else [staff.department_id or -1]
            tickets = list(
                await uow.tickets.list_staff_view(
                    departments=departments, unclaimed=True, statuses=OPEN_STATUSES, limit=200
                )
            )
            await uow.commit()
        tickets.sort(key=lambda t: (t.ack_due_at or t.created_at, t.id or 0))
        return StaffView(staff.locale, "staff.queue", tickets=tickets[:20])

    async def overdue(self, sender: Sender) -> StaffView:
        """Late and at-risk tickets in my scope, the most overdue first."""
        async with self.uow() as uow:
            staff = await self._staff(uow, sender)
            departments = None if staff.role is Role.ADMIN else [staff.department_id or -1]
            tickets = list(await uow.tickets.list_flagged(departments=departments))
            await uow.commit()
        now = self.clock.now()

        def urgency(ticket: Ticket) -> tuple[float, int]:
            running = sla.left(ticket, self.policy, now)
            return (running[1].total_seconds() if running else 0.0, ticket.id or 0)

        tickets.sort(key=urgency)
        return StaffView(staff.locale, "staff.overdue", tickets=tickets[:20])

    async def mine(self, sender: Sender) -> StaffView:
        """My open tickets."""
        async with self.uow() as uow:
            staff = await self._staff(uow, sender)
            tickets = list(
                await uow.tickets.list_staff_view(assignee_id=staff.id, statuses=OPEN_STATUSES)
            )
            await uow.commit()
        return StaffView(staff.locale, "staff.mine", tickets=tickets)

    async def find(self, sender: Sender, words: Sequence[str]) -> StaffView:
        """Tickets whose number, title, description, customer name or phone has every word,
        among those I may see."""
        words = [w for w in (w.strip() for w in words) if w][:5]
        async with self.uow() as uow:
            staff = await self._staff(uow, sender)
            if not words:
                await uow.commit()
                return StaffView(staff.locale, "staff.find_usage")
            departments = None if staff.role is Role.ADMIN else [staff.department_id or -1]
            tickets = list(
                await uow.tickets.list_staff_view(departments=departments, words=words, limit=20)
            )
            visible = [t for t in tickets if may(staff, Act.VIEW, t)]
            await uow.commit()
        return StaffView(staff.locale, "staff.found", {"count": len(visible)}, tickets=visible)

    # -- helpers ----------------------------------------------------------------------------

    async def _record(self, uow: UnitOfWork, ticket: Ticket, event: TicketEvent) -> None:
        await self._save(uow, ticket)
        await uow.events.add(event)
        await cards.ticket_changed(uow, self.policy, ticket, now=self.clock.now())

    async def _expect(
        self,
        uow: UnitOfWork,
        sender: Sender,
        staff: Staff,
        act: Act,
        ticket: Ticket,
        **extra: Any,
    ) -> StaffView:
        """Wait for the staff member's next message for `act`; the prompt asking for it."""
        data = {"act": act.value, "number": ticket.number, **extra}
        await uow.conversations.put(Conversation(sender.telegram_id, FLOW, data, self.clock.now()))
        return StaffView(
            staff.locale,
            f"staff.prompt.{act.value}",
            {"number": ticket.number},
            ticket=ticket,
            private_prompt=True,
        )

    async def _tell_customer(
        self, uow: UnitOfWork, ticket: Ticket, kind: str, params: dict[str, Any]
    ) -> None:
        customer: Customer | None = await uow.customers.get(ticket.customer_id)
        if customer is None or customer.telegram_id is None:
            return
        uow.outbox.add(
            Notice(
                customer.telegram_id,
                kind,
                customer.locale,
                {"number": ticket.number, **params},
                ticket.id,
            )
        )

    @staticmethod
    def _tell_staff(
        uow: UnitOfWork, staff: Staff, ticket: Ticket, kind: str, params: dict[str, Any]
    ) -> None:
        uow.outbox.add(
            Notice(
                staff.telegram_id,
                kind,
                staff.locale,
                {"number": ticket.number, **params},
                ticket.id,
            )
        )

    async def _card(self, uow: UnitOfWork, ticket: Ticket) -> dict[str, Any]:
        snapshot = await cards.snapshot_of(uow, self.policy, ticket)
        snapshot.update(card_kind=cards.CARD, moved=False)
        return snapshot

    async def _transfer_choices(
        self, uow: UnitOfWork, ticket: Ticket, staff: Staff
    ) -> list[tuple[str, str, str, dict[str, Any]]]:
        choices: list[tuple[str, str, str, dict[str, Any]]] = []
        for department in await uow.departments.list():
            if department.id != ticket.department_id:
                choices.append(
                    (
                        Act.TRANSFER.value,
                        f"d{department.id}",
                        "staff.to_department",
                        {"name": department.label()},
                    )
                )
        for colleague in await uow.staff.list_department(ticket.department_id):
            if colleague.active and colleague.id not in (ticket.assignee_id,):
                choices.append(
                    (
                        Act.TRANSFER.value,
                        f"a{colleague.id}",
                        "staff.to_agent",
                        {"name": colleague.name},
                    )
                )
        if not choices:
            raise IllegalTransition("error.nowhere_to_transfer")
        return choices

    async def _target(self, uow: UnitOfWork, ticket: Ticket, value: str) -> tuple[int, int | None]:
        """`d<id>` a department, `a<id>` an active staff member (with their department)."""
        if len(value) < 2 or value[0] not in "da" or not value[1:].isdigit():
            raise InvalidInput("error.bad_callback")
        target = int(value[1:])
        if value[0] == "d":
            department = await self._department(uow, target)
            assert department.id is not None
            return department.id, None
        agent = await self._active_staff(uow, target)
        return agent.department_id or ticket.department_id, agent.id

    @staticmethod
    async def _department(uow: UnitOfWork, department_id: int) -> Department:
        department = await uow.departments.get(department_id)
        if department is None:
            raise NotFound("error.bad_callback")
        return department

    @staticmethod
    async def _active_staff(uow: UnitOfWork, staff_id: int) -> Staff:
        staff = await uow.staff.get(staff_id)
        if staff is None or not staff.active:
            raise NotFound("error.staff_gone")
        return staff

    @staticmethod
    async def _names(
        uow: UnitOfWork, events: Sequence[TicketEvent]
    ) -> dict[tuple[str, int | None], str]:
        names: dict[tuple[str, int | None], str] = {}
        for event in events:
            key = (event.actor_kind.value, event.actor_id)
            if key in names or event.actor_id is None:
                continue
            if event.actor_kind.value == "staff":
                person = await uow.staff.get(event.actor_id)
                names[key] = person.name if person else "?"
            elif event.actor_kind.value == "customer":
                customer = await uow.customers.get(event.actor_id)
                names[key] = customer.name if customer else "?"
        return names


def _enum(kind: Any, value: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput("error.bad_callback") from None


def _page(value: str | None) -> int:
    """`p<n>`, the n-th page (0 the newest)."""
    if value is None:
        return 0
    digits = value[1:]
    if not value.startswith("p") or not digits.isdigit() or len(digits) > 4:
        raise InvalidInput("error.bad_callback")
    return int(digits)


def _message(value: intake.Input) -> tuple[str | None, list[Attachment]]:
    if isinstance(value, intake.Text):
        return (value.text if value.text.strip() else None), []
    if isinstance(value, intake.Media):
        return value.caption, [value.attachment]
    if isinstance(value, intake.ContactShared):
        return value.phone, []
    return None, []


# What each staff button does, after the permission check (prompted acts aside).
PRESSES: dict[Act, Callable[[StaffDesk, Press], Awaitable[StaffView]]] = {
    Act.VIEW: StaffDesk._on_view,
    Act.CLAIM: StaffDesk._on_claim,
    Act.PRIORITY: StaffDesk._on_priority,
    Act.TRANSFER: StaffDesk._on_transfer,
    Act.COLLABORATE: StaffDesk._on_collaborate,
    Act.ASSIGN: StaffDesk._on_assign,
    Act.REVEAL: StaffDesk._on_reveal,
    Act.HISTORY: StaffDesk._on_history,
    Act.FILES: StaffDesk._on_files,
}
