"""What `bench/chaos.py` counts: the load's record, and the tally at the end, from what
the fake Telegram received and what the database holds."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import String, cast, func, select

from bench.desk_load import TAG, Line, Phase, collect, reordered, wait_arrivals
from storage.models import OutboxRow, TicketEventRow, TicketRow
from tests.process.fakeserver import FakeBotServer
from tests.process.test_instances import STAFF_CHAT, eventually, rows, tickets_by_customer

SETTLE_SECONDS = 20.0  # the relays are done when nothing new arrived for this long
SETTLE_LIMIT = 180.0  # or after this long at the most
OUTBOX_LIMIT = 30.0  # seconds the outbox may take to send what is left once they are
NOT_TAKEN = "I only act on commands here"  # staff.nothing_to_do
CONFIRMED = "Your ticket number is"  # the filing's confirmation (handlers/i18n/en.toml)


@dataclass
class Load:
    """What the people did, as they did it (shared by their threads)."""

    count: int = 0  # messages and taps sent so far
    kills: int = 0
    relays: Phase = field(default_factory=lambda: Phase("relays"))
    filings: dict[int, str | None] = field(default_factory=dict)  # customer -> number
    claims: dict[str, int] = field(default_factory=dict)  # number -> customer
    priority_presses: dict[str, int] = field(default_factory=dict)  # number -> presses
    acting: Counter[str] = field(default_factory=Counter)  # step -> answers never seen
    troubles: list[str] = field(default_factory=list)
    _numbers: dict[int, itertools.count[int]] = field(default_factory=dict)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def sent(self) -> None:
        with self._changed:
            self.count += 1
            self._changed.notify_all()

    def reached(self, point: int, done: threading.Event) -> bool:
        """Wait until `point` messages were sent (True) or the load is done (False)."""
        with self._changed:
            while self.count < point:
                if done.is_set():
                    return False
                self._changed.wait(0.2)
        return True

    def next_of(self, sender: int) -> int:
        """The sender's next running number for a tag."""
        with self._changed:
            return next(self._numbers.setdefault(sender, itertools.count()))

    def acting_lost(self, step: str) -> None:
        with self._changed:
            self.acting[step.splitlines()[0] if step else step] += 1


@dataclass
class Tally:
    lost: Counter[str] = field(default_factory=Counter)
    duplicated: Counter[str] = field(default_factory=Counter)
    reordered: Counter[str] = field(default_factory=Counter)
    sent: Counter[str] = field(default_factory=Counter)
    traces: list[str] = field(default_factory=list)  # where each lost message stopped

    def line(self, kind: str, extra: str = "") -> str:
        return (
            f"{kind}: sent {self.sent[kind]}, lost {self.lost[kind]}, duplicated "
            f"{self.duplicated[kind]}, reordered {self.reordered[kind]}{extra}"
        )


def settle(server: FakeBotServer, url: str, load: Load) -> None:
    """Wait for the relays to arrive and the outbox to have sent (or parked) everything."""
    wait_arrivals(server, load.relays, SETTLE_SECONDS, SETTLE_LIMIT)

    def unsent() -> list[tuple[str, str, int]]:
        return rows(
            url,
            select(OutboxRow.kind, OutboxRow.status, func.count())
            .where(OutboxRow.status.not_in(("sent", "parked", "superseded")))
            .group_by(OutboxRow.kind, OutboxRow.status),
        )

    try:
        eventually(lambda: not unsent(), OUTBOX_LIMIT, "every outbox row sent")
    except AssertionError:
        load.troubles.append(f"outbox rows still unsent (kind, status, rows): {unsent()}")
    collect(server, load.relays)


def count_relays(url: str, load: Load, tally: Tally) -> None:
    kinds: dict[str, list[Line]] = {"customer_to_agent": [], "agent_to_customer": []}
    for line in load.relays.lines.values():
        kinds["customer_to_agent" if line.sender.startswith("c") else "agent_to_customer"].append(
            line
        )
    for kind, lines in kinds.items():
        tally.sent[kind] = len(lines)
        tally.lost[kind] = sum(1 for line in lines if not line.seen)
        tally.duplicated[kind] = sum(1 for line in lines if len(line.seen) > 1)
        tally.reordered[kind] = reordered(lines)
        tally.traces += [trace(url, line) for line in lines if not line.seen]


def trace(url: str, line: Line) -> str:
    """Where a lost line stopped: in the ticket's history? in the outbox, with what status?"""
    tag = f"[{line.sender}.{line.n}]"
    history = rows(url, select(TicketEventRow.kind).where(TicketEventRow.body.contains(tag)))
    outbox = rows(
        url,
        select(OutboxRow.kind, OutboxRow.status, OutboxRow.error).where(
            cast(OutboxRow.params, String).contains(tag)
        ),
    )
    return f"{tag} to {line.to}: history {[k for (k,) in history]}, outbox {outbox}"


