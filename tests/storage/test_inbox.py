"""The inbox: updates stored once, handed out in order, and marked handled in the same
transaction as the work they caused, so a second delivery writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain.errors import UpdateAlreadyHandled
from domain.people import Customer
from storage import inbox
from storage.inbox import Handling, SqlInbox
from storage.models import CustomerRow, InboxRow


@pytest.fixture
def box(engine) -> SqlInbox:
    return SqlInbox(engine)


def payload(update_id: int, text: str = "hi") -> dict:
    return {"update_id": update_id, "message": {"message_id": 1, "text": text}}


async def customers(uow_factory) -> int:
    async with uow_factory() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(CustomerRow)))


def customer(telegram_id: int, clock) -> Customer:
    return Customer(number=f"C{telegram_id}", created_at=clock.now(), telegram_id=telegram_id)


async def add_customer(uow_factory, telegram_id: int) -> None:
    async with uow_factory() as uow:
        await uow.customers.add(customer(telegram_id, uow_factory.clock))
        await uow.commit()


async def test_an_update_is_stored_once_and_handed_out_in_order(box, clock) -> None:
    assert await box.store([payload(12), payload(10)], clock.now()) == 2
    # Telegram delivers 10 again (a webhook retry, a restart before the offset moved)
    assert await box.store([payload(10, "again"), payload(11)], clock.now()) == 1

    assert [(i, p["message"]["text"]) for i, p in await box.pending()] == [
        (10, "hi"),
        (11, "hi"),
        (12, "hi"),
    ]
    assert await box.backlog() == 3


async def test_the_first_commit_of_an_update_marks_it_and_a_second_delivery_writes_nothing(
    box, uow_factory, clock
) -> None:
    await box.store([payload(7)], clock.now())

    first = Handling(7)
    token = inbox.update_in_hand.set(first)
    try:
        await add_customer(uow_factory, 501)
        await add_customer(uow_factory, 502)  # the same update's second commit: fine
    finally:
        inbox.update_in_hand.reset(token)
    assert first.marked
    assert await box.pending() == []

    token = inbox.update_in_hand.set(Handling(7))  # the same update handled again
    try:
        with pytest.raises(UpdateAlreadyHandled):
            await add_customer(uow_factory, 503)
    finally:
        inbox.update_in_hand.reset(token)
    assert await customers(uow_factory) == 2


async def test_work_that_is_rolled_back_leaves_the_update_pending(box, uow_factory, clock) -> None:
    await box.store([payload(8)], clock.now())
    token = inbox.update_in_hand.set(Handling(8))
    try:
        async with uow_factory() as uow:
            await uow.customers.add(customer(501, clock))
            # the process dies here: no commit
    finally:
        inbox.update_in_hand.reset(token)
    assert [i for i, _ in await box.pending()] == [8]
    assert await customers(uow_factory) == 0


async def test_handled_updates_drop_their_payload_and_are_forgotten_after_a_while(
    box, uow_factory, clock
) -> None:
    await box.store([payload(1), payload(2)], clock.now())
    assert await box.mark_handled(1, clock.now())
    assert not await box.mark_handled(1, clock.now())  # already handled
    async with uow_factory() as uow:
        kept = (
            await uow.session.execute(
                select(InboxRow.payload, InboxRow.handled_at).order_by(InboxRow.update_id)
            )
        ).all()
    assert kept[0] == (None, clock.now())  # the id is kept, the message text is not

    assert await box.purge(clock.now() + timedelta(days=1)) == 1
    assert [i for i, _ in await box.pending()] == [2]  # pending ones are never purged
    # forgotten: a (very) late redelivery would be stored again
    assert await box.store([payload(1)], clock.now()) == 1


async def test_an_update_that_was_first_in_line_at_three_starts_is_skipped(box, clock) -> None:
    """An update that kills the process would otherwise be retried at every start and
    hold up every update behind it."""
    await box.store([payload(5), payload(6)], clock.now())

    assert await box.suspect(clock.now(), 3) is None  # a start: 5 is first in line
    assert await box.suspect(clock.now(), 3) is None  # the bot died on it again
    assert await box.suspect(clock.now(), 3) == 5  # and again: skipped

    assert [i for i, _ in await box.pending()] == [6]
    assert await box.suspect(clock.now(), 3) is None  # 6 starts its own count


async def test_an_update_handled_after_a_restart_is_not_held_against(box, clock) -> None:
    await box.store([payload(5)], clock.now())
    assert await box.suspect(clock.now(), 2) is None
    assert await box.mark_handled(5, clock.now())  # the restart handled it

    assert await box.suspect(clock.now(), 2) is None  # nothing waits: nothing to count
