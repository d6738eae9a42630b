"""What every use case shares: the unit of work, the clock, the policy, who is acting."""

from __future__ import annotations

from dataclasses import dataclass

from domain import numbering, sla
from domain.clock import Clock
from domain.errors import NotAllowed
from domain.people import Customer, Role, Sender, Staff
from domain.policy import DeskPolicy
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.ticket import Ticket


@dataclass(slots=True)
class Actor:
    """The acting user, resolved to a role."""

    role: Role
    locale: str
    customer: Customer | None = None
    staff: Staff | None = None


@dataclass
class ServiceBase:
    """Dependencies of the use cases."""

    uow: UnitOfWorkFactory
    clock: Clock
    policy: DeskPolicy

    async def _actor(self, uow: UnitOfWork, sender: Sender, *, create: bool = True) -> Actor:
        """Find who `sender` is; a first-time user becomes a customer (when `create`)."""
        # Staff first: a customer who joins the desk (an invite) acts as staff from then on;
        # a deactivated staff member is served as the customer they may also be.
        staff = await uow.staff.get_by_telegram_id(sender.telegram_id)
        if staff is not None and staff.active:
            if staff.name != sender.name and sender.name and staff.id is not None:
                if not staff.name:  # made from config, first seen now: their language too
                    staff.locale = self.policy.language_for(sender.language_code)
                    await uow.staff.set_locale(staff.id, staff.locale)
                # Telegram names change; staff see each other by their current one
                await uow.staff.set_name(staff.id, sender.name)
                staff.name = sender.name
            return Actor(staff.role, staff.locale, staff=staff)
        customer = await uow.customers.get_by_telegram_id(sender.telegram_id)
        if customer is not None:
            return Actor(Role.CUSTOMER, customer.locale, customer=customer)
        locale = self.policy.language_for(sender.language_code)
        if staff is None and sender.telegram_id in self.policy.admin_ids:
            staff = await uow.staff.add(
                Staff(
                    telegram_id=sender.telegram_id,
                    name=sender.name,
                    role=Role.ADMIN,
                    locale=locale,
                )
            )
            return Actor(Role.ADMIN, locale, staff=staff)
        if not create:
            return Actor(Role.CUSTOMER, locale)
        customer = await self._register_customer(
            uow, name=sender.name, locale=locale, telegram_id=sender.telegram_id
        )
        return Actor(Role.CUSTOMER, locale, customer=customer)

    async def _register_customer(
        self,
        uow: UnitOfWork,
        *,
        name: str,
        locale: str,
        telegram_id: int | None = None,
        phone: str | None = None,
    ) -> Customer:
        """A new customer with the next number of the day."""
        now = self.clock.now()
        day = now.astimezone(self.policy.timezone).date()
        seq = await uow.counters.next(numbering.customer_counter_key(day))
        return await uow.customers.add(
            Customer(
                number=numbering.customer_number(day, seq),
                created_at=now,
                telegram_id=telegram_id,
                name=name,
                phone=phone,
                locale=locale,
            )
        )

    async def _save(self, uow: UnitOfWork, ticket: Ticket) -> None:
        """Write a changed ticket, its SLA due times and next check brought up to date."""
        sla.refresh(ticket, self.policy, self.clock.now())
        await uow.tickets.save(ticket)

    @staticmethod
    def _require_customer(actor: Actor) -> Customer:
        if actor.customer is None:
            raise NotAllowed("error.customers_only", role=actor.role.value)
        return actor.customer
