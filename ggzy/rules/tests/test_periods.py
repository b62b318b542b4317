"""Period arithmetic on the 2026 calendar (民法典 arts. 201-203; 87号令 arts. 85-86)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.rules import periods, selectors
from ggzy.rules.choices import RuleUnit

from .helpers import d

CD, WD = RuleUnit.CALENDAR_DAY, RuleUnit.WORKING_DAY
pytestmark = pytest.mark.usefixtures("calendar_2025_2026")


@pytest.mark.django_db
def test_calendar_period_ending_on_national_day_moves_to_the_next_working_day():
    # 28 Sep + 3 days = 1 Oct, a holiday through 7 Oct: the period ends on Thursday 8 Oct.
    assert periods.period_last_day(d("2026-09-28"), 3, CD) == d("2026-10-08")


@pytest.mark.django_db
def test_working_day_period_across_national_day_counts_the_saturday_make_up_day():
    # 30 Sep, then Oct 8, 9, 10 (Saturday make-up day), 12, 13.
    assert periods.period_last_day(d("2026-09-30"), 5, WD) == d("2026-10-13")
    assert periods.working_days_between(d("2026-09-30"), d("2026-10-13")) == 5


@pytest.mark.django_db
def test_one_working_day_after_saturday_is_the_sunday_make_up_day():
    assert periods.period_last_day(d("2026-09-19"), 1, WD) == d("2026-09-20")
    assert periods.is_working_day(d("2026-09-20"))
    assert not periods.is_working_day(d("2026-09-25"))  # Mid-Autumn Festival, a Friday


@pytest.mark.django_db
def test_a_minimum_span_is_not_rolled_forward():
    # 11 Sep + 20 days = 1 Oct: a bid deadline may fall on that day; an act "within 20 days" may wait to 8 Oct.
    assert periods.earliest_day_after(d("2026-09-11"), 20, CD) == d("2026-10-01")
    assert periods.period_last_day(d("2026-09-11"), 20, CD) == d("2026-10-08")


@pytest.mark.django_db
def test_a_period_ending_on_an_ordinary_weekend_rolls_to_monday():
    assert periods.period_last_day(d("2026-11-02"), 5, CD) == d("2026-11-09")  # Sat 7 Nov -> Mon 9 Nov
    assert periods.period_last_day(d("2026-11-02"), 4, CD) == d("2026-11-06")  # a Friday stays


@pytest.mark.django_db
def test_the_deadline_is_the_end_of_the_last_day_in_beijing():
    deadline = periods.period_deadline(d("2026-09-28"), 3, CD)
    assert deadline == clock.end_of_day(d("2026-10-08"))
    assert deadline.utcoffset() == dt.timedelta(hours=8)
    assert (deadline.hour, deadline.minute, deadline.second) == (23, 59, 59)
    assert deadline < clock.start_of_day(d("2026-10-09"))
    # a datetime start counts from its Beijing date: 2026-09-27 17:00 UTC is already 28 Sep in Beijing
    assert periods.period_deadline(dt.datetime(2026, 9, 27, 17, tzinfo=dt.UTC), 3, CD) == deadline


@pytest.mark.django_db
def test_a_rule_value_carries_its_unit(seeded_rules):
    on = d("2026-09-01")
    answer = selectors.rule_get("tender.objection_answer_days", trade_type=TradeType.CONSTRUCTION, on=on)
    assert periods.period_deadline(d("2026-09-28"), answer) == clock.end_of_day(d("2026-10-08"))
    challenge = selectors.rule_get(
        "gp.challenge_answer_working_days", trade_type=TradeType.GOVERNMENT_PROCUREMENT, on=on
    )
    assert periods.period_last_day(d("2026-09-30"), challenge) == d("2026-10-15")  # 7 working days
    with pytest.raises(ValueError):
        periods.period_last_day(d("2026-09-30"), challenge, CD)  # the unit is the rule's
    percent = selectors.rule_get("tender.bid_security_max_percent", trade_type=TradeType.CONSTRUCTION, on=on)
    with pytest.raises(ValueError):
        periods.period_last_day(d("2026-09-30"), percent)


@pytest.mark.django_db
def test_hours_and_minutes_are_added_exactly():
    start = dt.datetime(2026, 9, 30, 10, 0, tzinfo=clock.BEIJING)
    assert periods.period_deadline(start, 24, RuleUnit.HOUR) == dt.datetime(2026, 10, 1, 10, 0, tzinfo=clock.BEIJING)
    assert periods.period_deadline(start, 5, RuleUnit.MINUTE) == dt.datetime(2026, 9, 30, 10, 5, tzinfo=clock.BEIJING)
    with pytest.raises(ValueError):
        periods.period_deadline(d("2026-09-30"), 24, RuleUnit.HOUR)


@pytest.mark.django_db
def test_months_end_on_the_corresponding_day_or_the_month_end():
    assert periods.add_months(d("2026-01-31"), 1) == d("2026-02-28")
    # 28 Feb 2026 is a Saturday make-up working day: no roll-forward
    assert periods.period_last_day(d("2026-01-31"), 1, RuleUnit.MONTH) == d("2026-02-28")
    assert periods.period_last_day(d("2026-02-01"), 1, RuleUnit.MONTH) == d("2026-03-02")  # Sun 1 Mar -> Mon
    assert periods.earliest_day_after(d("2026-02-01"), 1, RuleUnit.MONTH) == d("2026-03-01")
    assert periods.period_last_day(d("2025-10-01"), 1, RuleUnit.YEAR) == d("2026-10-08")


@pytest.mark.django_db
def test_latest_day_before_is_the_inverse_of_earliest_day_after():
    # clarify at least 15 days before a 16 Oct deadline: 1 Oct at the latest (a holiday does not matter)
    assert periods.latest_day_before(d("2026-10-16"), 15, CD) == d("2026-10-01")
    # at least 3 working days up to Tue 13 Oct: 10 (Saturday make-up), 12 and 13 must follow, so 9 Oct
    assert periods.latest_day_before(d("2026-10-13"), 3, WD) == d("2026-10-09")
    assert periods.earliest_day_after(d("2026-10-09"), 3, WD) == d("2026-10-13")
    assert periods.earliest_day_after(d("2026-10-10"), 3, WD) == d("2026-10-14")


@pytest.mark.django_db
def test_working_days_between_is_signed_and_excludes_the_start():
    assert periods.working_days_between(d("2026-10-01"), d("2026-10-07")) == 0
    assert periods.working_days_between(d("2026-10-07"), d("2026-10-08")) == 1
    assert periods.working_days_between(d("2026-10-13"), d("2026-09-30")) == -5
    assert periods.working_days_between(d("2026-10-13"), d("2026-10-13")) == 0


@pytest.mark.django_db
def test_bad_amounts_and_units_are_refused():
    with pytest.raises(ValueError):
        periods.period_last_day(d("2026-10-01"), -1, CD)
    with pytest.raises(ValueError):
        periods.period_last_day(d("2026-10-01"), 3, RuleUnit.PERCENT)
    with pytest.raises(TypeError):
        periods.period_last_day(d("2026-10-01"), 3)
    with pytest.raises(TypeError):
        periods.period_last_day(d("2026-10-01"), 2.5, CD)  # type: ignore[arg-type, unused-ignore]


@pytest.mark.django_db
def test_one_query_per_call(django_assert_num_queries):
    with django_assert_num_queries(1):
        periods.period_last_day(d("2026-09-30"), 5, WD)
    with django_assert_num_queries(1):
        periods.period_deadline(d("2026-09-28"), 3, CD)
    with django_assert_num_queries(1):
        periods.working_days_between(d("2026-01-01"), d("2026-12-31"))
    with django_assert_num_queries(1):
        periods.period_last_day(d("2026-01-05"), 200, WD)
    calendar = periods.WorkingCalendar()
    with django_assert_num_queries(1):
        periods.period_last_day(d("2026-09-30"), 5, WD, calendar=calendar)
        periods.period_last_day(d("2026-10-01"), 3, WD, calendar=calendar)  # already read: shared


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2026, 10, 31)),
    amount=st.integers(min_value=1, max_value=30),
)
def test_working_day_periods_land_on_a_working_day_and_count_exactly(start: dt.date, amount: int):
    last = periods.period_last_day(start, amount, WD)
    # checked against chinesecalendar directly, not against the code under test
    assert chinese_calendar.is_workday(last)
    counted = sum(chinese_calendar.is_workday(start + dt.timedelta(days=i)) for i in range(1, (last - start).days + 1))
    assert counted == amount
    assert periods.working_days_between(start, last) == amount
    assert periods.latest_day_before(last, amount, WD) >= start
    assert periods.earliest_day_after(periods.latest_day_before(last, amount, WD), amount, WD) <= last


@pytest.mark.django_db
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2026, 11, 30)),
    amount=st.integers(min_value=0, max_value=25),
)
def test_calendar_day_periods_end_on_the_first_working_day_not_before_start_plus_amount(start: dt.date, amount: int):
    last = periods.period_last_day(start, amount, CD)
    naive = start + dt.timedelta(days=amount)
    assert last >= naive and chinese_calendar.is_workday(last)
    assert all(not chinese_calendar.is_workday(naive + dt.timedelta(days=i)) for i in range((last - naive).days))
