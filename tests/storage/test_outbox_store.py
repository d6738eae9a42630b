"""The outbox's delivery side: leases, per-chat order, and what each outcome records."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.ports import Notice
from storage.models import OutboxRow
from storage.outbox import SqlOutboxStore

LEASE = 60


@pytest.fixture
def store(engine) -> SqlOutboxStore:
    return SqlOutboxStore(engine)


async def queue(uow_factory, *chat_ids: int) -> list[int]:
    """One `ping` row per chat id, in order; returns their ids."""
    async with uow_factory() as uow:
        for n, chat_id in enumerate(chat_ids):
            uow.outbox.add(Notice(chat_id, "ping", "en", {"n": n}))
        await uow.commit()
    async with uow_factory() as uow:
        ids = list(await uow.session.scalars(select(OutboxRow.id).order_by(OutboxRow.id)))
    return ids[-len(chat_ids) :]


async def row(uow_factory, item_id: int) -> OutboxRow:
    async with uow_factory() as uow:
        found = await uow.session.get(OutboxRow, item_id)
        await uow.commit()  # a rollback would expire the row
    return found


async def test_due_rows_are_leased_oldest_first_and_not_handed_out_twice(
    store, uow_factory, clock
):
    ids = await queue(uow_factory, 1, 2, 3)
    now = clock.now()

    items = await store.claim_due(now=now, limit=2, lease_seconds=LEASE)
    assert [(i.id, i.chat_id, i.kind, i.params, i.attempts) for i in items] == [
        (ids[0], 1, "ping", {"n": 0}, 0),
        (ids[1], 2, "ping", {"n": 1}, 0),
    ]
    rest = await store.claim_due(now=now, limit=10, lease_seconds=LEASE)
    assert [i.id for i in rest] == [ids[2]]
    assert await store.claim_due(now=now, limit=10, lease_seconds=LEASE) == []


async def test_an_expired_lease_makes_the_row_due_again(store, uow_factory, clock):
    [item_id] = await queue(uow_factory, 1)
    await store.claim_due(now=clock.now(), limit=10, lease_seconds=LEASE)

    just_before = clock.now() + timedelta(seconds=LEASE - 1)
    assert await store.claim_due(now=just_before, limit=10, lease_seconds=LEASE) == []
    expired = clock.now() + timedelta(seconds=LEASE)
    assert [i.id for i in await store.claim_due(now=expired, limit=10, lease_seconds=LEASE)] == [
        item_id
    ]


async def test_a_released_row_can_be_claimed_again_at_once(store, uow_factory, clock):
    ids = await queue(uow_factory, 1, 2)
    await store.claim_due(now=clock.now(), limit=10, lease_seconds=LEASE)
    await store.release([ids[1]])
    await store.release([])
    claimed = await store.claim_due(now=clock.now(), limit=10, lease_seconds=LEASE)
    assert [i.id for i in claimed] == [ids[1]]


async def test_a_row_waiting_for_a_retry_holds_back_its_chat_only(store, uow_factory, clock):
    first_a, first_b, second_a = await queue(uow_factory, 10, 20, 10)
    await store.claim_due(now=clock.now(), limit=1, lease_seconds=LEASE)
    later = clock.now() + timedelta(minutes=5)
    await store.retry(first_a, at=later, error="429: retry after 300")

    claimed = await store.claim_due(now=clock.now(), limit=10, lease_seconds=LEASE)
    assert [i.id for i in claimed] == [first_b]
    await store.mark_sent(first_b, message_id=1, now=clock.now())
    retried = await store.claim_due(now=later, limit=10, lease_seconds=LEASE)
    assert [(i.id, i.attempts) for i in retried] == [(first_a, 1), (second_a, 0)]


async def test_a_leased_row_holds_back_the_later_rows_of_its_chat(store, uow_factory, clock):
    first_a, second_a = await queue(uow_factory, 10, 10)
    await store.claim_due(now=clock.now(), limit=1, lease_seconds=LEASE)
    assert await store.claim_due(now=clock.now(), limit=10, lease_seconds=LEASE) == []
    await store.mark_sent(first_a, message_id=77, now=clock.now())
    assert [
        i.id for i in await store.claim_due(now=clock.now(), limit=10, lease_seconds=LEASE)
    ] == [second_a]


async def test_sent_and_parked_rows_are_done_and_keep_their_story(store, uow_factory, clock):
    sent_id, parked_id, waiting_id = await queue(uow_factory, 1, 2, 3)
    assert await store.backlog(now=clock.now()) == 3
    await store.claim_due(now=clock.now(), limit=10, lease_seconds=LEASE)

    await store.mark_sent(sent_id, message_id=4242, now=clock.advance(seconds=1))
    await store.park(parked_id, error="forbidden: bot was blocked by the user", now=clock.now())
    await store.retry(waiting_id, at=clock.now() + timedelta(seconds=30), error="x" * 5000)

    sent, parked, waiting = [await row(uow_factory, i) for i in (sent_id, parked_id, waiting_id)]
    assert (sent.status, sent.message_id, sent.sent_at, sent.lease_until) == (
        "sent",
        4242,
        clock.now(),
        None,
    )
    assert (parked.status, parked.attempts, parked.error) == (
        "parked",
        1,
        "forbidden: bot was blocked by the user",
    )
    assert (waiting.status, waiting.attempts, len(waiting.error)) == ("pending", 1, 1000)
    assert waiting.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert await store.backlog(now=clock.now()) == 1
    much_later = clock.now() + timedelta(days=1)
    claimed = await store.claim_due(now=much_later, limit=10, lease_seconds=LEASE)
    assert [i.id for i in claimed] == [waiting_id]


async def test_concurrent_dispatchers_never_claim_one_row_twice(store, uow_factory, clock):
    ids = await queue(uow_factory, *range(1, 41))

    batches = await asyncio.gather(
        *(store.claim_due(now=clock.now(), limit=7, lease_seconds=LEASE) for _ in range(8))
    )
    # A dispatcher that lost a race for some rows gets a short batch; the rest wait for it.
    while more := await store.claim_due(now=clock.now(), limit=7, lease_seconds=LEASE):
        batches.append(more)

    claimed = [item.id for batch in batches for item in batch]
    assert len(claimed) == len(set(claimed))
    assert sorted(claimed) == ids


async def test_a_new_active_instance_resends_what_was_left_but_not_what_was_in_flight(
    store, uow_factory, clock
):
    """The previous active instance died: it had leased three rows and was sending one
    message and one card. The message may have reached Telegram: it is parked with the
    reason, not sent twice; the card (edited in place) and the untried rows go out."""
    in_flight, untried, other_chat = await queue(uow_factory, 1, 1, 2)
    async with uow_factory() as uow:
        uow.outbox.add(Notice(3, "card", "en", {"card_id": 1}))
        await uow.commit()
    claimed = await store.claim_due(now=clock.now(), limit=10, lease_seconds=LEASE)
    card = claimed[-1].id
    await store.sending(in_flight)
    await store.sending(card)

    assert await store.take_over(("card",)) == (3, 1)

    parked = await row(uow_factory, in_flight)
    assert parked.status == "parked"
    assert "in flight" in (parked.error or "")
    again = await store.claim_due(now=clock.now(), limit=10, lease_seconds=LEASE)
    assert sorted(i.id for i in again) == sorted([untried, other_chat, card])


async def card_states(uow_factory, chat_id: int, card_id: int, count: int) -> list[int]:
    """`count` states of one card queued one after the other; returns their ids."""
    ids = []
    for n in range(count):
        async with uow_factory() as uow:
            uow.outbox.add(Notice(chat_id, "card", "en", {"card_id": card_id, "n": n}))
            await uow.commit()
        async with uow_factory() as uow:
            ids.append(await uow.session.scalar(select(OutboxRow.id).order_by(-OutboxRow.id)))
    return ids


async def test_a_card_goes_out_in_its_newest_state_only(store, uow_factory, clock):
    """Three states of one card wait: the staff chat gets the newest, once; the older two
    are marked superseded when it is sent, and nothing of that card waits any more."""
    first, second, newest = await card_states(uow_factory, -100, 7, 3)

    claimed = await store.claim_due(now=clock.now(), limit=10, lease_seconds=LEASE)
    assert [(i.id, i.params["n"]) for i in claimed] == [(newest, 2)]
    await store.mark_sent(newest, message_id=5, now=clock.now(), card_id=7)

    assert [(await row(uow_factory, i)).status for i in (first, second)] == ["superseded"] * 2
    assert await store.claim_due(now=clock.now(), limit=10, lease_seconds=LEASE) == []
    assert await store.backlog(now=clock.now()) == 0


async def test_an_older_card_state_is_not_sent_after_the_newest_was_given_up(
    store, uow_factory, clock
):
    older, newest = await card_states(uow_factory, -100, 8, 2)
    await store.claim_due(now=clock.now(), limit=10, lease_seconds=LEASE)

    await store.park(newest, error="bad request: message is too long", now=clock.now())

    assert (await row(uow_factory, older)).status == "superseded"
    assert await store.claim_due(now=clock.now(), limit=10, lease_seconds=LEASE) == []
