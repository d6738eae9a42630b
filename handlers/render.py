"""Texts of replies and notices, from views and a locale. Pure: no Telegram calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from domain.durations import Span
from domain.intake import Draft, Step
from domain.policy import Limits, Promise
from domain.ticket import (
    CUSTOMER_VISIBLE,
    AttachmentKind,
    Channel,
    TicketEvent,
    title_from,
)
from domain.views import IntakeView, TicketDetail, promise_from
from handlers import keyboards
from handlers.i18n import Safe, t
from handlers.timewords import clock_words

SUMMARY_DESCRIPTION_CHARS = 700
HISTORY_BODY_CHARS = 300
HISTORY_TOTAL_CHARS = 3000


@dataclass(slots=True)
class Reply:
    """One message to send: text and buttons."""

    text: str
    markup: keyboards.Markup = None


def local_time(moment: datetime, zone: tzinfo) -> str:
    """`2026-11-22 21:05` in the desk's time zone."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def span(locale: str, value: Span) -> str:
    """`30 min`, `1 h`, `3 working days`."""
    if value.business_days:
        return t(locale, "span.business_days", n=value.business_days)
    minutes = int(value.clock.total_seconds() // 60)
    if minutes % 1440 == 0:
        return t(locale, "span.days", n=minutes // 1440)
    if minutes % 60 == 0:
        return t(locale, "span.hours", n=minutes // 60)
    return t(locale, "span.minutes", n=minutes)


def promise(locale: str, value: Promise) -> str:
    """How soon the desk will answer, in words."""
    key = "span.business_promise" if value.business_hours else "span.clock_promise"
    return t(locale, key, span=span(locale, value.within))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _or_none(locale: str, value: str | None) -> str:
    return value if value else t(locale, "value.none")


def summary(locale: str, draft: Draft) -> str:
    """The wizard's last page: everything the customer entered."""
    description = draft.description or ""
    return t(
        locale,
        "intake.summary",
        type=t(locale, f"type.{draft.type}") if draft.type else t(locale, "value.none"),
        title=title_from(description) or t(locale, "value.none"),
        description=_shorten(description, SUMMARY_DESCRIPTION_CHARS),
        attachments=str(len(draft.attachments)),
        reference=_or_none(locale, draft.reference),
        phone=_or_none(locale, draft.phone),
        stopped=t(locale, "value.yes" if draft.stopped else "value.no"),
    )


def _question(locale: str, draft: Draft, limits: Limits) -> str:
    step = draft.step
    if step is Step.SUMMARY:
        return summary(locale, draft)
    if step is Step.EDIT_MENU:
        return t(locale, "intake.ask_edit")
    if step is Step.DESCRIPTION:
        return t(locale, "intake.ask_description", limit=limits.description_max_chars)
    if step is Step.ATTACHMENTS:
        return t(locale, "intake.ask_attachments", limit=limits.attachments_max)
    if step is Step.CONTACT and draft.channel is not Channel.TELEGRAM:
        return t(locale, "file.ask_contact")
    return t(locale, f"intake.ask_{step.value}")


def intake(view: IntakeView, limits: Limits, *, left_contact: bool) -> list[Reply]:
    """What the customer sees after a wizard input: a note, then the current question."""
    replies: list[Reply] = []
    if left_contact:
        replies.append(
            Reply(t(view.locale, "intake.contact_saved"), keyboards.ReplyKeyboardRemove())
        )
    note = t(view.locale, view.note, **view.params) if view.note else None
    if view.resumed:
        note = t(view.locale, "intake.resumed")
    if view.note == "intake.file_added":
        question = note or ""
    else:
        question = _question(view.locale, view.draft, limits)
        if note:
            question = f"{note}\n\n{question}"
    if view.open_tickets and view.draft.step is Step.SUMMARY:
        question += "\n\n" + t(view.locale, "merge.offer_at_intake", count=len(view.open_tickets))
    markup = keyboards.intake_step(view.locale, view.draft, view.open_tickets)
    replies.append(Reply(question, markup))
    return replies


def filed(locale: str, params: dict[str, Any]) -> str:
    """The confirmation with the ticket number and the promise (domain.views.filed_params)."""
    key = "intake.filed_urgent" if params["urgent"] else "intake.filed"
    value = promise_from(params)
    words = promise(locale, value) if value else t(locale, "value.none")
    return t(locale, key, number=params["number"], promise=Safe(words))


def _history_line(locale: str, event: TicketEvent, zone: tzinfo) -> str:
    when = local_time(event.created_at, zone)
    body = _shorten(event.body or "", HISTORY_BODY_CHARS) or t(locale, "history.empty_body")
    line = t(locale, f"history.{event.kind.value}", time=when, body=body, status="")
    if event.attachments:
        line += " " + t(locale, "history.files", count=len(event.attachments))
    return line


def ticket_detail(view: TicketDetail, zone: tzinfo) -> Reply:
    """One ticket and its customer-visible history, newest lines kept when long."""
    locale, ticket = view.locale, view.ticket
    lines = [
        _history_line(locale, e, zone)
        for e in view.history
        if e.kind in CUSTOMER_VISIBLE and e.visible_to_customer
    ]
    kept: list[str] = []
    total = 0
    for line in reversed(lines):
        total += len(line) + 1
        if total > HISTORY_TOTAL_CHARS:
            kept.append("…")
            break
        kept.append(line)
    text = t(
        locale,
        "my.detail",
        number=ticket.number,
        status=t(locale, f"status.{ticket.status}"),
        title=ticket.title,
        type=t(locale, f"type.{ticket.type}"),
        filed=local_time(ticket.created_at, zone),
        history=Safe("\n".join(reversed(kept))),
    )
    return Reply(text, keyboards.ticket_detail(locale, ticket, view.can_withdraw))


SENDERS = {
    AttachmentKind.PHOTO: ("send_photo", "photo"),
    AttachmentKind.DOCUMENT: ("send_document", "document"),
    AttachmentKind.VOICE: ("send_voice", "voice"),
    AttachmentKind.VIDEO: ("send_video", "video"),
    AttachmentKind.AUDIO: ("send_audio", "audio"),
    AttachmentKind.VIDEO_NOTE: ("send_video_note", "video_note"),
}


def card_text(locale: str, params: dict[str, Any]) -> str:
    """A ticket card: what staff need to decide at a glance."""
    lines = [
        t(
            locale,
            "card.head",
            number=params["number"],
            priority=t(locale, f"priority.{params['priority']}"),
            status=t(locale, f"staff.status.{params['status']}"),
        ),
        t(
            locale,
            "card.kind",
            type=t(locale, f"type.{params['type']}"),
            channel=t(locale, f"channel.{params['channel']}"),
            department=params.get("department", ""),
        ),
        t(
            locale,
            "card.customer",
            customer=params.get("customer", ""),
            contact=params.get("contact", ""),
        ),
        t(locale, "card.title", title=params.get("title", "")),
    ]
    if params.get("due"):
        key = "card.due" if params.get("due_target") == "acknowledge" else "card.due_resolve"
        line = t(locale, key, due=params["due"])
        left = params.get("left_seconds")
        if left is not None and left > 0:
            line += " · " + t(locale, "card.left", left=Safe(clock_words(locale, left)))
        elif left is not None:  # due now is missed: at least a second late, never zero
            late = clock_words(locale, max(1, -left))
            line += " · " + t(locale, "card.overdue", by=Safe(late))
        lines.append(line)
    lines.append(t(locale, "card.attachments", count=params.get("attachments", 0)))
    if params.get("assignee"):
        key = "assign.card_given" if params.get("given") else "card.assignee"
        lines.append(t(locale, key, name=params["assignee"]))
    else:
        lines.append(t(locale, "card.unclaimed"))
    if params.get("messages"):
        lines.append(t(locale, "card.messages", count=params["messages"]))
    if params.get("last_message"):
        lines.append(t(locale, "card.last_message", body=params["last_message"]))
    if params.get("vip"):
        lines.insert(1, t(locale, f"card.vip_{params['vip']}"))
    if params.get("card_kind") == "collab" and params.get("question"):
        lines.insert(0, t(locale, "card.collab_question", question=params["question"]))
    if params.get("round", 1) > 1:
        lines.insert(1, t(locale, "card.second_round", score=params.get("score") or "?"))
    if params.get("score_comment"):
        lines.append(t(locale, "card.score_comment", comment=params["score_comment"]))
    if params.get("moved"):
        lines.append(t(locale, "card.moved", department=params.get("department", "")))
    if params.get("undelivered"):  # until the ticket next changes
        lines.append(t(locale, f"card.undelivered_{params['undelivered']}"))
    return "\n".join(lines)
