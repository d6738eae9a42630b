"""How urgent an outbox message is within its chat, and which messages may be merged.

Within one chat the outbox sends in order of (urgency, id): a new urgent ticket's card
first, then every message to people, then cards of new tickets, then edits of cards. A
staff group's 20 messages a minute are thus spent on what matters most, and a card never
holds up a message. Cards are edited in place, so sending them later changes nothing but
when they are shown.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What an outbox row is. Each kind has its renderer in handlers.notices.RENDERERS (a
    test fails for a kind without one); rows keep the kind's value as text."""

    CARD = "card"  # a ticket card, sent once and then edited (domain.services.cards)
    FILED = "ticket.filed"  # the customer's filing confirmation, if the reply was lost
    REPLY = "reply"  # an answer to the person who acted, if the handler's own was lost
    RECEIVED = "reaction.received"  # the customer's "we have it" mark
    DELIVERED = "reaction.delivered"  # the sender's "delivered" mark
    UNDELIVERED = "ticket.undelivered"  # the sender is told their message did not go
    ERASE_MESSAGE = "erase.message"  # a copy of an erased customer's message
    CUSTOMER_MESSAGE = "ticket.customer_message"
    CUSTOMER_FILE = "ticket.customer_message.file"
    AGENT_REPLY = "ticket.agent_reply"
    AGENT_FILE = "ticket.agent_reply.file"
    ASKED = "ticket.asked"
    ASKED_FILE = "ticket.asked.file"
    FILED_FOR_YOU = "ticket.filed_for_you"
    CLAIMED = "ticket.claimed"
    RESOLVED = "ticket.resolved"
    ASSIGNED = "ticket.assigned"
    TRANSFERRED_TO_YOU = "ticket.transferred_to_you"
    REOPENED = "ticket.reopened"
    COLLAB_ANSWER = "ticket.collab_answer"
    SECOND_ROUND = "ticket.second_round"
    MERGED = "ticket.merged"  # the customer's duplicate went into another of their tickets
    MERGED_AWAY = "ticket.merged_away"  # the assignee's ticket was merged by somebody else
    POLL_ASK = "poll.ask"
    POLL_REMINDER = "poll.reminder"
    POLL_SECOND_ROUND = "poll.second_round"
    SLA_WARNING = "sla.warning"
    SLA_BREACH = "sla.breach"
    SLA_ESCALATION = "sla.escalation"
    STAFF_JOINED = "staffadmin.joined"
    STAFF_MENU = "staff.menu"  # a staff member's command menu (no message)
    DIGEST = "report.digest"
    REMINDER = "followup.reminder"  # a staff member's reminder, with the ticket's card
    NUDGE = "followup.nudge"  # the customer has not answered the desk's question yet
    CLOSED_UNANSWERED = "followup.closed"  # ... and the ticket closed (to the customer)
    CLOSED_UNANSWERED_STAFF = "followup.closed_staff"  # ... (to the assignee)
    AUTO_ASSIGNED = "assign.auto"  # a new ticket was given to this agent
    ASSIGN_MOVED = "assign.moved"  # the supervisor: it moved on, unacknowledged

    @property
    def file(self) -> Kind:
        """The kind of a relayed message's file."""
        return Kind(f"{self.value}.file")


# Rows standing in for the acting user's answer, due only if the handler's own was lost.
STAND_IN_KINDS = (Kind.FILED, Kind.REPLY)

URGENT_NEW_CARD = 0
MESSAGE = 1
NEW_CARD = 2
CARD_EDIT = 3

# Text relays of one ticket queued for one chat go out as one message (each line kept).
MERGEABLE = frozenset({Kind.CUSTOMER_MESSAGE, Kind.AGENT_REPLY})


def urgency(kind: str, params: dict[str, Any]) -> int:
    """The rank of a message among those queued for its chat (lower goes first)."""
    if kind != Kind.CARD:
        return MESSAGE
    new = params.get("status") == "new"
    if new and params.get("priority") == "urgent":
        return URGENT_NEW_CARD
    return NEW_CARD if new else CARD_EDIT


def card_of(kind: str, params: dict[str, Any]) -> int | None:
    """The card an outbox message shows (only the newest state of a card is sent)."""
    if kind != Kind.CARD or params.get("card_id") is None:
        return None
    return int(params["card_id"])


RELAYED_FROM_CUSTOMER = (Kind.CUSTOMER_MESSAGE, Kind.CUSTOMER_FILE)
