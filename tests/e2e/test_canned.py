"""Canned replies: supervisors keep them per department and language in chat (`/canned`); an
agent picks one under Reply or from the card's Canned button (searchable by a word), sees it
filled in for the ticket and sends it as it is or edited; every use is counted."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import runtime_of
from domain.people import Role
from handlers.i18n import t
from storage.models import CannedReplyRow
from tests.e2e.dsl import DeskHarness, Person
from tests.e2e.steps import add_staff, file_ticket, label, labels, said, ticket_row
from tests.e2e.test_chinese_words import latin_words
from tests.e2e.test_staff_desk import press_on_card

LOCALES = [pytest.param("en", id="english"), pytest.param("zh", id="chinese")]
TILL = (
    "Restart the till\nHello {customer}, please restart the till; {agent} will check {ticket}"
    " by {due}."
)
# a reply in each language: its title, its text, the text filled in for Ann, Bob, the ticket
REPLIES = {
    "en": (
        "Restart the till",
        "Hello {customer}, please restart the till; {agent} will check {ticket} by {due}.",
        "Hello Ann, please restart the till; Bob will check {ticket} by {due}.",
    ),
    "zh": (
        "重启收银机",
        "{客户}您好，请重启收银机；{客服}会在 {截止} 前跟进 {ticket}。",
        "Ann您好，请重启收银机；Bob会在 {due} 前跟进 {ticket}。",
    ),
}
NAMES = {"Ann", "Lee", "Bob", "Wu", "Sue", "Cy", "Di", "Ada", "Support", "Billing"}
REFUND = "Refund on its way\nDear {customer}, your refund for {ticket} is on its way."
EDITED = "Please restart\nHello {customer}, please switch it off and on."
SHANGHAI = ZoneInfo("Asia/Shanghai")


def language(reader: str, code: str) -> str:
    return t(reader, f"canned.language.{code}")


async def add_reply(sue: Person, locale: str, text: str, *, reader: str = "en") -> None:
    """Sue (reading `reader`) adds a canned reply in `locale` through `/canned`."""
    await sue.send("/canned")
    await sue.press(label(reader, "canned.manage.button.add", language=language(reader, locale)))
    await sue.send(text)


def chinese_only(person: Person, typed: str = "") -> None:
    """A Chinese reader got no English word outside names and what people typed."""
    allowed = NAMES | set(latin_words(typed))
    for text in person.texts():
        assert [w for w in latin_words(text) if w not in allowed] == [], text


def alerted(person: Person, locale: str, key: str, **params: object) -> bool:
    """Whether the person's last press was answered with this refusal (an alert)."""
    return person.last_alert() == said(locale, key, **params)


async def canned_rows(desk: DeskHarness) -> list[CannedReplyRow]:
    async with runtime_of(desk.app).uow.engine.connect() as connection:
        rows = await connection.execute(select(CannedReplyRow).order_by(CannedReplyRow.id))
        return list(rows.all())


