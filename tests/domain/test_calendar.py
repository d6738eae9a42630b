"""Working time: business calendars and around the clock, exact to the second, DST-safe.

Every expected moment below was worked out by hand; the comment next to it shows how.
"""

import time as stopwatch
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import AroundTheClock, BusinessCalendar, parse_hours, parse_weekdays
from domain.durations import Span, parse_span, working_time
from domain.policy import ClockKind, DeskPolicy, SlaPolicy, Target
from domain.ticket import FeedbackType, Priority

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def berlin(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=BERLIN, fold=fold)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


OFFICE = BusinessCalendar.from_config(SHANGHAI)  # Mon-Fri 09:00-18:00
LUNCH = BusinessCalendar.from_config(SHANGHAI, hours=["09:00-12:00", "13:00-18:00"])
NIGHT_SHIFT = BusinessCalendar.from_config(BERLIN, days=EVERY_DAY, hours=["01:00-04:00"])
# 2026-03-13 is a Friday; 2026-03-16 the Monday after; 2026-03-14 the Saturday between.
FRIDAY_1730 = shanghai(2026, 3, 13, 17, 30)


# -- the desk's examples --------------------------------------------------------------------


def test_a_normal_ticket_filed_friday_1730_with_8_business_hours_is_due_monday_1630():
    # 30 min on Friday (17:30-18:00), then 7 h 30 on Monday from 09:00: 16:30.
    assert OFFICE.add(FRIDAY_1730, 8 * H) == shanghai(2026, 3, 16, 16, 30)


def test_the_same_ticket_through_the_policy_resolves_wednesday_1730():
    policy = DeskPolicy(
        timezone=SHANGHAI, routing=dict.fromkeys(FeedbackType, "support"), calendar=OFFICE
    )
    normal = policy.sla.target_for(Priority.NORMAL)

    # acknowledge 1h: 30 min Friday, 30 min Monday → Monday 09:30.
    assert policy.sla_due(FRIDAY_1730, normal, Target.ACKNOWLEDGE) == shanghai(2026, 3, 16, 9, 30)
    # resolve 3bd = 27 h: Fri 0.5 + Mon 9 + Tue 9 = 18.5, then 8.5 h on Wednesday → 17:30.
    assert policy.sla_due(FRIDAY_1730, normal, Target.RESOLVE) == shanghai(2026, 3, 18, 17, 30)


def test_an_urgent_ticket_runs_around_the_clock_whatever_the_calendar():
    policy = DeskPolicy(
        timezone=SHANGHAI, routing=dict.fromkeys(FeedbackType, "support"), calendar=OFFICE
    )
    urgent = policy.sla.target_for(Priority.URGENT)

    assert urgent.clock is ClockKind.ALWAYS
    assert policy.sla_due(FRIDAY_1730, urgent, Target.ACKNOWLEDGE) == shanghai(2026, 3, 13, 18)
    assert policy.sla_due(FRIDAY_1730, urgent, Target.RESOLVE) == shanghai(2026, 3, 14, 17, 30)


def test_the_second_round_ignores_priority_and_runs_48_hours_around_the_clock():
    sla = SlaPolicy()

    second = sla.target_for(Priority.LOW, second_round=True)

    assert second == sla.second_round
    assert (second.acknowledge, second.resolve, second.clock) == (
        parse_span("1h"),
        parse_span("48h"),
        ClockKind.ALWAYS,
    )


def test_a_policy_without_a_calendar_works_mon_to_fri_nine_to_six_in_its_own_zone():
    policy = DeskPolicy(timezone=SHANGHAI, routing=dict.fromkeys(FeedbackType, "support"))

    assert policy.calendar == OFFICE


def test_an_sla_policy_needs_every_priority_and_a_fraction_below_one():
    with pytest.raises(ValueError, match="low"):
        SlaPolicy(targets={p: SlaPolicy().targets[p] for p in list(Priority)[:3]})
    with pytest.raises(ValueError, match="warn_fraction"):
        SlaPolicy(warn_fraction=1.0)


# -- plain days -----------------------------------------------------------------------------


def test_a_start_inside_working_hours_counts_from_there():
    assert OFFICE.add(shanghai(2026, 3, 16, 10), 2 * H) == shanghai(2026, 3, 16, 12)


def test_a_start_before_opening_counts_from_opening():
    assert OFFICE.add(shanghai(2026, 3, 16, 7, 15), 90 * M) == shanghai(2026, 3, 16, 10, 30)


