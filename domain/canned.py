"""Canned replies: the department's standard wording, per language, with placeholders the
desk fills in (the customer's first name, the ticket's number, the agent's name, the due
time) before an agent sends it as it is or edited."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Protocol

# The placeholders a canned reply may hold (and their Chinese names, which Chinese
# supervisors read in their prompts); anything else in braces is refused.
PLACEHOLDERS = ("customer", "ticket", "agent", "due")
ALIASES = {"客户": "customer", "工单": "ticket", "客服": "agent", "截止": "due"}
PLACEHOLDER = re.compile(r"\{([^{}\s]{1,30})\}")
TITLE_MAX = 60
PICKER_SIZE = 8  # the short list an agent sees


@dataclass(slots=True)
class Canned:
    """One canned reply of a department, in one language."""

    department_id: int
    locale: str
    title: str
    body: str
    created_by: int
    created_at: datetime
    active: bool = True
    uses: int = 0
    id: int | None = None


class CannedRepository(Protocol):
    async def add(self, canned: Canned) -> Canned: ...
    async def get(self, canned_id: int) -> Canned | None: ...
    async def list_department(self, department_id: int) -> Sequence[Canned]:
        """The department's active replies, every language, by language and title."""
        ...

    async def pick(
        self, department_id: int, locale: str, words: Sequence[str], limit: int
    ) -> Sequence[Canned]:
        """Active replies of the department in `locale` holding every word (title or
        text, any case), most used first."""
        ...

    async def count(self, department_id: int, locale: str) -> int: ...
    async def update(self, canned_id: int, *, title: str, body: str, now: datetime) -> None: ...
    async def retire(self, canned_id: int, now: datetime) -> None: ...
    async def used(self, canned_id: int, ticket_id: int, staff_id: int, now: datetime) -> None:
        """One more use: sent on `ticket_id` by `staff_id` (counted, and kept for reports)."""
        ...


def unknown_placeholders(body: str) -> list[str]:
    """The names in braces that are not placeholders the desk fills in."""
    return [
        name
        for name in PLACEHOLDER.findall(body)
        if name not in PLACEHOLDERS and name not in ALIASES
    ]


def split(text: str) -> tuple[str, str]:
    """A supervisor's message as a reply: its first line (shortened) is the title."""
    body = text.strip()
    first = body.splitlines()[0].strip() if body else ""
    title = first if len(first) <= TITLE_MAX else first[: TITLE_MAX - 1] + "…"
    return title, body


@dataclass(frozen=True, slots=True)
class Values:
    """What the placeholders of one ticket's reply become."""

    customer: str
    ticket: str
    agent: str
    due: datetime | None

    def fill(self, body: str, zone: tzinfo) -> str:
        due = self.due.astimezone(zone).strftime("%Y-%m-%d %H:%M") if self.due else "—"
        words = {"customer": self.customer, "ticket": self.ticket, "agent": self.agent}
        words["due"] = due
        return PLACEHOLDER.sub(
            lambda m: words.get(ALIASES.get(m.group(1), m.group(1)), m.group(0)), body
        )


def first_name(name: str) -> str:
    """A customer's first name, as a reply greets them."""
    return name.split()[0] if name.strip() else ""