def parked(url: str) -> list[str]:
    """The outbox rows an instance was sending when it was killed, parked (never resent):
    Telegram may or may not have them, and the desk never learns their message id."""
    found = rows(
        url,
        select(OutboxRow.kind, OutboxRow.chat_id, OutboxRow.params).where(
            OutboxRow.status == "parked"
        ),
    )
    return [f"{kind} to {chat} {TAG.findall(str(params)) or ''}" for kind, chat, params in found]


def refused_replies(server: FakeBotServer, load: Load) -> int:
    """Answers to agents that their message was not taken (a reply to a message the desk
    does not know)."""
    agents = {line.sender[1:] for line in load.relays.lines.values() if line.sender[0] == "a"}
    return sum(
        1
        for agent in agents
        for m in server.messages_to(int(agent))
        if NOT_TAKEN in (m.plain_text or "")
    )


def count_notices(server: FakeBotServer, load: Load, tally: Tally) -> tuple[int, int]:
    """Claim notices to customers, filing confirmations and cards; returns the tickets
    without a card and the cards posted twice."""
    kind = "claim_notice_to_customer"
    confirmations = "filing_confirmation"
    no_card = repeated_cards = 0
    staff = [m.plain_text or "" for m in server.messages_to(STAFF_CHAT)]
    for customer, number in load.filings.items():
        texts = [m.plain_text or "" for m in server.messages_to(customer)]
        confirmed = sum(1 for t in texts if CONFIRMED in t and str(number) in t)
        tally.duplicated[confirmations] += max(0, confirmed - 1)
        if number is None:
            continue
        cards = sum(1 for t in staff if number in t)
        no_card += cards == 0
        repeated_cards += max(0, cards - 1)
        if number in load.claims:
            notices = sum(1 for t in texts if "is on it" in t and number in t)
            tally.sent[kind] += 1
            tally.lost[kind] += notices == 0
            tally.duplicated[kind] += max(0, notices - 1)
    return no_card, repeated_cards


def events(url: str) -> dict[tuple[str, str], int]:
    """(ticket number, event kind) -> how many the ticket's history holds."""
    found = rows(
        url,
        select(TicketRow.number, TicketEventRow.kind, func.count())
        .join(TicketRow, TicketEventRow.ticket_id == TicketRow.id)
        .group_by(TicketRow.number, TicketEventRow.kind),
    )
    return {(number, kind): int(n) for number, kind, n in found}


def count_buttons(url: str, load: Load, tally: Tally) -> int:
    """Claims and priority changes against the history; returns the presses applied twice."""
    history = events(url)
    twice = 0
    for kind, pressed, event in (
        ("claim_press", dict.fromkeys(load.claims, 1), "claimed"),
        ("priority_press", load.priority_presses, "priority_changed"),
    ):
        for number, presses in pressed.items():
            applied = history.get((number, event), 0)
            tally.sent[kind] += presses
            tally.lost[kind] += max(0, presses - applied)
            twice += max(0, applied - presses)
    return twice


def count_filings(url: str, load: Load, tally: Tally) -> int:
    """Filings without a ticket (lost); returns the customers with more than one ticket."""
    tickets = tickets_by_customer(url)
    tally.sent["filing"] = len(load.filings)
    tally.lost["filing"] = sum(1 for c in load.filings if not tickets.get(c))
    return sum(1 for c in load.filings if len(tickets.get(c, [])) > 1)


def report(server: FakeBotServer, url: str, load: Load) -> None:
    """Print the tally, per kind, then the totals; the last line is the summary."""
    settle(server, url, load)
    tally = Tally()
    count_relays(url, load, tally)
    no_card, repeated_cards = count_notices(server, load, tally)
    tally.sent["card"] = sum(1 for n in load.filings.values() if n)
    tally.lost["card"] = no_card
    twice = count_buttons(url, load, tally)
    filed_twice = count_filings(url, load, tally)
    for kind in sorted(tally.sent | tally.duplicated):
        print(tally.line(kind), flush=True)
    print(f"cards_repeated: {repeated_cards} (a card being sent when killed may come twice)")
    steps = ", ".join(f"{step} {n}" for step, n in sorted(load.acting.items()))
    print(f"acting_replies_lost: {sum(load.acting.values())}" + (f" ({steps})" if steps else ""))
    for lost in tally.traces:
        print(f"lost {lost}")
    for row in parked(url):
        print(f"parked in flight: {row}")
    print(f"agent_replies_refused: {refused_replies(server, load)} (answered {NOT_TAKEN!r})")
    for trouble in load.troubles:
        print(f"trouble: {trouble}")
    print(f"buttons_applied_twice: {twice}")
    print(
        f"lost: {sum(tally.lost.values())} duplicated: {sum(tally.duplicated.values())} "
        f"reordered: {sum(tally.reordered.values())} filed_twice: {filed_twice}",
        flush=True,
    )
