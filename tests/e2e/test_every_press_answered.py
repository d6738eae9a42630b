"""Every button press is answered once, and nobody but staff makes the bot post in a group.

A press whose data does not parse or does not apply to the presser gets the short "out of
date" toast in their language, from one fallback; in a department's staff group, buttons
that live in private chats (language, wizard, confirm, `/file`, polls, `/my`) change nothing.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.intake import EDITABLE, Step
from domain.permissions import Act
from domain.presses import PROFILE_PRESSES
from domain.ticket import FeedbackType
from handlers.callback_data import MAX_BYTES, WIZARD_VALUES, Verb
from storage.models import TicketRow
from tests.e2e.dsl import STAFF_CHAT, DeskHarness, Person
from tests.e2e.steps import add_staff, count_rows, file_ticket, said, ticket_row
from tests.e2e.test_staff_desk import card_of

LOCALES = [pytest.param("en", id="english"), pytest.param("zh", id="chinese")]


def answers(desk: DeskHarness) -> list:
    return desk.api.calls_of("answerCallbackQuery")


async def pressed(person: Person, data: str, on) -> str | None:
    """Press `data` on `on`; exactly one answer comes back: its text."""
    before = len(answers(person.harness))
    await person.press_data(data, on=on)
    new = answers(person.harness)[before:]
    assert len(new) == 1, f"{data!r}: {len(new)} answers"
    assert not new[0].failed
    return new[0].params.get("text")


@pytest.mark.parametrize("locale", LOCALES)
async def test_presses_that_do_not_parse_or_apply_are_answered_out_of_date(
    two_departments: DeskHarness, locale: str
):
    desk = two_departments
    eve = desk.customer(1002, "Eve", lang=locale)
    number = await file_ticket(eve)
    await desk.dispatch()
    zed = desk.customer(5001, "Zed", lang=locale)
    await zed.send("/start")
    mine = zed.last_message
    for data in (
        "v1:new:type:complaint:extra",  # an extra field
        "v1:my:" + number + ":x",
        f"v1:pick:{number}",  # no pending message of his
        "v1:ps:1:5",  # no poll of his
        "v1:pk:1",
        "v1:zz",
        "v1:new:type:complaint" + "x" * MAX_BYTES,
    ):
        assert await pressed(zed, data, mine) == said(locale, "error.bad_callback"), data
    assert (await ticket_row(desk, number)).status == "new"


@pytest.mark.parametrize("locale", LOCALES)
async def test_private_buttons_pressed_in_a_staff_group_post_nothing(
    two_departments: DeskHarness, locale: str
):
    desk = two_departments
    eve = desk.customer(1002, "Eve", lang=locale)
    number = await file_ticket(eve)
    await desk.dispatch()
    card = card_of(desk, number)
    zed = desk.customer(5001, "Zed", lang=locale)
    posts = len(desk.api.messages_to(STAFF_CHAT))
    for person in (zed, eve):
        for data in (
            "v1:lang:en",
            "v1:lang:zh",
            "v1:new:type:complaint",
            "v1:new:summary:submit",
            f"v1:cf:{number}:y",
            f"v1:cf:{number}:n",
            "v1:fl:type:complaint",
            f"v1:my:{number}",
            "v1:list",
            f"v1:wd:{number}",
            f"v1:wdy:{number}",
            f"v1:keep:{number}",
            f"v1:pick:{number}",
            "v1:sal",
        ):
            text = await pressed(person, data, card)
            assert text == said(locale, "error.bad_callback"), data
    assert len(desk.api.messages_to(STAFF_CHAT)) == posts
    assert card_of(desk, number).plain_text == card.plain_text
    assert (await ticket_row(desk, number)).status == "new"


# -- the property: any data, any presser, any chat ------------------------------------------

TICKETS = st.sampled_from(["{eve}", "{eve}", "FB-2026-1", "FB-20261123-9999", "fb-x"])
IDS = st.sampled_from(["1", "2", "3", "{bob}", "{ann}", "{zed}", "0", "-1"]) | st.integers(
    1, 10**18
).map(str)
WORDS = st.sampled_from(
    sorted(
        {v for values in WIZARD_VALUES.values() for v in values}
        | {"en", "zh", "xx", "p1", "p-1", "d1", "d999", "a1", "x1", "low", "urgent", "type"}
        | {"l", "c1", "s1", "e1", "c999"}
        | {"en", "zh", "xx", "p1", "p-1", "d1", "d999", "a1", "x1", "t1", "low", "urgent", "type"}
    )
) | st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
ARGS = {
    "ticket": TICKETS,
    "word": WORDS,
    "step": st.sampled_from([s.value for s in Step] + ["nope"]),
    "act": st.sampled_from([a.value for a in Act] + ["nuke"]),
    "yes_no": st.sampled_from(["y", "n", "maybe"]),
    "id": IDS,
    "score": st.sampled_from(["1", "2", "3", "4", "5", "0", "6"]),
    "role": st.sampled_from(["agent", "supervisor", "admin", "root"]),
    "flag": st.sampled_from(["0", "1", "2"]),
    "profile": st.sampled_from([*sorted(PROFILE_PRESSES), "score"]),
    "mode": st.sampled_from(["off", "round_robin", "least_open", "sometimes"]),
    "value": st.sampled_from(sorted({*FeedbackType, *EDITABLE, "cancel", "submit", "done"})),
    "canned_op": st.sampled_from(["list", "show", "edit", "retire", "drop"]),
}
SHAPES = {
    Verb.WIZARD: ("step", "value"),
    Verb.LANGUAGE: ("word",),
    Verb.SHOW: ("ticket",),
    Verb.LIST: (),
    Verb.WITHDRAW: ("ticket",),
    Verb.WITHDRAW_CONFIRM: ("ticket",),
    Verb.KEEP: ("ticket",),
    Verb.PICK: ("ticket",),
    Verb.ADD_TO: ("ticket",),
    Verb.STAFF: ("act", "ticket"),
    Verb.STAFF_CHOICE: ("act", "ticket", "word"),
    Verb.CONFIRM: ("ticket", "yes_no"),
    Verb.FILE: ("word", "word"),
    Verb.POLL: ("id", "score"),
    Verb.POLL_SKIP: ("id",),
    Verb.STAFF_ROSTER: (),
    Verb.STAFF_CARD: ("id",),
    Verb.STAFF_ROLE: ("id", "role"),
    Verb.STAFF_DEPARTMENT: ("id", "id"),
    Verb.STAFF_ACTIVE: ("id", "flag"),
    Verb.CANNED: ("canned_op", "id"),
    Verb.CANNED_ADD: ("id", "word"),
    Verb.PROFILE: ("id", "profile"),
    Verb.ASSIGNMENT: ("id", "mode"),
}
assert set(SHAPES) == set(Verb)  # every verb is generated


@st.composite
def presses(draw: st.DrawFn) -> tuple[str, str, str, tuple[str, int, str]]:
    verb = draw(st.sampled_from(list(Verb)))
    args = [draw(ARGS[kind]) for kind in SHAPES[verb]]
    data = ":".join(["v1", verb.value, *args])
    how = draw(st.sampled_from(["valid", "valid", "mutated", "truncated", "long", "extra"]))
    where = draw(st.integers(0, 200))
    char = draw(st.sampled_from(list("0189:azX-_ é")))
    who = draw(st.sampled_from(["ann", "zed", "bob"]))
    chat = draw(st.sampled_from(["private", "group"]))
    return who, chat, data, (how, where, char)


def shaped(data: str, how: str, where: int, char: str) -> str:
    if how == "mutated":
        i = where % len(data)
        return data[:i] + char + data[i + 1 :]
    if how == "truncated":
        return data[: where % len(data)]
    if how == "long":
        return data + ":" + "9" * (MAX_BYTES + where % 20)
    if how == "extra":
        return data + ":" + (char.strip(":") or "x")
    return data


class World:
    """One desk for every example: Eve's ticket in Support (the group's card), Ann a customer
    without tickets, Zed a stranger, Bob a Billing agent (not Support's)."""

    presses = 0

    def __init__(self, desk: DeskHarness) -> None:
        self.desk = desk

    async def build(self) -> World:
        desk = self.desk
        self.eve = desk.customer(1002, "Eve")
        self.ann = desk.customer(1001, "Ann", lang="zh")
        self.zed = desk.customer(5001, "Zed")
        self.bob = desk.customer(2001, "Bob")
        await add_staff(desk, self.bob, department="billing")
        self.number = await file_ticket(self.eve)
        await desk.dispatch()
        for person in (self.ann, self.zed, self.bob):
            await person.send("/start")
        self.private = {
            "ann": self.ann.last_message,
            "zed": self.zed.last_message,
            "bob": self.bob.last_message,
        }
        self.before = await self.state()
        return self

    async def state(self) -> tuple:
        row = await ticket_row(self.desk, self.number)
        return row.status, row.assignee_id, row.version, await count_rows(self.desk, TicketRow)


_worlds: dict[int, World] = {}


@settings(
    max_examples=600,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(press=presses())
async def test_any_press_by_anyone_anywhere_is_answered_and_changes_nothing(
    two_departments: DeskHarness, press: tuple[str, str, str, tuple[str, int, str]]
):
    desk = two_departments
    world = _worlds.get(id(desk)) or await World(desk).build()
    _worlds.clear()
    _worlds[id(desk)] = world
    who, chat, template, (how, where, char) = press
    people = {"ann": world.ann, "zed": world.zed, "bob": world.bob}
    data = template.format(eve=world.number, ann=world.ann.id, zed=world.zed.id, bob=world.bob.id)
    data = shaped(data, how, where, char)
    person = people[who]
    card = card_of(desk, world.number)
    on = card if chat == "group" else world.private[who]
    posts = len(desk.api.messages_to(STAFF_CHAT))
    await pressed(person, data, on)
    World.presses += 1
    if who != "bob":  # nobody but staff makes the bot post into, or edit, the group
        assert len(desk.api.messages_to(STAFF_CHAT)) == posts, data
        assert card_of(desk, world.number).plain_text == card.plain_text, data
    assert await world.state() == world.before, data
