"""Roles that hold: a person's role is the higher of what the config file says (desk.admins, a
department's supervisor) and what their staff record says, at every start; every command
answers each role as that role, and a change through /staff counts at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.sandbox.clocks import FakeClock
from handlers.i18n import t
from tests.e2e.dsl import STAFF_CHAT, DeskHarness, Person
from tests.e2e.steps import file_ticket, said
from tests.e2e.test_onboarding import join, open_card, role, staff_row
from tests.e2e.test_staff_menus import menu_of, names

ADA = 900001  # an admin
BO = 900002  # an admin who is also the supervisor of Customer Service
SUE = 900010  # the supervisor of After-sales
AL = 301  # an agent of Customer Service, by invite
ANN = 401  # a customer
DEPARTMENTS = [
    {
        "code": "service",
        "name": "Customer Service",
        "types": ["complaint", "inquiry", "suggestion"],
        "staff_chat_id": STAFF_CHAT,
        "supervisor": BO,
        "names": {"zh": "客服部"},
    },
    {
        "code": "after",
        "name": "After-sales",
        "types": ["after_sales", "change_request"],
        "supervisor": SUE,
        "names": {"zh": "售后部"},
    },
]
CONFIG = {"departments": DEPARTMENTS, "desk": {"timezone": "Asia/Shanghai", "admins": [ADA, BO]}}
SERVICE = {"en": "Customer Service", "zh": "客服部"}  # department names in each language
AFTER = {"en": "After-sales", "zh": "售后部"}
NUMBER = "FB-20261123-0001"
PROFILE = "C202611230009"  # a customer number nobody has
MERGE = f"/customer merge {PROFILE} C202611230008"
EXPORT = "/export 2026-11-01 2026-11-30"
Expected = tuple[str, dict[str, Any]]
LINK = {"link": "", "expires": "", "zone": ""}  # on later lines


@pytest.fixture
async def desk(database_url: str, clock: FakeClock) -> AsyncIterator[DeskHarness]:
    harness = DeskHarness(database_url, clock, dict(CONFIG))
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


def _staff(locale: str, role_value: str) -> dict[str, Expected]:
    """What every staff member gets, whatever their role."""
    return {
        "/start": ("start.staff", {"name": "{name}", "role": role(locale, role_value)}),
        "/new": ("staff.nothing_to_do", {}),
        "/my": ("staff.nothing_to_do", {}),
        "/lang": ("lang.choose", {}),
        "/cancel": ("cancel.nothing", {}),
        "/queue": ("staff.queue_empty", {}),
        "/mine": ("staff.mine_empty", {}),
        "/overdue": ("staff.overdue_empty", {}),
        f"/ticket {NUMBER}": ("error.ticket_not_found", {"number": NUMBER}),
        "/find x": ("staff.found_empty", {}),
        "/file": ("file.ask_channel", {}),
        f"/customer {PROFILE}": ("profile.not_found", {"query": PROFILE}),
        "/customer": ("profile.usage", {}),
    }


def _invite(locale: str, role_value: str, department: str) -> Expected:
    return ("invite.created", {"role": role(locale, role_value), "department": department, **LINK})


# auto-assignment's presence: only agents take auto-assigned tickets
PRESENCE = ("/away", "/back", "/hours", "/hours 09:00-18:00", "/hours 25:00")
NOT_AN_AGENT: Expected = ("assign.agents_only", {})


def admin(locale: str) -> dict[str, Expected]:
    every = t(locale, "report.all_departments")
    return {
        **_staff(locale, "admin"),
        **dict.fromkeys(PRESENCE, NOT_AN_AGENT),
        "/report": ("report.head", {"scope": every, "dates": "", "previous": ""}),
        "/chart": ("chart.caption", {"scope": every}),
        EXPORT: ("export.preparing", {"first": "2026-11-01", "last": "2026-11-30"}),
        "/invite agent after": _invite(locale, "agent", AFTER[locale]),
        "/invite agent service": _invite(locale, "agent", SERVICE[locale]),
        "/invite supervisor service": _invite(locale, "supervisor", SERVICE[locale]),
        "/invite admin": ("invite.created_admin", {"role": role(locale, "admin"), **LINK}),
        "/staff": ("staffadmin.list_all", {"count": 4}),
        "/departments": ("staffadmin.departments_title", {}),
        "/canned": ("canned.manage.departments", {}),
        MERGE: ("profile.not_found", {"query": PROFILE}),
    }


def supervisor(locale: str) -> dict[str, Expected]:
    refused = ("staffadmin.refused_role", {"role": role(locale, "supervisor")})
    return {
        **_staff(locale, "supervisor"),
        **dict.fromkeys(PRESENCE, NOT_AN_AGENT),
        "/report": ("report.head", {"scope": AFTER[locale], "dates": "", "previous": ""}),
        "/chart": ("chart.caption", {"scope": AFTER[locale]}),
        EXPORT: ("export.preparing", {"first": "2026-11-01", "last": "2026-11-30"}),
        "/invite agent after": _invite(locale, "agent", AFTER[locale]),
        "/invite agent service": (
            "invite.other_department",
            {"department": SERVICE[locale]},
        ),
        "/invite supervisor service": (
            "invite.agents_only",
            {"role": role(locale, "supervisor")},
        ),
        "/invite admin": ("invite.agents_only", {"role": role(locale, "admin")}),
        "/staff": ("staffadmin.list_department", {"department": AFTER[locale], "count": 1}),
        "/departments": refused,
        "/canned": ("canned.manage.list", {"department": AFTER[locale], "count": 0}),
        MERGE: ("profile.not_found", {"query": PROFILE}),
    }


def agent(locale: str) -> dict[str, Expected]:
    invite_refused = ("invite.refused_role", {"role": role(locale, "agent")})
    return {
        **_staff(locale, "agent"),
        "/away": ("assign.away", {}),
        "/back": ("assign.back", {}),
        "/hours": ("assign.hours_none", {}),
        "/hours 09:00-18:00": ("assign.hours_saved", {"hours": "09:00-18:00"}),
        "/hours 25:00": ("assign.hours_usage", {}),
        "/report": ("report.not_allowed", {}),
        "/chart": ("chart.not_allowed", {}),
        EXPORT: ("export.not_allowed", {}),
        "/invite agent after": invite_refused,
        "/invite agent service": invite_refused,
        "/invite supervisor service": invite_refused,
        "/invite admin": invite_refused,
        "/staff": ("staffadmin.refused_role", {"role": role(locale, "agent")}),
        "/departments": ("staffadmin.refused_role", {"role": role(locale, "agent")}),
        "/canned": ("canned.no_ticket", {}),
        MERGE: ("error.role_cannot", {"act": "cmerge"}),
    }


def customer(locale: str) -> dict[str, Expected]:
    staff_only: Expected = ("error.staff_only", {})
    desk_only: Expected = ("staffadmin.staff_only", {})
    return {
        "/start": ("start.customer", {"name": "{name}"}),
        "/new": ("intake.ask_type", {}),
        "/my": ("my.empty", {}),
        "/lang": ("lang.choose", {}),
        "/cancel": ("cancel.nothing", {}),
        "/queue": staff_only,
        "/mine": staff_only,
        "/overdue": staff_only,
        f"/ticket {NUMBER}": staff_only,
        "/find x": staff_only,
        "/file": staff_only,
        **dict.fromkeys(PRESENCE, staff_only),
        "/report": ("report.not_allowed", {}),
        "/chart": ("chart.not_allowed", {}),
        EXPORT: ("export.not_allowed", {}),
        "/invite agent after": desk_only,
        "/invite agent service": desk_only,
        "/invite supervisor service": desk_only,
        "/invite admin": desk_only,
        "/staff": desk_only,
        "/departments": desk_only,
        "/canned": staff_only,
        f"/customer {PROFILE}": staff_only,
        MERGE: staff_only,
    }


PEOPLE = [
    pytest.param(ADA, "Ada", admin, id="admin"),
    pytest.param(BO, "Bo", admin, id="admin-who-is-also-a-supervisor"),
    pytest.param(SUE, "Sue", supervisor, id="supervisor"),
    pytest.param(AL, "Al", agent, id="agent"),
    pytest.param(ANN, "Ann", customer, id="customer"),
]


def first_line(locale: str, key: str, **params: Any) -> str:
    return said(locale, key, **params).split("\n")[0]


async def first_line_after(person: Person, command: str) -> str:
    """`person` sends `command`; the first line of the first message the bot answers with."""
    before = len(person.messages())
    await person.send(command)
    answers = person.messages()[before:]
    assert answers, f"no answer to {command}"
    return (answers[0].plain_text or "").split("\n")[0]


@pytest.mark.parametrize(("user_id", "name", "expected"), PEOPLE)
@pytest.mark.parametrize(("locale", "lang"), [("en", "en"), ("zh", "zh-hans")])
async def test_every_command_answers_the_person_as_their_role(
    desk: DeskHarness, user_id: int, name: str, expected: Any, locale: str, lang: str
) -> None:
    ada = desk.customer(ADA, "Ada", lang=lang)  # (Ada's first sight sets her language)
    await join(desk, ada, AL, "Al", "agent", "service", lang=lang)
    person = desk.customer(user_id, name, lang=lang)
    wrong = {}
    for command, (key, params) in expected(locale).items():
        params = {k: name if v == "{name}" else v for k, v in params.items()}
        want = first_line(locale, key, **params)
        got = await first_line_after(person, command)
        if got != want:
            wrong[command] = (got, want)
        await person.send("/cancel")
    assert wrong == {}


async def test_a_config_change_raises_a_role_at_the_next_start_and_the_record_keeps_it(
    desk: DeskHarness,
) -> None:
    ada = desk.customer(ADA, "Ada")
    al = await join(desk, ada, AL, "Al", "agent", "service")
    desk.overrides["departments"] = [
        DEPARTMENTS[0],
        {**DEPARTMENTS[1], "supervisor": AL},  # Al heads After-sales now, Sue no more
    ]
    await desk.restart()
    assert await first_line_after(al, "/start") == first_line(
        "en", "start.staff", name="Al", role=role("en", "supervisor")
    )
    row = await staff_row(desk, AL)
    assert row.department_id != (await staff_row(desk, BO)).department_id
    await desk.dispatch()
    assert "report" in names(menu_of(desk, AL))  # queued at the start, for the new role
    # Sue keeps what her record says; Al too once the config forgets him
    desk.overrides["departments"] = DEPARTMENTS
    await desk.restart()
    for user_id in (AL, SUE):
        assert (await staff_row(desk, user_id)).role == "supervisor"


async def test_a_promotion_through_staff_counts_at_once_and_holds_over_the_config(
    desk: DeskHarness,
) -> None:
    ada = desk.customer(ADA, "Ada")
    al = await join(desk, ada, AL, "Al", "agent", "service")
    assert await first_line_after(al, "/report") == said("en", "report.not_allowed")
    card = desk.api.message(ada.id, await open_card(desk, ada, "Al"))
    await ada.press(t("en", "staffadmin.button_make", role=role("en", "supervisor")), on=card)
    # the very next command, before any restart or menu delivery
    assert (await first_line_after(al, "/report")).startswith("📊")
    await desk.dispatch()
    assert "report" in names(menu_of(desk, AL))

    # the config's supervisor raised to admin stays admin after a start
    sue = desk.customer(SUE, "Sue")
    await sue.send("/start")
    card = desk.api.message(ada.id, await open_card(desk, ada, "Sue"))
    await ada.press(t("en", "staffadmin.button_make", role=role("en", "admin")), on=card)
    await desk.restart()
    assert await first_line_after(sue, "/start") == first_line(
        "en", "start.staff", name="Sue", role=role("en", "admin")
    )


async def test_the_bot_does_not_lower_a_role_below_the_config(desk: DeskHarness) -> None:
    ada = desk.customer(ADA, "Ada")
    sue = desk.customer(SUE, "Sue")
    await sue.send("/start")
    card = desk.api.message(ada.id, await open_card(desk, ada, "Sue"))
    refused = said("en", "staffadmin.config_supervisor", name="Sue", department="After-sales")
    await ada.press(t("en", "staffadmin.button_make", role=role("en", "agent")), on=card)
    assert ada.last_alert() == refused
    await ada.press(t("en", "staffadmin.button_deactivate"), on=card)
    assert ada.last_alert() == refused
    await ada.press(t("en", "staffadmin.button_move", name="Customer Service"), on=card)
    assert ada.last_alert() == refused
    row = await staff_row(desk, SUE)
    assert (row.role, row.active) == ("supervisor", True)


async def test_an_admin_who_heads_a_department_is_pinged_as_its_head(desk: DeskHarness) -> None:
    ada = desk.customer(ADA, "Ada")
    bo = desk.customer(BO, "Bo")
    await bo.send("/start")
    await file_ticket(desk.customer(ANN, "Ann"))  # a complaint: Customer Service
    await desk.dispatch()
    desk.clock.advance(hours=1)  # the acknowledge target is missed
    await desk.sweep()
    await desk.dispatch()
    assert [x for x in bo.texts() if x.startswith("🚨")] != []  # the head, not all admins
    assert [x for x in ada.texts() if x.startswith("🚨")] == []
    await bo.send("/departments")
    heads = t("en", "staffadmin.supervisors", count=1, names="Bo")
    assert heads in bo.last_text
