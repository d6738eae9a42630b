"""Conversation state: one row per user, written over at every step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.ports import Conversation

AT = datetime(2026, 11, 23, 2, 0, 0, 123456, tzinfo=UTC)


async def test_put_twice_keeps_the_latest_then_get_then_delete(uow_factory):
    first = Conversation(42, "intake", {"step": "type"}, AT)
    second = Conversation(42, "intake", {"step": "description", "n": [1, "二"]}, AT + timedelta(1))
    async with uow_factory() as uow:
        await uow.conversations.put(first)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.conversations.put(second)
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.conversations.get(42)
    assert stored == second
    assert stored.updated_at.utcoffset() == timedelta(0)

    async with uow_factory() as uow:
        await uow.conversations.delete(42)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.conversations.get(42) is None


async def test_each_user_has_their_own_conversation(uow_factory):
    async with uow_factory() as uow:
        await uow.conversations.put(Conversation(1, "intake", {"a": 1}, AT))
        await uow.conversations.put(Conversation(2, "pick_ticket", {"b": 2}, AT))
        await uow.commit()
    async with uow_factory() as uow:
        await uow.conversations.delete(1)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.conversations.get(1) is None
        assert await uow.conversations.get(2) == Conversation(2, "pick_ticket", {"b": 2}, AT)


async def test_deleting_a_conversation_that_is_not_there_is_harmless(uow_factory):
    async with uow_factory() as uow:
        await uow.conversations.delete(404)
        await uow.commit()


async def test_a_unit_of_work_reads_its_own_writes(uow_factory):
    async with uow_factory() as uow:
        await uow.conversations.put(Conversation(7, "intake", {"step": "type"}, AT))
        assert (await uow.conversations.get(7)).data == {"step": "type"}
        await uow.conversations.put(Conversation(7, "pick_ticket", {"body": "hi"}, AT))
        assert await uow.conversations.get(7) == Conversation(7, "pick_ticket", {"body": "hi"}, AT)
        await uow.conversations.delete(7)
        assert await uow.conversations.get(7) is None
