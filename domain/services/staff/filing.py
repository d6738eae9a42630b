"""`/file`: staff file a ticket for a customer who called or wrote elsewhere (the channel,
the customer, then the steps of `/new`)."""

from __future__ import annotations

from typing import Any

from domain import intake
from domain.delivery import Kind
from domain.errors import InvalidInput, NotFound
from domain.intake import Draft
from domain.masking import mask_phone as mask
from domain.people import Customer, Sender, Staff
from domain.permissions import Act, check
from domain.ports import Conversation, Notice, UnitOfWork
from domain.presses import FilingPick
from domain.services.staff.base import FILING, StaffBase, StaffView
from domain.ticket import Channel
from domain.views import IntakeView

FILING_CHANNELS = tuple(c for c in Channel if c is not Channel.TELEGRAM)
PHONE_LIKE = 7  # digits in a query that make it a phone number
NAME_MAX = 100


class Filing(StaffBase):
    """The steps of `/file`, kept as a conversation of flow `filing`."""

    async def start(self, sender: Sender) -> StaffView:
        """Ask for the channel the feedback came in by."""
        async with self.uow() as uow:
            staff = await self.staff_of(uow, sender)
            check(staff, Act.FILE_FOR_CUSTOMER)
            await self._keep(uow, sender, {"stage": "channel"})
            await uow.commit()
        return StaffView(
            staff.locale,
            "file.ask_channel",
            choices=[("channel", c.value, f"channel.{c.value}", {}) for c in FILING_CHANNELS],
        )

    async def choose(self, sender: Sender, pick: FilingPick) -> StaffView:
        """A button of `/file`: the channel, or which customer it is."""
        async with self.uow() as uow:
            staff = await self.staff_of(uow, sender)
            check(staff, Act.FILE_FOR_CUSTOMER)
            current = await uow.conversations.get(sender.telegram_id)
            if (
                current is None
                or current.flow != FILING
                or current.data.get("stage") != pick.stage
            ):
                raise InvalidInput("error.bad_callback")
            data = dict(current.data)
            if pick.channel is not None:
                if pick.channel is Channel.TELEGRAM:
                    raise InvalidInput("error.bad_callback")
                data.update(stage="customer", channel=pick.channel.value)
                view = StaffView(staff.locale, "file.ask_customer", private_prompt=True)
            elif pick.new_customer:
                view = await self._new_customer(uow, staff, data)
            else:
                assert pick.customer_id is not None
                customer = await uow.customers.get(pick.customer_id)
                if customer is None:
                    raise InvalidInput("error.bad_callback")
                view = self._begin_intake(staff, data, customer)
            await self._keep(uow, sender, data)
            await uow.commit()
        return view

    async def said(
        self,
        uow: UnitOfWork,
        staff: Staff,
        sender: Sender,
        value: intake.Input,
        data: dict[str, Any],
    ) -> StaffView:
        """The staff member's message at the current step of `/file`."""
        check(staff, Act.FILE_FOR_CUSTOMER)
        stage = data.get("stage")
        text = value.text.strip() if isinstance(value, intake.Text) else ""
        if stage == "customer":
            if not text or len(text) > NAME_MAX:
                raise InvalidInput("file.ask_customer")
            data["query"] = text
            await self._keep(uow, sender, data)
            return await self._matches(uow, staff, text)
        if stage == "name":
            if not text or len(text) > NAME_MAX:
                raise InvalidInput("file.ask_name")
            customer = await self._register_customer(
                uow,
                name=text,
                locale=self.policy.default_language,
                phone=data.get("phone"),
                source=data.get("channel"),
            )
            view = self._begin_intake(staff, data, customer)
            await self._keep(uow, sender, data)
            return view
        if stage == "intake":
            return await self._step(uow, sender, staff, data, value)
        raise InvalidInput("error.bad_callback")

    @staticmethod
    async def _matches(uow: UnitOfWork, staff: Staff, text: str) -> StaffView:
        found = await uow.customers.search(text)
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

    async def _new_customer(
        self, uow: UnitOfWork, staff: Staff, data: dict[str, Any]
    ) -> StaffView:
        query = str(data.get("query") or "")
        digits = "".join(ch for ch in query if ch.isdigit())
        if len(digits) >= PHONE_LIKE:  # a phone number: the name comes next
            data.update(stage="name", phone=query)
            return StaffView(staff.locale, "file.ask_name", private_prompt=True)
        customer = await self._register_customer(
            uow, name=query, locale=self.policy.default_language, source=data.get("channel")
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

    async def _step(
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
            return await self._submit(uow, sender, staff, customer, result.draft)
        if result.accepted:
            data["draft"] = result.draft.to_dict()
            await self._keep(uow, sender, data)
        return StaffView(
            staff.locale,
            "file.step",
            intake=IntakeView.after(staff.locale, result, previous_step),
        )

    async def _submit(
        self, uow: UnitOfWork, sender: Sender, staff: Staff, customer: Customer, draft: Draft
    ) -> StaffView:
        ticket = await self._file(uow, customer, draft, filed_by=staff)
        await uow.conversations.delete(sender.telegram_id)
        if customer.telegram_id is not None:
            params = {"number": ticket.number, "channel": ticket.channel.value}
            uow.outbox.add(
                Notice(
                    customer.telegram_id,
                    Kind.FILED_FOR_YOU,
                    customer.locale,
                    params,
                    ticket.id,
                )
            )
        return StaffView(
            staff.locale,
            "file.done",
            {"number": ticket.number, "name": customer.name},
            ticket=ticket,
        )

    async def _keep(self, uow: UnitOfWork, sender: Sender, data: dict[str, Any]) -> None:
        await uow.conversations.put(
            Conversation(sender.telegram_id, FILING, data, self.clock.now())
        )
