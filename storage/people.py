"""Who a Telegram user is, read once per unit of work: staff, customer and conversation in one
query, and what a unit of work has read kept for its second look.

Every update begins with "who is this?": the staff member, the customer and the exchange in
progress of one Telegram id. `SqlPeople.known` reads the three in one statement and leaves
them in the unit of work's `Seen`, where the repositories look first; staff, customers and
departments read by id stay there too (a card's snapshot asks again for the customer and the
department the use case has already read).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import BigInteger, Table, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.people import Customer, Department, Role, Staff
from domain.ports import Conversation, Known
from storage.db import escape_like
from storage.models import ConversationRow, CustomerRow, DepartmentRow, StaffRow

STAFF: Table = StaffRow.__table__  # type: ignore[assignment]
CUSTOMER: Table = CustomerRow.__table__  # type: ignore[assignment]
CONVERSATION: Table = ConversationRow.__table__  # type: ignore[assignment]
DEPARTMENT: Table = DepartmentRow.__table__  # type: ignore[assignment]


def to_customer(row: Any) -> Customer:
    return Customer(
        id=row.id,
        number=row.number,
        created_at=row.created_at,
        telegram_id=row.telegram_id,
        name=row.name,
        phone=row.phone,
        email=row.email,
        locale=row.locale,
        vip=row.vip,
        username=row.username,
        company=row.company or "",
        tags=tuple(t for t in (row.tags or "").split(",") if t),
        grade=row.grade,
        source=row.source,
        merged_into_id=row.merged_into_id,
    )


def to_staff(row: Any) -> Staff:
    return Staff(
        id=row.id,
        telegram_id=row.telegram_id,
        name=row.name,
        role=Role(row.role),
        department_id=row.department_id,
        active=row.active,
        locale=row.locale,
        since=row.created_at,
    )


def to_department(row: Any) -> Department:
    return Department(
        id=row.id,
        code=row.code,
        name=row.name,
        staff_chat_id=row.staff_chat_id,
        names=dict(row.names or {}),
        since=row.created_at,
        assignment=row.assignment,
        ack_minutes=row.ack_minutes,
    )


def to_conversation(row: Any) -> Conversation:
    return Conversation(row.user_id, row.flow, dict(row.data or {}), row.updated_at)


@dataclass
class Seen:
    """What one unit of work has read (None: read, and not there). Repositories that write
    keep it true."""

    staff_by_telegram: dict[int, Staff | None] = field(default_factory=dict)
    staff: dict[int, Staff | None] = field(default_factory=dict)
    customers_by_telegram: dict[int, Customer | None] = field(default_factory=dict)
    customers: dict[int, Customer | None] = field(default_factory=dict)
    conversations: dict[int, Conversation | None] = field(default_factory=dict)
    departments: dict[int, Department | None] = field(default_factory=dict)

    def saw_staff(self, telegram_id: int, staff: Staff | None) -> Staff | None:
        self.staff_by_telegram[telegram_id] = staff
        if staff is not None and staff.id is not None:
            self.staff[staff.id] = staff
        return staff

    def saw_customer(self, telegram_id: int | None, customer: Customer | None) -> Customer | None:
        if telegram_id is not None:
            self.customers_by_telegram[telegram_id] = customer
        if customer is not None and customer.id is not None:
            self.customers[customer.id] = customer
        return customer

    def forget_staff(self) -> None:
        self.staff_by_telegram.clear()
        self.staff.clear()

    def forget_customers(self) -> None:
        self.customers_by_telegram.clear()
        self.customers.clear()


def prefixed(table: Table, prefix: str) -> list[Any]:
    """`table`'s columns labelled `prefix` + name, to read beside another table's."""
    return [column.label(f"{prefix}{column.name}") for column in table.c]


_WHO = select(bindparam("telegram_id", type_=BigInteger).label("telegram_id")).subquery("who")
_KNOWN = select(
    *prefixed(STAFF, "s_"), *prefixed(CUSTOMER, "c_"), *prefixed(CONVERSATION, "v_")
).select_from(
    _WHO.outerjoin(STAFF, STAFF.c.telegram_id == _WHO.c.telegram_id)
    .outerjoin(CUSTOMER, CUSTOMER.c.telegram_id == _WHO.c.telegram_id)
    .outerjoin(CONVERSATION, CONVERSATION.c.user_id == _WHO.c.telegram_id)
)


def unprefixed(row: Any, table: Table, prefix: str) -> SimpleNamespace | None:
    """`table`'s part of a row read with `prefixed`; None when the outer join found none."""
    values = row._mapping
    key = table.primary_key.columns.values()[0].name
    if values[f"{prefix}{key}"] is None:
        return None
    return SimpleNamespace(**{c.name: values[f"{prefix}{c.name}"] for c in table.c})


