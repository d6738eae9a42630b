"""Auto-assignment: a new ticket of a department that assigns goes to exactly one present
agent, decided inside the filing's transaction with the department's row locked; an
assignee who does not acknowledge it (claim or answer) in time loses it to the next one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.assignment import Mode, pick, present
from domain.delivery import Kind
from domain.people import Department, Staff
from domain.policy import DeskPolicy
from domain.ports import AssignmentCursor, Notice, UnitOfWork
from domain.ticket import ActorKind, EventKind, Ticket, TicketEvent


@dataclass(frozen=True, slots=True)
class Chosen:
    """The agent a ticket goes to, and how long they have to acknowledge it."""

    staff: Staff
    ack_minutes: int


async def choose(
    uow: UnitOfWork,
    policy: DeskPolicy,
    now: datetime,
    department: Department,
    *,
    exclude: int | None = None,
) -> Chosen | None:
    """The next present agent of `department` (None: it does not assign, or nobody is
    there); the department's row stays locked, and its cursor moved, until the commit."""
    if department.assignment == Mode.OFF or department.id is None:
        return None
    cursor: AssignmentCursor = await uow.assignment.lock(department.id)
    candidates = [
        c
        for c in await uow.assignment.candidates(department.id)
        if present(c, now, policy.timezone)
    ]
    staff_id = pick(cursor.mode, candidates, cursor.cursor, exclude=exclude)
    if staff_id is None:
        return None
    staff = await uow.staff.get(staff_id)
    assert staff is not None
    await uow.assignment.set_cursor(department.id, staff_id)
    return Chosen(staff, cursor.ack_minutes)


async def announce(
    uow: UnitOfWork,
    policy: DeskPolicy,
    now: datetime,
    ticket: Ticket,
    chosen: Chosen,
    previous: int | None = None,
) -> None:
    """Record that `ticket` went to `chosen` (its history, the due time to acknowledge) and
    tell them; the ticket row already names them."""
    assert ticket.id is not None
    assert chosen.staff.id is not None
    await uow.events.add(
        TicketEvent(
            kind=EventKind.ASSIGNED,
            created_at=now,
            actor_kind=ActorKind.SYSTEM,
            ticket_id=ticket.id,
            visible_to_customer=False,
            data={"to": chosen.staff.id, "from": previous, "auto": True},
        )
    )
    due = None
    if chosen.ack_minutes > 0:
        due = policy.calendar.add(now, timedelta(minutes=chosen.ack_minutes))
    await uow.assignment.set_due(ticket.id, due)
    params = {"number": ticket.number, "title": ticket.title, "minutes": chosen.ack_minutes}
    uow.outbox.add(
        Notice(
            chosen.staff.telegram_id, Kind.AUTO_ASSIGNED, chosen.staff.locale, params, ticket.id
        )
    )
