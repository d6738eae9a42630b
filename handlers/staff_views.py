"""How a staff outcome reads: its text and buttons (a card, a choice, a history page, a
list of tickets, or a plain result), for the handlers and for the answers kept in the
outbox (handlers.replies)."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from domain.permissions import Act
from domain.services.staff.base import StaffView
from domain.ticket import Ticket
from handlers import keyboards, render
from handlers.callback_data import Verb, encode
from handlers.i18n import t

LIST_LIMIT = 20
LISTS = ("staff.queue", "staff.mine", "staff.found", "staff.overdue")


def _ticket_lines(locale: str, tickets: list[Ticket]) -> keyboards.Markup:
    buttons = [
        [
            keyboards.InlineKeyboardButton(
                t(
                    locale,
                    "staff.list_item",
                    number=ticket.number,
                    priority=t(locale, f"priority.{ticket.priority}"),
                    title=ticket.title[:40],
                ),
                callback_data=encode(Verb.STAFF, Act.VIEW, ticket.number),
            )
        ]
        for ticket in tickets[:LIST_LIMIT]
    ]
    return keyboards.InlineKeyboardMarkup(buttons) if buttons else None


def _history_text(view: StaffView, zone: tzinfo) -> str:
    lines = [t(view.locale, "staff.history", number=view.params["number"])]
    for event in view.events:
        lines.append(
            t(
                view.locale,
                "staff.history_line",
                time=render.local_time(event.created_at, zone),
                who=event.actor_name or t(view.locale, f"actor.{event.actor_kind.value}"),
                what=t(view.locale, f"event.{event.kind.value}"),
                body=(event.body or "")[:300],
            )
            + (
                " " + t(view.locale, "history.files", count=len(event.attachments))
                if event.attachments
                else ""
            )
        )
    lines.append(t(view.locale, "staff.page", page=view.page + 1, pages=view.pages))
    return "\n".join(lines)


def _language(locale: str, params: dict[str, Any]) -> dict[str, Any]:
    """`language` (a code) as its name in `locale`."""
    if "language" not in params:
        return params
    return {**params, "language": t(locale, f"canned.language.{params['language']}")}


def _canned_manage(view: StaffView) -> str:
    """A page of `/canned`: its text, with a line per reply in a list."""
    lines = [t(view.locale, view.key, **_language(view.locale, view.params))]
    if view.key == "canned.manage.list":
        lines += [
            t(view.locale, "canned.manage.line", **_language(view.locale, params))
            for op, _, _, params in view.choices
            if op == "show"
        ]
    return "\n".join(lines)


def compose(view: StaffView, zone: tzinfo) -> tuple[str, keyboards.Markup, bool]:
    """The text and buttons of an outcome, and whether it is for the presser's eyes."""
    if view.card is not None:
        return (
            render.card_text(view.locale, view.card),
            keyboards.card(view.locale, view.card),
            True,
        )
    if view.key.startswith("canned.manage."):
        return _canned_manage(view), keyboards.canned_manage(view.locale, view.choices), True
    if view.choices and view.key.startswith("file."):
        text = t(view.locale, view.key, **view.params)
        return text, keyboards.filing_choices(view.locale, view.choices), True
    if view.choices:
        text = t(view.locale, view.key, **view.params)
        return (
            text,
            keyboards.staff_choices(view.locale, view.params["number"], view.choices),
            True,
        )
    if view.key == "staff.history":
        markup = keyboards.history_pages(view.locale, view.params["number"], view.page, view.pages)
        return _history_text(view, zone), markup, True
    if view.key in LISTS:
        key = view.key if view.tickets else f"{view.key}_empty"
        text = t(view.locale, key, count=len(view.tickets))
        return text, _ticket_lines(view.locale, view.tickets), True
    params = dict(view.params)
    if "priority" in params:
        params["priority"] = t(view.locale, f"priority.{params['priority']}")
    return t(view.locale, view.key, **params), None, view.private_prompt
