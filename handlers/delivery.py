"""What one Bot API call of the outbox carries: a batch of rows of one chat, rendered.

A batch is usually one row. Text relays of one ticket queued for the same chat become one
message (their lines in order), and the customer's "we have it" marks queued for one chat
become one reaction on their newest message. A card is rendered with the Telegram message
it was sent as; when the chat already shows exactly that, nothing needs sending.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from telegram import TelegramObject

from domain import delivery
from domain.ports import Notice, OutboxItem, OutboxStore
from handlers import notices

MERGED_BODY_CHARS = 3000  # a merged relay stays well under Telegram's 4096 characters


@dataclass(slots=True)
class Batch:
    """Rows of one chat that go out as one Bot API call."""

    items: list[OutboxItem]
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def head(self) -> OutboxItem:
        return self.items[0]

    @property
    def ids(self) -> list[int]:
        return [item.id for item in self.items]

    @property
    def card_id(self) -> int | None:
        return self.head.card_id if self.head.kind == delivery.Kind.CARD else None

    def receipts(self) -> list[Notice]:
        """The senders' "delivered" marks, queued when Telegram takes the batch."""
        return [
            Notice(
                r["chat_id"], delivery.Kind.DELIVERED, r["locale"], {"message_id": r["message_id"]}
            )
            for r in _receipts_of(self.items)
        ]

    def undelivered(self, reason: str) -> list[Notice]:
        """What the senders are told when the batch cannot be delivered."""
        number = self.head.params.get("number", "")
        return [
            Notice(
                r["chat_id"],
                delivery.Kind.UNDELIVERED,
                r["locale"],
                {"number": number, "reason": reason},
                self.head.ticket_id,
            )
            for r in _receipts_of(self.items)
        ]


def _receipts_of(items: list[OutboxItem]) -> list[dict[str, Any]]:
    """The distinct senders' messages of a batch (a text and its files share one)."""
    found: dict[tuple[int, int], dict[str, Any]] = {}
    for item in items:
        receipt = item.params.get("receipt")
        if receipt:
            found.setdefault((receipt["chat_id"], receipt["message_id"]), receipt)
    return list(found.values())


def next_batch(queue: deque[OutboxItem]) -> Batch:
    """Take the next batch off a chat's queue (sorted in chat order)."""
    head = queue.popleft()
    if head.kind == delivery.Kind.RECEIVED:
        marks = [head, *_take(queue, lambda item: item.kind == delivery.Kind.RECEIVED)]
        newest = max(int(item.params["message_id"]) for item in marks)
        return Batch(marks, {**head.params, "message_id": newest})
    if head.kind in delivery.MERGEABLE and head.params.get("body") is not None:
        bodies = [str(head.params["body"])]
        size = len(bodies[0])

        def same_ticket(item: OutboxItem) -> bool:
            nonlocal size
            body = item.params.get("body")
            fits = body is not None and size + len(str(body)) <= MERGED_BODY_CHARS
            if fits and (item.kind, item.ticket_id, item.locale) == (
                head.kind,
                head.ticket_id,
                head.locale,
            ):
                size += len(str(body))
                bodies.append(str(body))
                return True
            return False

        more = _take(queue, same_ticket)
        return Batch([head, *more], {**head.params, "body": "\n".join(bodies)})
    return Batch([head], dict(head.params))


def _take(queue: deque[OutboxItem], wanted: Any) -> list[OutboxItem]:
    """Remove and return the queued rows `wanted` accepts, keeping the others in order."""
    taken, kept = [], []
    for item in queue:
        (taken if wanted(item) else kept).append(item)
    queue.clear()
    queue.extend(kept)
    return taken


@dataclass(slots=True)
class Prepared:
    """A batch ready to send: the call, and for a card what it will show."""

    outgoing: notices.Outgoing | None  # None: the chat shows this already
    message_id: int | None = None
    shown: str | None = None


async def prepare(store: OutboxStore, batch: Batch) -> Prepared:
    """Render a batch; a card is an edit of the message it was sent as, or nothing when the
    chat already shows exactly this."""
    head = batch.head
    card_id = batch.card_id
    if card_id is None:
        return Prepared(notices.notice(head.kind, head.locale, batch.params))
    message_id, shown = await store.card_shown(card_id)
    outgoing = notices.notice(head.kind, head.locale, batch.params, message_id=message_id)
    digest = digest_of(outgoing)
    if message_id is not None and digest == shown:
        return Prepared(None, message_id, digest)
    return Prepared(outgoing, message_id, digest)


def digest_of(outgoing: notices.Outgoing) -> str:
    """A short digest of what a message shows: its text (or caption) and its buttons."""
    markup = outgoing.kwargs.get("reply_markup")
    if isinstance(markup, TelegramObject):
        markup = markup.to_dict()
    shown = {"text": outgoing.kwargs.get("text"), "markup": markup}
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()[:32]
