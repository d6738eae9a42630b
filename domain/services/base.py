"""What every use case shares: the unit of work, the clock, the policy, who is acting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from domain import logcontext, numbering, sla
from domain.clock import Clock
from domain.delivery import Kind
from domain.errors import NotAllowed, NotFound
from domain.intake import Draft
from domain.people import Customer, Role, Sender, Staff
from domain.policy import DeskPolicy
from domain.ports import Notice, Replies, UnitOfWork, UnitOfWorkFactory
from domain.services import autoassign, cards
from domain.ticket import ActorKind, Channel, EventKind, Ticket, TicketEvent, title_from

# How long the handler's own answer has to be confirmed sent before the row standing in
# for it goes out (long enough for a slow Bot API, short enough for a waiting person).
RECEIPT_FALLBACK = timedelta(seconds=30)


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
    # renders answers as outbox rows (handlers.replies); None: the answers are not kept
    replies: Replies | None = field(default=None, kw_only=True)

    async def _stand_in(self, uow: UnitOfWork, sender: Sender, outcome: Any) -> None:
        """Queue with the work the answer the handler sends the person who acted right
        after the commit, as `reply` rows due only after RECEIPT_FALLBACK: if the process
        dies before that answer reached Telegram, the dispatcher sends them; otherwise the
        handler marks them sent (their ids go on `outcome.receipt_ids`)."""
        if self.replies is None or not hasattr(outcome, "receipt_ids"):
            return
        for params in self.replies.render(outcome):
            notice = Notice(sender.chat_id, Kind.REPLY, outcome.locale, params)
            outcome.receipt_ids.append(await uow.outbox.add_fallback(notice, RECEIPT_FALLBACK))

    async def _actor(
        self, uow: UnitOfWork, sender: Sender, *, create: bool = True, writes: bool = True
    ) -> Actor:
        """Find who `sender` is; a first-time user becomes a customer (when `create`).
        Without `writes` (a reading unit of work) nothing is recorded: not a new name, not a
        new customer."""
        # Staff first: a customer who joins the desk (an invite) acts as staff from then on;
        # a deactivated staff member is served as the customer they may also be. Whom the
        # config names staff has a record from the start (StaffAdmin.apply_config).
        known = await uow.people.known(sender.telegram_id)
        staff, customer = known.staff, known.customer
        if staff is not None and staff.active:
            if writes:
                await self._refresh_staff(uow, staff, sender)
            return Actor(staff.role, staff.locale, staff=staff)
        if customer is not None and customer.merged_into_id is not None:
            # a second account of one person: served as the profile it was merged into
            customer = await uow.customers.get(customer.merged_into_id) or customer
            return Actor(Role.CUSTOMER, customer.locale, customer=customer)
        if customer is not None:
            if writes and sender.username and customer.username != sender.username:
                await self._note_username(uow, customer, sender.username)
            return Actor(Role.CUSTOMER, customer.locale, customer=customer)
        locale = self.policy.language_for(sender.language_code)
        if not create or not writes:
            return Actor(Role.CUSTOMER, locale)
        customer = await self._register_customer(
            uow,
            name=sender.name,
            locale=locale,
            telegram_id=sender.telegram_id,
            username=sender.username,
        )
        return Actor(Role.CUSTOMER, locale, customer=customer)

    @staticmethod
    async def _note_username(uow: UnitOfWork, customer: Customer, username: str) -> None:
        """Telegram usernames change; staff find a customer by their current one."""
        assert customer.id is not None
        await uow.customers.set_username(customer.id, username)
        customer.username = username

    async def _refresh_staff(self, uow: UnitOfWork, staff: Staff, sender: Sender) -> None:
        """Telegram names change; staff see each other by their current one."""
        if staff.name == sender.name or not sender.name or staff.id is None:
            return
        if not staff.name:  # made from config, first seen now: their language too
            staff.locale = self.policy.language_for(sender.language_code)
            await uow.staff.set_locale(staff.id, staff.locale)
        await uow.staff.set_name(staff.id, sender.name)
        staff.name = sender.name

    async def _register_customer(
        self,
        uow: UnitOfWork,
        *,
        name: str,
        locale: str,
        telegram_id: int | None = None,
        phone: str | None = None,
        username: str | None = None,
        source: str | None = None,
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
                username=username,
                source=source or (Channel.TELEGRAM.value if telegram_id else None),
            )
        )

    async def _file(
        self, uow: UnitOfWork, customer: Customer, draft: Draft, filed_by: Staff | None = None
    ) -> Ticket:
        assert draft.type is not None
        assert draft.description is not None
        assert customer.id is not None
        now = self.clock.now()
        department = await uow.departments.get_by_code(self.policy.department_for(draft.type))
        if department is None or department.id is None:
            raise NotFound("error.no_department", type=draft.type)
        day = now.astimezone(self.policy.timezone).date()
        seq = await uow.counters.next(numbering.ticket_counter_key(day))
        chosen = await autoassign.choose(uow, self.policy, now, department)
        ticket = Ticket(
            number=numbering.ticket_number(day, seq),
            customer_id=customer.id,
            department_id=department.id,
            type=draft.type,
            channel=draft.channel,
            priority=self.policy.initial_priority(
                business_stopped=bool(draft.stopped), vip=self.policy.is_vip(customer)
            ),
            title=title_from(draft.description),
            description=draft.description,
            created_at=now,
            updated_at=now,
            reference=draft.reference,
            contact_phone=draft.phone,
            business_stopped=bool(draft.stopped),
            attachment_count=len(draft.attachments),
            assignee_id=chosen.staff.id if chosen else None,
        )
        sla.refresh(ticket, self.policy, now)
        ticket = await uow.tickets.add(ticket)
        logcontext.about_ticket(ticket.number)
        await uow.events.add(
            TicketEvent(
                kind=EventKind.FILED,
                created_at=now,
                actor_kind=ActorKind.STAFF if filed_by else ActorKind.CUSTOMER,
                actor_id=filed_by.id if filed_by else customer.id,
                body=draft.description,
                attachments=list(draft.attachments),
                ticket_id=ticket.id,
                data={"reference": draft.reference} if draft.reference else {},
            )
        )
        if chosen is not None:
            await autoassign.announce(uow, self.policy, now, ticket, chosen)
        if draft.phone and draft.phone != customer.phone:
            await uow.customers.update_contact(customer.id, name=customer.name, phone=draft.phone)
        await cards.post(uow, self.policy, now, ticket, department, filed=True)
        return ticket

    async def _save(self, uow: UnitOfWork, ticket: Ticket) -> None:
        """Write a changed ticket, its SLA due times and next check brought up to date."""
        sla.refresh(ticket, self.policy, self.clock.now())
        await uow.tickets.save(ticket)

    @staticmethod
    def _require_customer(actor: Actor) -> Customer:
        if actor.customer is None:
            raise NotAllowed("error.customers_only", role=actor.role)
        return actor.customer
