"""Auto-assignment's rules: whose turn it is, who is present."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.assignment import Candidate, Mode, parse_hours, pick, present, within_hours

SHANGHAI = ZoneInfo("Asia/Shanghai")
AGENTS = [Candidate(3), Candidate(5), Candidate(9)]


@pytest.mark.parametrize(
    ("cursor", "expected"), [(None, 3), (3, 5), (5, 9), (9, 3), (4, 5), (100, 3)]
)
def test_round_robin_takes_the_next_agent_after_the_last_one_given_a_ticket(cursor, expected):
    assert pick(Mode.ROUND_ROBIN, AGENTS, cursor) == expected


def test_least_open_takes_the_least_loaded_and_ties_go_round():
    loads = [Candidate(3, 2), Candidate(5, 1), Candidate(9, 1)]
    assert pick(Mode.LEAST_OPEN, loads, None) == 5
    assert pick(Mode.LEAST_OPEN, loads, 5) == 9
    assert pick(Mode.LEAST_OPEN, loads, 9) == 5


def test_nobody_to_pick_when_off_empty_or_only_the_one_left_out():
    assert pick(Mode.OFF, AGENTS, None) is None
    assert pick(Mode.ROUND_ROBIN, [], None) is None
    assert pick(Mode.ROUND_ROBIN, [Candidate(3)], 3, exclude=3) is None
    assert pick(Mode.ROUND_ROBIN, AGENTS, 3, exclude=5) == 9


def test_hours_parse_and_wrap_past_midnight():
    assert [f"{t:%H:%M}" for t in parse_hours(" 09:00-18:00 ")] == ["09:00", "18:00"]
    for bad in ("9-18", "24:00-08:00", "10:00-10:00", "09:00 18:00", ""):
        with pytest.raises(ValueError, match="not hours"):
            parse_hours(bad)
    at_23 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    assert within_hours("22:00-06:00", at_23, SHANGHAI)
    assert not within_hours("09:00-18:00", at_23, SHANGHAI)
    assert within_hours(None, at_23, SHANGHAI)


def test_an_agent_away_or_outside_their_hours_is_not_present():
    at_10 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert present(Candidate(1), at_10, SHANGHAI)
    assert not present(Candidate(1, away=True), at_10, SHANGHAI)
    assert not present(Candidate(1, hours="14:00-18:00"), at_10, SHANGHAI)
    assert present(Candidate(1, hours="09:00-18:00"), at_10, SHANGHAI)
