"""Ticket and customer numbers: FB-YYYYMMDD-NNNN and CYYYYMMDDNNNN."""

from __future__ import annotations

import re
from datetime import date

TICKET_NUMBER = re.compile(r"^FB-(\d{8})-(\d{4,6})$")
# A ticket number where a text shows one (a relayed message, a card)
NUMBER_IN_TEXT = re.compile(r"\bFB-\d{8}-\d{4,6}\b")
CUSTOMER_NUMBER = re.compile(r"^C(\d{8})(\d{4,6})$")


def ticket_counter_key(day: date) -> str:
    """The counter that numbers the tickets filed on `day` (a new sequence each day)."""
    return f"ticket:{day:%Y%m%d}"


def customer_counter_key(day: date) -> str:
    """The counter that numbers the customers first seen on `day`."""
    return f"customer:{day:%Y%m%d}"


def ticket_number(day: date, seq: int) -> str:
    """`FB-20261122-0007` for the 7th ticket filed on 2026-11-22."""
    if seq < 1:
        raise ValueError("sequence starts at 1")
    return f"FB-{day:%Y%m%d}-{seq:04d}"


def customer_number(day: date, seq: int) -> str:
    """`C202611220001` for the first customer first seen on 2026-11-22."""
    if seq < 1:
        raise ValueError("sequence starts at 1")
    return f"C{day:%Y%m%d}{seq:04d}"


def is_ticket_number(text: str) -> bool:
    """Whether `text` has the shape of a ticket number."""
    return TICKET_NUMBER.match(text) is not None
