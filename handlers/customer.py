"""Commands, messages and buttons of customers: /start, /lang, /new, /cancel, /my."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, ReplyKeyboardRemove, Update
from telegram.error import TelegramError

from domain.errors import NotFound
from domain.intake import Choice
from domain.people import Sender
from domain.views import (
    Appended,
    Cancelled,
    CustomerMessageOutcome,
    Filed,
    Greeting,
    StaffOnly,
    TicketList,
    filed_params,
)
from handlers import keyboards, render, replies, staff
from handlers.callback_data import Language, PollAnswer, Stale, TicketRef, Verb
from handlers.context import Button, DeskContext, sender_of
from handlers.edits import drop_buttons, edit
from handlers.i18n import t
from handlers.inputs import from_message

log = logging.getLogger(__name__)


async def start(update: Update, context: DeskContext) -> None:
    """Greet the user in their language and show what they can do."""
    sender = sender_of(update)
    if sender is None or update.effective_message is None:
        return
    greeting = await context.desk.greet(sender)
    await _answer(update, context, greeting)


async def lang(update: Update, context: DeskContext) -> None:
    """Offer the languages."""
    sender = sender_of(update)
    if sender is None or update.effective_message is None:
        return
    locale = await context.desk.locale_of(sender)
    await update.effective_message.reply_text(
        t(locale, "lang.choose"), reply_markup=keyboards.languages(context.deps.policy.languages)
    )


async def new(update: Update, context: DeskContext) -> None:
    """Start (or resume) the feedback wizard."""
    sender = sender_of(update)
    if sender is None or update.effective_message is None:
        return
    outcome = await context.desk.start_intake(sender)
    await _answer(update, context, outcome)


async def cancel(update: Update, context: DeskContext) -> None:
    """Drop the wizard or a pending choice."""
    sender = sender_of(update)
    if sender is None or update.effective_message is None:
        return
    outcome = await context.desk.cancel(sender)
    await _answer(update, context, outcome)


async def my(update: Update, context: DeskContext) -> None:
    """List the customer's tickets."""
    sender = sender_of(update)
    if sender is None or update.effective_message is None:
        return
    outcome = await context.desk.my_tickets(sender)
    if isinstance(outcome, StaffOnly):
        await _answer(update, context, outcome)
        return
    text, markup = replies.ticket_list(outcome)
    await update.effective_message.reply_text(text, reply_markup=markup)


async def unknown_command(update: Update, context: DeskContext, sender: Sender) -> None:
    """Say the command is unknown; inside `/new`, ask the current step again."""
    view = await context.desk.intake_in_progress(sender)
    if view is None:
        locale = await context.desk.locale_of(sender)
        if update.effective_message is not None:
            await update.effective_message.reply_text(t(locale, "command.unknown"))
        return
    view.note = "command.unknown"
    await _answer(update, context, view)


async def message(update: Update, context: DeskContext) -> None:
    """Anything but a command in a private chat: a wizard step or a message for a ticket."""
    sender = sender_of(update)
    incoming = update.effective_message
    if sender is None or incoming is None:
        return
    value = from_message(incoming)
    outcome = await context.desk.customer_input(sender, value)
    if isinstance(outcome, StaffOnly):  # nothing was committed: the staff desk's one commit
        await staff.message(update, context, sender, value)
        return
    await _answer(update, context, outcome)


async def _answer(
    update: Update,
    context: DeskContext,
    outcome: CustomerMessageOutcome | TicketList | Greeting,
) -> None:
    """Render a use case's outcome as replies in the user's chat."""
    chat = update.effective_chat
    if chat is None:
        return
    if isinstance(outcome, Filed):
        await _confirm_filing(context, chat.id, outcome)
        return
    answers = replies.customer(outcome, context.deps.policy.limits)
    receipt_ids = getattr(outcome, "receipt_ids", [])
    await replies.send(context.bot, chat.id, answers, receipt_ids, context.deps.receipts)


async def _confirm_filing(context: DeskContext, chat_id: int, outcome: Filed) -> None:
    """Tell the customer the ticket's number; once Telegram has it, the outbox copy that
    stands in for a reply lost in a crash is marked sent."""
    text = render.filed(outcome.locale, filed_params(outcome.ticket, outcome.promise))
    try:
        sent = await context.bot.send_message(chat_id, text, reply_markup=ReplyKeyboardRemove())
    except TelegramError as exc:
        log.warning("filing confirmation not sent (%s); the outbox sends it", exc)
        return
    receipts = context.deps.receipts
    if outcome.receipt_id is not None and receipts is not None:
        await receipts.delivered_elsewhere(outcome.receipt_id, sent.message_id)


