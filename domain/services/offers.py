"""`/new`'s offer to a customer who already has open tickets: at the summary, before a new
ticket is filed, "add to FB-… instead" puts the description and files on that ticket."""

from __future__ import annotations

from domain.intake import Draft, Step
from domain.people import Customer
from domain.ports import Conversation, UnitOfWork
from domain.ticket import OPEN_STATUSES, Channel
from domain.views import IntakeView

# how many open tickets the summary offers, newest first
OFFERED = 3


async def offer(uow: UnitOfWork, customer: Customer | None, view: IntakeView) -> IntakeView:
    """The view, with the customer's open tickets when it shows their own summary."""
    draft = view.draft
    if (
        customer is not None
        and customer.id is not None
        and draft.step is Step.SUMMARY
        and draft.channel is Channel.TELEGRAM
    ):
        tickets = await uow.tickets.list_for_customer(
            customer.id, statuses=OPEN_STATUSES, limit=OFFERED
        )
        view.open_tickets = [ticket.number for ticket in tickets]
    return view


def summary_draft(current: Conversation | None, flow: str) -> Draft | None:
    """The draft of `/new` when it stands at its summary (else the offer is out of date)."""
    if current is None or current.flow != flow:
        return None
    draft = Draft.from_dict(current.data)
    return draft if draft.step is Step.SUMMARY else None
