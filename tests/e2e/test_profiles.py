"""Customer profiles: `/customer` by number, ticket, @username and phone, contacts masked and
revealed on record, fields edited inline with their checks, VIP, merging two profiles."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.app import runtime_of
from domain.people import Role
from storage.models import CustomerAuditRow, CustomerRow
from tests.e2e.dsl import DeskHarness, Person
from tests.e2e.steps import add_staff, file_ticket, label, labels, said, ticket_row
from tests.e2e.test_satisfaction import resolve
from tests.e2e.test_staff_desk import press_on_card

LOCALES = [pytest.param("en", id="english"), pytest.param("zh", id="chinese")]
PHONE = "+8613812345678"
CHANNELS = "telegram, phone, email, web_form, in_person, other_messenger, internal"
HINTS = {"max": 30, "count": 10, "grades": "A, B, C, D", "channels": CHANNELS}


async def customer_row(desk: DeskHarness, telegram_id: int) -> Any:
    async with runtime_of(desk.app).uow.engine.connect() as connection:
        rows = await connection.execute(
            select(CustomerRow).where(CustomerRow.telegram_id == telegram_id)
        )
        return rows.one()


async def audit(desk: DeskHarness, customer_id: int) -> list[tuple[str, dict[str, Any]]]:
    async with runtime_of(desk.app).uow.engine.connect() as connection:
        rows = await connection.execute(
            select(CustomerAuditRow)
            .where(CustomerAuditRow.customer_id == customer_id)
            .order_by(CustomerAuditRow.id)
        )
        return [(r.action, r.counts) for r in rows]


async def scored_ticket(desk: DeskHarness, ann: Person, bob: Person) -> str:
    """Ann files a ticket with her phone; Bob claims and resolves it; she scores it 5."""
    number = await file_ticket(ann, phone=PHONE)
    await desk.dispatch()
    await press_on_card(bob, desk, number, "staff.button.claim")
    await desk.dispatch()
    await resolve(desk, bob, number, "Fixed.")
    locale = "zh" if ann.user.language_code == "zh" else "en"
    await ann.press(label(locale, "confirm.button.solved"))
    await desk.dispatch()
    await ann.press(label(locale, "poll.score_5"))
    await ann.press(label(locale, "button.skip"))
    await desk.dispatch()
    return number


@pytest.mark.parametrize("locale", LOCALES)
async def test_staff_look_a_customer_up_every_way_with_contacts_masked(
    desk: DeskHarness, locale: str
):
    ann = desk.customer(1001, "Ann", username="Ann_Shop")
    bob = desk.customer(2001, "Bob", lang=locale)
    await add_staff(desk, bob)
    closed = await scored_ticket(desk, ann, bob)
    still_open = await file_ticket(ann, "Drawer stuck")
    await desk.dispatch()
    row = await customer_row(desk, ann.id)
    assert (row.username, row.source) == ("ann_shop", "telegram")

    for query in ("@ann_shop", "@ANN_SHOP", row.number.lower(), PHONE, "+86 138-1234-5678",
                  "8613812345678", closed, still_open.lower()):  # fmt: skip
        await bob.send(f"/customer {query}")
        text = bob.last_text
        assert said(locale, "profile.head", name="Ann", number=row.number, vip="") in text, query
        assert "+86 138****5678" in text
        assert "13812345678" not in text
        assert "@ann_shop" in text
        assert said(locale, "profile.tickets", open=1, count=2) in text
        assert f"{closed} · " in text
        assert said(locale, "profile.score", score=5) in text
    # the open ticket is a button to its card; an agent may edit, not reveal nor make VIP
    assert label(locale, "profile.button.ticket", number=still_open) in labels(bob.last_message)
    assert label(locale, "profile.button.email") in labels(bob.last_message)
    assert label(locale, "profile.button.reveal") not in labels(bob.last_message)
    assert label(locale, "profile.button.vip_on") not in labels(bob.last_message)
    await bob.press(label(locale, "profile.button.ticket", number=still_open))
    assert still_open in bob.last_text

    for query in ("@nobody_here", "+1 555 000 0000", "C209912310001"):
        await bob.send(f"/customer {query}")
        assert bob.last_text == said(locale, "profile.not_found", query=query)
    for bad in ("", "hello world", "12"):
        await bob.send(f"/customer {bad}".strip())
        assert bob.last_text == said(locale, "profile.usage")
    # customers have none of it
    await ann.send(f"/customer {row.number}")
    assert ann.last_text == said("en", "error.staff_only")


@pytest.mark.parametrize("locale", LOCALES)
async def test_fields_edited_inline_are_checked_and_recorded(desk: DeskHarness, locale: str):
    ann = desk.customer(1001, "Ann")
    bob = desk.customer(2001, "Bob", lang=locale)
    await add_staff(desk, bob)
    await file_ticket(ann)
    row = await customer_row(desk, ann.id)
    await bob.send(f"/customer {row.number}")
    profile = bob.last_message

    edits = [
        ("email", ["not-an-email", "a@b"], "Ann@Example.com", "a***@example.com"),
        ("phone", ["12ab", "123"], "+44 20 7946 0958", "+44 207***0958"),
        ("grade", ["E", "AB"], "b", "B"),
        ("tags", ["a" * 31, ", ,"], "Retail, wholesale ,retail", "retail, wholesale"),
        ("source", ["fax"], "Phone", label(locale, "channel.phone")),
        ("company", ["x" * 201], "Acme Ltd", "Acme Ltd"),
        ("name", ["x" * 201], "Ann Lee", "Ann Lee"),
    ]
    for field, refused, good, shown in edits:
        await bob.press(label(locale, f"profile.button.{field}"), on=profile)
        asked = said(locale, f"profile.prompt.{field}", number=row.number, name="Ann", **HINTS)
        assert bob.last_text == asked
        for value in refused:
            await bob.send(value)
            assert bob.last_text == said(locale, f"profile.bad.{field}", **HINTS), (field, value)
        await bob.send(good)
        assert bob.last_text.startswith(said(locale, f"profile.saved.{field}")), field
        assert shown in bob.last_text, field
        profile = bob.last_message
    # "-" clears a field; /cancel keeps it
    await bob.press(label(locale, "profile.button.company"), on=profile)
    await bob.send("-")
    assert "Acme Ltd" not in bob.last_text
    await bob.press(label(locale, "profile.button.grade"), on=bob.last_message)
    await bob.send("/cancel")
    await bob.send("Z")  # no longer asked: a plain message changes nothing
    row = await customer_row(desk, ann.id)
    assert (row.name, row.email, row.phone, row.grade, row.tags, row.source, row.company) == (
        "Ann Lee", "ann@example.com", "+442079460958", "B", "retail,wholesale", "phone", None,
    )  # fmt: skip
    edited = [d["field"] for action, d in await audit(desk, row.id) if action == "edited"]
    assert edited == ["email", "phone", "grade", "tags", "source", "company", "name", "company"]


@pytest.mark.parametrize("locale", LOCALES)
async def test_supervisor_reveals_on_record_and_vip_raises_priority(
    desk: DeskHarness, locale: str
):
    ann = desk.customer(1001, "Ann")
    bob = desk.customer(2001, "Bob")
    sue = desk.customer(2005, "Sue", lang=locale)
    await add_staff(desk, bob)
    await add_staff(desk, sue, Role.SUPERVISOR)
    first = await file_ticket(ann, phone=PHONE)
    row = await customer_row(desk, ann.id)

    await sue.send(f"/customer {row.number}")
    await sue.press(label(locale, "profile.button.reveal"))
    assert PHONE in sue.last_text
    assert said(locale, "profile.revealed_note") in sue.last_text
    await sue.press(label(locale, "profile.button.vip_on"))
    assert sue.last_text.startswith(said(locale, "profile.vip_on"))
    assert label(locale, "profile.button.vip_off") in labels(sue.last_message)
    second = await file_ticket(ann, "Again broken")
    assert (
        (await ticket_row(desk, first)).priority,
        (await ticket_row(desk, second)).priority,
    ) == (
        "normal",
        "high",
    )
    assert [a for a, _ in await audit(desk, row.id)] == ["revealed", "vip"]

    # an agent's forged press of either is refused and changes nothing
    await bob.send(f"/customer {row.number}")
    for what, act in (("reveal", "creveal"), ("vip", "cvip")):
        await bob.press_data(f"v1:cu:{row.id}:{what}", on=bob.last_message)
        assert bob.last_alert() == said("en", "error.role_cannot", act=act)
        assert PHONE not in bob.last_text
    # a profile that is not there (merged away, or forged)
    await bob.press_data("v1:cu:987654:name", on=bob.last_message)
    assert bob.last_alert() == said("en", "profile.gone")
    assert (await customer_row(desk, ann.id)).vip is True
    assert len(await audit(desk, row.id)) == 2
    # a button that is not ours
    await bob.press_data(f"v1:cu:{row.id}:score", on=bob.last_message)
    assert (await customer_row(desk, ann.id)).vip is True


@pytest.mark.parametrize("locale", LOCALES)
async def test_two_profiles_of_one_person_merge(desk: DeskHarness, locale: str):
    ann = desk.customer(1001, "Ann", username="ann_shop")
    ann_work = desk.customer(1002, "Ann Lee")
    bob = desk.customer(2001, "Bob", lang=locale)
    sue = desk.customer(2005, "Sue", lang=locale)
    await add_staff(desk, bob)
    await add_staff(desk, sue, Role.SUPERVISOR)
    mine = await file_ticket(ann)
    theirs = await file_ticket(ann_work, "Invoice wrong", phone=PHONE)
    keep, drop = await customer_row(desk, ann.id), await customer_row(desk, ann_work.id)

    await bob.send(f"/customer merge {keep.number} {drop.number}")
    assert bob.last_text == said(locale, "error.role_cannot", act="cmerge")
    await sue.send(f"/customer merge {keep.number} {keep.number}")
    assert sue.last_text == said(locale, "profile.merge_same")
    await sue.send(f"/customer merge {keep.number}")
    assert sue.last_text == said(locale, "profile.usage")

    await sue.send(f"/customer merge {keep.number} {drop.number.lower()}")
    text = sue.last_text
    assert text.startswith(said(locale, "profile.merged", other=drop.number, tickets=1))
    assert said(locale, "profile.tickets", open=2, count=2) in text
    assert "+86 138****5678" in text  # the phone it lacked came along
    assert (await ticket_row(desk, theirs)).customer_id == keep.id
    assert (await ticket_row(desk, mine)).customer_id == keep.id
    # the other number, and its phone, now find the kept profile
    for query in (drop.number, PHONE):
        await bob.send(f"/customer {query}")
        assert (
            said(locale, "profile.head", name="Ann", number=keep.number, vip="") in bob.last_text
        )
    await sue.send(f"/customer merge {keep.number} {drop.number}")
    assert sue.last_text == said(locale, "profile.merge_gone", number=drop.number)
    # Ann's other account is served as the kept profile: both tickets are hers there
    await ann_work.send("/my")
    listed = " ".join(labels(ann_work.last_message))
    assert mine in listed
    assert theirs in listed
    assert [a for a, _ in await audit(desk, keep.id)] == ["merged"]
    assert [a for a, _ in await audit(desk, drop.id)] == ["merged_into"]
