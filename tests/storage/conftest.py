"""Storage fixtures: a desk policy, departments and the Desk service on the test database."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.sandbox.clocks import FakeClock
from domain.people import Department
from domain.policy import DeskPolicy
from domain.services import Desk
from domain.ticket import FeedbackType
from storage.uow import SqlUnitOfWorkFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
SUPPORT_CHAT = -100_111
ADMIN_ID = 900


@pytest.fixture
def policy() -> DeskPolicy:
    """After-sales goes to a department without a staff chat; the rest to support."""
    routing = dict.fromkeys(FeedbackType, "support") | {FeedbackType.AFTER_SALES: "service"}
    return DeskPolicy(timezone=SHANGHAI, routing=routing, admin_ids=frozenset({ADMIN_ID}))


@pytest.fixture
async def departments(uow_factory: SqlUnitOfWorkFactory) -> dict[str, Department]:
    """`support` posts to a staff chat; `service` has none."""
    async with uow_factory() as uow:
        support = await uow.departments.upsert(Department("support", "Support", SUPPORT_CHAT))
        service = await uow.departments.upsert(Department("service", "After-sales service"))
        await uow.commit()
    return {"support": support, "service": service}


@pytest.fixture
def desk(uow_factory: SqlUnitOfWorkFactory, clock: FakeClock, policy: DeskPolicy) -> Desk:
    """The customer-facing use cases on the test database."""
    return Desk(uow_factory, clock, policy)