async def claimed_ticket(desk: DeskHarness, locale: str) -> tuple[Person, Person, Person, str]:
    """Ann (writing in `locale`) files a ticket that Bob (an agent) claims; Sue supervises."""
    ann = desk.customer(1001, "Ann Lee", lang=locale)
    bob = desk.customer(2001, "Bob Wu", lang=locale)
    sue = desk.customer(2005, "Sue", lang=locale)
    await add_staff(desk, bob)
    await add_staff(desk, sue, Role.SUPERVISOR)
    number = await file_ticket(ann, "Till broken\nIt beeps")
    await desk.dispatch()
    await press_on_card(bob, desk, number, "staff.button.claim")
    await desk.dispatch()
    return ann, bob, sue, number


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_supervisor_adds_edits_and_retires_canned_replies_in_chat(
    desk: DeskHarness, locale: str
):
    sue = desk.customer(2005, "Sue", lang=locale)
    await add_staff(desk, sue, Role.SUPERVISOR)
    department = "Support"

    await sue.send("/canned")
    assert sue.last_text == said(locale, "canned.manage.list", department=department, count=0)
    assert labels(sue.last_message) == [
        label(locale, "canned.manage.button.add", language=language(locale, code))
        for code in ("en", "zh")
    ]

    await sue.press(label(locale, "canned.manage.button.add", language=language(locale, "en")))
    assert sue.last_text == said(locale, "canned.manage.ask_add", language=language(locale, "en"))
    await sue.send(TILL)
    title = "Restart the till"
    assert sue.last_text.startswith(
        said(locale, "canned.manage.added", title=title, language=language(locale, "en"))
    )
    [row] = await canned_rows(desk)
    assert (row.locale, row.title, row.body, row.active) == ("en", title, TILL, True)

    await sue.send("/canned")
    line = said(locale, "canned.manage.line", title=title, language=language(locale, "en"), uses=0)
    assert line in sue.last_text
    await sue.press(
        label(locale, "canned.manage.button.item", title=title, language=language(locale, "en"))
    )
    assert TILL.splitlines()[1] in sue.last_text

    await sue.press(label(locale, "canned.manage.button.edit"))
    assert sue.last_text == said(
        locale, "canned.manage.ask_edit", title=title, language=language(locale, "en")
    )
    await sue.send(EDITED)
    [row] = await canned_rows(desk)
    assert row.title == "Please restart"
    assert row.body.endswith("switch it off and on.")

    await sue.send("/canned")
    await sue.press(
        label(
            locale,
            "canned.manage.button.item",
            title="Please restart",
            language=language(locale, "en"),
        )
    )
    await sue.press(label(locale, "canned.manage.button.retire"))
    assert sue.last_text.startswith(
        said(
            locale,
            "canned.manage.retired",
            title="Please restart",
            language=language(locale, "en"),
        )
    )
    [row] = await canned_rows(desk)
    assert row.active is False
    await sue.send("/canned")
    assert sue.last_text == said(locale, "canned.manage.list", department=department, count=0)
    if locale == "zh":
        chinese_only(sue, typed=f"{TILL} {EDITED}")


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_agent_picks_a_canned_reply_under_reply_and_sends_it_filled_in(
    desk: DeskHarness, locale: str
):
    ann, bob, sue, number = await claimed_ticket(desk, locale)
    title, body, filled = REPLIES[locale]
    await add_reply(sue, locale, f"{title}\n{body}", reader=locale)
    other = "zh" if locale == "en" else "en"
    await add_reply(sue, other, "\n".join(REPLIES[other][:2]), reader=locale)

    await press_on_card(bob, desk, number, "staff.button.reply")
    assert bob.last_text == said(locale, "staff.prompt.reply", number=number)
    await bob.press(label(locale, "canned.button.open"))
    assert bob.last_text == said(locale, "canned.picker", number=number)
    assert labels(bob.last_message) == [title]  # only those in Ann's language

    await bob.press(title)
    row = await ticket_row(desk, number)
    due = row.resolve_due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    text = f"{title}\n" + filled.format(ticket=number, due=due)
    assert bob.last_text == said(locale, "canned.filled", number=number, title=title, text=text)
    await bob.press(label(locale, "canned.button.send"))
    await desk.dispatch()
    assert ann.last_text == said(
        locale, "notice.agent_reply", number=number, sender="Bob", body=text
    )
    assert bob.last_text == said(locale, "staff.done.reply", number=number)
    assert [r.uses for r in await canned_rows(desk)] == [1, 0]

    # the supervisor sees the count
    await sue.send("/canned")
    language_name = language(locale, locale)
    line = said(locale, "canned.manage.line", title=title, language=language_name, uses=1)
    assert line in sue.last_text

    # and /report names the most used, this week
    await sue.send("/report")
    item = said(locale, "canned.report.item", title=title, uses=1)
    most_used = said(locale, "canned.report.most_used", replies=item)
    assert any(most_used in text for text in sue.texts()[-3:])
    if locale == "zh":
        chinese_only(bob)
        chinese_only(sue, typed=" ".join(REPLIES["en"]))


async def test_an_agent_searches_by_a_word_and_edits_before_sending(desk: DeskHarness):
    ann, bob, sue, number = await claimed_ticket(desk, "en")
    await add_reply(sue, "en", TILL)
    await add_reply(sue, "en", REFUND)

    # the card's own button, then a typed word narrows the list
    await press_on_card(bob, desk, number, "staff.button.canned")
    assert sorted(labels(bob.last_message)) == ["Refund on its way", "Restart the till"]
    await bob.send("REFUND")
    assert bob.last_text == said("en", "canned.found", number=number, words="REFUND")
    assert labels(bob.last_message) == ["Refund on its way"]
    await bob.send("voucher")
    assert bob.last_text == said("en", "canned.none_found", number=number, words="voucher")
    # `/canned WORD` searches too while the ticket is in hand
    await bob.send("/canned till")
    assert labels(bob.last_message) == ["Restart the till"]

    await bob.press("Restart the till")
    await bob.press(label("en", "canned.button.edit"))
    assert bob.last_text.startswith("Here is the text for " + number)
    assert "Hello Ann, please restart the till" in bob.last_text
    await bob.send("Hello Ann, please restart the till and send me a photo.")
    await desk.dispatch()
    assert ann.last_text == said(
        "en",
        "notice.agent_reply",
        number=number,
        sender="Bob",
        body="Hello Ann, please restart the till and send me a photo.",
    )
    assert [r.uses for r in await canned_rows(desk)] == [1, 0]


