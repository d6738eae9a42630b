"""Canned replies as stored (domain.canned.CannedRepository)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain.canned import Canned
from storage.models import CannedReplyRow, CannedUseRow

CANNED: Table = CannedReplyRow.__table__  # type: ignore[assignment]
USE: Table = CannedUseRow.__table__  # type: ignore[assignment]


def _canned(row: Any) -> Canned:
    return Canned(
        department_id=row.department_id,
        locale=row.locale,
        title=row.title,
        body=row.body,
        created_by=row.created_by,
        created_at=row.created_at,
        active=row.active,
        uses=row.uses,
        id=row.id,
    )


def _like(word: str) -> str:
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SqlCanned:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, canned: Canned) -> Canned:
        row = CannedReplyRow(
            department_id=canned.department_id,
            locale=canned.locale,
            title=canned.title,
            body=canned.body,
            active=canned.active,
            uses=canned.uses,
            created_by=canned.created_by,
            created_at=canned.created_at,
        )
        self.session.add(row)
        await self.session.flush()
        canned.id = row.id
        return canned

    async def get(self, canned_id: int) -> Canned | None:
        row = (await self.session.execute(select(CANNED).where(CANNED.c.id == canned_id))).first()
        return _canned(row) if row else None

    async def list_department(self, department_id: int) -> Sequence[Canned]:
        query = (
            select(CANNED)
            .where(CANNED.c.department_id == department_id, CANNED.c.active.is_(True))
            .order_by(CANNED.c.locale, CANNED.c.title, CANNED.c.id)
        )
        return [_canned(row) for row in await self.session.execute(query)]

    async def pick(
        self, department_id: int, locale: str, words: Sequence[str], limit: int
    ) -> Sequence[Canned]:
        query = select(CANNED).where(
            CANNED.c.department_id == department_id,
            CANNED.c.locale == locale,
            CANNED.c.active.is_(True),
        )
        for word in words:
            pattern = _like(word)
            query = query.where(
                or_(
                    func.lower(CANNED.c.title).like(pattern, escape="\\"),
                    func.lower(CANNED.c.body).like(pattern, escape="\\"),
                )
            )
        query = query.order_by(CANNED.c.uses.desc(), CANNED.c.title, CANNED.c.id).limit(limit)
        return [_canned(row) for row in await self.session.execute(query)]

    async def count(self, department_id: int, locale: str) -> int:
        query = select(func.count()).where(
            CANNED.c.department_id == department_id,
            CANNED.c.locale == locale,
            CANNED.c.active.is_(True),
        )
        return int((await self.session.execute(query)).scalar_one())

    async def update(self, canned_id: int, *, title: str, body: str, now: datetime) -> None:
        statement = (
            update(CANNED)
            .where(CANNED.c.id == canned_id)
            .values(title=title, body=body, updated_at=now)
        )
        await self.session.execute(statement)

    async def retire(self, canned_id: int, now: datetime) -> None:
        statement = (
            update(CANNED).where(CANNED.c.id == canned_id).values(active=False, updated_at=now)
        )
        await self.session.execute(statement)

    async def used(self, canned_id: int, ticket_id: int, staff_id: int, now: datetime) -> None:
        statement = update(CANNED).where(CANNED.c.id == canned_id).values(uses=CANNED.c.uses + 1)
        await self.session.execute(statement)
        use = {"canned_id": canned_id, "ticket_id": ticket_id, "staff_id": staff_id}
        await self.session.execute(insert(USE).values(**use, used_at=now))


async def most_used(
    db: AsyncConnection, start: datetime, end: datetime, department_id: int | None, limit: int
) -> tuple[tuple[str, int], ...]:
    """(title, uses) of the canned replies sent most in [start, end) (one department's or
    all), most first."""
    uses = func.count(USE.c.id).label("uses")
    query = (
        select(CANNED.c.title, uses)
        .join(USE, USE.c.canned_id == CANNED.c.id)
        .where(USE.c.used_at >= start, USE.c.used_at < end)
        .group_by(CANNED.c.id, CANNED.c.title)
        .order_by(uses.desc(), CANNED.c.title)
        .limit(limit)
    )
    if department_id is not None:
        query = query.where(CANNED.c.department_id == department_id)
    return tuple((row.title, int(row.uses)) for row in await db.execute(query))
