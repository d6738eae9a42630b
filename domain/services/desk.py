"""The customer side of the desk: greeting, language, `/new`, messages, `/my`, withdraw."""

from __future__ import annotations

from dataclasses import dataclass

from domain import delivery, intake, logcontext
from domain.errors import IllegalTransition, NotFound
from domain.intake import Draft
from domain.people import Customer, Role, Sender
from domain.ports import Conversation, Notice, UnitOfWork
from domain.services import cards, offers, satisfaction
from domain.services.base import RECEIPT_FALLBACK, Actor, ServiceBase
from domain.ticket import (
    OPEN_STATUSES,
    Attachment,
    Status,
    Ticket,
)
from domain.views import (
    Appended,
    Cancelled,
    ChooseTicket,
    CustomerMessageOutcome,
    Filed,
    Greeting,
    IntakeView,
    NoOpenTicket,
    Rejected,
    StaffOnly,
    TicketDetail,
    TicketList,
    Withdrawn,
    filed_params,
)

INTAKE = "intake"
PICK = "pick_ticket"


@dataclass
class Desk(ServiceBase):
    """Use cases a customer drives."""

    def __post_init__(self) -> None:
        # a poll comment arrives as a plain message: the satisfaction use case takes it
        self._satisfaction = satisfaction.Satisfaction(self.uow, self.clock, self.policy)

    async def greet(self, sender: Sender) -> Greeting:
        """Recognise (or register) the user; for `/start` and `/help`."""
        async with self.uow() as uow:
            actor = await self._actor(uow, sender)
            open_count = 0
            if actor.customer is not None and actor.customer.id is not None:
                tickets = await uow.tickets.list_for_customer(
                    actor.customer.id, statuses=OPEN_STATUSES
                )
                open_count = len(tickets)
            greeting = Greeting(
                locale=actor.locale,
                role=actor.role,
                name=sender.name,
                open_tickets=open_count,
                customer_number=actor.customer.number if actor.customer else None,
            )
            await self._stand_in(uow, sender, greeting)
            await uow.commit()
        return greeting

    async def locale_of(self, sender: Sender) -> str:
        """The user's language, without registering anybody (reading only)."""
        async with self.uow.reading() as uow:
            actor = await self._actor(uow, sender, writes=False)
        return actor.locale

    async def set_language(self, sender: Sender, language: str) -> str:
        """Change the user's language; an unsupported code keeps the current one."""
        async with self.uow() as uow:
            actor = await self._actor(uow, sender)
            if language not in self.policy.languages:
                return actor.locale
            if actor.customer is not None and actor.customer.id is not None:
                await uow.customers.set_locale(actor.customer.id, language)
            elif actor.staff is not None and actor.staff.id is not None:
                await uow.staff.set_locale(actor.staff.id, language)
            await uow.commit()
        return language

    # -- /new ---------------------------------------------------------------------------

    async def start_intake(self, sender: Sender) -> IntakeView | StaffOnly:
        """Begin the wizard, or resume it where the customer left off."""
        async with self.uow() as uow:
            actor = await self._actor(uow, sender)
            if actor.customer is None:
                await uow.commit()
                return StaffOnly(actor.locale, actor.role)
            current = await uow.conversations.get(sender.telegram_id)
            if current is not None and current.flow == INTAKE:
                view = IntakeView(actor.locale, Draft.from_dict(current.data), resumed=True)
            else:
                view = IntakeView(actor.locale, Draft())
                await self._store_draft(uow, sender, view.draft)
            await offers.offer(uow, actor.customer, view)
            await self._stand_in(uow, sender, view)
            await uow.commit()
        return view

    async def intake_in_progress(self, sender: Sender) -> IntakeView | None:
        """Where the user stands in `/new`, changing nothing; None when they are not in it."""
        async with self.uow.reading() as uow:
            actor = await self._actor(uow, sender, writes=False)
            current = await uow.conversations.get(sender.telegram_id)
            if current is None or current.flow != INTAKE:
                return None
            view = IntakeView(actor.locale, Draft.from_dict(current.data), accepted=False)
            return await offers.offer(uow, actor.customer, view)

    async def cancel(self, sender: Sender) -> Cancelled:
        """Drop whatever multi-step exchange the user is in."""
        async with self.uow() as uow:
            actor = await self._actor(uow, sender, create=False)
            current = await uow.conversations.get(sender.telegram_id)
            if current is not None:
                await uow.conversations.delete(sender.telegram_id)
            cancelled = Cancelled(actor.locale, had_flow=current is not None)
            await self._stand_in(uow, sender, cancelled)
            await uow.commit()
        return cancelled

    async def customer_input(self, sender: Sender, value: intake.Input) -> CustomerMessageOutcome:
        """Anything a user sends outside a command: a wizard step, or a message for a ticket.

        Staff get StaffOnly and nothing is committed: their input is the staff desk's work,
        done (and the update marked handled) in that one commit."""
        async with self.uow() as uow:
            actor = await self._actor(uow, sender)
            if actor.customer is None:
                return StaffOnly(actor.locale, actor.role)  # rolled back: nothing to keep
            current = await uow.conversations.get(sender.telegram_id)
            if current is not None and current.flow == INTAKE:
                outcome = await self._intake_step(uow, sender, actor, current, value)
            elif current is not None and current.flow == satisfaction.COMMENT:
                outcome = await self._satisfaction.comment(
                    uow, sender, actor.locale, current, value
                )
            elif isinstance(value, intake.Choice):
                outcome = Rejected(actor.locale, "error.bad_callback")
            else:
                outcome = await self._message_for_ticket(
                    uow, sender, actor, value, pending=current is not None
                )
            await self._stand_in(uow, sender, outcome)
            await uow.commit()
        return outcome

    async def _intake_step(
        self,
        uow: UnitOfWork,
        sender: Sender,
        actor: Actor,
        current: Conversation,
        value: intake.Input,
    ) -> CustomerMessageOutcome:
        draft = Draft.from_dict(current.data)
        previous_step = draft.step
        result = intake.advance(draft, value, self.policy.limits)
        if result.cancel:
            await uow.conversations.delete(sender.telegram_id)
            return Cancelled(actor.locale, had_flow=True)
        if result.submit:
            customer = self._require_customer(actor)
            ticket = await self._file(uow, customer, result.draft)
            await uow.conversations.delete(sender.telegram_id)
            promise = self.policy.promises.get(ticket.priority)
            receipt = await uow.outbox.add_fallback(
                Notice(
                    sender.telegram_id,
                    delivery.Kind.FILED,
                    actor.locale,
                    filed_params(ticket, promise),
                    ticket_id=ticket.id,
                ),
                after=RECEIPT_FALLBACK,
            )
            return Filed(actor.locale, ticket, promise, receipt_id=receipt)
        if result.accepted:
            await self._store_draft(uow, sender, result.draft)
        view = IntakeView.after(actor.locale, result, previous_step)
        return await offers.offer(uow, actor.customer, view)

    async def _store_draft(self, uow: UnitOfWork, sender: Sender, draft: Draft) -> None:
        await uow.conversations.put(
            Conversation(sender.telegram_id, INTAKE, draft.to_dict(), self.clock.now())
        )

    # -- messages outside a flow -------------------------------------------------------------

    async def _message_for_ticket(
        self,
        uow: UnitOfWork,
        sender: Sender,
        actor: Actor,
        value: intake.Input,
        *,
        pending: bool,
    ) -> CustomerMessageOutcome:
        customer = self._require_customer(actor)
        assert customer.id is not None
        message = _as_message(value)
        if message is None:
            return Rejected(actor.locale, "message.unsupported")
        body, attachments = message
        limits = self.policy.limits
        if body is not None and len(body) > limits.message_max_chars:
            return Rejected(
                actor.locale,
                "intake.too_long",
                {"length": len(body), "limit": limits.message_max_chars},
            )
        for attachment in attachments:
            if attachment.size is not None and attachment.size > limits.file_max_bytes:
                return Rejected(
                    actor.locale,
                    "intake.file_too_large",
                    {
                        "size_mb": round(attachment.size / 1024 / 1024, 1),
                        "limit_mb": limits.file_max_bytes // 1024 // 1024,
                    },
                )
        tickets = list(await uow.tickets.list_for_customer(customer.id, statuses=OPEN_STATUSES))
        if not tickets:
            return NoOpenTicket(actor.locale)
        if len(tickets) == 1:
            if pending:  # an older message still waiting for "which ticket?" is dropped
                await uow.conversations.delete(sender.telegram_id)
            ticket = await self._append(uow, customer, tickets[0], body, attachments)
            marked = _mark_received(uow, customer, actor.locale, ticket, value)
            return Appended(actor.locale, ticket, marked)
        pending = {"body": body, "attachments": [a.to_dict() for a in attachments]}
        await uow.conversations.put(
            Conversation(sender.telegram_id, PICK, pending, self.clock.now())
        )
        return ChooseTicket(actor.locale, tickets)

    async def add_pending_to(self, sender: Sender, number: str) -> Appended | Cancelled:
        """The customer picked the ticket their last message is for."""
        async with self.uow() as uow:
            actor = await self._actor(uow, sender)
            customer = self._require_customer(actor)
            current = await uow.conversations.get(sender.telegram_id)
            if current is None or current.flow != PICK:
                await uow.commit()
                return Cancelled(actor.locale, had_flow=False)
            ticket = await self._own_ticket(uow, customer, number)
            attachments = [Attachment.from_dict(a) for a in current.data.get("attachments", [])]
            ticket = await self._append(
                uow, customer, ticket, current.data.get("body"), attachments
            )
            await uow.conversations.delete(sender.telegram_id)
            await uow.commit()
        return Appended(actor.locale, ticket)

    async def add_draft_to(self, sender: Sender, number: str) -> Appended | Cancelled:
        """`/new`'s "add to FB-… instead": the draft's description and files go onto that
        open ticket of the customer's, and no new ticket is filed."""
        async with self.uow() as uow:
            actor = await self._actor(uow, sender)
            customer = self._require_customer(actor)
            current = await uow.conversations.get(sender.telegram_id)
            draft = offers.summary_draft(current, INTAKE)
            if draft is None:
                await uow.commit()
                return Cancelled(actor.locale, had_flow=False)
            ticket = await self._own_ticket(uow, customer, number)
            ticket = await self._append(
                uow, customer, ticket, draft.description, draft.attachments
            )
            await uow.conversations.delete(sender.telegram_id)
            await uow.commit()
        return Appended(actor.locale, ticket)

    async def _append(
        self,
        uow: UnitOfWork,
        customer: Customer,
        ticket: Ticket,
        body: str | None,
        attachments: list[Attachment],
    ) -> Ticket:
        assert customer.id is not None
        status_before = ticket.status
        event = ticket.add_customer_message(
            customer_id=customer.id, body=body, attachments=attachments, now=self.clock.now()
        )
        await self._save(uow, ticket)
        await uow.events.add(event)
        # nobody has it yet: the card shows the message; an answer to a question moves it on
        if ticket.assignee_id is None or ticket.status is not status_before:
            await cards.ticket_changed(uow, self.policy, ticket)
        if ticket.assignee_id is not None:
            assignee = await uow.staff.get(ticket.assignee_id)
            if assignee is not None and assignee.active:
                for notice in relay_notices(
                    delivery.Kind.CUSTOMER_MESSAGE,
                    assignee.telegram_id,
                    assignee.locale,
                    ticket,
                    sender=customer.name,
                    body=body,
                    attachments=attachments,
                ):
                    uow.outbox.add(notice)
        return ticket

    # -- /my ----------------------------------------------------------------------------------

    async def my_tickets(self, sender: Sender) -> TicketList | StaffOnly:
        """The customer's tickets, newest first (reading only: a list changes nothing)."""
        async with self.uow.reading() as uow:
            actor = await self._actor(uow, sender, writes=False)
            if actor.role is not Role.CUSTOMER:
                return StaffOnly(actor.locale, actor.role)
            if actor.customer is None or actor.customer.id is None:
                return TicketList(actor.locale, [])  # not a customer yet: no tickets
            tickets = list(await uow.tickets.list_for_customer(actor.customer.id))
        return TicketList(actor.locale, tickets)

    async def ticket_detail(self, sender: Sender, number: str) -> TicketDetail:
        """One of the customer's tickets with the history they may see (reading only)."""
        async with self.uow.reading() as uow:
            actor = await self._actor(uow, sender, writes=False)
            customer = self._require_customer(actor)
            ticket = await self._own_ticket(uow, customer, number)
            assert ticket.id is not None
            history = list(await uow.events.list_for_ticket(ticket.id, customer_visible_only=True))
        return TicketDetail(actor.locale, ticket, history, ticket.status is Status.NEW)

    async def withdraw(self, sender: Sender, number: str) -> Withdrawn:
        """The customer takes back a ticket nobody has claimed."""
        async with self.uow() as uow:
            actor = await self._actor(uow, sender)
            customer = self._require_customer(actor)
            assert customer.id is not None
            ticket = await self._own_ticket(uow, customer, number)
            if not ticket.is_open:  # withdrawn already (an old button) or closed: not "claimed"
                raise IllegalTransition("error.ticket_not_open", number=ticket.number)
            event = ticket.withdraw(customer_id=customer.id, now=self.clock.now())
            await self._save(uow, ticket)
            await uow.events.add(event)
            await uow.commit()
        return Withdrawn(actor.locale, ticket)

    @staticmethod
    async def _own_ticket(uow: UnitOfWork, customer: Customer, number: str) -> Ticket:
        logcontext.about_ticket(number)
        ticket = await uow.tickets.get_by_number(number)
        if ticket is None or ticket.customer_id != customer.id:
            raise NotFound("error.ticket_not_found", number=number)
        return ticket

    async def role_of(self, sender: Sender) -> Role:
        """The user's role, without registering anybody (reading only)."""
        async with self.uow.reading() as uow:
            actor = await self._actor(uow, sender, writes=False)
        return actor.role