@pytest.mark.parametrize("locale", LOCALES)
async def test_each_role_gets_its_answer_and_refusals_change_nothing(
    desk: DeskHarness, locale: str
):
    ann, _, sue, number = await claimed_ticket(desk, locale)
    await add_reply(sue, locale, TILL, reader=locale)
    [row] = await canned_rows(desk)

    # an agent with no ticket in hand is told how to search; buttons to keep replies refused
    cy = desk.customer(2002, "Cy", lang=locale)
    await add_staff(desk, cy)
    await cy.send("/canned")
    assert cy.last_text == said(locale, "canned.no_ticket")
    await cy.press_data(f"v1:cn:retire:{row.id}", on=sue.last_message)
    assert alerted(cy, locale, "error.role_cannot")
    # an agent who does not hold the ticket cannot answer it with a canned reply
    await press_on_card(cy, desk, number, "staff.button.canned")
    assert alerted(cy, locale, "error.not_your_ticket_staff", number=number)

    # a customer is refused
    await ann.send("/canned")
    assert ann.last_text == said(locale, "error.staff_only")

    # a supervisor of another department cannot touch Support's replies
    desk.overrides.update(
        {
            "departments": [
                {
                    "code": "support",
                    "name": "Support",
                    "types": ["complaint", "inquiry", "suggestion"],
                    "staff_chat_id": -100777,
                },
                {"code": "billing", "name": "Billing", "types": ["after_sales", "change_request"]},
            ]
        }
    )
    await desk.restart()
    di = desk.customer(2006, "Di", lang=locale)
    await add_staff(desk, di, Role.SUPERVISOR, "billing")
    await di.send("/canned")
    assert di.last_text == said(locale, "canned.manage.list", department="Billing", count=0)
    await di.press_data(f"v1:cn:retire:{row.id}", on=di.last_message)
    assert alerted(di, locale, "canned.manage.other_department")

    # an admin chooses the department, or names it
    ada = desk.customer(900001, "Ada", lang=locale)
    await ada.send("/canned")
    assert ada.last_text == said(locale, "canned.manage.departments")
    await ada.press("Support")
    assert ada.last_text.startswith(
        said(locale, "canned.manage.list", department="Support", count=1)
    )
    await ada.send("/canned nowhere")
    assert ada.last_text == said(locale, "canned.manage.no_department", department="nowhere")
    [after] = await canned_rows(desk)
    assert (after.active, after.uses, after.body) == (True, 0, TILL)


async def test_bad_input_is_answered_and_asked_again(desk: DeskHarness):
    ann, bob, sue, number = await claimed_ticket(desk, "en")
    await sue.send("/canned")
    await sue.press(label("en", "canned.manage.button.add", language=language("en", "en")))
    await sue.send("Hi\nHello {name}")
    assert sue.last_text == said("en", "canned.manage.unknown_placeholder", name="name")
    await sue.send_photo("photo-1")
    assert sue.last_text == said("en", "canned.manage.text_only")
    await sue.send("x" * 5000)
    assert sue.last_text.startswith(said("en", "intake.too_long", length=5000, limit=4000)[:20])
    assert await canned_rows(desk) == []
    await sue.send(TILL)  # still asked: now it is taken
    assert len(await canned_rows(desk)) == 1

    # a reply retired while the list was open is gone; forged ids too
    await press_on_card(bob, desk, number, "staff.button.canned")
    picker = bob.last_message
    await sue.send("/canned")
    await sue.press(
        label("en", "canned.manage.button.item", title="Restart the till", language="English")
    )
    await sue.press(label("en", "canned.manage.button.retire"))
    await bob.press("Restart the till", on=picker)
    assert alerted(bob, "en", "canned.gone")
    await bob.press_data(f"v1:sc:canned:{number}:s999", on=picker)
    assert alerted(bob, "en", "canned.gone")
    await desk.dispatch()
    assert not any("restart the till" in text for text in ann.texts())
    assert (await canned_rows(desk))[0].uses == 0
