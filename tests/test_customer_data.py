"""`feedback-desk customer export | erase`: a customer built through the real bot, then the
command run in-process on the same database, as an operator would run it next to the bot."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, String, Text, select, update

from bot.app import runtime_of
from bot.cli import main
from storage.models import (
    AttachmentRow,
    Base,
    ConversationRow,
    CustomerAuditRow,
    CustomerRow,
    OutboxRow,
    PollRow,
    TicketEventRow,
    TicketRow,
)
from tests.e2e import conftest as e2e
from tests.e2e.dsl import STAFF_CHAT, DeskHarness
from tests.e2e.steps import add_staff, file_ticket, label, said, start_new
from tests.e2e.test_staff_desk import press_on_card

desk = e2e.desk  # the fixture of the e2e tests: the real bot on a fake Telegram

ZELDA = 1001
PHONE = "+8613812345678"
DESCRIPTION = "Till broken\nIt beeps at every sale"
# everything Zelda or the desk wrote that must not survive the erasure
SECRETS = (
    "Zelda",
    "Quixote",
    "13812345678",
    "Till broken",
    "beeps at every sale",
    "ORDER-7781",
    "restart the till",
    "still makes noise",
    "Replaced the sensor",
    "Lovely service",
    "printer jams",
    "call you back",
    "photo-1001",
    "half-typed",
    "drawer sensor",
)


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Any:
    """`feedback-desk ARGS` in this process on the test database; returns (code, out, err)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FEEDBACK_DESK_CONFIG", raising=False)
    monkeypatch.delenv("FEEDBACK_DESK__TELEGRAM__TOKEN", raising=False)
    monkeypatch.setenv("FEEDBACK_DESK__DATABASE__URL", database_url)

    async def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = await asyncio.to_thread(main, list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


async def zelda_and_her_tickets(desk: DeskHarness) -> tuple[str, str]:
    """Zelda files a ticket with a photo, reference and phone; Bob claims and replies, she
    answers, he resolves, she confirms and scores 5 with a comment. A second ticket has a reply
    still waiting in the outbox, and she is half-way through a third."""
    zelda = desk.customer(ZELDA, "Zelda", last_name="Quixote")
    bob = desk.customer(2001, "Bob")
    await add_staff(desk, bob)
    first = await file_ticket(zelda, DESCRIPTION, photos=1, reference="ORDER-7781", phone=PHONE)
    await desk.dispatch()
    await press_on_card(bob, desk, first, "staff.button.claim")
    await desk.dispatch()
    await press_on_card(bob, desk, first, "staff.button.reply")
    await bob.send("Please restart the till and tell me what it shows.")
    await desk.dispatch()
    await zelda.send("It still makes noise")
    await desk.dispatch()
    await press_on_card(bob, desk, first, "staff.button.note")
    await bob.send("Zelda sounds upset; E42 is the drawer sensor.")
    await desk.dispatch()
    await press_on_card(bob, desk, first, "staff.button.resolve")
    await bob.send("Replaced the sensor.")
    await desk.dispatch()
    await zelda.press(label("en", "confirm.button.solved"))
    await desk.dispatch()
    await zelda.press(label("en", "poll.score_5"))
    await zelda.send("Lovely service")
    await desk.dispatch()

    second = await file_ticket(zelda, "Receipt printer jams")
    await desk.dispatch()
    await press_on_card(bob, desk, second, "staff.button.claim")
    await desk.dispatch()
    await press_on_card(bob, desk, second, "staff.button.reply")
    await bob.send("We will call you back tomorrow.")  # not dispatched: pending

    await start_new(zelda, description="A half-typed third one")
    return first, second


async def rows(desk: DeskHarness, model: type[Any], *where: Any) -> list[Any]:
    async with runtime_of(desk.app).uow.engine.connect() as connection:
        query = select(model).where(*where).order_by(*model.__table__.primary_key.columns)
        return list((await connection.execute(query)).all())


async def texts_holding_secrets(desk: DeskHarness) -> list[str]:
    """Every text or JSON cell of every table that still holds one of SECRETS."""
    found = []
    async with runtime_of(desk.app).uow.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in await connection.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    text = (
                        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    )
                    found += [
                        f"{table.name}.{column.name}: {secret}"
                        for secret in SECRETS
                        if secret in text
                    ]
    return found


async def figures(desk: DeskHarness) -> list[tuple[Any, ...]]:
    """What the reports count, ticket by ticket."""
    tickets = await rows(desk, TicketRow)
    events = await rows(desk, TicketEventRow)
    polls = await rows(desk, PollRow)
    return [
        (
            t.number,
            t.status,
            t.type,
            t.priority,
            t.score,
            t.attachment_count,
            t.created_at,
            t.acknowledged_at,
            t.first_response_at,
            t.resolved_at,
            t.closed_at,
            t.ack_seconds,
            t.resolve_seconds,
            [
                (e.kind, e.actor_kind, e.actor_id, e.created_at, e.data.get("score"))
                for e in events
                if e.ticket_id == t.id and not e.kind.startswith("data_")
            ],
            [(p.score, p.answered_at) for p in polls if p.ticket_id == t.id],
        )
        for t in tickets
    ]


async def test_export_holds_everything_about_the_customer_and_is_recorded(
    desk: DeskHarness, cli: Any, tmp_path: Path
) -> None:
    first, second = await zelda_and_her_tickets(desk)
    other = await file_ticket(desk.customer(1002, "Ann"), "Somebody else's problem")

    code, out, err = await cli("customer", "export", str(ZELDA))

    assert code == 0, err
    document = json.loads(out)
    customer = document["customer"]
    assert (customer["name"], customer["telegram_id"], customer["phone"]) == (
        "Zelda Quixote",
        ZELDA,
        PHONE,
    )
    assert customer["number"].startswith("C2026")
    tickets = {t["number"]: t for t in document["tickets"]}
    assert set(tickets) == {first, second}  # not Ann's
    one = tickets[first]
    assert (one["description"], one["reference"], one["contact_phone"]) == (
        DESCRIPTION,
        "ORDER-7781",
        PHONE,
    )
    assert (one["status"], one["score"], one["department"]) == ("closed", 5, "support")
    kinds = [e["kind"] for e in one["events"]]
    assert kinds[0] == "filed"
    assert {"customer_message", "agent_reply", "resolved", "solved", "scored"} <= set(kinds)
    bodies = {e["kind"]: e["body"] for e in one["events"]}
    assert bodies["customer_message"] == "It still makes noise"
    assert bodies["agent_reply"] == "Please restart the till and tell me what it shows."
    internal = [e for e in one["events"] if not e["visible_to_customer"]]
    assert [e["body"] for e in internal if e["kind"] == "note"] == [
        "Zelda sounds upset; E42 is the drawer sensor."
    ]
    files = [a["file_id"] for e in one["events"] for a in e["attachments"]]
    assert files == [f"photo-{ZELDA}-0"]
    assert [(p["score"], p["comment"]) for p in one["polls"]] == [(5, "Lovely service")]
    assert document["conversation"]["user_id"] == ZELDA
    assert "half-typed" in json.dumps(document["conversation"])
    outbox = document["outbox"]
    assert outbox
    assert {o["chat_id"] for o in outbox} == {ZELDA}
    assert any(o["params"].get("body") == "We will call you back tomorrow." for o in outbox)
    assert {o["status"] for o in outbox} == {"sent", "pending"}

    # the export is on her record, and in the history of each of her tickets, by the
    # system, not for her eyes
    assert history(document) == [
        ("exported", "feedback-desk customer export", {
            "tickets": 2, "events": sum(len(t["events"]) for t in document["tickets"]),
            "polls": 1, "outbox": len(outbox)}),
    ]  # fmt: skip
    audit = await rows(desk, TicketEventRow, TicketEventRow.kind == "data_exported")
    numbers = {t.id: t.number for t in await rows(desk, TicketRow)}
    assert sorted(numbers[e.ticket_id] for e in audit) == sorted([first, second])
    assert {(e.actor_kind, e.actor_id, e.visible_to_customer) for e in audit} == {
        ("system", None, False)
    }
    assert other not in {numbers[e.ticket_id] for e in audit}

    # by customer number or phone, into a file: the same customer
    target = tmp_path / "zelda.json"
    code, out, err = await cli("customer", "export", customer["number"], "--output", str(target))
    assert code == 0, err
    assert out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["customer"]["id"] == customer["id"]
    assert target.stat().st_mode & 0o077 == 0
    code, out, _ = await cli("customer", "export", PHONE)
    assert code == 0
    assert json.loads(out)["customer"]["id"] == customer["id"]


async def test_erase_leaves_no_personal_data_and_keeps_the_statistics(
    desk: DeskHarness, cli: Any
) -> None:
    await zelda_and_her_tickets(desk)
    await file_ticket(desk.customer(1002, "Ann"), "Somebody else's problem")
    assert await texts_holding_secrets(desk)
    before = await figures(desk)
    ticket_count = len(await rows(desk, TicketRow))
    [zelda] = await rows(desk, CustomerRow, CustomerRow.telegram_id == ZELDA)

    code, out, err = await cli("customer", "erase", str(ZELDA), "--yes")

    assert code == 0, err
    assert f"erased {zelda.number}" in out
    assert await texts_holding_secrets(desk) == []
    [erased] = await rows(desk, CustomerRow, CustomerRow.id == zelda.id)
    assert (erased.name, erased.telegram_id, erased.phone, erased.email) == (
        "erased",
        None,
        None,
        None,
    )
    assert (erased.number, erased.created_at) == (zelda.number, zelda.created_at)
    tickets = await rows(desk, TicketRow, TicketRow.customer_id == zelda.id)
    assert {(t.title, t.description, t.contact_phone, t.score_comment) for t in tickets} == {
        ("[erased]", "[erased]", None, None)
    }
    assert [t.reference for t in tickets] == ["[erased]", None]
    ids = [t.id for t in tickets]
    assert await rows(desk, AttachmentRow, AttachmentRow.ticket_id.in_(ids)) == []
    assert [t.attachment_count for t in tickets] == [1, 0]
    assert await rows(desk, ConversationRow, ConversationRow.user_id == ZELDA) == []
    assert await rows(desk, OutboxRow, OutboxRow.chat_id == ZELDA) == []
    parked = await rows(desk, OutboxRow, OutboxRow.error == "customer erased")
    assert parked
    assert {p.status for p in parked} == {"parked"}
    # what waits now is only the staff chats' clean-up: cards in their erased form and the
    # deletion of relayed copies (their texts are checked above with every other text)
    waiting = await rows(
        desk, OutboxRow, OutboxRow.ticket_id.in_(ids), OutboxRow.status == "pending"
    )
    assert {row.kind for row in waiting} == {"card", "erase.message"}
    bodies = {e.body for e in await rows(desk, TicketEventRow, TicketEventRow.ticket_id.in_(ids))}
    assert bodies <= {"[erased]", None}
    # what the reports count is all still there, Ann's ticket untouched
    assert len(await rows(desk, TicketRow)) == ticket_count
    assert await figures(desk) == before
    [ann] = await rows(desk, CustomerRow, CustomerRow.telegram_id == 1002)
    assert ann.name == "Ann"

    audit = await rows(desk, TicketEventRow, TicketEventRow.kind == "data_erased")
    assert sorted(e.ticket_id for e in audit) == sorted(ids)
    assert {(e.actor_kind, e.visible_to_customer) for e in audit} == {("system", False)}
    [record] = await rows(desk, CustomerAuditRow, CustomerAuditRow.customer_id == zelda.id)
    assert (record.action, record.command) == ("erased", "feedback-desk customer erase")
    assert record.counts["tickets"] == 2

    # a second time: nothing left to do, nothing changed
    code, out, err = await cli("customer", "erase", zelda.number, "--yes")
    assert code == 0, err
    assert "already erased" in out
    assert len(await rows(desk, TicketEventRow, TicketEventRow.kind == "data_erased")) == 2
    assert len(await rows(desk, CustomerAuditRow)) == 1

    # she is a stranger to the bot now: writing again makes a new customer
    again = desk.customer(ZELDA, "Zelda", last_name="Quixote")
    await again.send("/my")
    fresh = await rows(desk, CustomerRow, CustomerRow.telegram_id == ZELDA)
    assert zelda.id not in [c.id for c in fresh]


async def test_a_ticket_saved_by_the_bot_after_the_erasure_cannot_bring_texts_back(
    desk: DeskHarness, cli: Any
) -> None:
    number = await file_ticket(desk.customer(ZELDA, "Zelda", last_name="Quixote"), DESCRIPTION)
    [before] = await rows(desk, TicketRow, TicketRow.number == number)

    code, _, err = await cli("customer", "erase", str(ZELDA), "--yes")

    assert code == 0, err
    [after] = await rows(desk, TicketRow, TicketRow.number == number)
    assert after.version == before.version + 1


async def test_erase_asks_first_and_a_no_changes_nothing(desk: DeskHarness, cli: Any) -> None:
    await file_ticket(desk.customer(ZELDA, "Zelda", last_name="Quixote"), DESCRIPTION)

    code, out, err = await cli("customer", "erase", str(ZELDA), stdin="no\n")

    assert code == 1
    assert "Type 'yes'" in err
    assert "not erased" in err
    assert "erased C" not in out
    [zelda] = await rows(desk, CustomerRow, CustomerRow.telegram_id == ZELDA)
    assert zelda.name == "Zelda Quixote"
    assert await rows(desk, TicketEventRow, TicketEventRow.kind == "data_erased") == []

    code, out, err = await cli("customer", "erase", str(ZELDA), stdin="yes\n")
    assert code == 0, err
    assert await rows(desk, CustomerRow, CustomerRow.telegram_id == ZELDA) == []


async def test_unknown_and_ambiguous_customers_are_refused(desk: DeskHarness, cli: Any) -> None:
    await file_ticket(desk.customer(ZELDA, "Zelda"), DESCRIPTION, phone=PHONE)
    await file_ticket(desk.customer(1002, "Ann"), "Another one", phone="+8613900000000")
    async with runtime_of(desk.app).uow.engine.begin() as connection:
        await connection.execute(
            update(CustomerRow).where(CustomerRow.telegram_id == 1002).values(phone=PHONE)
        )
    numbers = sorted(c.number for c in await rows(desk, CustomerRow))

    for command in ("export", "erase"):
        code, out, err = await cli("customer", command, "C202001010001")
        assert code == 1
        assert "no customer" in err
        assert out == ""

        code, out, err = await cli("customer", command, PHONE)
        assert code == 1
        assert "2 customers match" in err
        assert "customer number" in err
        assert all(number in err for number in numbers)
        assert out == ""
    assert await rows(desk, TicketEventRow, TicketEventRow.kind.like("data_%")) == []
    assert await rows(desk, CustomerAuditRow) == []


def history(document: dict[str, Any]) -> list[tuple[str, str, dict[str, int]]]:
    """The export's audit history: what was done, by which command, with what counts."""
    return [(a["action"], a["command"], a["counts"]) for a in document["audit"]]


async def test_a_customer_without_tickets_is_exported_and_erased_on_the_record(
    desk: DeskHarness, cli: Any
) -> None:
    zelda = desk.customer(ZELDA, "Zelda", last_name="Quixote")
    await start_new(zelda, description="A half-typed first one")

    code, out, err = await cli("customer", "export", str(ZELDA))
    assert code == 0, err
    document = json.loads(out)
    number = document["customer"]["number"]
    assert document["tickets"] == []
    assert "recorded" in err
    # the export itself is on her record, though she has no ticket to hold it; the
    # desk's answers to her are kept as outbox rows (they stand in for lost replies)
    answers = len(desk.api.messages_to(ZELDA))
    empty = {"tickets": 0, "events": 0, "polls": 0, "outbox": answers}
    assert history(document) == [("exported", "feedback-desk customer export", empty)]
    [entry] = document["audit"]
    assert entry["created_at"] == document["exported_at"]
    assert entry["operator"]  # who ran it

    code, out, err = await cli("customer", "erase", str(ZELDA), "--yes")
    assert code == 0, err
    assert "recorded" in out
    assert await texts_holding_secrets(desk) == []
    # nothing left to erase: no question asked, nothing recorded
    code, out, err = await cli("customer", "erase", number)
    assert code == 0, err
    assert "already erased" in out
    assert "Type 'yes'" not in err

    # her export now shows both, and itself
    code, out, err = await cli("customer", "export", number)
    assert code == 0, err
    assert [(action, command) for action, command, _ in history(json.loads(out))] == [
        ("exported", "feedback-desk customer export"),
        ("erased", "feedback-desk customer erase"),
        ("exported", "feedback-desk customer export"),
    ]
    assert history(json.loads(out))[1][2]["conversations"] == 1  # the half-typed draft
    assert len(await rows(desk, CustomerAuditRow)) == 3


def test_the_customer_commands_need_no_token(tmp_path: Path) -> None:
    from tests.test_cli import run_cli

    result = run_cli(tmp_path, "customer", "export", "C202601010001")

    assert result.returncode == 1
    assert "no customer" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "data" / "feedback-desk.db").exists()


