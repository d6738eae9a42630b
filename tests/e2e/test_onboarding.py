"""Staff onboarding end to end: /invite and its one-time link, /staff with its buttons,
/departments, /bind, and a clear answer to every refusal (which changes nothing)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.app import runtime_of
from bot.sandbox import updates
from bot.sandbox.clocks import FakeClock
from bot.sandbox.wire import BOT_USERNAME
from handlers.i18n import Safe, t
from storage.models import (
    CustomerRow,
    DepartmentRow,
    InviteRow,
    OutboxRow,
    StaffRow,
    TicketEventRow,
    TicketRow,
)
from storage.repositories import SqlInvites
from tests.e2e.dsl import STAFF_CHAT, DeskHarness, Person
from tests.e2e.steps import count_rows, file_ticket, said

ADMIN = 900001
SUPERVISOR = 900010
GROUP = -1005550001
DEPARTMENTS = [
    {
        "code": "support",
        "name": "Support",
        "types": ["complaint", "inquiry", "suggestion"],
        "staff_chat_id": STAFF_CHAT,
        "supervisor": SUPERVISOR,
    },
    {"code": "after-sales", "name": "After-sales", "types": ["after_sales", "change_request"]},
]
LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=(inv_[A-Za-z0-9_-]+)")
LANGS = [pytest.param("en", "en", id="english"), pytest.param("zh", "zh-hans", id="chinese")]


@pytest.fixture
async def desk(database_url: str, clock: FakeClock) -> AsyncIterator[DeskHarness]:
    """Two departments: Support (staff chat, a supervisor from config), After-sales."""
    overrides = {
        "departments": DEPARTMENTS,
        "desk": {"timezone": "Asia/Shanghai", "admins": [ADMIN]},
    }
    harness = DeskHarness(database_url, clock, overrides)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


def role(locale: str, value: str) -> str:
    return t(locale, f"role.{value}")


async def rows(desk: DeskHarness, model: type[Any], *where: Any) -> list[Any]:
    async with runtime_of(desk.app).uow.engine.connect() as connection:
        result = await connection.execute(select(model).where(*where))
        return list(result.all())


async def staff_row(desk: DeskHarness, telegram_id: int) -> Any:
    found = await rows(desk, StaffRow, StaffRow.telegram_id == telegram_id)
    return found[0] if found else None


async def department_id(desk: DeskHarness, code: str) -> int:
    (row,) = await rows(desk, DepartmentRow, DepartmentRow.code == code)
    return int(row.id)


async def invite(person: Person, *args: str) -> str:
    """`/invite ARGS`; the `/start` payload of the link it answers with."""
    await person.send(" ".join(["/invite", *args]))
    match = LINK.search(person.last_text)
    assert match, person.last_text
    return match.group(1)


async def join(
    desk: DeskHarness, by: Person, user_id: int, name: str, *args: str, lang: str = "en"
) -> Person:
    """A new staff member, invited by `by` with `/invite ARGS`."""
    payload = await invite(by, *args)
    person = desk.customer(user_id, name, lang=lang)
    await person.send(f"/start {payload}")
    return person


async def in_group(desk: DeskHarness, person: Person, text: str) -> str:
    """`person` writes `text` in the group; the bot's answer there."""
    await desk.feed(updates.group_message(desk.app.bot, person.user, GROUP, text))
    return desk.last_message_to(GROUP).plain_text or ""