def test_a_target_that_runs_out_at_closing_time_is_due_at_closing_time():
    assert OFFICE.add(shanghai(2026, 3, 16, 17), H) == shanghai(2026, 3, 16, 18)


def test_one_second_more_is_due_the_next_morning():
    assert OFFICE.add(shanghai(2026, 3, 16, 17), H + timedelta(seconds=1)) == shanghai(
        2026, 3, 17, 9, 0, 1
    )


def test_adding_nothing_gives_the_next_working_moment():
    assert OFFICE.add(shanghai(2026, 3, 16, 10), timedelta(0)) == shanghai(2026, 3, 16, 10)
    assert OFFICE.add(shanghai(2026, 3, 16, 18), timedelta(0)) == shanghai(2026, 3, 17, 9)
    assert OFFICE.add(FRIDAY_1730 + H, timedelta(0)) == shanghai(2026, 3, 16, 9)


def test_a_negative_duration_is_refused():
    with pytest.raises(ValueError, match="negative"):
        OFFICE.add(FRIDAY_1730, -M)
    with pytest.raises(ValueError, match="negative"):
        AroundTheClock().add(FRIDAY_1730, -M)


def test_results_are_in_utc():
    due = OFFICE.add(FRIDAY_1730, 8 * H)

    assert due.tzinfo is UTC
    assert due == utc(2026, 3, 16, 8, 30)


def test_elapsed_counts_only_working_time():
    # Fri 17:30-18:00 and Mon 09:00-10:00.
    assert OFFICE.elapsed(FRIDAY_1730, shanghai(2026, 3, 16, 10)) == 90 * M
    assert OFFICE.elapsed(shanghai(2026, 3, 14, 8), shanghai(2026, 3, 15, 20)) == timedelta(0)
    assert OFFICE.elapsed(shanghai(2026, 3, 16, 10), FRIDAY_1730) == timedelta(0)


def test_is_working_includes_the_opening_and_excludes_the_closing():
    assert OFFICE.is_working(shanghai(2026, 3, 16, 9))
    assert OFFICE.is_working(shanghai(2026, 3, 16, 17, 59, 59))
    assert not OFFICE.is_working(shanghai(2026, 3, 16, 18))
    assert not OFFICE.is_working(shanghai(2026, 3, 14, 12))  # Saturday


def test_next_working_moves_to_the_next_opening():
    assert OFFICE.next_working(FRIDAY_1730) == FRIDAY_1730
    assert OFFICE.next_working(shanghai(2026, 3, 13, 18)) == shanghai(2026, 3, 16, 9)


def test_any_aware_datetime_works_and_naive_ones_are_refused():
    assert OFFICE.add(utc(2026, 3, 13, 9, 30), 8 * H) == shanghai(2026, 3, 16, 16, 30)
    with pytest.raises(ValueError, match="time zone"):
        OFFICE.add(datetime(2026, 3, 13, 9, 30), H)  # noqa: DTZ001
    with pytest.raises(ValueError, match="time zone"):
        AroundTheClock().elapsed(datetime(2026, 3, 13), FRIDAY_1730)  # noqa: DTZ001


def test_business_days_are_working_days_worth_of_hours():
    assert OFFICE.business_days(3) == 27 * H
    assert LUNCH.business_days(1) == 8 * H
    assert OFFICE.standard_day == 9 * H


def test_thirty_business_days_end_thirty_working_days_later_at_the_same_time_and_fast():
    # 270 h: Fri 0.5 h, 29 full days (Mon 16 Mar - Thu 23 Apr), 8.5 h on Fri 24 Apr → 17:30.
    assert OFFICE.add(FRIDAY_1730, OFFICE.business_days(30)) == shanghai(2026, 4, 24, 17, 30)

    began = stopwatch.perf_counter()
    far = OFFICE.add(FRIDAY_1730, OFFICE.business_days(2_500))  # about ten years
    assert OFFICE.elapsed(FRIDAY_1730, far) == OFFICE.business_days(2_500)
    assert stopwatch.perf_counter() - began < 2


# -- split days, holidays, extra working days -----------------------------------------------


