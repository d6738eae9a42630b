"""Named sequences: unique under concurrent units of work, on every database."""

from __future__ import annotations

import asyncio


async def take(uow_factory, key: str) -> int:
    async with uow_factory() as uow:
        value = await uow.counters.next(key)
        await uow.commit()
    return value


async def test_a_new_counter_starts_at_one_and_counts_up(uow_factory):
    assert [await take(uow_factory, "ticket:20261123") for _ in range(3)] == [1, 2, 3]


async def test_counters_with_different_keys_are_independent(uow_factory):
    await take(uow_factory, "ticket:20261123")
    await take(uow_factory, "ticket:20261123")
    assert await take(uow_factory, "ticket:20261124") == 1
    assert await take(uow_factory, "customer:20261123") == 1
    assert await take(uow_factory, "ticket:20261123") == 3


async def test_fifty_concurrent_callers_get_one_to_fifty_without_duplicates(uow_factory):
    values = await asyncio.gather(*(take(uow_factory, "ticket:20261123") for _ in range(50)))
    assert sorted(values) == list(range(1, 51))
    assert await take(uow_factory, "ticket:20261123") == 51


async def test_a_value_taken_in_a_rolled_back_unit_of_work_is_given_again(uow_factory):
    async with uow_factory() as uow:
        assert await uow.counters.next("ticket:20261123") == 1
    assert await take(uow_factory, "ticket:20261123") == 1
