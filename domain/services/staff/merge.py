"""Merging a duplicate: ticket B goes into ticket A of the same customer. B's history and
files move to A (A's history reads in time order), B closes as merged into A, A's history
says B was merged in, the customer is told once, and A's SLA clocks keep the earlier start
of the two."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.delivery import Kind
from domain.errors import InvalidInput
from domain.numbering import NUMBER_IN_TEXT
from domain.people import Staff
from domain.permissions import Act, check
from domain.ports import UnitOfWork
from domain.presses import MergeTarget
from domain.services.staff.base import FLOW, Press, Said, StaffAct, StaffBase, StaffView
from domain.ticket import ActorKind, EventKind, Status, Ticket, TicketEvent, Work

# how many of the customer's other open tickets the Merge button offers
OFFERED = 6
TARGETS = frozenset({Status.NEW, Status.IN_PROGRESS, Status.WAITING_CUSTOMER, Status.RESOLVED})

Choices = list[tuple[str, str, str, dict[str, Any]]]


async def _offers(uow: UnitOfWork, duplicate: Ticket) -> Choices:
    """The customer's other open tickets, newest first, as buttons."""
    others = await uow.tickets.list_for_customer(
        duplicate.customer_id, statuses=TARGETS, limit=OFFERED + 1
    )
    return [
        (
            Act.MERGE.value,
            f"t{other.id}",
            "merge.offer",
            {"number": other.number, "title": other.title[:30]},
        )
        for other in others
        if other.id != duplicate.id
    ][:OFFERED]


async def press_merge(desk: StaffBase, p: Press) -> StaffView:
    """The card's Merge: the customer's other open tickets to pick, or a number to type."""
    Work.require_workable(p.ticket)
    if isinstance(p.choice, MergeTarget):
        target = await p.uow.tickets.get(p.choice.ticket_id)
        if target is None:  # no button of ours offers it
            raise InvalidInput("error.bad_callback")
        return await _merge(desk, p.uow, p.staff, p.ticket, target, p.now)
    if p.choice is not None:
        raise InvalidInput("error.bad_callback")
    offers = await _offers(p.uow, p.ticket)
    await desk.expect(p, Act.MERGE)  # a typed number is taken too
    key = "merge.ask" if offers else "merge.ask_number"
    return StaffView(
        p.locale,
        key,
        {"number": p.number},
        ticket=p.ticket,
        choices=offers,
        private_prompt=True,
    )


async def merge_typed(desk: StaffBase, s: Said) -> StaffView:
    """The number of the ticket to merge into, typed after Merge."""
    found = NUMBER_IN_TEXT.search((s.body or "").upper())
    if found is None:
        raise InvalidInput("merge.bad_number")
    target = await s.uow.tickets.get_by_number(found.group())
    if target is None:
        raise InvalidInput("merge.unknown", number=found.group())
    return await _merge(desk, s.uow, s.staff, s.ticket, target, s.now)


def _require_mergeable(duplicate: Ticket, target: Ticket) -> None:
    if target.id == duplicate.id:
        raise InvalidInput("merge.same", number=duplicate.number)
    if target.customer_id != duplicate.customer_id:
        raise InvalidInput("merge.other_customer", number=duplicate.number, into=target.number)
    if target.status not in TARGETS:
        raise InvalidInput("merge.target_closed", into=target.number)
    Work.require_workable(duplicate)


async def _merge(
    desk: StaffBase,
    uow: UnitOfWork,
    staff: Staff,
    duplicate: Ticket,
    target: Ticket,
    now: datetime,
) -> StaffView:
    _require_mergeable(duplicate, target)
    check(staff, Act.MERGE, target, await desk.reach(uow, target))
    assert duplicate.id is not None
    assert target.id is not None
    await uow.events.move(duplicate.id, target.id)
    _take_in(target, duplicate, now)
    _close_as_merged(duplicate, target, now)
    await desk.record(uow, duplicate, _event(duplicate, staff, EventKind.MERGED_INTO, target, now))
    await desk.record(uow, target, _event(target, staff, EventKind.MERGED_IN, duplicate, now))
    await desk.tell_customer(uow, duplicate, Kind.MERGED, {"into": target.number})
    if duplicate.assignee_id not in (None, staff.id):  # B's holder hears where it went
        params = {"number": target.number, "merged": duplicate.number, "by": staff.name}
        await desk.tell_assignee(uow, duplicate, Kind.MERGED_AWAY, params)
    current = await uow.conversations.get(staff.telegram_id)
    if current is not None and current.flow == FLOW:  # the prompt after Merge is answered
        await uow.conversations.delete(staff.telegram_id)
    return StaffView(
        staff.locale,
        "merge.done",
        {"number": duplicate.number, "into": target.number},
        ticket=target,
    )


def _take_in(target: Ticket, duplicate: Ticket, now: datetime) -> None:
    """A takes B's files, and B's earlier start for its SLA clocks."""
    start = duplicate.clock_started_at or duplicate.created_at
    if start < (target.clock_started_at or target.created_at):
        target.clock_started_at = start
    target.attachment_count += duplicate.attachment_count
    target.updated_at = now


def _close_as_merged(duplicate: Ticket, target: Ticket, now: datetime) -> None:
    """B ends as merged: nothing runs on it any more, and it never counts as resolved."""
    duplicate.status = Status.MERGED
    duplicate.merged_into_id = target.id
    duplicate.attachment_count = 0
    duplicate.resolved_at = None
    duplicate.resolve_seconds = None
    duplicate.closed_at = now
    duplicate.updated_at = now


def _event(
    ticket: Ticket, staff: Staff, kind: EventKind, other: Ticket, now: datetime
) -> TicketEvent:
    """`merged into A` on B, `B merged in` on A; the other ticket's number is the body."""
    return TicketEvent(
        kind=kind,
        created_at=now,
        actor_kind=ActorKind.STAFF,
        actor_id=staff.id,
        body=other.number,
        data={"ticket": other.number},
        ticket_id=ticket.id,
    )


ACTS = {Act.MERGE: StaffAct(press_merge, merge_typed)}
