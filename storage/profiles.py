"""Customer profiles (`/customer`): the lookup by number, ticket, @username or phone (each on
an index), the customer's newest tickets with their scores, edits, the audit of what staff
did with a profile, and merging two profiles of one person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.people import Customer
from domain.profiles import Field, Query, QueryKind, TicketLine, Tickets
from domain.ticket import OPEN_STATUSES, ActorKind
from storage.models import CustomerAuditRow, PollRow, TicketEventRow, TicketRow
from storage.people import CUSTOMER, Seen, to_customer

TICKET: Table = TicketRow.__table__  # type: ignore[assignment]
POLL: Table = PollRow.__table__  # type: ignore[assignment]
EVENT: Table = TicketEventRow.__table__  # type: ignore[assignment]
AUDIT: Table = CustomerAuditRow.__table__  # type: ignore[assignment]
_OPEN = [s.value for s in OPEN_STATUSES]
MERGE_HOPS = 5  # a merged profile's merged profile: followed this far

_BY_NUMBER = select(CUSTOMER).where(CUSTOMER.c.number == bindparam("value"))
_BY_ID = select(CUSTOMER).where(CUSTOMER.c.id == bindparam("value"))
_BY_TICKET = select(CUSTOMER).where(
    CUSTOMER.c.id
    == select(TICKET.c.customer_id).where(TICKET.c.number == bindparam("value")).scalar_subquery()
)
_LIVE = CUSTOMER.c.merged_into_id.is_(None)
_BY_USERNAME = (
    select(CUSTOMER)
    .where(CUSTOMER.c.username == bindparam("value"), _LIVE)
    .order_by(CUSTOMER.c.id.desc())
    .limit(1)
)
_BY_PHONE = (
    select(CUSTOMER)
    .where(CUSTOMER.c.phone.in_(bindparam("values", expanding=True)), _LIVE)
    .order_by(CUSTOMER.c.id.desc())
    .limit(1)
)
_LINES = (
    select(TICKET.c.number, TICKET.c.status, TICKET.c.title, TICKET.c.created_at, TICKET.c.score)
    .where(TICKET.c.customer_id == bindparam("customer_id"))
    .order_by(TICKET.c.created_at.desc(), TICKET.c.id.desc())
    .limit(bindparam("limit"))
)
_COUNTS = select(
    func.count(),
    func.count().filter(TICKET.c.status.in_(_OPEN)),
).where(TICKET.c.customer_id == bindparam("customer_id"))
# the columns of the fields staff edit (VIP is a flag; the rest text)
COLUMNS = {field: field.value for field in Field}


class SqlProfiles:
    def __init__(self, session: AsyncSession, seen: Seen) -> None:
        self.session = session
        self.seen = seen

    async def _one(self, statement: Any, params: dict[str, Any]) -> Customer | None:
        row = (await self.session.execute(statement, params)).first()
        return to_customer(row) if row else None

    async def find(self, query: Query) -> Customer | None:
        if query.kind is QueryKind.NUMBER:
            found = await self._one(_BY_NUMBER, {"value": query.value})
        elif query.kind is QueryKind.TICKET:
            found = await self._one(_BY_TICKET, {"value": query.value})
        elif query.kind is QueryKind.USERNAME:
            found = await self._one(_BY_USERNAME, {"value": query.value})
        else:
            found = await self._one(_BY_PHONE, {"values": query.phones()})
        for _ in range(MERGE_HOPS):
            if found is None or found.merged_into_id is None:
                break
            found = await self._one(_BY_ID, {"value": found.merged_into_id})
        return self.seen.saw_customer(found.telegram_id, found) if found else None

    async def get_by_number(self, number: str) -> Customer | None:
        return await self._one(_BY_NUMBER, {"value": number})

    async def tickets(self, customer_id: int, *, limit: int) -> Tickets:
        params = {"customer_id": customer_id, "limit": limit}
        rows = (await self.session.execute(_LINES, params)).all()
        total, open_count = (await self.session.execute(_COUNTS, params)).one()
        lines = [
            TicketLine(
                number=r.number,
                status=r.status,
                title=r.title,
                created_at=r.created_at,
                score=r.score,
                open=r.status in _OPEN,
            )
            for r in rows
        ]
        return Tickets(lines, int(open_count or 0), int(total or 0))

    async def save(self, customer_id: int, field: Field, value: object) -> None:
        await self.session.execute(
            update(CUSTOMER).where(CUSTOMER.c.id == customer_id).values({COLUMNS[field]: value})
        )
        known = self.seen.customers.get(customer_id)
        if known is not None:
            shown = tuple(str(value).split(",")) if field is Field.TAGS and value else value
            setattr(known, field.value, () if field is Field.TAGS and not value else shown)

    async def audit(
        self,
        customer_id: int,
        action: str,
        operator: str,
        details: dict[str, object],
        now: datetime,
    ) -> None:
        self.session.add(
            CustomerAuditRow(
                customer_id=customer_id,
                action=action,
                command="/customer",
                operator=operator[:100],
                counts=details,
                created_at=now,
            )
        )

    async def merge(self, keep: Customer, drop: Customer) -> dict[str, int]:
        assert keep.id is not None
        assert drop.id is not None
        moved: dict[str, int] = {}
        for name, table, column, extra in (
            ("tickets", TICKET, TICKET.c.customer_id, None),
            ("polls", POLL, POLL.c.customer_id, None),
            ("audit", AUDIT, AUDIT.c.customer_id, None),
            ("events", EVENT, EVENT.c.actor_id, EVENT.c.actor_kind == ActorKind.CUSTOMER.value),
        ):
            condition = column == drop.id if extra is None else and_(column == drop.id, extra)
            done = await self.session.execute(
                update(table).where(condition).values({column.name: keep.id})
            )
            moved[name] = int(done.rowcount)  # type: ignore[attr-defined]
        await self._take_identity(keep, drop)
        return moved

    async def _take_identity(self, keep: Customer, drop: Customer) -> None:
        """The Telegram account (unique) goes to the kept profile when it has none."""
        values: dict[str, Any] = {"merged_into_id": keep.id}
        kept: dict[str, Any] = {}
        if keep.telegram_id is None and drop.telegram_id is not None:
            values["telegram_id"] = None
            kept = {"telegram_id": drop.telegram_id, "locale": drop.locale}
        if not keep.username and drop.username:
            kept["username"] = drop.username
        await self.session.execute(update(CUSTOMER).where(CUSTOMER.c.id == drop.id).values(values))
        if kept:
            await self.session.execute(
                update(CUSTOMER).where(CUSTOMER.c.id == keep.id).values(kept)
            )
        self.seen.forget_customers()