class SqlPeople:
    """The one query behind "who is this?"."""

    def __init__(self, session: AsyncSession, seen: Seen) -> None:
        self.session = session
        self.seen = seen

    async def known(self, telegram_id: int) -> Known:
        """The staff member, the customer and the conversation of `telegram_id`."""
        row = (await self.session.execute(_KNOWN, {"telegram_id": telegram_id})).one()
        staff_row = unprefixed(row, STAFF, "s_")
        customer_row = unprefixed(row, CUSTOMER, "c_")
        conversation_row = unprefixed(row, CONVERSATION, "v_")
        known = Known(
            staff=to_staff(staff_row) if staff_row else None,
            customer=to_customer(customer_row) if customer_row else None,
            conversation=to_conversation(conversation_row) if conversation_row else None,
        )
        self.seen.saw_staff(telegram_id, known.staff)
        self.seen.saw_customer(telegram_id, known.customer)
        self.seen.conversations[telegram_id] = known.conversation
        return known


_CUSTOMER_BY_TELEGRAM = select(CUSTOMER).where(CUSTOMER.c.telegram_id == bindparam("b_key"))
_CUSTOMER_BY_ID = select(CUSTOMER).where(CUSTOMER.c.id == bindparam("b_key"))
_STAFF_BY_TELEGRAM = select(STAFF).where(STAFF.c.telegram_id == bindparam("b_key"))
_STAFF_BY_ID = select(STAFF).where(STAFF.c.id == bindparam("b_key"))
_INSERT_CUSTOMER = insert(CUSTOMER)
_INSERT_STAFF = insert(STAFF)


async def _first(session: AsyncSession, statement: Any, params: dict[str, Any]) -> Any:
    return (await session.execute(statement, params)).first()


async def _looked_up(
    session: AsyncSession, seen: dict[int, Any], key: int, statement: Any, convert: Any
) -> Any:
    """`seen[key]`, else the one row of `statement` (bound to `b_key`) converted, and kept."""
    if key not in seen:
        row = await _first(session, statement, {"b_key": key})
        seen[key] = convert(row) if row else None
    return seen[key]


