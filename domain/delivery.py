"""How urgent an outbox message is within its chat, and which messages may be merged.

Within one chat the outbox sends in order of (urgency, id): a new urgent ticket's card
first, then every message to people, then cards of new tickets, then edits of cards. A
staff group's 20 messages a minute are thus spent on what matters most, and a card never
holds up a message. Cards are edited in place, so sending them later changes nothing but
when they are shown.
"""

from __future__ import annotations

from typing import Any

CARD_KIND = "card"
URGENT_NEW_CARD = 0
MESSAGE = 1
NEW_CARD = 2
CARD_EDIT = 3

# Text relays of one ticket queued for one chat go out as one message (each line kept).
MERGEABLE = frozenset({"ticket.customer_message", "ticket.agent_reply"})
# The customer's "we have it" mark: a reaction on their newest message stands for the burst.
RECEIVED = "reaction.received"
# The sender's "delivered" mark, a reaction on their own message once Telegram took it.
DELIVERED = "reaction.delivered"
# The sender is told when their message could not be delivered.
UNDELIVERED = "ticket.undelivered"


def urgency(kind: str, params: dict[str, Any]) -> int:
    """The rank of a message among those queued for its chat (lower goes first)."""
    if kind != CARD_KIND:
        return MESSAGE
    new = params.get("status") == "new"
    if new and params.get("priority") == "urgent":
        return URGENT_NEW_CARD
    return NEW_CARD if new else CARD_EDIT


def card_of(kind: str, params: dict[str, Any]) -> int | None:
    """The card an outbox message shows (only the newest state of a card is sent)."""
    if kind != CARD_KIND or params.get("card_id") is None:
        return None
    return int(params["card_id"])


# A copy of an erased customer's message in a staff chat: deleted, or blanked where
# Telegram no longer lets the bot delete it.
ERASE_MESSAGE = "erase.message"
RELAYED_FROM_CUSTOMER = ("ticket.customer_message", "ticket.customer_message.file")
