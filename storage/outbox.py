"""The delivery side of the outbox: leases, so two dispatchers never send one row twice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, or_, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import aliased

from domain.delivery import STAND_IN_KINDS, Kind
from domain.ports import Notice, OutboxItem
from storage.db import session_factory
from storage.models import OutboxRow, TicketCardRow, TicketRow
from storage.repositories import SqlOutbox

PENDING, SENT, PARKED = "pending", "sent", "parked"
# A card state that a newer state of the same card replaced before it was sent.
SUPERSEDED = "superseded"
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
        self,
        *,
        now: datetime,
        limit: int,
        lease_seconds: int,
        per_chat: int | None = None,
        skip_chats: Sequence[int] = (),
        confirmed: Mapping[int, int | None] | None = None,
    ) -> list[OutboxItem]:
        """Lease up to `limit` due rows, at most `per_chat` of a chat (its most urgent, then
        oldest), none of a chat in `skip_chats` or held by a lease or a retry, and of a
        card only its newest queued state (the older ones are superseded when it is sent or
        parked). One statement, after recording the rows `confirmed` sent by other means
        (`confirm`). Sorted by chat order (urgency, id)."""
        async with self._sessions() as session, session.begin():
            if confirmed:
                await _confirm(session, confirmed, now)
            rows = await session.execute(
                _CLAIM,
                {
                    "now": now,
                    "until": now + timedelta(seconds=lease_seconds),
                    "per_chat": per_chat or limit,
                    "limit": limit,
                    "skip": list(skip_chats) or [_NO_CHAT],
                },
            )
            items = [OutboxItem(*row) for row in rows]
        return sorted(items, key=lambda item: (item.urgency, item.id))

    async def confirm(self, confirmed: Mapping[int, int | None], *, now: datetime) -> None:
        """Rows whose message went out as the acting user's own answer (row id: its
        message id) are sent; a row already sent from the outbox keeps its record."""
        async with self._sessions() as session, session.begin():
            await _confirm(session, confirmed, now)

    async def _update(self, ids: int | Sequence[int], **values: object) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(_ids(ids)))
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    async def release(self, ids: Sequence[int]) -> None:
        """Give back leases of rows that were claimed but not tried."""
        if not ids:
            return
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxRow)
                .where(and_(OutboxRow.id.in_(list(ids)), OutboxRow.status == PENDING))
                .values(lease_until=None)
                .execution_options(synchronize_session=False)
            )

    async def sending(self, ids: int | Sequence[int]) -> None:
        """The Bot API call for these rows starts now (committed before it is made)."""
        await self._update(ids, status=SENDING)

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
        ids: int | Sequence[int],
        *,
        message_id: int | None,
        now: datetime,
        card_id: int | None = None,
        shown: str | None = None,
        first_response_of: int | None = None,
        follow_up: Sequence[Notice] = (),
        answer: bool = False,
    ) -> None:
        """Telegram accepted the message (one message for all of `ids`): remember its id
        (on the card too, with what it shows, for edits); when it was the desk's first word
        to the customer, when that was; and queue `follow_up` (the sender's receipt). An
        `answer` (a kept answer sent from its row) makes the older ones of its chat moot."""
        async with self._sessions() as session, session.begin():
            if answer:
                await session.execute(_supersede_moot(_ids(ids), now))
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(_ids(ids)))
                .values(
                    status=SENT, message_id=message_id, sent_at=now, lease_until=None, error=None
                )
                .execution_options(synchronize_session=False)
            )
            if card_id is not None:
                await session.execute(_supersede_older(_ids(ids), now))
            if card_id is not None and message_id is not None:
                await session.execute(
                    update(TicketCardRow)
                    .where(TicketCardRow.id == card_id)
                    .values(message_id=message_id, shown=shown)
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
            await _queue(session, now, follow_up)

    async def latest_cards(self, ticket_id: int) -> list[Notice]:
        """The newest state queued for each card of a ticket (what its cards show)."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(OutboxRow.chat_id, OutboxRow.kind, OutboxRow.locale, OutboxRow.params)
                .where(OutboxRow.id.in_(newest_card_states([ticket_id])))
                .order_by(OutboxRow.id)
            )
            return [Notice(c, k, loc, dict(p or {}), ticket_id) for c, k, loc, p in rows]

    async def card_shown(self, card_id: int) -> tuple[int | None, str | None]:
        """The Telegram message a card was sent as (None until it has been) and the digest
        of what it shows."""
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(TicketCardRow.message_id, TicketCardRow.shown).where(
                        TicketCardRow.id == card_id
                    )
                )
            ).first()
        if row is None:
            return None, None
        return (int(row[0]) if row[0] is not None else None), row[1]

    async def retry(self, ids: int | Sequence[int], *, at: datetime, error: str) -> None:
        """A transient failure: try again at `at`."""
        await self._update(
            ids,
            status=PENDING,
            attempts=OutboxRow.attempts + 1,
            next_attempt_at=at,
            lease_until=None,
            error=error[:1000],
        )

    async def park(
        self,
        ids: int | Sequence[int],
        *,
        error: str,
        now: datetime,
        follow_up: Sequence[Notice] = (),
    ) -> None:
        """A permanent failure: keep the rows with their reason, never try again; queue
        `follow_up` (telling the sender) in the same commit."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(_ids(ids)))
                .values(
                    status=PARKED,
                    attempts=OutboxRow.attempts + 1,
                    lease_until=None,
                    error=error[:1000],
                    sent_at=None,
                    next_attempt_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            await session.execute(_supersede_older(_ids(ids), now))
            await _queue(session, now, follow_up)

    async def backlog(self, *, now: datetime) -> int:
        """How many rows still wait to be sent."""
        count, _ = await self.backlog_and_oldest()
        return count

    async def backlog_and_oldest(self) -> tuple[int, datetime | None]:
        """How many rows still wait to be sent, and when the oldest of them was queued
        (None when none waits); one read of the pending rows (index ix_outbox_due). The
        rows standing in for an answer the handler sends itself are not waiting: they go
        only if that answer is lost."""
        stand_in = and_(
            OutboxRow.kind.in_(STAND_IN_KINDS),
            OutboxRow.attempts == 0,
            OutboxRow.next_attempt_at > OutboxRow.created_at,
        )
        async with self._sessions() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(OutboxRow.created_at)).where(
                        OutboxRow.status.in_((PENDING, SENDING)), ~stand_in
                    )
                )
            ).one()
        return int(count or 0), oldest


def _ids(ids: int | Sequence[int]) -> list[int]:
    return [ids] if isinstance(ids, int) else list(ids)


# No chat has id 0: an empty `skip` list would be an empty IN, which SQLite and PostgreSQL
# spell differently; the one statement below is built once and bound on each claim.
_NO_CHAT = 0


def _answered_since(row: Any) -> Any:
    """The person got a newer answer since this one was queued: a stand-in for an older
    answer (a wizard question they are past) is moot, never sent late."""
    later = aliased(OutboxRow)
    return exists().where(
        later.chat_id == row.chat_id,
        later.kind.in_(STAND_IN_KINDS),
        later.id > row.id,
    )


def _claim_statement() -> Any:
    """Lease the due rows of a claim in one statement: at most :per_chat of a chat (most
    urgent, then oldest), :limit in all, none of a chat in :skip or whose next row must
    wait (one is leased, being sent, or waits for a retry), no card state with a newer one
    queued; returns what the dispatcher needs of each."""
    now = bindparam("now")
    free = or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until <= now)
    # two index searches, not `status IN (pending, sending)`, which SQLite's planner
    # answers with a scan of the whole outbox once ANALYZE has seen how few rows wait
    held = union_all(
        select(OutboxRow.chat_id).where(
            OutboxRow.status == PENDING,
            or_(
                OutboxRow.lease_until > now,
                and_(OutboxRow.attempts > 0, OutboxRow.next_attempt_at > now),
            ),
        ),
        select(OutboxRow.chat_id).where(OutboxRow.status == SENDING, OutboxRow.lease_until > now),
    )
    newer = aliased(OutboxRow)
    ranked = (
        select(
            OutboxRow.id,
            func.row_number()
            .over(partition_by=OutboxRow.chat_id, order_by=(OutboxRow.urgency, OutboxRow.id))
            .label("n"),
        )
        .where(
            OutboxRow.status == PENDING,
            OutboxRow.next_attempt_at <= now,
            free,
            OutboxRow.chat_id.not_in(held),
            OutboxRow.chat_id.not_in(bindparam("skip", expanding=True)),
            ~exists().where(
                newer.card_id == OutboxRow.card_id,
                newer.status == PENDING,
                newer.id > OutboxRow.id,
            ),
            or_(OutboxRow.kind != Kind.REPLY, ~_answered_since(OutboxRow)),
        )
        .subquery()
    )
    due = (
        select(ranked.c.id)
        .where(ranked.c.n <= bindparam("per_chat"))
        .order_by(ranked.c.id)
        .limit(bindparam("limit"))
    )
    return (
        update(OutboxRow)
        .where(OutboxRow.id.in_(due.scalar_subquery()), OutboxRow.status == PENDING, free)
        .values(lease_until=bindparam("until"))
        .returning(
            OutboxRow.id,
            OutboxRow.chat_id,
            OutboxRow.kind,
            OutboxRow.locale,
            OutboxRow.params,
            OutboxRow.attempts,
            OutboxRow.ticket_id,
            OutboxRow.urgency,
            OutboxRow.card_id,
        )
        .execution_options(synchronize_session=False)
    )


_CLAIM = _claim_statement()


_CONFIRM = (
    update(OutboxRow.__table__)
    .where(OutboxRow.__table__.c.id == bindparam("b_id"), OutboxRow.__table__.c.status == PENDING)
    .values(status=SENT, message_id=bindparam("b_message"), sent_at=bindparam("b_now"))
)


async def _confirm(
    session: AsyncSession, confirmed: Mapping[int, int | None], now: datetime
) -> None:
    """One statement for every confirmed row (executemany); then the older stand-ins of
    those chats, moot now, are superseded."""
    rows = [{"b_id": i, "b_message": m, "b_now": now} for i, m in confirmed.items()]
    await session.execute(_CONFIRM, rows)
    await session.execute(_supersede_moot(list(confirmed), now))


def _supersede_moot(answered: list[int], now: datetime) -> Any:
    """The stand-ins older than the answers `answered` in their chats are moot (the
    person got a newer answer): superseded, never sent."""
    later = aliased(OutboxRow)
    return (
        update(OutboxRow)
        .where(
            OutboxRow.status == PENDING,
            OutboxRow.kind == Kind.REPLY,
            OutboxRow.attempts == 0,
            exists().where(
                later.chat_id == OutboxRow.chat_id,
                later.id.in_(answered),
                later.id > OutboxRow.id,
            ),
        )
        .values(status=SUPERSEDED, sent_at=now)
        .execution_options(synchronize_session=False)
    )


def _supersede_older(ids: list[int], now: datetime) -> Any:
    """Cards show the ticket as it is: once a card's newest state is sent (or given up),
    the older states still queued for that card are marked superseded, never sent."""
    done = select(OutboxRow.card_id).where(OutboxRow.id.in_(ids), OutboxRow.card_id.is_not(None))
    return (
        update(OutboxRow)
        .where(
            OutboxRow.status == PENDING,
            OutboxRow.card_id.in_(done),
            OutboxRow.id < max(ids),
        )
        .values(status=SUPERSEDED, sent_at=now)
        .execution_options(synchronize_session=False)
    )


async def _queue(session: AsyncSession, now: datetime, notices: Sequence[Notice]) -> None:
    """Insert `notices` as outbox rows in `session`'s transaction (SqlOutbox keeps rows
    until it is flushed: here, before the caller's commit)."""
    outbox = SqlOutbox(session, now)
    for notice in notices:
        outbox.add(notice)
    await outbox.flush()


def newest_card_states(ticket_ids: Sequence[int]) -> Any:
    """The ids of the newest outbox row of each card of these tickets (what it shows)."""
    return (
        select(func.max(OutboxRow.id))
        .where(OutboxRow.ticket_id.in_(list(ticket_ids)), OutboxRow.card_id.is_not(None))
        .group_by(OutboxRow.card_id)
    )
