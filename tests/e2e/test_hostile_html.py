"""Every text the bot sends survives what people type: `<`, `&` and half tags in a name, a
title or a message reach the reader as typed, and Telegram (read here as it reads HTML) never
refuses a message because of them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.sandbox import telegram_html
from domain.delivery import Kind
from domain.report import AgentRow, Figures, Period, PeriodKind, Report, ReportScope
from handlers import notices
from handlers.i18n import catalog, placeholders, t
from tests.e2e.dsl import DeskHarness
from tests.e2e.steps import add_staff, file_ticket
from tests.e2e.test_staff_desk import card_of, press_on_card

HOSTILE = [
    "<",
    "&",
    "a < b & c > d",
    "<b>unclosed",
    "</i>",
    '<a href="x">link',
    "&amp; &lt;not an entity",
    "<script>alert(1)</script>",
]
LOCALES = ["en", "zh"]
FILE = {"kind": "photo", "file_id": "photo-1"}


def _seen(text: str) -> str:
    """What the reader sees; fails the test, with Telegram's reason, if Telegram refuses."""
    try:
        return telegram_html.plain(text)
    except telegram_html.ParseError as refused:
        pytest.fail(f"Telegram refuses {text!r}: {refused}")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("value", HOSTILE)
def test_every_catalog_text_shows_a_hostile_value_as_typed(locale: str, value: str) -> None:
    for key, text in catalog(locale).items():
        names = placeholders(text)
        seen = _seen(t(locale, key, **dict.fromkeys(names, value)))
        if names:
            assert value in seen, key


def _notices(value: str) -> dict[str, dict[str, Any]]:
    """Every kind of outbox message, its customer- and staff-typed parts `value`."""
    number = {"number": "FB-20261123-0001"}
    relayed = {**number, "sender": value, "body": value}
    card = {
        **number,
        "type": "complaint",
        "priority": "urgent",
        "channel": "telegram",
        "status": "in_progress",
        "title": value,
        "customer": value,
        "contact": "138****5678",
        "department": value,
        "assignee": value,
        "due": "2026-11-23 11:00",
        "due_target": "resolve",
        "left_seconds": -70,
        "attachments": 2,
        "messages": 3,
        "last_message": value,
        "round": 2,
        "score": 2,
        "score_comment": value,
        "moved": True,
        "card_kind": "collab",
        "question": value,
    }
    sla = {**number, "priority": "high", "target": "acknowledge", "due": "11:00", "title": value}
    return {
        "card": card,
        Kind.FILED: {**number, "urgent": True, "promise": None},
        "ticket.customer_message": relayed,
        "ticket.customer_message.file": {**relayed, "file": FILE},
        "ticket.agent_reply": relayed,
        "ticket.agent_reply.file": {**relayed, "file": FILE},
        "ticket.asked": relayed,
        "ticket.asked.file": {**relayed, "file": FILE},
        "poll.ask": {**number, "poll_id": 1},
        "poll.reminder": {**number, "poll_id": 1},
        "poll.second_round": number,
        "ticket.filed_for_you": {**number, "channel": "phone"},
        "ticket.claimed": {**number, "agent": value},
        "ticket.resolved": {**number, "resolution": value},
        "sla.warning": sla,
        "sla.breach": sla,
        "sla.escalation": sla,
        "ticket.assigned": {**number, "by": value},
        "ticket.transferred_to_you": {**number, "by": value, "reason": value},
        "ticket.reopened": number,
        "ticket.collab_answer": {**number, "by": value, "body": value},
        "ticket.second_round": {**number, "score": 2},
        "staffadmin.joined": {"name": value, "role": "agent", "department": value},
        "report.digest": _report(value).to_dict(),
        Kind.REMINDER: {**card, "moved": False, "card_kind": "card"},
        Kind.NUDGE: {**number, "title": value},
        Kind.CLOSED_UNANSWERED: {**number, "title": value},
        Kind.CLOSED_UNANSWERED_STAFF: {**number, "title": value},
    }


def _report(value: str) -> Report:
    day = date(2026, 11, 16)
    moment = datetime(2026, 11, 16, tzinfo=UTC)
    period = Period(PeriodKind.WEEK, day, day, moment, moment)
    agent = AgentRow(1, value, handled=2, resolve_median=90.0, satisfaction_mean=4.0)
    figures = Figures(tickets=2, by_type={"complaint": 2}, agents=[agent])
    return Report(ReportScope(1, value), period, period, figures, figures)


def test_every_kind_of_outbox_message_shows_hostile_values_as_typed() -> None:
    rendered = 0
    for locale in LOCALES:
        for value in HOSTILE:
            for kind, params in _notices(value).items():
                call = notices.notice(kind, locale, params)
                text = call.kwargs.get("text") or call.kwargs.get("caption")
                assert text, kind
                seen = _seen(text)
                if any(v == value for v in params.values()):
                    assert value in seen, (kind, locale)
                rendered += 1
    assert rendered == len(LOCALES) * len(HOSTILE) * len(_notices("x"))


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
async def test_a_hostile_customer_and_agent_go_through_the_desk(
    desk: DeskHarness, lang: str
) -> None:
    ann = desk.customer(1001, "<b>Ann & Co", lang=lang, last_name="</i>")
    bob = desk.customer(2001, "<Bob>&", lang=lang, last_name="<script>")
    await add_staff(desk, bob)
    number = await file_ticket(ann, "<i>Till & printer < broken\nsince <b>Monday")
    await desk.dispatch()
    assert "<i>Till & printer < broken" in (card_of(desk, number).plain_text or "")
    await press_on_card(bob, desk, number, "staff.button.claim")
    await desk.dispatch()
    assert "<Bob>& " in ann.last_text  # "<Bob>& is on it": customers see a first name
    await ann.send("more & more <u>")
    await desk.dispatch()
    assert "more & more <u>" in bob.last_text
    await ann.send("/my")
    await ann.press(ann.last_message.buttons[0]["text"])
    assert "<i>Till & printer < broken" in ann.last_text
    failed = [c for c in desk.api.calls if "parse entities" in (c.description or "")]
    assert failed == []