async def _wizard(update: Update, context: DeskContext, choice: Choice, sender: Sender) -> None:
    query = _query(update)
    outcome = await context.desk.customer_input(sender, choice)
    if isinstance(outcome, StaffOnly):  # staff filing for a customer (`/file`)
        await staff.message(update, context, sender, choice)
        return
    await query.answer()
    await drop_buttons(query)
    await _answer(update, context, outcome)


async def _poll(update: Update, context: DeskContext, answer: PollAnswer, sender: Sender) -> None:
    query = _query(update)
    satisfaction = context.deps.satisfaction
    if answer.score is not None:
        try:
            answered = await satisfaction.answer(sender, answer.poll_id, answer.score)
        except NotFound as error:  # not their poll, or none
            raise Stale("no such poll of the presser") from error
    else:
        answered = await satisfaction.skip_comment(sender, answer.poll_id)
        if answered.key == "poll.already_done":
            raise Stale("no comment of that poll is awaited")
    await query.answer()
    if answered.key not in ("poll.replaced", "poll.already", "poll.already_done"):
        await drop_buttons(query)
    await _answer(update, context, answered)


async def _language(update: Update, context: DeskContext, value: Language, sender: Sender) -> None:
    query = _query(update)
    locale = await context.desk.set_language(sender, value.code)
    await query.answer()
    await edit(query, t(locale, "lang.set"))


async def _show(update: Update, context: DeskContext, ref: TicketRef, sender: Sender) -> None:
    query = _query(update)
    detail = await context.desk.ticket_detail(sender, ref.number)
    reply = render.ticket_detail(detail, context.deps.policy.timezone)
    await query.answer()
    await edit(query, reply.text, reply.markup)


async def _list(update: Update, context: DeskContext, _: None, sender: Sender) -> None:
    query = _query(update)
    listing = await context.desk.my_tickets(sender)
    await query.answer()
    if isinstance(listing, TicketList):
        await edit(query, *replies.ticket_list(listing))


async def _withdraw(update: Update, context: DeskContext, ref: TicketRef, sender: Sender) -> None:
    query = _query(update)
    detail = await context.desk.ticket_detail(sender, ref.number)
    await query.answer()
    text = t(detail.locale, "withdraw.confirm", number=detail.ticket.number)
    await edit(query, text, keyboards.withdraw_confirm(detail.locale, detail.ticket.number))


async def _withdrawn(update: Update, context: DeskContext, ref: TicketRef, sender: Sender) -> None:
    query = _query(update)
    withdrawn = await context.desk.withdraw(sender, ref.number)
    await query.answer()
    await edit(query, t(withdrawn.locale, "withdraw.done", number=withdrawn.ticket.number))


async def _keep(update: Update, context: DeskContext, ref: TicketRef, sender: Sender) -> None:
    query = _query(update)
    detail = await context.desk.ticket_detail(sender, ref.number)
    reply = render.ticket_detail(detail, context.deps.policy.timezone)
    await query.answer(t(detail.locale, "withdraw.kept", number=detail.ticket.number))
    await edit(query, reply.text, reply.markup)


async def _pick(update: Update, context: DeskContext, ref: TicketRef, sender: Sender) -> None:
    picked = await context.desk.add_pending_to(sender, ref.number)
    await _appended(_query(update), picked, "message.added")


async def _add_to(update: Update, context: DeskContext, ref: TicketRef, sender: Sender) -> None:
    """`/new`'s "add to FB-… instead" at the summary: the summary becomes the answer."""
    added = await context.desk.add_draft_to(sender, ref.number)
    await _appended(_query(update), added, "merge.added")


async def _appended(query: CallbackQuery, outcome: Appended | Cancelled, key: str) -> None:
    """What the press added, and to which ticket; nothing waiting to be added: out of date."""
    if not isinstance(outcome, Appended):
        raise Stale("nothing of the presser's waits to be added")
    await query.answer()
    await edit(query, t(outcome.locale, key, number=outcome.ticket.number))


def _query(update: Update) -> CallbackQuery:
    query = update.callback_query
    assert query is not None
    return query


# The customer's buttons, by verb (handlers.setup gives each its CallbackQueryHandler).
BUTTONS: dict[Verb, Button] = {
    Verb.WIZARD: _wizard,
    Verb.POLL: _poll,
    Verb.POLL_SKIP: _poll,
    Verb.LANGUAGE: _language,
    Verb.SHOW: _show,
    Verb.LIST: _list,
    Verb.WITHDRAW: _withdraw,
    Verb.WITHDRAW_CONFIRM: _withdrawn,
    Verb.KEEP: _keep,
    Verb.PICK: _pick,
    Verb.ADD_TO: _add_to,
}
