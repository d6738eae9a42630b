"""Keyboards as pure functions of a locale and a view; every button goes through the codec."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from domain.intake import EDITABLE, Draft, Step
from domain.permissions import Act
from domain.ticket import Channel, FeedbackType, Status, Ticket
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


def intake_step(locale: str, draft: Draft, open_tickets: Sequence[str] = ()) -> Markup:
    """The buttons under the question of the wizard's current step (at the summary, one
    more per open ticket of the customer's, to add the feedback to it instead)."""
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
    if step is Step.CONTACT and draft.channel is not Channel.TELEGRAM:
        # staff filing for a customer type the number (or share the customer's contact card)
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
                *_add_to(locale, open_tickets),
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


def _add_to(locale: str, numbers: Sequence[str]) -> list[list[InlineKeyboardButton]]:
    return [
        [
            InlineKeyboardButton(
                t(locale, "merge.add_to", number=number),
                callback_data=encode(Verb.ADD_TO, number),
            )
        ]
        for number in numbers
    ]


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


# -- staff ---------------------------------------------------------------------------------


# the catalog key of a card button whose label is not `staff.button.<act>`
BUTTON_LABELS = {Act.REMIND: "followup.button"}


def _staff(locale: str, act: Act, number: str) -> InlineKeyboardButton:
    label = BUTTON_LABELS.get(act, f"staff.button.{act.value}")
    return InlineKeyboardButton(t(locale, label), callback_data=encode(Verb.STAFF, act, number))


def card(locale: str, params: dict[str, Any]) -> Markup:
    """The buttons of a ticket card, for what its ticket can have done next."""
    number = params["number"]
    status = Status(params["status"])
    if params.get("moved") or status in (Status.CLOSED, Status.WITHDRAWN, Status.MERGED):
        return InlineKeyboardMarkup([[_staff(locale, Act.HISTORY, number)]])
    if status is Status.RESOLVED:
        return InlineKeyboardMarkup(
            [
                [_staff(locale, Act.CLOSE, number), _staff(locale, Act.NOTE, number)],
                [_staff(locale, Act.HISTORY, number), _staff(locale, Act.FILES, number)],
            ]
        )
    if params.get("card_kind") == "collab":
        return InlineKeyboardMarkup(
            [
                [_staff(locale, Act.ANSWER, number), _staff(locale, Act.HISTORY, number)],
                [_staff(locale, Act.FILES, number)],
            ]
        )
    if params.get("assignee") is None:
        return InlineKeyboardMarkup(
            [
                [_staff(locale, Act.CLAIM, number)],
                [_staff(locale, Act.ASSIGN, number), _staff(locale, Act.NOTE, number)],
                [_staff(locale, Act.HISTORY, number), _staff(locale, Act.FILES, number)],
                [_staff(locale, Act.REMIND, number), _staff(locale, Act.MERGE, number)],
            ]
        )
    acts: list[tuple[Act, ...]] = [(Act.CLAIM,)] if params.get("given") else []
    acts += [
        (Act.REPLY, Act.ASK),
        (Act.NOTE, Act.RESOLVE),
        (Act.PRIORITY, Act.TRANSFER),
        (Act.COLLABORATE, Act.REVEAL),
        (Act.HISTORY, Act.FILES),
        (Act.CANNED, Act.ASSIGN),
        (Act.REMIND, Act.MERGE),
    ]
    return InlineKeyboardMarkup([[_staff(locale, a, number) for a in row] for row in acts])


def staff_choices(
    locale: str, number: str, choices: Sequence[tuple[str, str, str, dict[str, Any]]]
) -> Markup:
    """One button per option offered after a card button (priorities, departments, people)."""
    buttons = [
        InlineKeyboardButton(
            t(locale, label, **params),
            callback_data=encode(Verb.STAFF_CHOICE, act, number, value),
        )
        for act, value, label, params in choices
    ]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def history_pages(locale: str, number: str, page: int, pages: int) -> Markup:
    """Newer / older buttons under a page of a ticket's history."""
    row = []
    if page > 0:
        row.append(
            InlineKeyboardButton(
                t(locale, "staff.button.newer"),
                callback_data=encode(Verb.STAFF_CHOICE, Act.HISTORY, number, f"p{page - 1}"),
            )
        )
    if page + 1 < pages:
        row.append(
            InlineKeyboardButton(
                t(locale, "staff.button.older"),
                callback_data=encode(Verb.STAFF_CHOICE, Act.HISTORY, number, f"p{page + 1}"),
            )
        )
    return InlineKeyboardMarkup([row]) if row else None


def reply_button(locale: str, number: str) -> Markup:
    """Under a customer's message relayed to the assignee."""
    return InlineKeyboardMarkup([[_staff(locale, Act.REPLY, number)]])


def confirm_resolution(locale: str, number: str) -> Markup:
    """Under a resolution sent to the customer."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(locale, "confirm.button.solved"),
                    callback_data=encode(Verb.CONFIRM, number, "y"),
                ),
                InlineKeyboardButton(
                    t(locale, "confirm.button.not_solved"),
                    callback_data=encode(Verb.CONFIRM, number, "n"),
                ),
            ]
        ]
    )


def open_ticket(locale: str, number: str) -> Markup:
    """Under a notice to staff: show the ticket's card."""
    return InlineKeyboardMarkup([[_staff(locale, Act.VIEW, number)]])


def filing_choices(locale: str, choices: Sequence[tuple[str, str, str, dict[str, Any]]]) -> Markup:
    """`/file`: channels, or the customers a search found (and "new customer")."""
    buttons = [
        InlineKeyboardButton(
            t(locale, label, **params), callback_data=encode(Verb.FILE, stage, value)
        )
        for stage, value, label, params in choices
    ]
    return InlineKeyboardMarkup(_rows(buttons, 2 if choices[0][0] == "channel" else 1))


def canned_manage(locale: str, choices: Sequence[tuple[str, str, str, dict[str, Any]]]) -> Markup:
    """`/canned`: a button per reply, to add one per language, to edit, retire, go back."""
    buttons = []
    for op, value, label, params in choices:
        if "language" in params:
            params = {**params, "language": t(locale, f"canned.language.{params['language']}")}
        if op == "add":
            data = encode(Verb.CANNED_ADD, *value.split(":"))
        else:
            data = encode(Verb.CANNED, op, value)
        buttons.append(InlineKeyboardButton(t(locale, label, **params), callback_data=data))
    return InlineKeyboardMarkup(_rows(buttons, 1)) if buttons else None


def sla_notice(locale: str, number: str, *, assign: bool) -> Markup:
    """Under an SLA warning (Open) or a breach or escalation (Assign, Open)."""
    row = [_staff(locale, Act.ASSIGN, number)] if assign else []
    row.append(_staff(locale, Act.VIEW, number))
    return InlineKeyboardMarkup([row])


def poll(locale: str, poll_id: int) -> Markup:
    """Five score buttons, 1 (bad) to 5 (great)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(locale, f"poll.score_{score}"),
                    callback_data=encode(Verb.POLL, str(poll_id), str(score)),
                )
                for score in range(1, 6)
            ]
        ]
    )


def poll_skip(locale: str, poll_id: int) -> Markup:
    """Under "anything to add?"."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(locale, "button.skip"), callback_data=encode(Verb.POLL_SKIP, str(poll_id))
                )
            ]
        ]
    )
