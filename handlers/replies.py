"""What the desk answers the person who acted, written once for two uses.

The handler sends these answers itself, at once, right after the use case's commit. The
same answers are also queued in that commit, as `reply` outbox rows due only after
RECEIPT_FALLBACK (domain.services.base): if the process dies between the commit and the
handler's send, the dispatcher sends them then; once Telegram took the handler's own, the
rows are marked sent and never go (`send`). `Replies` is that queueing side, the
domain.ports.Replies the wiring gives the use cases: the domain knows no Telegram.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

from telegram import Bot, ReplyKeyboardRemove

from domain.people import Role
from domain.policy import Limits
from domain.services.staff.base import QUIET, StaffView
from domain.views import (
    Appended,
    Cancelled,
    ChooseTicket,
    Greeting,
    IntakeView,
    NoOpenTicket,
    PollView,
    Rejected,
    StaffOnly,
    TicketList,
)
from handlers import keyboards, render, staff_views
from handlers.callback_data import Verb
from handlers.context import Receipts
from handlers.i18n import t
from handlers.notices import Outgoing, to_row


def customer(outcome: object, limits: Limits) -> list[Outgoing]:
    """The messages that answer a customer's input, command or wizard step (none for a
    message added to a ticket: a reaction says it, through the outbox)."""
    locale: str = getattr(outcome, "locale", "en")
    if isinstance(outcome, Greeting):
        return [_text(_greeting_text(outcome))]
    if isinstance(outcome, IntakeView):
        replies = render.intake(outcome, limits, left_contact=outcome.left_contact)
        return [_text(r.text, r.markup) for r in replies]
    if isinstance(outcome, Cancelled):
        key = "intake.cancelled" if outcome.had_flow else "cancel.nothing"
        return [_text(t(locale, key), ReplyKeyboardRemove())]
    if isinstance(outcome, Appended):
        if outcome.marked:
            return []
        return [_text(t(locale, "message.added", number=outcome.ticket.number))]
    if isinstance(outcome, ChooseTicket):
        markup = keyboards.ticket_buttons(locale, outcome.tickets, Verb.PICK, with_status=False)
        return [_text(t(locale, "message.pick_ticket"), markup)]
    if isinstance(outcome, NoOpenTicket):
        return [_text(t(locale, "message.no_open_ticket"))]
    if isinstance(outcome, StaffOnly):
        return [_text(t(locale, "staff.nothing_to_do"))]
    if isinstance(outcome, Rejected):
        return [_text(t(locale, outcome.note, **outcome.params))]
    if isinstance(outcome, PollView):
        markup = keyboards.poll_skip(locale, outcome.ask_comment) if outcome.ask_comment else None
        return [_text(t(locale, outcome.key, **outcome.params), markup)]
    if isinstance(outcome, TicketList):
        return [_text(*ticket_list(outcome))]
    raise TypeError(f"no answer for {type(outcome).__name__}")


def _greeting_text(greeting: Greeting) -> str:
    if greeting.role is not Role.CUSTOMER:
        role = t(greeting.locale, f"role.{greeting.role.value}")
        return t(greeting.locale, "start.staff", name=greeting.name, role=role)
    text = t(greeting.locale, "start.customer", name=greeting.name)
    if greeting.open_tickets == 1:
        text += "\n\n" + t(greeting.locale, "start.open_ticket")
    elif greeting.open_tickets:
        text += "\n\n" + t(greeting.locale, "start.open_tickets", count=greeting.open_tickets)
    return text


def ticket_list(outcome: TicketList) -> tuple[str, keyboards.Markup]:
    """`/my`: the customer's tickets as buttons, or that there are none."""
    if not outcome.tickets:
        return t(outcome.locale, "my.empty"), None
    markup = keyboards.ticket_buttons(outcome.locale, outcome.tickets, Verb.SHOW)
    return t(outcome.locale, "my.list"), markup


def _text(text: str, markup: keyboards.Markup | ReplyKeyboardRemove = None) -> Outgoing:
    return Outgoing("send_message", {"text": text, "reply_markup": markup})


def staff(view: StaffView, limits: Limits, zone: tzinfo) -> list[Outgoing]:
    """The messages that answer a staff member in their private chat, for the outcomes
    worth keeping: a prompt, a choice, a result, the `/file` wizard. None for what pressing
    again shows anew (cards, histories, lists, files) or what only a toast says."""
    if view.key == QUIET or view.alert is not None or view.files or view.card is not None:
        return []
    if view.key == "staff.history" or view.key in staff_views.LISTS:
        return []
    if view.intake is not None:
        answers = []
        if view.key == "file.for_customer":
            answers.append(_text(t(view.locale, view.key, **view.params)))
        replies = render.intake(view.intake, limits, left_contact=False)
        return answers + [_text(r.text, r.markup) for r in replies]
    text, markup, _ = staff_views.compose(view, zone)
    return [_text(text, markup)]


class Replies:
    """domain.ports.Replies: the answers to the person who acted as rows' params, one row
    a message."""

    def __init__(self, limits: Limits, zone: tzinfo) -> None:
        self._limits = limits
        self._zone = zone

    def render(self, outcome: object) -> list[dict[str, Any]]:
        if isinstance(outcome, StaffView):
            answers = staff(outcome, self._limits, self._zone)
        else:
            answers = customer(outcome, self._limits)
        return [to_row(outgoing) for outgoing in answers]


async def answered(receipts: Receipts | None, outcome: object) -> None:
    """The handler gave its answer: the rows standing in for it are not needed."""
    for item_id in getattr(outcome, "receipt_ids", ()):
        if receipts is not None:
            await receipts.delivered_elsewhere(item_id, None)


async def send(
    bot: Bot,
    chat_id: int,
    answers: Sequence[Outgoing],
    receipt_ids: Sequence[int],
    receipts: Receipts | None,
) -> None:
    """Send the answers now, in order; each one Telegram took marks the row that stood in
    for it sent (the rows of any not sent go out from the outbox)."""
    for n, outgoing in enumerate(answers):
        sent = await getattr(bot, outgoing.method)(chat_id=chat_id, **outgoing.kwargs)
        if receipts is not None and n < len(receipt_ids):
            await receipts.delivered_elsewhere(receipt_ids[n], sent.message_id)
