"""Invites in the database: a token is used once, even by concurrent units of work."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.sandbox.clocks import FakeClock
from domain.people import Department, Role, Staff
from domain.ports import Invite
from storage.uow import SqlUnitOfWorkFactory


async def setup(uow_factory: SqlUnitOfWorkFactory, clock: FakeClock) -> tuple[Invite, list[int]]:
    """A department, an admin with an invite, and three people who might use it."""
    async with uow_factory() as uow:
        department = await uow.departments.upsert(Department("support", "Support"))
        admin = await uow.staff.add(Staff(1, "Ada", Role.ADMIN))
        people = [
            await uow.staff.add(Staff(10 + n, f"P{n}", Role.AGENT, department.id, active=False))
            for n in range(3)
        ]
        assert admin.id is not None
        invite = await uow.invites.add(
            Invite(
                token="t" * 32,
                role=Role.AGENT,
                department_id=department.id,
                created_by=admin.id,
                created_at=clock.now(),
                expires_at=clock.now() + timedelta(hours=1),
            )
        )
        await uow.commit()
    return invite, [p.id for p in people if p.id is not None]


async def claim(
    uow_factory: SqlUnitOfWorkFactory, invite_id: int, staff_id: int, now: datetime
) -> bool:
    async with uow_factory() as uow:
        won = await uow.invites.claim(invite_id, staff_id, now)
        await uow.commit()
    return won


async def test_an_invite_is_read_back_and_claimed_once(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    invite, people = await setup(uow_factory, clock)
    assert invite.id is not None
    async with uow_factory() as uow:
        found = await uow.invites.get_by_token("t" * 32)
        assert await uow.invites.get_by_token("u" * 32) is None
    assert found is not None
    assert (found.role, found.expires_at, found.used_by) == (
        Role.AGENT,
        clock.now() + timedelta(hours=1),
        None,
    )

    assert await claim(uow_factory, invite.id, people[0], clock.now()) is True
    assert await claim(uow_factory, invite.id, people[1], clock.now()) is False
    async with uow_factory() as uow:
        used = await uow.invites.get_by_token("t" * 32)
    assert used is not None
    assert (used.used_by, used.used_at) == (people[0], clock.now())


async def test_concurrent_claims_have_one_winner(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    invite, people = await setup(uow_factory, clock)
    assert invite.id is not None
    results = await asyncio.gather(
        *(claim(uow_factory, invite.id, p, clock.now()) for p in people)
    )
    assert sorted(results) == [False, False, True]


async def test_an_expired_invite_cannot_be_claimed(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    invite, people = await setup(uow_factory, clock)
    assert invite.id is not None
    assert await claim(uow_factory, invite.id, people[0], clock.advance(hours=1)) is False


async def test_staff_membership_and_staff_chats_are_changed_in_place(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    _, people = await setup(uow_factory, clock)
    async with uow_factory() as uow:
        other = await uow.departments.upsert(Department("sales", "Sales"))
        assert other.id is not None
        await uow.staff.set_membership(
            people[0], role=Role.SUPERVISOR, department_id=other.id, active=True, name="Sam"
        )
        await uow.departments.set_staff_chat(other.id, -100_42)
        await uow.commit()
    async with uow_factory() as uow:
        everyone = await uow.staff.list_all()
        sales = await uow.departments.get_by_code("sales")
    assert [s.telegram_id for s in everyone] == [1, 10, 11, 12]
    changed = everyone[1]
    assert (changed.role, changed.department_id, changed.active, changed.name) == (
        Role.SUPERVISOR,
        other.id,
        True,
        "Sam",
    )
    assert sales is not None
    assert sales.staff_chat_id == -100_42
