"""The export's range, the chart's weeks and how a row goes into a file."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.errors import InvalidInput
from domain.exports import COLUMNS, MAX_DAYS, SOURCE_COLUMNS, cells, chart_weeks, parse_range

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def test_a_range_is_whole_local_days_both_included():
    days = parse_range(["2026-11-01", "2026-11-30"], SHANGHAI)
    assert (days.first, days.last) == (date(2026, 11, 1), date(2026, 11, 30))
    assert days.start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert days.end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    one = parse_range(["2026-11-23", "2026-11-23"], SHANGHAI)
    assert one.end - one.start == (days.end - days.start) / 30


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ([], "export.usage"),
        (["2026-11-01"], "export.usage"),
        (["2026-11-01", "2026-11-30", "x"], "export.usage"),
        (["yesterday", "today"], "export.usage"),
        (["2026-13-01", "2026-12-01"], "export.usage"),
        (["2026-11-30", "2026-11-01"], "export.reversed"),
        (["2025-01-01", "2026-02-04"], "export.too_long"),
    ],
)
def test_a_bad_range_is_refused_with_its_reason(args, code):
    with pytest.raises(InvalidInput) as refused:
        parse_range(args, SHANGHAI)
    assert refused.value.code == code


def test_the_longest_range_is_allowed_and_one_more_day_is_not():
    parse_range(["2025-01-01", "2026-01-01"], SHANGHAI)  # 366 days
    with pytest.raises(InvalidInput) as refused:
        parse_range(["2025-01-01", "2026-01-02"], SHANGHAI)
    assert refused.value.params == {"days": MAX_DAYS + 1, "limit": MAX_DAYS}


def test_the_chart_has_twelve_local_weeks_ending_with_this_one():
    # Monday 00:30 in Shanghai is still Sunday in UTC
    now = datetime(2026, 11, 22, 16, 30, tzinfo=UTC)
    weeks = chart_weeks(now, SHANGHAI)
    assert len(weeks) == 12
    assert weeks[-1].monday == date(2026, 11, 23)
    assert weeks[0].monday == date(2026, 9, 7)
    assert weeks[-1].start == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)
    assert all(a.end == b.start for a, b in itertools.pairwise(weeks))


def test_a_week_across_a_clock_change_is_shorter_or_longer():
    weeks = chart_weeks(datetime(2026, 11, 4, 12, 0, tzinfo=UTC), BERLIN)
    lengths = {(w.end - w.start).total_seconds() / 3600 for w in weeks}
    assert lengths == {168, 169}  # summer time ended on Sunday 2026-10-25


def test_a_row_is_masked_local_and_in_minutes():
    filed = datetime(2026, 11, 23, 2, 0, 30, 123456, tzinfo=UTC)
    raw = dict.fromkeys(SOURCE_COLUMNS)
    raw |= {
        "number": "FB-20261123-0001",
        "type": "complaint",
        "phone": "+8613812345678",
        "created": filed,
        "ack_minutes": 150,
        "round": 1,
    }
    out = dict(zip(COLUMNS, cells(list(raw.values()), SHANGHAI), strict=True))
    assert out["phone"] == "+86 138****5678"
    local = datetime(2026, 11, 23, 10, 0, 30, tzinfo=SHANGHAI)
    assert out["created"] == local.replace(tzinfo=None)
    assert out["ack_minutes"] == 2
    assert out["resolved"] is None
    assert out["resolve_minutes"] is None
    assert out["number"] == "FB-20261123-0001"
    assert out["type_code"] == "complaint"  # the code stays for machines


@pytest.mark.parametrize(
    "zone", ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]
)
def test_export_times_are_the_zones_wall_clock_across_offset_changes(zone):
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from domain.exports import _local

    tz = ZoneInfo(zone)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for step in range(0, 4 * 24 * 300, 7):  # every 1 h 45 min for 300 days
        moment = start + timedelta(minutes=15 * step, seconds=7)
        assert _local(moment, tz) == moment.astimezone(tz).replace(tzinfo=None, microsecond=0)