@pytest.mark.parametrize("deletable", [True, False])
async def test_erase_reaches_the_staff_chats_cards_and_relayed_copies(
    desk: DeskHarness, cli: Any, deletable: bool
) -> None:
    """The cards show the erased form and the copies of her messages in staff chats are
    deleted, or blanked where Telegram no longer lets the bot delete them (older than 48
    hours); the running desk does it through the outbox, after the command."""
    first, _second = await zelda_and_her_tickets(desk)
    bob_id = 2001
    copies = [m for m in desk.api.messages_to(bob_id) if "It still makes noise" in (m.text or "")]
    assert copies
    if not deletable:
        desk.api.fail_next(
            "deleteMessage",
            chat_id=bob_id,
            status=400,
            description="Bad Request: message can't be deleted for everyone",
            times=None,
        )

    code, out, err = await cli("customer", "erase", str(ZELDA), "--yes")
    assert code == 0, err
    assert "staff_cards_queued" in out
    desk.clock.set(datetime.now(UTC))  # the command queued it at the real time
    await desk.dispatch()

    for message in copies:
        now = desk.api.message(bob_id, message.message_id)
        if deletable:
            assert now.deleted
        else:
            assert now.plain_text == said("en", "notice.erased_copy")
    shown = [m.plain_text or "" for m in desk.api.messages_to(STAFF_CHAT) if not m.deleted]
    card = next(text for text in reversed(shown) if first in text)
    assert "Zelda" not in card
    assert "[erased]" in card
