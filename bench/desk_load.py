"""What the process benches share: tagged messages between customers and agents through
real `python -m bot run` instances on the fake Bot API over HTTP, and how to count them.

A relayed message carries a tag `[c60001.7]` (sender and its running number); `Phase`
keeps the tags sent, `collect` finds where each arrived, and a line is lost (never
arrived), duplicated (arrived more than once) or reordered (arrived before an earlier
line of the same sender to the same chat).
"""

from __future__ import annotations

import itertools
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field

from bot.sandbox.clocks import FakeClock
from bot.sandbox.wire import SentMessage
from domain.people import Role, Staff
from storage.db import create_engine
from storage.uow import SqlUnitOfWorkFactory
from tests.process.fakeserver import FakeBotServer, TgUser
from tests.process.test_instances import STAFF_CHAT

TAG = re.compile(r"\[([ca]\d+)\.(\d+)\]")  # [c60001.7]: sender and its running number


def token(n: int) -> str:
    """A bot token of its own for each process started, so the fake tells their calls
    apart (it answers as one bot whatever the token)."""
    return f"{700_000 + n}:" + "F" * 35


@dataclass
class Line:
    """One message to relay: who wrote it, to which chat it must arrive, when queued."""

    sender: str
    n: int
    to: int
    queued: float
    seen: list[tuple[float, int, int]] = field(default_factory=list)  # (at, call, position)


@dataclass
class Phase:
    name: str
    lines: dict[tuple[str, int], Line] = field(default_factory=dict)
    started: float = 0.0
    calls_before: int = 0
    throttled_before: int = 0

    def add(self, sender: str, n: int, to: int) -> str:
        self.lines[(sender, n)] = Line(sender, n, to, time.monotonic())
        return f"[{sender}.{n}]"


def api_calls(server: FakeBotServer) -> list[tuple[int, str, int, float, str]]:
    """(index, method, chat, answered at, text) of every successful call but getUpdates."""
    found = []
    for index, call in enumerate(server.calls()):
        if call.method == "getUpdates" or call.failed:
            continue
        text = str(call.params.get("text") or call.params.get("caption") or "")
        chat = call.params.get("chat_id")
        found.append((index, call.method, int(chat) if chat is not None else 0, call.at, text))
    return found


def collect(server: FakeBotServer, phase: Phase) -> int:
    """Record every delivery of the phase's lines; returns how many lines arrived."""
    for line in phase.lines.values():
        line.seen.clear()
    for index, method, chat, at, text in api_calls(server):
        if not method.startswith(("send", "copy", "forward")):
            continue
        for position, found in enumerate(TAG.finditer(text)):
            line = phase.lines.get((found.group(1), int(found.group(2))))
            if line is not None and line.to == chat and at >= line.queued:
                line.seen.append((at, index, position))
    return sum(1 for line in phase.lines.values() if line.seen)


def reordered(lines: list[Line]) -> int:
    """Lines that arrived before an earlier line of the same sender to the same chat."""
    streams: dict[tuple[str, int], list[Line]] = defaultdict(list)
    for line in lines:
        if line.seen:
            streams[(line.sender, line.to)].append(line)
    count = 0
    for stream in streams.values():
        arrival = sorted(stream, key=lambda line: min(line.seen)[1:])
        count += sum(1 for a, b in itertools.pairwise(arrival) if a.n > b.n)
    return count


async def add_agents(url: str, agents: list[TgUser]) -> None:
    """Make `agents` agents of the department `support`."""
    engine = create_engine(url)
    uow_factory = SqlUnitOfWorkFactory(engine, FakeClock())
    try:
        async with uow_factory() as uow:
            support = await uow.departments.get_by_code("support")
            assert support is not None
            for agent in agents:
                staff = Staff(agent.id, agent.first_name, Role.AGENT, support.id, locale="en")
                await uow.staff.add(staff)
            await uow.commit()
    finally:
        await engine.dispose()


def card_of(
    server: FakeBotServer, number: str, timeout: float = 120, button: str | None = None
) -> SentMessage:
    """The card of ticket `number` in the staff group, with `button` if given (waits)."""

    def shown(message: SentMessage) -> bool:
        if number not in (message.plain_text or ""):
            return False
        return button is None or any(b.get("text") == button for b in message.buttons)

    return server.wait_until(
        lambda fake: next((m for m in fake.messages_to(STAFF_CHAT) if shown(m)), None),
        timeout=timeout,
        what=f"the card of {number}" + (f" with {button}" if button else ""),
    )


def relayed_message(server: FakeBotServer, agent: TgUser, customer: int) -> SentMessage | None:
    """The newest message in the agent's chat relaying something of `customer`."""
    for message in reversed(server.messages_to(agent.id)):
        if f"[c{customer}." in (message.plain_text or ""):
            return message
    return None


def wait_arrivals(server: FakeBotServer, phase: Phase, settle: float, limit: float) -> None:
    """Until every line of `phase` arrived, nothing new arrived for `settle` seconds, or
    `limit` seconds passed."""
    arrived, last_change, deadline = -1, time.monotonic(), time.monotonic() + limit
    while time.monotonic() < deadline:
        now_arrived = collect(server, phase)
        if now_arrived != arrived:
            arrived, last_change = now_arrived, time.monotonic()
        if arrived == len(phase.lines) or time.monotonic() - last_change > settle:
            return
        time.sleep(0.25)