def test_a_lunch_break_does_not_count():
    # Mon 11:00-12:00 (1 h), lunch, 13:00-14:00 (1 h).
    assert LUNCH.add(shanghai(2026, 3, 16, 11), 2 * H) == shanghai(2026, 3, 16, 14)
    assert LUNCH.elapsed(shanghai(2026, 3, 16, 11, 30), shanghai(2026, 3, 16, 13, 30)) == H
    assert not LUNCH.is_working(shanghai(2026, 3, 16, 12, 30))
    assert LUNCH.next_working(shanghai(2026, 3, 16, 12, 30)) == shanghai(2026, 3, 16, 13)


def test_a_target_ending_at_lunch_is_due_at_noon():
    assert LUNCH.add(shanghai(2026, 3, 16, 9), 3 * H) == shanghai(2026, 3, 16, 12)


def test_holidays_are_skipped():
    calendar = BusinessCalendar.from_config(SHANGHAI, holidays=[date(2026, 3, 16)])

    # Friday 30 min, Monday off, Tuesday 09:00 + 7 h 30 → 16:30.
    assert calendar.add(FRIDAY_1730, 8 * H) == shanghai(2026, 3, 17, 16, 30)
    assert calendar.elapsed(shanghai(2026, 3, 16), shanghai(2026, 3, 17)) == timedelta(0)
    assert not calendar.is_working(shanghai(2026, 3, 16, 10))


def test_an_extra_working_day_is_worked_with_the_usual_hours():
    calendar = BusinessCalendar.from_config(SHANGHAI, extra_working_days=[date(2026, 3, 14)])

    # Friday 30 min, Saturday 09:00 + 7 h 30 → 16:30.
    assert calendar.add(FRIDAY_1730, 8 * H) == shanghai(2026, 3, 14, 16, 30)
    assert calendar.elapsed(shanghai(2026, 3, 14), shanghai(2026, 3, 15)) == 9 * H


def test_a_working_day_can_end_at_midnight():
    calendar = BusinessCalendar.from_config(SHANGHAI, hours=["20:00-24:00"])

    assert calendar.add(shanghai(2026, 3, 16, 23), 2 * H) == shanghai(2026, 3, 17, 21)
    assert calendar.standard_day == 4 * H


# -- daylight saving time -------------------------------------------------------------------
# Berlin: on Sun 2026-03-29 the clock jumps 02:00 CET → 03:00 CEST (01:00 UTC);
# on Sun 2026-10-25 it falls back 03:00 CEST → 02:00 CET (01:00 UTC).


def test_a_working_day_across_the_spring_gap_is_an_hour_shorter():
    # 01:00 CET = 00:00 UTC to 04:00 CEST = 02:00 UTC.
    day = (berlin(2026, 3, 29), berlin(2026, 3, 30))
    assert NIGHT_SHIFT.day_intervals(date(2026, 3, 29)) == [
        (utc(2026, 3, 29), utc(2026, 3, 29, 2))
    ]
    assert NIGHT_SHIFT.elapsed(*day) == 2 * H
    # 1 h from 01:30 CET (00:30 UTC) is 01:30 UTC, which the wall clock shows as 03:30.
    assert NIGHT_SHIFT.add(berlin(2026, 3, 29, 1, 30), H) == berlin(2026, 3, 29, 3, 30)
    # 2 h 30: the day's 2 h, then 30 min from 01:00 CEST on Monday.
    assert NIGHT_SHIFT.add(berlin(2026, 3, 29, 1), 150 * M) == berlin(2026, 3, 30, 1, 30)


def test_a_working_day_across_the_autumn_overlap_is_an_hour_longer():
    # 01:00 CEST = 23:00 UTC the day before, to 04:00 CET = 03:00 UTC.
    assert NIGHT_SHIFT.day_intervals(date(2026, 10, 25)) == [
        (utc(2026, 10, 24, 23), utc(2026, 10, 25, 3))
    ]
    assert NIGHT_SHIFT.elapsed(berlin(2026, 10, 25), berlin(2026, 10, 26)) == 4 * H
    # 02:30 the first time (CEST, 00:30 UTC) plus 1 h is 02:30 the second time (CET).
    # (Compared in UTC: Python never finds a fold=1 time equal to one of another zone.)
    second_0230 = berlin(2026, 10, 25, 2, 30, fold=1).astimezone(UTC)
    assert second_0230 == utc(2026, 10, 25, 1, 30)
    assert NIGHT_SHIFT.add(berlin(2026, 10, 25, 2, 30), H) == second_0230
    assert NIGHT_SHIFT.business_days(1) == 3 * H  # the standard day, DST or not


