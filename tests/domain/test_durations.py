from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.durations import Span, format_span, parse_span


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("30m", Span(clock=timedelta(minutes=30))),
        ("4h", Span(clock=timedelta(hours=4))),
        ("24h", Span(clock=timedelta(hours=24))),
        ("2d", Span(clock=timedelta(days=2))),
        ("45s", Span(clock=timedelta(seconds=45))),
        ("3bd", Span(business_days=3)),
        (" 15 m ", Span(clock=timedelta(minutes=15))),
    ],
)
def test_durations_are_parsed_from_config_notation(text, span):
    assert parse_span(text) == span


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (Span(clock=timedelta(minutes=30)), "30m"),
        (Span(clock=timedelta(hours=24)), "1d"),
        (Span(clock=timedelta(minutes=90)), "90m"),
        (Span(clock=timedelta(seconds=61)), "61s"),
        (Span(business_days=3), "3bd"),
    ],
)
def test_durations_are_written_in_the_largest_whole_unit(span, text):
    assert format_span(span) == text
    assert str(span) == text


@given(
    amount=st.integers(min_value=1, max_value=10_000),
    unit=st.sampled_from(["s", "m", "h", "d", "bd"]),
)
def test_parsing_what_was_formatted_gives_the_same_span(amount, unit):
    span = parse_span(f"{amount}{unit}")
    assert parse_span(format_span(span)) == span


@pytest.mark.parametrize(
    "text",
    ["", "m", "30", "0m", "00h", "-5m", "1.5h", "5w", "30 minutes", "3 b d", "h30", "1h30m"],
)
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError, match="duration"):
        parse_span(text)
