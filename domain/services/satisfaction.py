"""Closing the loop: auto-close, the 1-5 poll and its one reminder, the second round.

Every poll, reminder and second-round start is an outbox row written in the transaction
that caused it; due reminders and auto-closes are read from indexed columns, each claimed
once (a conditional update, or the ticket's version) across restarts and instances.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain import intake, logcontext
from domain.delivery import Kind
from domain.errors import ConcurrentChange, InvalidInput, NotFound
from domain.people import Sender
from domain.policy import DeskPolicy
from domain.ports import Conversation, Notice, UnitOfWork
from domain.services import cards
from domain.services.base import ServiceBase
from domain.ticket import ActorKind, EventKind, Status, Ticket, TicketEvent, Work
from domain.views import PollView

COMMENT = "poll_comment"  # the flow: the customer's next message is the poll's comment
BATCH = 200
SCORES = range(1, 6)


async def open_poll(uow: UnitOfWork, policy: DeskPolicy, now: datetime, ticket: Ticket) -> None:
    """On close: ask the customer how it went (a second round's close only by config)."""
    assert ticket.id is not None
    if ticket.status is not Status.CLOSED:
        return
    if ticket.round > 1 and not policy.satisfaction.poll_after_second_round:
        return
    customer = await uow.customers.get(ticket.customer_id)
    if customer is None or customer.id is None or customer.telegram_id is None:
        return
    rules = policy.satisfaction
    poll_id = await uow.polls.add(
        ticket.id,
        customer.id,
        ticket.round,
        now,
        expires_at=now + rules.expires_after,
        remind_at=now + rules.reminder_after,
    )
    uow.outbox.add(
        Notice(
            customer.telegram_id,
            Kind.POLL_ASK,
            customer.locale,
            {"poll_id": poll_id, "number": ticket.number},
            ticket.id,
        )
    )


@dataclass(slots=True)
class TimersReport:
    auto_closed: int = 0
    reminders: int = 0


class Satisfaction(ServiceBase):
    """The customer's answers and the jobs that close and remind."""

    async def answer(self, sender: Sender, poll_id: int, score: int) -> PollView:
        """A score button: counted once, in time, on the ticket's newest poll."""
        if score not in SCORES:
            raise InvalidInput("error.bad_callback")
        async with self.uow() as uow:
            actor = await self._actor(uow, sender)
            customer = self._require_customer(actor)
            poll = await uow.polls.get(poll_id)
            if poll is None or poll.customer_id != customer.id:
                raise NotFound("poll.not_found")
            ticket = await uow.tickets.get(poll.ticket_id)
            assert ticket is not None
            number = ticket.number
            logcontext.about_ticket(number)
            if await uow.polls.latest_for_ticket(poll.ticket_id) != poll.id:
                return PollView(actor.locale, "poll.replaced", {"number": number})
            now = self.clock.now()
            counted = now <= poll.expires_at
            if not await uow.polls.answer(poll.id, score, now, counted):
                await uow.commit()
                return PollView(actor.locale, "poll.already", {"number": number})
            await uow.events.add(
                TicketEvent(
                    kind=EventKind.SCORED,
                    created_at=now,
                    actor_kind=ActorKind.CUSTOMER,
                    actor_id=customer.id,
                    data={"score": score, "counted": counted, "poll": poll.id},
                    ticket_id=ticket.id,
                )
            )
            if not counted:
                await uow.commit()
                return PollView(actor.locale, "poll.expired", {"number": number})
            ticket.score = score
            low = score <= self.policy.satisfaction.second_round_at_most
            if low and ticket.round == 1 and ticket.status is Status.CLOSED:
                await self._second_round(uow, ticket, score, now)
            else:
                await self._save(uow, ticket)
            await uow.conversations.put(
                Conversation(sender.telegram_id, COMMENT, {"poll_id": poll.id}, now)
            )
            await uow.commit()
        key = "poll.ask_comment_low" if low else "poll.ask_comment"
        return PollView(actor.locale, key, {"number": number}, ask_comment=poll.id)

    async def _second_round(
        self, uow: UnitOfWork, ticket: Ticket, score: int, now: datetime
    ) -> None:
        staff = await uow.staff.list_department(ticket.department_id)
        supervisors = [s for s in staff if s.active and s.heads_department]
        supervisor = supervisors[0] if supervisors else None
        event = Work.second_round(ticket, supervisor.id if supervisor else None, score, now)
        await self._save(uow, ticket)
        await uow.events.add(event)
        customer = await uow.customers.get(ticket.customer_id)
        if customer is not None and customer.telegram_id is not None:
            uow.outbox.add(
                Notice(
                    customer.telegram_id,
                    Kind.POLL_SECOND_ROUND,
                    customer.locale,
                    {"number": ticket.number},
                    ticket.id,
                )
            )
        if supervisor is not None:
            uow.outbox.add(
                Notice(
                    supervisor.telegram_id,
                    Kind.SECOND_ROUND,
                    supervisor.locale,
                    {"number": ticket.number, "score": score},
                    ticket.id,
                )
            )
        await cards.ticket_changed(uow, self.policy, ticket, now=now)

    async def comment(
        self, uow: UnitOfWork, sender: Sender, locale: str, current: Conversation, value: Any
    ) -> PollView:
        """The customer's message after their score: the poll's comment."""
        text = value.text.strip() if isinstance(value, intake.Text) else ""
        if not text:
            return PollView(locale, "poll.comment_text", ask_comment=current.data["poll_id"])
        limit = self.policy.limits.message_max_chars
        if len(text) > limit:
            raise InvalidInput("intake.too_long", length=len(text), limit=limit)
        poll = await uow.polls.get(int(current.data["poll_id"]))
        await uow.conversations.delete(sender.telegram_id)
        if poll is None:
            return PollView(locale, "poll.thanks")
        await uow.polls.set_comment(poll.id, text)
        ticket = await uow.tickets.get(poll.ticket_id)
        if ticket is not None and await uow.polls.latest_for_ticket(poll.ticket_id) == poll.id:
            ticket.score_comment = text
            await self._save(uow, ticket)
            await cards.ticket_changed(uow, self.policy, ticket, now=self.clock.now())
        return PollView(locale, "poll.thanks")

    async def skip_comment(self, sender: Sender, poll_id: int) -> PollView:
        """ "Skip": no comment."""
        async with self.uow() as uow:
            actor = await self._actor(uow, sender)
            current = await uow.conversations.get(sender.telegram_id)
            if current is None or current.flow != COMMENT or current.data["poll_id"] != poll_id:
                await uow.commit()
                return PollView(actor.locale, "poll.already_done")
            await uow.conversations.delete(sender.telegram_id)
            await uow.commit()
        return PollView(actor.locale, "poll.thanks")

    async def run_timers(self, limit: int = BATCH) -> TimersReport:
        """Close what waited too long for the customer; remind unanswered polls once."""
        report = TimersReport()
        async with self.uow() as uow:
            now = self.clock.now()
            for ticket in await uow.tickets.due_auto_close(now, limit):
                try:
                    event = Work.auto_close(ticket, now)
                    await self._save(uow, ticket)
                except ConcurrentChange:
                    continue  # another instance (or the customer) got there first
                await uow.events.add(event)
                await open_poll(uow, self.policy, now, ticket)
                await cards.ticket_changed(uow, self.policy, ticket, now=now)
                report.auto_closed += 1
            for poll in await uow.polls.due_reminders(now, limit):
                if not await uow.polls.claim_reminder(poll.id, now):
                    continue
                customer = await uow.customers.get(poll.customer_id)
                ticket = await uow.tickets.get(poll.ticket_id)
                if customer is None or customer.telegram_id is None or ticket is None:
                    continue
                uow.outbox.add(
                    Notice(
                        customer.telegram_id,
                        Kind.POLL_REMINDER,
                        customer.locale,
                        {"poll_id": poll.id, "number": ticket.number},
                        ticket.id,
                    )
                )
                report.reminders += 1
            await uow.commit()
        return report