def test_an_opening_in_the_spring_gap_moves_later_by_the_gap_and_does_not_crash():
    calendar = BusinessCalendar.from_config(BERLIN, days=EVERY_DAY, hours=["02:30-05:00"])

    # 02:30 does not exist on 29 March: read with CET it is 01:30 UTC = 03:30 CEST.
    assert calendar.next_working(berlin(2026, 3, 29)) == berlin(2026, 3, 29, 3, 30)
    assert calendar.elapsed(berlin(2026, 3, 29), berlin(2026, 3, 30)) == 90 * M


def test_an_opening_in_the_autumn_overlap_is_its_first_occurrence():
    calendar = BusinessCalendar.from_config(BERLIN, days=EVERY_DAY, hours=["02:30-05:00"])

    # 02:30 CEST (00:30 UTC) to 05:00 CET (04:00 UTC).
    assert calendar.next_working(berlin(2026, 10, 25)) == utc(2026, 10, 25, 0, 30)
    assert calendar.elapsed(berlin(2026, 10, 25), berlin(2026, 10, 26)) == 210 * M


def test_hours_that_the_spring_gap_swallows_are_an_empty_day():
    # 02:15 → 03:15 CEST, later than the 03:10 close: nothing is worked on 29 March.
    calendar = BusinessCalendar.from_config(
        BERLIN, days=EVERY_DAY, hours=["00:00-01:00", "02:15-03:10"]
    )

    assert calendar.day_intervals(date(2026, 3, 29)) == [(utc(2026, 3, 28, 23), utc(2026, 3, 29))]
    assert calendar.elapsed(berlin(2026, 3, 29), berlin(2026, 3, 30)) == H
    assert calendar.next_working(berlin(2026, 3, 29, 1)) == berlin(2026, 3, 30)


# -- around the clock -----------------------------------------------------------------------


def test_around_the_clock_counts_every_second():
    clock = AroundTheClock()

    assert clock.add(FRIDAY_1730, 8 * H) == shanghai(2026, 3, 14, 1, 30)
    assert clock.elapsed(FRIDAY_1730, shanghai(2026, 3, 14, 1, 30)) == 8 * H
    assert clock.elapsed(shanghai(2026, 3, 14), FRIDAY_1730) == timedelta(0)
    assert clock.is_working(shanghai(2026, 3, 15, 3))
    assert clock.next_working(FRIDAY_1730) == FRIDAY_1730
    assert clock.business_days(2) == 48 * H


def test_around_the_clock_crosses_dst_in_real_time():
    # 01:30 CET + 1 h = 03:30 CEST on the spring day.
    assert AroundTheClock().add(berlin(2026, 3, 29, 1, 30), H) == berlin(2026, 3, 29, 3, 30)


# -- spans in working time ------------------------------------------------------------------


def test_a_span_becomes_working_time_of_its_clock():
    span = Span(clock=H, business_days=2)

    assert working_time(span, OFFICE) == 19 * H
    assert working_time(span, LUNCH) == 17 * H
    assert working_time(span, AroundTheClock()) == 49 * H
    assert working_time(parse_span("30m"), OFFICE) == 30 * M


# -- what cannot work -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ([], "at least one"),
        (["9-18"], "not a range"),
        (["09:00-18:00 "], None),
        (["18:00-09:00"], "must end after"),
        (["09:00-09:00"], "must end after"),
        (["09:00-12:00", "11:00-13:00"], "overlap"),
        (["13:00-18:00", "09:00-12:00"], "overlap"),
        (["09:00-24:30"], "between 00:00 and 24:00"),
        (["24:00-24:00"], "between 00:00 and 24:00"),
        (["09:60-10:00"], "between 00:00 and 24:00"),
    ],
)
def test_malformed_hours_are_refused(ranges, message):
    if message is None:
        assert parse_hours(ranges) == ((9 * H, 18 * H),)
        return
    with pytest.raises(ValueError, match=message):
        parse_hours(ranges)


def test_unknown_or_no_weekdays_are_refused():
    assert parse_weekdays(["mon", "sun"]) == {0, 6}
    with pytest.raises(ValueError, match="unknown day 'monday'"):
        parse_weekdays(["monday"])
    with pytest.raises(ValueError, match="at least one"):
        parse_weekdays([])


