"""Customer profiles for staff: `/customer <number|@username|phone>` shows one (contacts
masked; a supervisor's reveal is recorded), a field's button asks for its new value (checked
by domain.profiles), VIP is a toggle, and `/customer merge C… C…` makes two profiles one.
Each change is recorded in the customer's audit history, without the values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain import intake
from domain.errors import InvalidInput, NotAllowed, NotFound
from domain.people import Customer, Sender, Staff
from domain.permissions import Act, check, may
from domain.ports import Conversation, UnitOfWork
from domain.presses import REVEAL, SHOW, ProfilePress
from domain.profiles import HINTS, Field, Query, Tickets, merged_fields, parse, read_query
from domain.services.staff.base import StaffBase

PROFILE = "profile"  # a conversation: the field whose new value the next message is
SHOWN = 10  # tickets on a profile
EDITED, REVEALED, MERGED, MERGED_INTO, VIP_SET = (
    "edited",
    "revealed",
    "merged",
    "merged_into",
    "vip",
)


@dataclass(slots=True)
class ProfileView:
    """A profile as a staff member may see it, or a prompt or a note about one."""

    locale: str
    key: str  # profile.card, or a prompt's key
    params: dict[str, Any] = field(default_factory=dict)
    customer: Customer | None = None
    tickets: Tickets | None = None
    revealed: bool = False  # contacts shown whole (recorded)
    editable: bool = False
    vip_editable: bool = False
    revealable: bool = False
    note: str | None = None  # a line above the profile: what just changed


def operator(staff: Staff) -> str:
    """Who did it, as the audit history names staff."""
    return f"staff {staff.telegram_id} {staff.name}"


class Profiles(StaffBase):
    """The `/customer` use cases."""

    async def lookup(self, sender: Sender, text: str) -> ProfileView:
        """The profile `text` names (a number, FB-… ticket, @username or phone)."""
        query = read_query(text)
        async with self.uow.reading() as uow:
            staff = await self._staff(uow, sender)
            check(staff, Act.PROFILE)
            if query is None:
                raise InvalidInput("profile.usage")
            customer = await self._find(uow, query, text)
            return await self.view(uow, staff, customer)

    async def pressed(self, sender: Sender, pressed: ProfilePress) -> ProfileView:
        """A profile's button: show it, reveal its contacts, flip VIP, or ask for a field."""
        async with self.uow() as uow:
            staff = await self.staff_of(uow, sender)
            check(staff, Act.PROFILE)
            customer = await self._customer(uow, pressed.customer_id)
            view = await self._pressed(uow, sender, staff, customer, pressed.what)
            await uow.commit()
        return view

    async def _pressed(
        self, uow: UnitOfWork, sender: Sender, staff: Staff, customer: Customer, what: str
    ) -> ProfileView:
        assert customer.id is not None
        now = self.clock.now()
        if what == SHOW:
            return await self.view(uow, staff, customer)
        if what == REVEAL:
            check(staff, Act.PROFILE_REVEAL)
            await uow.profiles.audit(customer.id, REVEALED, operator(staff), {}, now)
            return await self.view(uow, staff, customer, revealed=True)
        if what == Field.VIP:
            check(staff, Act.PROFILE_VIP)
            vip = not customer.vip
            await uow.profiles.save(customer.id, Field.VIP, vip)
            customer.vip = vip
            await uow.profiles.audit(
                customer.id, VIP_SET, operator(staff), {"vip": customer.vip}, now
            )
            note = "profile.vip_on" if customer.vip else "profile.vip_off"
            return await self.view(uow, staff, customer, note=note)
        check(staff, Act.PROFILE_EDIT)
        data = {"customer_id": customer.id, "field": Field(what).value}
        await uow.conversations.put(Conversation(sender.telegram_id, PROFILE, data, now))
        return ProfileView(
            staff.locale,
            f"profile.prompt.{what}",
            {"number": customer.number, "name": customer.name, **HINTS},
            customer=customer,
        )

    async def said(
        self,
        uow: UnitOfWork,
        staff: Staff,
        sender: Sender,
        value: intake.Input,
        data: dict[str, Any],
    ) -> ProfileView:
        """The new value of the field a button asked for; asked again when it is not one."""
        check(staff, Act.PROFILE_EDIT)
        customer = await self._customer(uow, int(data.get("customer_id") or 0))
        assert customer.id is not None
        what = Field(str(data.get("field")))
        if not isinstance(value, intake.Text):
            raise InvalidInput(f"profile.bad.{what.value}", **HINTS)
        new = parse(what, value.text)
        await uow.profiles.save(customer.id, what, new)
        now = self.clock.now()
        await uow.profiles.audit(customer.id, EDITED, operator(staff), {"field": what.value}, now)
        await uow.conversations.delete(sender.telegram_id)
        return await self.view(uow, staff, customer, note=f"profile.saved.{what.value}")

    async def merge(self, sender: Sender, keep_number: str, drop_number: str) -> ProfileView:
        """`/customer merge KEEP OTHER`: OTHER's tickets, history and contacts go to KEEP."""
        async with self.uow() as uow:
            staff = await self.staff_of(uow, sender)
            check(staff, Act.PROFILE_MERGE)
            keep = await self._by_number(uow, keep_number.upper())
            drop = await self._by_number(uow, drop_number.upper())
            if keep.id == drop.id:
                raise InvalidInput("profile.merge_same")
            for gone in (keep, drop):
                if gone.merged_into_id is not None:
                    raise InvalidInput("profile.merge_gone", number=gone.number)
            view = await self._merge(uow, staff, keep, drop)
            await uow.commit()
        return view

    async def _merge(
        self, uow: UnitOfWork, staff: Staff, keep: Customer, drop: Customer
    ) -> ProfileView:
        assert keep.id is not None
        assert drop.id is not None
        now = self.clock.now()
        for what, value in merged_fields(keep, drop).items():
            await uow.profiles.save(keep.id, what, value)
        moved = await uow.profiles.merge(keep, drop)
        who = operator(staff)
        await uow.profiles.audit(keep.id, MERGED, who, {"from": drop.number, **moved}, now)
        await uow.profiles.audit(drop.id, MERGED_INTO, who, {"into": keep.number}, now)
        kept = await self._customer(uow, keep.id)
        view = await self.view(uow, staff, kept, note="profile.merged")
        view.params.update(other=drop.number, tickets=moved["tickets"])
        return view

    async def view(
        self,
        uow: UnitOfWork,
        staff: Staff,
        customer: Customer,
        *,
        revealed: bool = False,
        note: str | None = None,
    ) -> ProfileView:
        """The profile card of `customer` for `staff`."""
        assert customer.id is not None
        tickets = await uow.profiles.tickets(customer.id, limit=SHOWN)
        return ProfileView(
            staff.locale,
            "profile.card",
            {"number": customer.number},
            customer=customer,
            tickets=tickets,
            revealed=revealed,
            editable=may(staff, Act.PROFILE_EDIT),
            vip_editable=may(staff, Act.PROFILE_VIP),
            revealable=may(staff, Act.PROFILE_REVEAL) and not revealed,
            note=note,
        )

    async def _staff(self, uow: UnitOfWork, sender: Sender) -> Staff:
        """The staff member, read without writing anything."""
        actor = await self._actor(uow, sender, create=False, writes=False)
        if actor.staff is not None:
            return actor.staff
        known = await uow.staff.get_by_telegram_id(sender.telegram_id)
        raise NotAllowed("error.deactivated" if known is not None else "error.staff_only")

    @staticmethod
    async def _find(uow: UnitOfWork, query: Query, text: str) -> Customer:
        customer = await uow.profiles.find(query)
        if customer is None:
            raise NotFound("profile.not_found", query=text.strip()[:40])
        return customer

    @staticmethod
    async def _by_number(uow: UnitOfWork, number: str) -> Customer:
        customer = await uow.profiles.get_by_number(number)
        if customer is None:
            raise NotFound("profile.not_found", query=number[:40])
        return customer

    @staticmethod
    async def _customer(uow: UnitOfWork, customer_id: int) -> Customer:
        customer = await uow.customers.get(customer_id)
        if customer is None or customer.merged_into_id is not None:
            raise NotFound("profile.gone")
        return customer