class SqlCustomers:
    def __init__(self, session: AsyncSession, seen: Seen) -> None:
        self.session = session
        self.seen = seen

    async def get_by_telegram_id(self, telegram_id: int) -> Customer | None:
        customer = await _looked_up(
            self.session,
            self.seen.customers_by_telegram,
            telegram_id,
            _CUSTOMER_BY_TELEGRAM,
            to_customer,
        )
        return self.seen.saw_customer(telegram_id, customer)

    async def get(self, customer_id: int) -> Customer | None:
        return await _looked_up(  # type: ignore[no-any-return]
            self.session, self.seen.customers, customer_id, _CUSTOMER_BY_ID, to_customer
        )

    async def search(self, query: str, *, limit: int = 8) -> Sequence[Customer]:
        """Customers whose phone has the query's digits, or whose name has the query."""
        digits = "".join(ch for ch in query if ch.isdigit())
        conditions = [
            func.lower(CUSTOMER.c.name).like(f"%{escape_like(query.lower())}%", escape="\\")
        ]
        if len(digits) >= 4:
            conditions.append(CUSTOMER.c.phone.like(f"%{digits}%"))
        rows = await self.session.execute(
            select(CUSTOMER).where(or_(*conditions)).order_by(CUSTOMER.c.id.desc()).limit(limit)
        )
        return [to_customer(r) for r in rows]

    async def add(self, customer: Customer) -> Customer:
        result = await self.session.execute(
            _INSERT_CUSTOMER,
            {
                "number": customer.number,
                "created_at": customer.created_at,
                "telegram_id": customer.telegram_id,
                "name": customer.name,
                "phone": customer.phone,
                "email": customer.email,
                "locale": customer.locale,
                "vip": customer.vip,
                "username": customer.username,
                "source": customer.source,
            },
        )
        customer.id = result.inserted_primary_key[0]  # type: ignore[index]
        self.seen.saw_customer(customer.telegram_id, customer)
        return customer

    async def set_locale(self, customer_id: int, locale: str) -> None:
        await self._update(customer_id, locale=locale)

    async def update_contact(self, customer_id: int, *, name: str, phone: str | None) -> None:
        await self._update(customer_id, name=name, phone=phone)

    async def set_username(self, customer_id: int, username: str) -> None:
        await self._update(customer_id, username=username)

    async def _update(self, customer_id: int, **values: Any) -> None:
        await self.session.execute(
            update(CUSTOMER).where(CUSTOMER.c.id == customer_id).values(**values)
        )
        known = self.seen.customers.get(customer_id)
        if known is not None:
            for name, value in values.items():
                setattr(known, name, value)


class SqlStaff:
    def __init__(self, session: AsyncSession, seen: Seen) -> None:
        self.session = session
        self.seen = seen

    async def get_by_telegram_id(self, telegram_id: int) -> Staff | None:
        staff = await _looked_up(
            self.session, self.seen.staff_by_telegram, telegram_id, _STAFF_BY_TELEGRAM, to_staff
        )
        return self.seen.saw_staff(telegram_id, staff)

    async def get(self, staff_id: int) -> Staff | None:
        return await _looked_up(  # type: ignore[no-any-return]
            self.session, self.seen.staff, staff_id, _STAFF_BY_ID, to_staff
        )

    async def set_locale(self, staff_id: int, locale: str) -> None:
        await self._update(staff_id, locale=locale)

    async def set_name(self, staff_id: int, name: str) -> None:
        await self._update(staff_id, name=name[:200])

    async def _update(self, staff_id: int, **values: Any) -> None:
        await self.session.execute(update(STAFF).where(STAFF.c.id == staff_id).values(**values))
        self.seen.forget_staff()

    async def list_department(self, department_id: int) -> Sequence[Staff]:
        rows = await self.session.execute(
            select(STAFF).where(STAFF.c.department_id == department_id).order_by(STAFF.c.id)
        )
        return [to_staff(r) for r in rows]

    async def ensure(self, staff: Staff) -> Staff:
        """Make the user staff with this role and department (config wins over the database)."""
        row = await _first(self.session, _STAFF_BY_TELEGRAM, {"b_key": staff.telegram_id})
        if row is None:
            return await self.add(staff)
        await self._update(
            row.id, role=staff.role.value, department_id=staff.department_id, active=True
        )
        ensured = to_staff(row)
        ensured.role, ensured.department_id, ensured.active = staff.role, staff.department_id, True
        return ensured

    async def add(self, staff: Staff) -> Staff:
        result = await self.session.execute(
            _INSERT_STAFF,
            {
                "telegram_id": staff.telegram_id,
                "name": staff.name,
                "role": staff.role.value,
                "department_id": staff.department_id,
                "active": staff.active,
                "locale": staff.locale,
                "created_at": staff.since,
            },
        )
        staff.id = result.inserted_primary_key[0]  # type: ignore[index]
        self.seen.forget_staff()
        return staff

    async def list_all(self) -> Sequence[Staff]:
        rows = await self.session.execute(select(STAFF).order_by(STAFF.c.id))
        return [to_staff(r) for r in rows]

    async def set_membership(
        self,
        staff_id: int,
        *,
        role: Role,
        department_id: int | None,
        active: bool,
        name: str | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "role": role.value,
            "department_id": department_id,
            "active": active,
        }
        if name is not None:
            values["name"] = name
        await self._update(staff_id, **values)
