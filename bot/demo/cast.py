"""Who comes to the desk on the demo's day and what they write: picked by the seed from
`day.toml`, so the same seed gives the same day."""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

DAY_FILE = Path(__file__).with_name("day.toml")
FIRST_DAY = date(2026, 11, 23)  # a Monday; the seed picks it or one of the next three days


@dataclass(frozen=True)
class Player:
    """A person of the day: their Telegram id, first name, Telegram language, and role at the
    desk (`role` in the catalogs: admin, supervisor, agent, customer)."""

    id: int
    name: str
    lang: str
    role: str


@dataclass(frozen=True)
class Cast:
    """The day's people, their lines, when the customers write (minutes after 09:00), the
    date."""

    owner: Player
    supervisor: Player
    agent: Player  # English
    agent_zh: Player
    after_sales_agent: Player
    photo_customer: Player
    urgent_customer: Player
    question_customer: Player
    photo_complaint: dict[str, str]
    urgent_complaint: dict[str, str]
    after_sales: dict[str, str]
    arrivals: tuple[int, int, int]
    day: date


@cache
def _day() -> dict[str, Any]:
    with DAY_FILE.open("rb") as file:
        return tomllib.load(file)


def cast_of(seed: int, lang: str) -> Cast:
    """The day of `seed`; the owner and the supervisor speak `lang`."""
    rng = random.Random(seed)
    day = _day()
    names = {code: rng.sample(pool, len(pool)) for code, pool in day["names"].items()}

    def player(number: int, code: str, role: str) -> Player:
        return Player(number, names[code].pop(), code, role)

    first = rng.randint(5, 20)
    return Cast(
        owner=player(900001, lang, "admin"),
        supervisor=player(800001, lang, "supervisor"),
        agent=player(700001, "en", "agent"),
        agent_zh=player(700002, "zh", "agent"),
        after_sales_agent=player(700003, "en", "agent"),
        photo_customer=player(100001, "en", "customer"),
        urgent_customer=player(100002, "zh", "customer"),
        question_customer=player(100003, "en", "customer"),
        photo_complaint=rng.choice(day["photo_complaint"]),
        urgent_complaint=rng.choice(day["urgent_complaint"]),
        after_sales=rng.choice(day["after_sales"]),
        arrivals=(first, first + rng.randint(3, 9), first + rng.randint(12, 20)),
        day=FIRST_DAY + timedelta(days=rng.randint(0, 3)),
    )