# -- invites ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "lang"), LANGS)
async def test_an_admin_invites_an_agent_who_joins_with_the_link(
    desk: DeskHarness, locale: str, lang: str
) -> None:
    ada = desk.customer(ADMIN, "Ada", lang=lang)
    payload = await invite(ada, "agent", "after-sales")
    token = payload.removeprefix("inv_")
    assert len(token) <= 40
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert ada.last_text == said(
        locale,
        "invite.created",
        role=role(locale, "agent"),
        department="After-sales",
        link=f"https://t.me/{BOT_USERNAME}?start={payload}",
        expires="2026-11-25 10:00",  # 48 h after 10:00 on the 23rd, Shanghai time
        zone="Asia/Shanghai",
    )

    bob = desk.customer(301, "Bob", lang=lang)
    await bob.send(f"/start {payload}")
    assert bob.last_text == said(
        locale, "invite.joined", role=role(locale, "agent"), department="After-sales"
    )
    row = await staff_row(desk, 301)
    assert (row.role, row.active, row.name, row.locale) == ("agent", True, "Bob", locale)
    assert row.department_id == (await department_id(desk, "after-sales"))
    assert await count_rows(desk, CustomerRow) == 0  # opening the link registered no customer
    # from now on Bob's own menu lists the staff commands, in his language
    menu = desk.api.calls_of("setMyCommands")[-1].params
    assert menu["scope"] == {"type": "chat", "chat_id": 301}
    commands = menu["commands"]
    assert [c["command"] for c in commands][:3] == ["queue", "mine", "ticket"]
    assert commands[0]["description"] == t(locale, "command.queue")

    await desk.dispatch()
    assert ada.last_text == said(
        locale,
        "invite.notice_joined",
        name="Bob",
        role=role(locale, "agent"),
        department="After-sales",
    )

    await bob.send("/start")
    assert bob.last_text == said(locale, "start.staff", name="Bob", role=role(locale, "agent"))


@pytest.mark.parametrize(("locale", "lang"), LANGS)
async def test_an_admin_invites_a_supervisor_and_an_admin(
    desk: DeskHarness, locale: str, lang: str
) -> None:
    ada = desk.customer(ADMIN, "Ada", lang=lang)
    sam = await join(desk, ada, 302, "Sam", "supervisor", "support", lang=lang)
    assert sam.last_text == said(
        locale, "invite.joined", role=role(locale, "supervisor"), department="Support"
    )

    payload = await invite(ada, "admin")
    assert ada.last_text == said(
        locale,
        "invite.created_admin",
        role=role(locale, "admin"),
        link=f"https://t.me/{BOT_USERNAME}?start={payload}",
        expires="2026-11-25 10:00",
        zone="Asia/Shanghai",
    )
    otto = desk.customer(303, "Otto", lang=lang)
    await otto.send(f"/start {payload}")
    assert otto.last_text == said(locale, "invite.joined_admin", role=role(locale, "admin"))
    row = await staff_row(desk, 303)
    assert (row.role, row.department_id, row.active) == ("admin", None, True)
    await desk.dispatch()
    assert ada.last_text == said(
        locale, "invite.notice_joined_admin", name="Otto", role=role(locale, "admin")
    )


async def test_a_supervisor_invites_agents_into_their_own_department_only(
    desk: DeskHarness,
) -> None:
    sue = desk.customer(SUPERVISOR, "Sue")
    payload = await invite(sue, "agent")  # no department: their own
    assert "Support" in sue.last_text
    await invite(sue, "agent", "support")

    await sue.send("/invite supervisor")
    assert sue.last_text == said("en", "invite.agents_only", role=role("en", "supervisor"))
    await sue.send("/invite admin")
    assert sue.last_text == said("en", "invite.agents_only", role=role("en", "admin"))
    await sue.send("/invite agent after-sales")
    assert sue.last_text == said("en", "invite.other_department", department="After-sales")
    await sue.send("/invite agent nowhere")
    assert sue.last_text == said("en", "staffadmin.unknown_department")
    assert await count_rows(desk, InviteRow) == 2

    al = desk.customer(304, "Al")
    await al.send(f"/start {payload}")
    row = await staff_row(desk, 304)
    assert (row.role, row.department_id) == ("agent", await department_id(desk, "support"))
    await desk.dispatch()
    assert sue.last_text == said(
        "en", "invite.notice_joined", name="Al", role=role("en", "agent"), department="Support"
    )


