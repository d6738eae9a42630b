"""Steps that many scenarios share: expected texts from the catalogs, filing a ticket, the outbox.

Texts are compared as the user reads them (`said`): the catalog text with its parameters, HTML
tags removed, the same way `SentMessage.plain_text` shows what the bot sent.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from bot.app import runtime_of
from bot.sandbox import telegram_html
from bot.sandbox.wire import SentMessage
from domain.delivery import STAND_IN_KINDS
from domain.people import Role, Staff
from handlers.i18n import Safe, t
from storage.models import CustomerRow, OutboxRow, TicketRow
from tests.e2e.dsl import DeskHarness, Person

TICKET_NUMBER = re.compile(r"FB-\d{8}-\d{4}")
PROMISE_NORMAL = {"en": "1 h of working time", "zh": "1 小时（按工作时间计）"}
PROMISE_URGENT = {"en": "30 min", "zh": "30 分钟"}


def said(locale: str, key: str, **params: Any) -> str:
    """A catalog text as the user reads it (read as Telegram reads HTML: tags gone, entities
    decoded; a text Telegram would refuse fails here too)."""
    return telegram_html.plain(t(locale, key, **params))


def label(locale: str, key: str, **params: Any) -> str:
    """A button label from the catalog."""
    return t(locale, key, **params)


def asked_again(locale: str, note: str, question: str, **params: Any) -> str:
    """A complaint about the input, then the step's question again."""
    return f"{said(locale, note, **params)}\n\n{question}"


def filed_text(locale: str, number: str, *, urgent: bool) -> str:
    """The confirmation after Submit."""
    key = "intake.filed_urgent" if urgent else "intake.filed"
    words = (PROMISE_URGENT if urgent else PROMISE_NORMAL)[locale]
    return said(locale, key, number=number, promise=Safe(words))


def keyboard_removed(message: SentMessage) -> bool:
    """Whether the message takes the reply keyboard (the share-contact button) away."""
    return bool((message.reply_markup or {}).get("remove_keyboard"))


def has_reply_keyboard(message: SentMessage) -> bool:
    """Whether the message shows a reply keyboard (buttons instead of the phone's keyboard)."""
    return "keyboard" in (message.reply_markup or {})


def labels(message: SentMessage) -> list[str]:
    """The labels of a message's inline buttons, in order."""
    return [b["text"] for b in message.buttons]


def ticket_number_in(text: str) -> str:
    """The one ticket number in a text."""
    found = TICKET_NUMBER.findall(text)
    assert len(found) == 1, text
    return found[0]


def locale_of(person: Person) -> str:
    """The desk language a person gets by their Telegram language (before /lang)."""
    code = (person.user.language_code or "en").lower()
    return "zh" if code.startswith("zh") else "en"


async def start_new(
    person: Person,
    type_key: str = "complaint",
    description: str = "Till broken",
    *,
    locale: str | None = None,
) -> None:
    """`/new`, pick the type, describe it: the wizard now asks for attachments."""
    locale = locale or locale_of(person)
    await person.send("/new")
    await person.press(label(locale, f"type.{type_key}"))
    await person.send(description)


async def file_ticket(
    person: Person,
    description: str = "Till broken\nIt beeps at every sale",
    *,
    type_key: str = "complaint",
    photos: int = 0,
    reference: str | None = None,
    phone: str | None = None,
    stopped: bool = False,
    locale: str | None = None,
) -> str:
    """File one ticket through `/new` with buttons (labels in `locale`, by default the one of
    the person's Telegram language); returns its number."""
    locale = locale or locale_of(person)
    await start_new(person, type_key, description, locale=locale)
    for n in range(photos):
        await person.send_photo(f"photo-{person.id}-{n}")
    await person.press(label(locale, "button.done"))
    if reference is None:
        await person.press(label(locale, "button.skip"))
    else:
        await person.send(reference)
    if phone is None:
        await person.send(label(locale, "button.skip_contact"))
    else:
        await person.share_contact(phone)
    await person.press(label(locale, "button.yes_stopped" if stopped else "button.no_stopped"))
    await person.press(label(locale, "button.submit"))
    return ticket_number_in(person.last_text)


async def open_my_ticket(person: Person, number: str) -> SentMessage:
    """`/my`, then tap the ticket: the list message now shows its detail."""
    await person.send("/my")
    listing = person.last_message
    button = next(b for b in listing.buttons if b["text"].startswith(number))
    await person.press(button["text"], on=listing)
    return person.harness.api.message(person.id, listing.message_id)


async def my_ticket_labels(person: Person) -> list[str]:
    """What `/my` lists: one button label per ticket (empty when it says there are none)."""
    await person.send("/my")
    return labels(person.last_message)


async def outbox_rows(desk: DeskHarness, *, receipts: bool = False) -> list[OutboxRow]:
    """The outbox rows, oldest first, straight from the database: the notices (or only the
    receipts, the copies of answers to the acting user that stand in for a reply lost in a
    crash: filing confirmations and other answers)."""
    async with runtime_of(desk.app).uow.engine.connect() as connection:
        rows = await connection.execute(select(OutboxRow).order_by(OutboxRow.id))
        return [row for row in rows.all() if (row.kind in STAND_IN_KINDS) == receipts]


async def count_rows(desk: DeskHarness, model: type[Any]) -> int:
    """How many rows a table has."""
    async with runtime_of(desk.app).uow.engine.connect() as connection:
        return len((await connection.execute(select(model))).all())


async def ticket_count(desk: DeskHarness) -> int:
    return await count_rows(desk, TicketRow)


async def customer_count(desk: DeskHarness) -> int:
    return await count_rows(desk, CustomerRow)


async def add_staff(
    desk: DeskHarness,
    person: Person,
    role: Role = Role.AGENT,
    department: str = "support",
    *,
    active: bool = True,
) -> None:
    """Make `person` staff of `department`, as an accepted invite would."""
    async with runtime_of(desk.app).uow() as uow:
        found = await uow.departments.get_by_code(department)
        assert found is not None
        await uow.staff.add(
            Staff(
                telegram_id=person.id,
                name=person.user.first_name,
                role=role,
                department_id=found.id,
                active=active,
                locale=locale_of(person),
            )
        )
        await uow.commit()


async def ticket_row(desk: DeskHarness, number: str) -> Any:
    """The ticket's row, straight from the database."""
    async with runtime_of(desk.app).uow.engine.connect() as connection:
        rows = await connection.execute(select(TicketRow).where(TicketRow.number == number))
        return rows.one()


async def ticket_with_agent_and_supervisor(
    desk: DeskHarness,
) -> tuple[Person, Person, Person, str]:
    """Ann files a ticket; Bob (agent) and Sue (supervisor) are staff of its department and
    its card is posted. Returns Ann, Bob, Sue and the ticket number."""
    ann = desk.customer(1001, "Ann")
    bob = desk.customer(2001, "Bob")
    sue = desk.customer(2005, "Sue")
    await add_staff(desk, bob)
    await add_staff(desk, sue, Role.SUPERVISOR)
    number = await file_ticket(ann)
    await desk.dispatch()
    return ann, bob, sue, number
