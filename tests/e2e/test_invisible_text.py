"""Nothing invisible gets in: a text with nothing visible is asked again like an empty one,
and control, bidirectional and stray zero-width characters reach neither storage nor a card."""

from __future__ import annotations

from domain.text import FORBIDDEN
from tests.e2e.dsl import DeskHarness
from tests.e2e.steps import (
    add_staff,
    asked_again,
    file_ticket,
    label,
    labels,
    said,
    ticket_count,
    ticket_row,
)
from tests.e2e.test_staff_desk import card_of

INVISIBLE = "\u200b\u202e \u2060\ufeff\u200d\u2066"


async def test_an_invisible_text_is_asked_again_like_an_empty_one(desk: DeskHarness) -> None:
    ann = desk.customer(431, "Ann")
    await ann.send("/new")
    await ann.press(label("en", "type.complaint"))
    await ann.send(INVISIBLE)
    assert ann.last_text == asked_again(
        "en", "intake.empty", said("en", "intake.ask_description", limit=4000)
    )
    await ann.send("Till broken")
    await ann.press(label("en", "button.done"))
    await ann.send("\u200b\u200c")
    assert ann.last_text == asked_again("en", "intake.empty", said("en", "intake.ask_reference"))
    assert await ticket_count(desk) == 0


async def test_hidden_characters_reach_neither_storage_nor_the_card(desk: DeskHarness) -> None:
    ann = desk.customer(432, "Ann")
    bob = desk.customer(2001, "Bob")
    await add_staff(desk, bob)
    number = await file_ticket(
        ann,
        "Till\u202e enekorb\u202c \u200bbeeps\x07 at cafe\u0301 \U0001f469\u200d\U0001f4bb",
        reference="INV\u2066-42\u2069\ufeff",
    )
    await desk.dispatch()

    row = await ticket_row(desk, number)
    assert row.description == "Till enekorb beeps at caf\u00e9 \U0001f469\u200d\U0001f4bb"
    assert row.reference == "INV-42"
    card = card_of(desk, number).plain_text or ""
    assert "Till enekorb beeps" in card
    assert not set(card.replace("\U0001f469\u200d\U0001f4bb", "")) & FORBIDDEN

    await bob.send("/find \u200b")
    assert bob.last_text == said("en", "staff.find_usage")
    await bob.send("/find bee\u200bps")
    assert [b.split(" · ")[0] for b in labels(bob.last_message)] == [number]