async def test_a_chinese_supervisor_is_refused_in_chinese(desk: DeskHarness) -> None:
    sue = desk.customer(SUPERVISOR, "Sue", lang="zh-hans")
    await sue.send("/lang")
    await sue.press(t("zh", "lang.name"))
    await sue.send("/invite supervisor")
    assert sue.last_text == said("zh", "invite.agents_only", role=role("zh", "supervisor"))
    await sue.send("/invite agent after-sales")
    assert sue.last_text == said("zh", "invite.other_department", department="After-sales")
    assert await count_rows(desk, InviteRow) == 0


@pytest.mark.parametrize(
    ("command", "key", "params"),
    [
        ("/invite", "invite.usage", {}),
        ("/invite boss support", "invite.usage", {}),
        ("/invite customer support", "invite.usage", {}),
        ("/invite agent support extra", "invite.usage", {}),
        ("/invite agent", "invite.department_needed", {"role": "agent", "role_code": "agent"}),
        (
            "/invite supervisor",
            "invite.department_needed",
            {"role": "supervisor", "role_code": "supervisor"},
        ),
        ("/invite agent nowhere", "staffadmin.unknown_department", {}),
        ("/invite admin support", "invite.admin_no_department", {}),
    ],
)
async def test_an_admins_invite_that_does_not_fit_is_explained(
    desk: DeskHarness, command: str, key: str, params: dict[str, str]
) -> None:
    ada = desk.customer(ADMIN, "Ada")
    await ada.send(command)
    if "role" in params:
        params = {**params, "role": role("en", params["role"])}
    assert ada.last_text == said("en", key, **params)
    assert await count_rows(desk, InviteRow) == 0


@pytest.mark.parametrize(("locale", "lang"), LANGS)
async def test_customers_and_agents_cannot_invite_list_staff_or_departments(
    desk: DeskHarness, locale: str, lang: str
) -> None:
    ada = desk.customer(ADMIN, "Ada")
    al = await join(desk, ada, 305, "Al", "agent", "support", lang=lang)
    ann = desk.customer(201, "Ann", lang=lang)
    await file_ticket(ann, "Till broken")
    invites_before = await count_rows(desk, InviteRow)

    for command in ("/invite agent support", "/invite", "/staff", "/departments"):
        await ann.send(command)
        assert ann.last_text == said(locale, "staffadmin.staff_only"), command

    await al.send("/invite agent support")
    assert al.last_text == said(locale, "invite.refused_role", role=role(locale, "agent"))
    await al.send("/invite")
    assert al.last_text == said(locale, "invite.refused_role", role=role(locale, "agent"))
    for command in ("/staff", "/departments"):
        await al.send(command)
        assert al.last_text == said(locale, "staffadmin.refused_role", role=role(locale, "agent"))

    assert await count_rows(desk, InviteRow) == invites_before
    assert (await staff_row(desk, 201)) is None


# -- opening a link -----------------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "lang"), LANGS)
async def test_an_expired_link_changes_nothing(
    desk: DeskHarness, clock: FakeClock, locale: str, lang: str
) -> None:
    ada = desk.customer(ADMIN, "Ada")
    payload = await invite(ada, "agent", "support")
    clock.advance(hours=48)
    bob = desk.customer(306, "Bob", lang=lang)
    await bob.send(f"/start {payload}")
    assert bob.last_text == said(locale, "invite.expired")
    assert (await staff_row(desk, 306)) is None
    assert await count_rows(desk, CustomerRow) == 0
    (row,) = await rows(desk, InviteRow)
    assert (row.used_by, row.used_at) == (None, None)


async def test_a_link_works_until_just_before_it_expires(
    desk: DeskHarness, clock: FakeClock
) -> None:
    ada = desk.customer(ADMIN, "Ada")
    payload = await invite(ada, "agent", "support")
    clock.advance(hours=47, minutes=59)
    bob = desk.customer(307, "Bob")
    await bob.send(f"/start {payload}")
    assert bob.last_text == said(
        "en", "invite.joined", role=role("en", "agent"), department="Support"
    )


