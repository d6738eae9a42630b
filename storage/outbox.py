"""The delivery side of the outbox: leases, so two dispatchers never send one row twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

from domain.ports import OutboxItem
from storage.db import session_factory
from storage.models import OutboxRow, TicketCardRow, TicketRow

PENDING, SENT, PARKED = "pending", "sent", "parked"
# Committed just before the Bot API call: a row still "sending" when the active instance
# died may or may not have reached Telegram.
SENDING = "sending"
IN_FLIGHT_REASON = (
    "in flight when the instance sending it stopped; most likely delivered, so not sent again"
)


class SqlOutboxStore:
    """Claims due rows with a conditional UPDATE and records each outcome in its own commit."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = session_factory(engine)

    async def claim_due(
        self, *, now: datetime, limit: int, lease_seconds: int
    ) -> list[OutboxItem]:
        """Lease up to `limit` due rows, oldest first; none passes an earlier row of its chat."""
        earlier = aliased(OutboxRow)
        held_back = exists().where(
            earlier.chat_id == OutboxRow.chat_id,
            earlier.status == PENDING,
            earlier.id < OutboxRow.id,
            or_(earlier.next_attempt_at > now, earlier.lease_until > now),
        )
        due = (
            select(OutboxRow.id)
            .where(
                OutboxRow.status == PENDING,
                OutboxRow.next_attempt_at <= now,
                or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until <= now),
                ~held_back,
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        async with self._sessions() as session, session.begin():
            ids = list(await session.scalars(due))
            if not ids:
                return []
            rows = await session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.id.in_(ids),
                    OutboxRow.status == PENDING,
                    or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until <= now),
                )
                .values(lease_until=now + timedelta(seconds=lease_seconds))
                .returning(
                    OutboxRow.id,
                    OutboxRow.chat_id,
                    OutboxRow.kind,
                    OutboxRow.locale,
                    OutboxRow.params,
                    OutboxRow.attempts,
                    OutboxRow.ticket_id,
                )
                .execution_options(synchronize_session=False)
            )
            items = [OutboxItem(*row) for row in rows]
        return sorted(items, key=lambda item: item.id)

    async def _update(self, item_id: int, **values: object) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == item_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    async def release(self, ids: list[int]) -> None:
        """Give back leases of rows that were claimed but not tried."""
        if not ids:
            return
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxRow)
                .where(and_(OutboxRow.id.in_(ids), OutboxRow.status == PENDING))
                .values(lease_until=None)
                .execution_options(synchronize_session=False)
            )

    async def sending(self, item_id: int) -> None:
        """The Bot API call for this row starts now (committed before it is made)."""
        await self._update(item_id, status=SENDING)

    async def take_over(self, resendable: tuple[str, ...]) -> tuple[int, int]:
        """Called when an instance becomes the active one, the only dispatcher: rows leased
        by an instance that is gone are released; a row it was sending when it died is
        parked with the reason (Telegram most likely has it: sending it again would be a
        duplicate), unless its kind is `resendable` (a repeat changes nothing).

        Returns (released, parked)."""
        async with self._sessions() as session, session.begin():
            released = await session.execute(
                update(OutboxRow)
                .where(
                    or_(
                        and_(OutboxRow.status == PENDING, OutboxRow.lease_until.is_not(None)),
                        and_(OutboxRow.status == SENDING, OutboxRow.kind.in_(resendable)),
                    )
                )
                .values(status=PENDING, lease_until=None)
                .execution_options(synchronize_session=False)
            )
            parked = await session.execute(
                update(OutboxRow)
                .where(OutboxRow.status == SENDING)
                .values(status=PARKED, lease_until=None, error=IN_FLIGHT_REASON, sent_at=None)
                .execution_options(synchronize_session=False)
            )
        return (
            int(released.rowcount or 0),  # type: ignore[attr-defined]
            int(parked.rowcount or 0),  # type: ignore[attr-defined]
        )

    async def mark_sent(
        self,
        item_id: int,
        *,
        message_id: int | None,
        now: datetime,
        card_id: int | None = None,
        first_response_of: int | None = None,
    ) -> None:
        """Telegram accepted the message: remember its id (on the card too, for edits), and
        when it was the desk's first word to the customer, when that was."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == item_id)
                .values(
                    status=SENT, message_id=message_id, sent_at=now, lease_until=None, error=None
                )
                .execution_options(synchronize_session=False)
            )
            if card_id is not None and message_id is not None:
                await session.execute(
                    update(TicketCardRow)
                    .where(
                        TicketCardRow.id == card_id,
                        or_(
                            TicketCardRow.message_id.is_(None),
                            TicketCardRow.message_id != message_id,
                        ),
                    )
                    .values(message_id=message_id)
                    .execution_options(synchronize_session=False)
                )
            if first_response_of is not None:
                await session.execute(
                    update(TicketRow)
                    .where(
                        TicketRow.id == first_response_of, TicketRow.first_response_at.is_(None)
                    )
                    .values(first_response_at=now)
                    .execution_options(synchronize_session=False)
                )

    async def card_message_id(self, card_id: int) -> int | None:
        """The Telegram message a card was sent as; None until it has been."""
        async with self._sessions() as session:
            value = await session.scalar(
                select(TicketCardRow.message_id).where(TicketCardRow.id == card_id)
            )
        return int(value) if value is not None else None

    async def retry(self, item_id: int, *, at: datetime, error: str) -> None:
        """A transient failure: try again at `at`."""
        await self._update(
            item_id,
            status=PENDING,
            attempts=OutboxRow.attempts + 1,
            next_attempt_at=at,
            lease_until=None,
            error=error[:1000],
        )

    async def park(self, item_id: int, *, error: str, now: datetime) -> None:
        """A permanent failure: keep the row with its reason, never try again."""
        await self._update(
            item_id,
            status=PARKED,
            attempts=OutboxRow.attempts + 1,
            lease_until=None,
            error=error[:1000],
            sent_at=None,
            next_attempt_at=now,
        )

    async def backlog(self, *, now: datetime) -> int:
        """How many rows still wait to be sent."""
        count, _ = await self.backlog_and_oldest()
        return count

    async def backlog_and_oldest(self) -> tuple[int, datetime | None]:
        """How many rows still wait to be sent, and when the oldest of them was queued
        (None when none waits); one read of the pending rows (index ix_outbox_due)."""
        async with self._sessions() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(OutboxRow.created_at)).where(
                        OutboxRow.status.in_((PENDING, SENDING))
                    )
                )
            ).one()
        return int(count or 0), oldest