def relay_notices(
    kind: delivery.Kind,
    chat_id: int,
    locale: str,
    ticket: Ticket,
    *,
    sender: str,
    body: str | None,
    attachments: list[Attachment],
) -> list[Notice]:
    """One outbox row per Telegram message: the text, then each file with the ticket number."""
    base = {"number": ticket.number, "sender": sender}
    notices = []
    if body:
        notices.append(Notice(chat_id, kind, locale, {**base, "body": body}, ticket.id))
    for attachment in attachments:
        notices.append(
            Notice(chat_id, kind.file, locale, {**base, "file": attachment.to_dict()}, ticket.id)
        )
    return notices


def _mark_received(
    uow: UnitOfWork, customer: Customer, locale: str, ticket: Ticket, value: intake.Input
) -> bool:
    """Queue the "we have it" reaction on the customer's message; False when there is no
    message to mark (the customer is then told in words)."""
    message_id = getattr(value, "message_id", None)
    if message_id is None or customer.telegram_id is None:
        return False
    uow.outbox.add(
        Notice(customer.telegram_id, delivery.Kind.RECEIVED, locale, {"message_id": message_id})
    )
    return True


def _as_message(value: intake.Input) -> tuple[str | None, list[Attachment]] | None:
    """A free message's text and files; None for what cannot go onto a ticket."""
    if isinstance(value, intake.Text):
        return (value.text, []) if value.text.strip() else None
    if isinstance(value, intake.Media):
        return value.caption, [value.attachment]
    if isinstance(value, intake.ContactShared):
        return value.phone, []
    return None
