"""How a customer's profile reads (`/customer`): its text, contacts masked unless revealed,
its tickets with their scores, and its buttons (edit a field, VIP, reveal, open a ticket)."""

from __future__ import annotations

from datetime import tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.masking import mask_email, mask_phone
from domain.people import Customer
from domain.permissions import Act
from domain.presses import REVEAL
from domain.profiles import TYPED, Field, TicketLine
from domain.services.staff.profiles import ProfileView
from handlers.callback_data import Verb, encode
from handlers.i18n import t

OPEN_BUTTONS = 5  # open tickets offered as buttons


def _contacts(locale: str, customer: Customer, revealed: bool) -> dict[str, str]:
    none = t(locale, "profile.none")
    phone = customer.phone if revealed else mask_phone(customer.phone)
    email = customer.email if revealed else mask_email(customer.email)
    return {"phone": phone or none, "email": email or none}


def _line(locale: str, line: TicketLine, zone: tzinfo) -> str:
    score = t(locale, "profile.score", score=line.score) if line.score is not None else ""
    return t(
        locale,
        "profile.ticket",
        number=line.number,
        status=t(locale, f"staff.status.{line.status}"),
        day=line.created_at.astimezone(zone).strftime("%Y-%m-%d"),
        title=line.title[:50],
        score=score,
    )


def _tickets(view: ProfileView, zone: tzinfo) -> list[str]:
    tickets = view.tickets
    if tickets is None:
        return []
    if not tickets.total:
        return [t(view.locale, "profile.no_tickets")]
    lines = [t(view.locale, "profile.tickets", open=tickets.open_count, count=tickets.total)]
    lines += [_line(view.locale, line, zone) for line in tickets.lines]
    if tickets.total > len(tickets.lines):
        lines.append(t(view.locale, "profile.more", count=tickets.total - len(tickets.lines)))
    return lines


def text(view: ProfileView, zone: tzinfo) -> str:
    """The profile card, or (for a prompt) its question."""
    locale, customer = view.locale, view.customer
    if view.key != "profile.card" or customer is None:
        return t(locale, view.key, **view.params)
    none = t(locale, "profile.none")
    lines = [t(locale, view.note, **view.params)] if view.note else []
    lines.append(
        t(
            locale,
            "profile.head",
            name=customer.name or none,
            number=customer.number,
            vip=t(locale, "profile.vip") if customer.vip else "",
        )
    )
    lines.append(
        t(
            locale,
            "profile.fields",
            company=customer.company or none,
            username=f"@{customer.username}" if customer.username else none,
            tags=", ".join(customer.tags) or none,
            grade=customer.grade or none,
            source=t(locale, f"channel.{customer.source}") if customer.source else none,
            since=customer.created_at.astimezone(zone).strftime("%Y-%m-%d"),
            **_contacts(locale, customer, view.revealed),
        )
    )
    if view.revealed:
        lines.append(t(locale, "profile.revealed_note"))
    return "\n".join([*lines, "", *_tickets(view, zone)])


def _button(locale: str, label: str, customer_id: int, what: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(Verb.PROFILE, str(customer_id), what))


def markup(view: ProfileView) -> InlineKeyboardMarkup | None:
    """Its buttons: a field each (two a row), VIP, reveal, and its open tickets."""
    customer = view.customer
    if view.key != "profile.card" or customer is None or customer.id is None:
        return None
    locale, cid = view.locale, customer.id
    rows: list[list[InlineKeyboardButton]] = []
    if view.editable:
        edits = [_button(locale, t(locale, f"profile.button.{f.value}"), cid, f) for f in TYPED]
        rows += [edits[i : i + 2] for i in range(0, len(edits), 2)]
    extra = []
    if view.vip_editable:
        key = "profile.button.vip_off" if customer.vip else "profile.button.vip_on"
        extra.append(_button(locale, t(locale, key), cid, Field.VIP))
    if view.revealable:
        extra.append(_button(locale, t(locale, "profile.button.reveal"), cid, REVEAL))
    if extra:
        rows.append(extra)
    opened = [line for line in (view.tickets.lines if view.tickets else []) if line.open]
    for line in opened[:OPEN_BUTTONS]:
        label = t(locale, "profile.button.ticket", number=line.number)
        rows.append(
            [InlineKeyboardButton(label, callback_data=encode(Verb.STAFF, Act.VIEW, line.number))]
        )
    return InlineKeyboardMarkup(rows) if rows else None