async def test_the_time_to_live_comes_from_the_config(database_url: str, clock: FakeClock) -> None:
    overrides = {
        "departments": DEPARTMENTS,
        "desk": {"timezone": "Asia/Shanghai", "admins": [ADMIN]},
        "limits": {"invite_ttl": "2h"},
    }
    harness = await DeskHarness(database_url, clock, overrides).start()
    try:
        ada = harness.customer(ADMIN, "Ada")
        payload = await invite(ada, "agent", "support")
        assert "2026-11-23 12:00" in ada.last_text
        clock.advance(hours=2)
        bob = harness.customer(308, "Bob")
        await bob.send(f"/start {payload}")
        assert bob.last_text == said("en", "invite.expired")
    finally:
        await harness.stop()


@pytest.mark.parametrize(("locale", "lang"), LANGS)
async def test_a_used_link_cannot_be_used_again(desk: DeskHarness, locale: str, lang: str) -> None:
    ada = desk.customer(ADMIN, "Ada")
    payload = await invite(ada, "supervisor", "support")
    bob = desk.customer(309, "Bob")
    await bob.send(f"/start {payload}")
    cat = desk.customer(310, "Cat", lang=lang)
    await cat.send(f"/start {payload}")
    assert cat.last_text == said(locale, "invite.used")
    assert (await staff_row(desk, 310)) is None
    (row,) = await rows(desk, InviteRow)
    assert row.used_by == (await staff_row(desk, 309)).id


@pytest.mark.parametrize(
    "payload", ["inv_" + "A" * 32, "inv_short", "inv_" + "x" * 45, "inv_bad!token!123456789"]
)
async def test_an_unknown_link_changes_nothing(desk: DeskHarness, payload: str) -> None:
    bob = desk.customer(311, "Bob", lang="zh")
    await bob.send(f"/start {payload}")
    assert bob.last_text == said("zh", "invite.unknown")
    assert (await staff_row(desk, 311)) is None
    assert await count_rows(desk, CustomerRow) == 0