def test_a_calendar_with_no_working_time_cannot_be_built():
    with pytest.raises(ValueError, match="working day"):
        BusinessCalendar(SHANGHAI, weekdays=frozenset())
    with pytest.raises(ValueError, match="at least one"):
        BusinessCalendar(SHANGHAI, hours=())
    with pytest.raises(ValueError, match="must end after"):
        BusinessCalendar(SHANGHAI, hours=((9 * H, 9 * H),))
    with pytest.raises(ValueError, match=r"0 \(Monday\) to 6"):
        BusinessCalendar(SHANGHAI, weekdays=frozenset({7}))
    with pytest.raises(ValueError, match="both a holiday and an extra working day"):
        BusinessCalendar(
            SHANGHAI,
            holidays=frozenset({date(2026, 3, 14)}),
            extra_working_days=frozenset({date(2026, 3, 14)}),
        )


# -- properties -----------------------------------------------------------------------------

CALENDARS = [
    OFFICE,
    LUNCH,
    BusinessCalendar.from_config(
        SHANGHAI,
        days=["mon", "tue", "wed", "thu", "fri"],
        hours=["09:00-12:00", "13:00-18:00"],
        holidays=[date(2026, 1, 1), date(2026, 5, 1), date(2026, 5, 4), date(2026, 10, 1)],
        extra_working_days=[date(2026, 5, 9), date(2026, 9, 26)],
    ),
    NIGHT_SHIFT,
    BusinessCalendar.from_config(
        BERLIN, days=["sat", "sun"], hours=["02:30-05:00", "22:00-24:00"]
    ),
    BusinessCalendar.from_config(BERLIN, days=EVERY_DAY, hours=["00:00-24:00"]),
]
calendars = st.sampled_from(CALENDARS)
moments = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
    max_value=datetime(2027, 1, 1),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, SHANGHAI, BERLIN]),
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40))
TINY = timedelta(microseconds=1)


@given(calendar=calendars, start=moments, duration=durations)
def test_elapsed_undoes_add_from_any_start(calendar, start, duration):
    assert calendar.elapsed(start, calendar.add(start, duration)) == duration


@given(calendar=calendars, start=moments, duration=durations)
def test_add_lands_on_working_time(calendar, start, duration):
    due = calendar.add(start, duration)

    assert due >= start
    if duration:
        # The moment just before the due time is worked: no due time in the night.
        assert calendar.elapsed(due - TINY, due) == TINY
    else:
        assert calendar.is_working(due)
        assert calendar.elapsed(start, due) == timedelta(0)


@given(calendar=calendars, start=moments, one=durations, other=durations)
def test_add_is_monotonic_in_the_duration(calendar, start, one, other):
    shorter, longer = sorted([one, other])
    assert calendar.add(start, shorter) <= calendar.add(start, longer)


@given(calendar=calendars, one=moments, other=moments, duration=durations)
def test_add_is_monotonic_in_the_start(calendar, one, other, duration):
    earlier, later = sorted([one, other])
    assert calendar.add(earlier, duration) <= calendar.add(later, duration)


@given(calendar=calendars, start=moments, one=durations, other=durations)
def test_elapsed_adds_up_over_consecutive_stretches(calendar, start, one, other):
    # consecutive in real time: wall-clock arithmetic on a time the DST jump skips
    # (02:00 in Berlin on 2026-03-29) would step back across the jump
    start = start.astimezone(UTC)
    middle, end = start + one, start + one + other
    assert calendar.elapsed(start, end) == calendar.elapsed(start, middle) + calendar.elapsed(
        middle, end
    )
    worked = calendar.elapsed(start, end)
    if worked:
        assert calendar.add(start, worked) <= end


@settings(max_examples=300)
@given(
    calendar=st.sampled_from(CALENDARS[:3]),
    moment=st.datetimes(
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001
        max_value=datetime(2027, 1, 1),  # noqa: DTZ001
        timezones=st.just(SHANGHAI),
    ),
)
def test_is_working_agrees_with_the_wall_clock(calendar, moment):
    # Shanghai keeps no DST, so the wall clock alone says whether the desk works.
    since_midnight = moment - moment.replace(hour=0, minute=0, second=0, microsecond=0)
    in_hours = any(start <= since_midnight < end for start, end in calendar.hours)
    expected = calendar.is_working_day(moment.date()) and in_hours

    assert calendar.is_working(moment) is expected
