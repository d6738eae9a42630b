"""Keyboards as pure functions of a locale and a view; every button goes through the codec."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from domain.intake import EDITABLE, Draft, Step
from domain.ticket import FeedbackType, Ticket
from handlers.callback_data import Verb, encode
from handlers.i18n import t

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None

FIELD_KEYS = {
    Step.TYPE: "field.type",
    Step.DESCRIPTION: "field.description",
    Step.ATTACHMENTS: "field.attachments",
    Step.REFERENCE: "field.reference",
    Step.CONTACT: "field.contact",
    Step.STOPPED: "field.stopped",
}


def _wizard(locale: str, step: Step, value: str, label_key: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        t(locale, label_key), callback_data=encode(Verb.WIZARD, step, value)
    )


def _rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def intake_step(locale: str, draft: Draft) -> Markup:
    """The buttons under the question of the wizard's current step."""
    step = draft.step
    cancel = [_wizard(locale, step, "cancel", "button.cancel")]
    if step is Step.TYPE:
        types = [_wizard(locale, step, ft.value, f"type.{ft.value}") for ft in FeedbackType]
        return InlineKeyboardMarkup([*_rows(types, 2), cancel])
    if step is Step.DESCRIPTION:
        return InlineKeyboardMarkup([cancel])
    if step is Step.ATTACHMENTS:
        row = [_wizard(locale, step, "done", "button.done")]
        if draft.attachments:
            row.append(_wizard(locale, step, "clear", "button.clear"))
        return InlineKeyboardMarkup([row, cancel])
    if step is Step.REFERENCE:
        return InlineKeyboardMarkup([[_wizard(locale, step, "skip", "button.skip")], cancel])
    if step is Step.CONTACT:
        return ReplyKeyboardMarkup(
            [
                [KeyboardButton(t(locale, "button.share_contact"), request_contact=True)],
                [KeyboardButton(t(locale, "button.skip_contact"))],
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if step is Step.STOPPED:
        return InlineKeyboardMarkup(
            [
                [
                    _wizard(locale, step, "yes", "button.yes_stopped"),
                    _wizard(locale, step, "no", "button.no_stopped"),
                ],
                cancel,
            ]
        )
    if step is Step.SUMMARY:
        return InlineKeyboardMarkup(
            [
                [_wizard(locale, step, "submit", "button.submit")],
                [
                    _wizard(locale, step, "edit", "button.edit"),
                    _wizard(locale, step, "cancel", "button.cancel"),
                ],
            ]
        )
    fields = [_wizard(locale, step, field, FIELD_KEYS[field]) for field in EDITABLE]
    return InlineKeyboardMarkup(
        [*_rows(fields, 2), [_wizard(locale, step, "back", "button.back")]]
    )


def languages(codes: Sequence[str]) -> InlineKeyboardMarkup:
    """One button per offered language, each labelled in its own language."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t(code, "lang.name"), callback_data=encode(Verb.LANGUAGE, code))]
            for code in codes
        ]
    )


def ticket_buttons(
    locale: str, tickets: Sequence[Ticket], verb: Verb, *, with_status: bool = True
) -> InlineKeyboardMarkup:
    """One button per ticket: `FB-… · status`."""
    rows = []
    for ticket in tickets:
        label = (
            t(locale, "my.item", number=ticket.number, status=t(locale, f"status.{ticket.status}"))
            if with_status
            else f"{ticket.number} · {ticket.title[:30]}"
        )
        rows.append([InlineKeyboardButton(label, callback_data=encode(verb, ticket.number))])
    return InlineKeyboardMarkup(rows)


def ticket_detail(locale: str, ticket: Ticket, can_withdraw: bool) -> InlineKeyboardMarkup:
    """Under a ticket's history: withdraw (while nobody has it) and back to the list."""
    rows = []
    if can_withdraw:
        rows.append(
            [
                InlineKeyboardButton(
                    t(locale, "button.withdraw"),
                    callback_data=encode(Verb.WITHDRAW, ticket.number),
                )
            ]
        )
    rows.append(
        [InlineKeyboardButton(t(locale, "button.all_tickets"), callback_data=encode(Verb.LIST))]
    )
    return InlineKeyboardMarkup(rows)


def withdraw_confirm(locale: str, number: str) -> InlineKeyboardMarkup:
    """Are you sure? Yes / No."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(locale, "button.withdraw_confirm"),
                    callback_data=encode(Verb.WITHDRAW_CONFIRM, number),
                ),
                InlineKeyboardButton(
                    t(locale, "button.keep"), callback_data=encode(Verb.KEEP, number)
                ),
            ]
        ]
    )