async def test_two_people_opening_one_link_at_the_same_moment_make_one_staff_member(
    desk: DeskHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = desk.customer(ADMIN, "Ada")
    payload = await invite(ada, "agent", "support")
    bob, cat = desk.customer(312, "Bob"), desk.customer(313, "Cat")
    if not desk.database_url.startswith("sqlite"):
        # PostgreSQL runs both transactions at once: let both read the unused invite before
        # either takes it, so only the conditional UPDATE can stop the second. (SQLite runs
        # one transaction at a time, BEGIN IMMEDIATE: the second one reads it used.)
        both_read = asyncio.Barrier(2)
        read = SqlInvites.get_by_token

        async def read_together(self: SqlInvites, token: str) -> Any:
            found = await read(self, token)
            await both_read.wait()
            return found

        monkeypatch.setattr(SqlInvites, "get_by_token", read_together)
    bot = desk.app.bot
    both = [updates.command(bot, p.user, "/start", payload) for p in (bob, cat)]
    await asyncio.gather(*(desk.feed(u) for u in both))

    joined = said("en", "invite.joined", role=role("en", "agent"), department="Support")
    answers = sorted([bob.last_text, cat.last_text])
    assert answers == sorted([joined, said("en", "invite.used")])
    winner = bob if bob.last_text == joined else cat
    loser = cat if winner is bob else bob
    assert (await staff_row(desk, loser.id)) is None
    winner_row = await staff_row(desk, winner.id)
    (row,) = await rows(desk, InviteRow)
    assert row.used_by == winner_row.id
    assert await count_rows(desk, StaffRow) == 3  # Ada, the config supervisor, the winner
    await desk.dispatch()
    notices = [text for text in ada.texts() if "joined" in text]
    assert notices == [
        said(
            "en",
            "invite.notice_joined",
            name=winner.user.first_name,
            role=role("en", "agent"),
            department="Support",
        )
    ]


async def test_active_staff_opening_a_link_are_told_and_the_link_stays_unused(
    desk: DeskHarness,
) -> None:
    ada = desk.customer(ADMIN, "Ada")
    al = await join(desk, ada, 314, "Al", "agent", "support")
    payload = await invite(ada, "supervisor", "after-sales")
    await al.send(f"/start {payload}")
    assert al.last_text == said("en", "invite.already_staff", role=role("en", "agent"))
    row = await staff_row(desk, 314)
    assert (row.role, row.department_id) == ("agent", await department_id(desk, "support"))
    await ada.send(f"/start {payload}")
    assert ada.last_text == said("en", "invite.already_staff", role=role("en", "admin"))

    cat = desk.customer(315, "Cat")
    await cat.send(f"/start {payload}")
    assert (await staff_row(desk, 315)).role == "supervisor"


async def test_a_customer_who_opens_a_link_becomes_staff(desk: DeskHarness) -> None:
    ada = desk.customer(ADMIN, "Ada")
    ann = desk.customer(202, "Ann", lang="zh-hans")
    await file_ticket(ann, "收银机坏了")
    payload = await invite(ada, "agent", "support")
    await ann.send(f"/start {payload}")
    assert ann.last_text == said(
        "zh", "invite.joined", role=role("zh", "agent"), department="Support"
    )
    await ann.send("/start")
    assert ann.last_text == said("zh", "start.staff", name="Ann", role=role("zh", "agent"))
    await ann.send("/new")
    assert ann.last_text == said("zh", "staff.nothing_to_do")


# -- /staff -------------------------------------------------------------------------------------


def staff_line(locale: str, name: str, role_value: str, department: str, active: bool) -> str:
    state = "staffadmin.state_active" if active else "staffadmin.state_inactive"
    return said(
        locale,
        "staffadmin.line",
        name=name,
        role=role(locale, role_value),
        department=department,
        state=t(locale, state),
    )


async def test_admins_see_everyone_supervisors_their_department(desk: DeskHarness) -> None:
    ada = desk.customer(ADMIN, "Ada")
    await join(desk, ada, 320, "Al", "agent", "support")
    await join(desk, ada, 321, "Bea", "agent", "after-sales")

    await ada.send("/staff")
    listing = ada.last_message
    assert listing.plain_text == "\n".join(
        [
            said("en", "staffadmin.list_all", count=4),
            staff_line("en", "Ada", "admin", t("en", "staffadmin.no_department"), True),
            staff_line("en", str(SUPERVISOR), "supervisor", "Support", True),
            staff_line("en", "Al", "agent", "Support", True),
            staff_line("en", "Bea", "agent", "After-sales", True),
            "",
            said("en", "staffadmin.manage_hint"),
        ]
    )
    assert [b["text"] for b in listing.buttons] == ["Ada", str(SUPERVISOR), "Al", "Bea"]

    sue = desk.customer(SUPERVISOR, "Sue", lang="zh-hans")
    await sue.send("/lang")
    await sue.press(t("zh", "lang.name"))
    await sue.send("/staff")
    assert sue.last_message.plain_text == "\n".join(
        [
            said("zh", "staffadmin.list_department", department="Support", count=2),
            staff_line("zh", "Sue", "supervisor", "Support", True),  # named when she wrote
            staff_line("zh", "Al", "agent", "Support", True),
        ]
    )
    assert sue.last_message.buttons == []


async def open_card(desk: DeskHarness, admin: Person, name: str) -> int:
    """`/staff`, then tap `name`: the listing message now shows their card; its id."""
    await admin.send("/staff")
    listing = admin.last_message
    await admin.press(name, on=listing)
    return listing.message_id


async def test_an_admin_changes_a_role_and_a_department_with_the_buttons(
    desk: DeskHarness,
) -> None:
    ada = desk.customer(ADMIN, "Ada")
    await join(desk, ada, 322, "Al", "agent", "support")
    message_id = await open_card(desk, ada, "Al")
    card = desk.api.message(ada.id, message_id)
    assert card.plain_text == said(
        "en",
        "staffadmin.card",
        name="Al",
        role=role("en", "agent"),
        department="Support",
        state=t("en", "staffadmin.state_active"),
        tickets=0,
    )
    make = t("en", "staffadmin.button_make", role=role("en", "supervisor"))
    move = t("en", "staffadmin.button_move", name="After-sales")
    assert [b["text"] for b in card.buttons] == [
        make,
        t("en", "staffadmin.button_make", role=role("en", "admin")),
        move,
        t("en", "staffadmin.button_deactivate"),
        t("en", "staffadmin.button_back"),
    ]

    await ada.press(make, on=card)
    card = desk.api.message(ada.id, message_id)
    assert (card.plain_text or "").startswith(
        said("en", "staffadmin.role_changed", role=role("en", "supervisor"))
    )
    assert (await staff_row(desk, 322)).role == "supervisor"

    await ada.press(move, on=card)
    card = desk.api.message(ada.id, message_id)
    assert (card.plain_text or "").startswith(
        said("en", "staffadmin.department_changed", name="After-sales")
    )
    assert (await staff_row(desk, 322)).department_id == await department_id(desk, "after-sales")

    await ada.press(t("en", "staffadmin.button_back"), on=card)
    listing = desk.api.message(ada.id, message_id)
    assert staff_line("en", "Al", "supervisor", "After-sales", True) in (listing.plain_text or "")


async def assign(desk: DeskHarness, number: str, staff_id: int) -> None:
    """Give a ticket to a staff member, as a claim would (set up straight in the database)."""
    async with runtime_of(desk.app).uow.engine.begin() as connection:
        await connection.execute(
            update(TicketRow)
            .where(TicketRow.number == number)
            .values(assignee_id=staff_id, status="in_progress", version=TicketRow.version + 1)
        )


async def test_deactivating_puts_their_open_tickets_back_in_the_queue(
    desk: DeskHarness,
) -> None:
    ada = desk.customer(ADMIN, "Ada")
    al = await join(desk, ada, 323, "Al", "agent", "support")
    al_id = (await staff_row(desk, 323)).id
    ann = desk.customer(203, "Ann")
    first = await file_ticket(ann, "Till broken")
    second = await file_ticket(ann, "Printer jammed")
    await assign(desk, first, al_id)
    await assign(desk, second, al_id)
    await desk.dispatch()
    cards_before = len(await rows(desk, OutboxRow, OutboxRow.kind == "card"))

    message_id = await open_card(desk, ada, "Al")
    assert "2" in (desk.api.message(ada.id, message_id).plain_text or "")
    await ada.press(t("en", "staffadmin.button_deactivate"))
    card = desk.api.message(ada.id, message_id)
    assert (card.plain_text or "").startswith(said("en", "staffadmin.deactivated_done", count=2))
    assert t("en", "staffadmin.button_reactivate") in [b["text"] for b in card.buttons]

    assert (await staff_row(desk, 323)).active is False
    for number in (first, second):
        (ticket,) = await rows(desk, TicketRow, TicketRow.number == number)
        assert (ticket.assignee_id, ticket.status) == (None, "new")
        events = await rows(desk, TicketEventRow, TicketEventRow.ticket_id == ticket.id)
        assert [e.kind for e in events][-1] == "unassigned"
    # every card of both tickets is edited to show them unclaimed
    assert len(await rows(desk, OutboxRow, OutboxRow.kind == "card")) == cards_before + 2

    # a deactivated staff member is told so, and can do nothing of staff
    await al.send("/invite agent support")
    assert al.last_text == said("en", "staffadmin.deactivated")
    await al.press_data(f"v1:sax:{al_id}:1")
    assert al.last_alert() == said("en", "staffadmin.deactivated")
    assert (await staff_row(desk, 323)).active is False

    await ada.press(t("en", "staffadmin.button_reactivate"), on=card)
    assert (desk.api.message(ada.id, message_id).plain_text or "").startswith(
        said("en", "staffadmin.reactivated")
    )
    assert (await staff_row(desk, 323)).active is True


async def test_a_deactivated_staff_member_rejoins_with_a_new_invite(desk: DeskHarness) -> None:
    ada = desk.customer(ADMIN, "Ada")
    await join(desk, ada, 324, "Al", "agent", "support")
    await open_card(desk, ada, "Al")
    await ada.press(t("en", "staffadmin.button_deactivate"))
    al = await join(desk, ada, 324, "Al", "supervisor", "after-sales")
    assert al.last_text == said(
        "en", "invite.joined", role=role("en", "supervisor"), department="After-sales"
    )
    row = await staff_row(desk, 324)
    assert (row.role, row.active) == ("supervisor", True)
    assert await count_rows(desk, StaffRow) == 3


async def test_nobody_deactivates_or_demotes_themselves_or_a_config_admin(
    desk: DeskHarness,
) -> None:
    ada = desk.customer(ADMIN, "Ada")
    otto = await join(desk, ada, 325, "Otto", "admin")
    ada_id = (await staff_row(desk, ADMIN)).id
    otto_id = (await staff_row(desk, 325)).id

    await open_card(desk, ada, "Ada")
    await ada.press(t("en", "staffadmin.button_deactivate"))
    assert ada.last_alert() == said("en", "staffadmin.not_yourself")
    await ada.press_data(f"v1:sar:{ada_id}:agent")
    assert ada.last_alert() == said("en", "staffadmin.not_yourself")

    await otto.send("/staff")
    await otto.press_data(f"v1:sax:{ada_id}:0", on=otto.last_message)
    assert otto.last_alert() == said("en", "staffadmin.config_admin", name="Ada")
    await otto.press_data(f"v1:sar:{ada_id}:supervisor", on=otto.last_message)
    assert otto.last_alert() == said("en", "staffadmin.config_admin", name="Ada")
    ada_row = await staff_row(desk, ADMIN)
    assert (ada_row.role, ada_row.active) == ("admin", True)

    # the config admin may still deactivate another admin
    await ada.press_data(f"v1:sax:{otto_id}:0", on=ada.last_message)
    assert (await staff_row(desk, 325)).active is False


@pytest.mark.parametrize(("locale", "lang"), LANGS)
async def test_forged_roster_buttons_change_nothing(
    desk: DeskHarness, locale: str, lang: str
) -> None:
    ada = desk.customer(ADMIN, "Ada")
    al = await join(desk, ada, 326, "Al", "agent", "support", lang=lang)
    ada_id = (await staff_row(desk, ADMIN)).id
    al_id = (await staff_row(desk, 326)).id
    ann = desk.customer(204, "Ann", lang=lang)
    await ann.send("/start")
    sue = desk.customer(SUPERVISOR, "Sue")
    await sue.send("/start")

    refused_agent = said(locale, "staffadmin.refused_role", role=role(locale, "agent"))
    for data in (f"v1:sax:{ada_id}:0", f"v1:sar:{al_id}:admin", "v1:sal", f"v1:sa:{ada_id}"):
        await al.press_data(data)
        assert al.last_alert() == refused_agent, data
        await ann.press_data(data)
        assert ann.last_alert() == said(locale, "staffadmin.staff_only"), data
        await sue.press_data(data)
        assert sue.last_alert() == said(
            "en", "staffadmin.refused_role", role=role("en", "supervisor")
        )

    await ada.send("/staff")
    listing = ada.last_message
    await ada.press_data(f"v1:sad:{al_id}:999", on=listing)
    assert ada.last_alert() == said("en", "staffadmin.unknown_department")
    await ada.press_data("v1:sa:99999", on=listing)
    assert ada.last_alert() == said("en", "staffadmin.unknown_staff")
    for malformed in (f"v1:sar:{al_id}:boss", f"v1:sax:{al_id}:2", "v1:sa:abc", "v1:sal:1"):
        await ada.press_data(malformed, on=listing)
        assert ada.last_alert() == said("en", "error.bad_callback"), malformed

    row = await staff_row(desk, 326)
    assert (row.role, row.active, row.department_id) == (
        "agent",
        True,
        await department_id(desk, "support"),
    )
    assert (await staff_row(desk, ADMIN)).active is True


# -- /departments and /bind ---------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "lang"), LANGS)
async def test_departments_show_routing_chat_supervisors_and_head_count(
    desk: DeskHarness, locale: str, lang: str
) -> None:
    ada = desk.customer(ADMIN, "Ada", lang=lang)
    await join(desk, ada, 327, "Al", "agent", "support")
    await ada.send("/departments")

    def types(*keys: str) -> str:
        return ", ".join(t(locale, f"type.{k}") for k in keys)

    off = said(locale, "assign.department_line", mode=said(locale, "assign.mode_off"))

    assert ada.last_text == "\n\n".join(
        [
            said(locale, "staffadmin.departments_title"),
            said(
                locale,
                "staffadmin.department",
                name="Support",
                code="support",
                types=types("complaint", "inquiry", "suggestion"),
                chat=t(locale, "staffadmin.chat_bound"),
                supervisors=Safe(
                    t(locale, "staffadmin.supervisors", count=1, names=str(SUPERVISOR))
                ),
                count=2,
            )
            + "\n"
            + off,
            said(
                locale,
                "staffadmin.department",
                name="After-sales",
                code="after-sales",
                types=types("after_sales", "change_request"),
                chat=t(locale, "staffadmin.chat_unbound", code="after-sales"),
                supervisors=Safe(
                    t(
                        locale,
                        "staffadmin.supervisors",
                        count=0,
                        names=t(locale, "staffadmin.nobody"),
                    )
                ),
                count=0,
            )
            + "\n"
            + off,
        ]
    )


async def test_an_admin_binds_a_group_as_a_departments_staff_chat(desk: DeskHarness) -> None:
    ada = desk.customer(ADMIN, "Ada")
    assert await in_group(desk, ada, "/bind") == said(
        "en", "staffadmin.bind_choose", codes="support, after-sales"
    )
    assert await in_group(desk, ada, "/bind nowhere") == said(
        "en", "staffadmin.unknown_department"
    )
    assert await in_group(desk, ada, "/bind after-sales") == said(
        "en", "staffadmin.bound", name="After-sales", code="after-sales"
    )
    (row,) = await rows(desk, DepartmentRow, DepartmentRow.code == "after-sales")
    assert row.staff_chat_id == GROUP

    # a new after-sales ticket's card goes to the group now
    ann = desk.customer(205, "Ann")
    await file_ticket(ann, "Refund please", type_key="after_sales")
    assert [r.chat_id for r in await rows(desk, OutboxRow, OutboxRow.kind == "card")] == [GROUP]


@pytest.mark.parametrize(("locale", "lang"), LANGS)
async def test_only_an_admin_in_a_group_can_bind(
    desk: DeskHarness, locale: str, lang: str
) -> None:
    ada = desk.customer(ADMIN, "Ada")
    al = await join(desk, ada, 328, "Al", "agent", "support", lang=lang)
    ann = desk.customer(206, "Ann", lang=lang)
    sue = desk.customer(SUPERVISOR, "Sue")

    assert await in_group(desk, al, "/bind after-sales") == said(
        locale, "staffadmin.bind_refused", role=role(locale, "agent")
    )
    assert await in_group(desk, sue, "/bind support") == said(
        "en", "staffadmin.bind_refused", role=role("en", "supervisor")
    )
    assert await in_group(desk, ann, "/bind after-sales") == said(locale, "staffadmin.staff_only")
    await ada.send("/bind after-sales")
    assert ada.last_text == said("en", "staffadmin.bind_in_group")
    await ann.send("/bind")
    assert ann.last_text == said(locale, "staffadmin.bind_in_group")

    chats = {r.code: r.staff_chat_id for r in await rows(desk, DepartmentRow)}
    assert chats == {"support": STAFF_CHAT, "after-sales": None}
    assert await count_rows(desk, CustomerRow) == 0
