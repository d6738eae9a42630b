"""The shape that keeps the desk easy to grow: every outbox kind has its renderer, every
button verb its handler, every staff act its entry; no import circles in handlers/ and no
imports hidden inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from domain.delivery import Kind
from domain.permissions import Act
from domain.presses import Page, StaffPress, Target
from domain.services.staff.desk import ACTS
from domain.ticket import Priority
from handlers import callback_data, notices, setup
from handlers.callback_data import CHOICES, BadCallback, Verb, decode, encode

ROOT = Path(__file__).resolve().parents[1]
# Acts that are no button of a card: commands, checked by their own use cases.
NOT_ON_CARDS = {
    Act.FILE_FOR_CUSTOMER,
    Act.INVITE,
    Act.MANAGE_STAFF,
    Act.BIND,
    Act.REPORT,
    Act.EXPORT,
    Act.MANAGE_CANNED,
    # a customer's profile (`/customer`), its buttons and merging
    Act.PROFILE,
    Act.PROFILE_EDIT,
    Act.PROFILE_VIP,
    Act.PROFILE_REVEAL,
    Act.PROFILE_MERGE,
    Act.ASSIGNMENT,
}


def test_every_outbox_kind_has_a_renderer():
    assert set(notices.RENDERERS) == set(Kind)


def test_a_kind_nobody_renders_is_refused_by_name():
    with pytest.raises(ValueError, match=r"ticket\.nonsense"):
        notices.notice("ticket.nonsense", "en", {})


def test_every_button_verb_has_its_handler():
    assert set(setup.BUTTONS) == set(Verb)


def test_every_staff_act_of_a_card_is_in_the_table():
    assert set(ACTS) == set(Act) - NOT_ON_CARDS
    assert set(CHOICES) <= set(ACTS)


@pytest.mark.parametrize(
    ("data", "value"),
    [
        ("v1:s:claim:FB-20261122-0007", StaffPress(Act.CLAIM, "FB-20261122-0007")),
        (
            "v1:sc:prio:FB-20261122-0007:high",
            StaffPress(Act.PRIORITY, "FB-20261122-0007", Priority.HIGH),
        ),
        (
            "v1:sc:xfer:FB-20261122-0007:a12",
            StaffPress(Act.TRANSFER, "FB-20261122-0007", Target(agent_id=12)),
        ),
        (
            "v1:sc:collab:FB-20261122-0007:d3",
            StaffPress(Act.COLLABORATE, "FB-20261122-0007", Target(department_id=3)),
        ),
        ("v1:sc:hist:FB-20261122-0007:p2", StaffPress(Act.HISTORY, "FB-20261122-0007", Page(2))),
    ],
)
def test_a_staff_button_decodes_into_its_typed_value(data, value):
    assert decode(data).value == value


@pytest.mark.parametrize(
    "data",
    [
        "v1:sc:prio:FB-20261122-0007:d3",  # a priority that is none
        "v1:sc:xfer:FB-20261122-0007:x1",  # neither a department nor a person
        "v1:sc:hist:FB-20261122-0007:p99999",
        "v1:sc:claim:FB-20261122-0007:d3",  # no choice follows a claim
        "v1:fl:channel:telegram",  # not a channel one files for
        "v1:fl:customer:z1",
    ],
)
def test_a_choice_its_act_does_not_offer_does_not_decode(data):
    with pytest.raises(BadCallback):
        decode(data)


def test_encode_checks_what_it_makes():
    assert encode(Verb.STAFF, Act.CLAIM, "FB-20261122-0007") == "v1:s:claim:FB-20261122-0007"
    matches = callback_data.pattern(Verb.STAFF)
    assert matches("v1:s:claim:FB-20261122-0007")
    assert not matches("v1:sc:prio:FB-20261122-0007:high")


def _imports(path: Path) -> list[tuple[ast.AST, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node, node.module))
            found += [(node, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(node, a.name) for a in node.names]
    return found


def test_no_import_circle_in_handlers():
    modules = {p.stem: p for p in (ROOT / "handlers").glob("*.py")}
    graph = {
        name: {
            target.split(".")[1]
            for _, target in _imports(path)
            if target.startswith("handlers.") and target.split(".")[1] in modules
        }
        - {name}
        for name, path in modules.items()
    }

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph[start]:
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    circles = sorted(name for name in graph if reaches(name, name, {name}))
    assert circles == []


# `feedback-desk` loads what a command needs when it runs (`db upgrade` needs no Telegram).
LAZY = {ROOT / "bot" / "cli.py"}


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for layer in ("bot", "handlers", "domain", "storage")
        for p in (ROOT / layer).rglob("*.py")
        if p not in LAZY and "migrations" not in p.parts
    ),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_import_inside_a_function(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside = [
        inner.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for inner in ast.walk(node)
        if isinstance(inner, ast.Import | ast.ImportFrom)
    ]
    assert inside == []
