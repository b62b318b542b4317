"""The working-day calendar: seeded from chinesecalendar idempotently, corrected by staff."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from ggzy.rules import selectors, services
from ggzy.rules.choices import SOURCE_STAFF, DayKind
from ggzy.rules.models import CalendarDay
from ggzy.witness.models import WitnessEvent

from .helpers import d, witness_seq


def _fresh_2026() -> services.CalendarSeedResult:
    CalendarDay.objects.filter(date__year=2026).delete()
    return services.calendar_seed(years=[2026])


@pytest.mark.django_db
def test_seed_fills_the_whole_year_with_2026_holidays():
    result = _fresh_2026()
    assert (result.created, result.updated, result.years) == (365, 0, [2026])
    assert CalendarDay.objects.filter(date__year=2026).count() == 365

    def day(text: str) -> CalendarDay:
        return CalendarDay.objects.get(date=d(text))

    national = day("2026-10-01")
    assert (national.kind, national.is_working_day, national.holiday_name) == (DayKind.HOLIDAY, False, "国庆节")
    assert national.source == services.calendar_package_source() == "chinesecalendar 1.11"
    assert day("2026-10-07").kind == DayKind.HOLIDAY
    assert day("2026-10-08").kind == DayKind.WORKDAY
    for makeup in ("2026-09-20", "2026-10-10"):  # Sunday and Saturday make-up working days
        assert (day(makeup).kind, day(makeup).is_working_day) == (DayKind.MAKEUP_WORKDAY, True)
    assert (day("2026-09-25").kind, day("2026-09-25").holiday_name) == (DayKind.HOLIDAY, "中秋节")
    assert (day("2026-09-19").kind, day("2026-09-19").holiday_name) == (DayKind.WEEKEND, "")
    assert WitnessEvent.objects.filter(action="calendar.seeded", object_id="2026").exists()


@pytest.mark.django_db
def test_second_seed_changes_nothing():
    _fresh_2026()
    stamps = dict(CalendarDay.objects.filter(date__year=2026).values_list("date", "updated_at"))
    seq = witness_seq()
    with time_machine.travel("2026-12-01 09:00 +0800", tick=False):
        result = services.calendar_seed(years=[2026])
    assert (result.created, result.updated, len(result)) == (0, 0, 0)
    assert dict(CalendarDay.objects.filter(date__year=2026).values_list("date", "updated_at")) == stamps
    assert witness_seq() == seq


@pytest.mark.django_db
def test_seed_never_overwrites_a_staff_correction(center_staff):
    _fresh_2026()
    services.calendar_day_set(actor=center_staff, date=d("2026-10-08"), kind=DayKind.HOLIDAY, holiday_name="地方假日")
    result = services.calendar_seed(years=[2026])
    assert (result.created, result.updated, result.kept_staff) == (0, 0, 1)
    row = CalendarDay.objects.get(date=d("2026-10-08"))
    assert (row.kind, row.holiday_name, row.source) == (DayKind.HOLIDAY, "地方假日", SOURCE_STAFF)


@pytest.mark.django_db
def test_seed_repairs_a_package_day_that_drifted():
    _fresh_2026()
    CalendarDay.objects.filter(date=d("2026-10-02")).update(kind=DayKind.WORKDAY, is_working_day=True, holiday_name="")
    result = services.calendar_seed(years=[2026])
    assert (result.created, result.updated) == (0, 1)
    assert CalendarDay.objects.get(date=d("2026-10-02")).kind == DayKind.HOLIDAY


@pytest.mark.django_db
def test_a_year_the_package_does_not_know_is_refused_and_nothing_is_written():
    count, seq = CalendarDay.objects.count(), witness_seq()
    with pytest.raises(ValidationError) as caught:
        services.calendar_seed(years=[2026, 2099])
    assert "2099" in caught.value.messages[0]
    assert CalendarDay.objects.count() == count
    assert witness_seq() == seq


@pytest.mark.django_db
def test_a_missing_day_falls_back_to_monday_to_friday():
    CalendarDay.objects.filter(date__year=2030).delete()
    assert selectors.calendar_day_get(d("2030-10-01")).kind == DayKind.WORKDAY  # a Tuesday, holidays unknown
    assert selectors.calendar_day_get(d("2030-10-05")).kind == DayKind.WEEKEND
    assert selectors.calendar_day_get(d("2030-10-05")).source == "default"
    assert len(selectors.calendar_year(2030)) == 365


@pytest.mark.django_db
def test_staff_correct_a_day_and_it_is_witnessed(calendar_2026, center_staff):
    seq = witness_seq()
    row = services.calendar_day_set(
        actor=center_staff, date=d("2026-10-12"), kind=DayKind.HOLIDAY, holiday_name="  自治区假日 "
    )
    assert (row.kind, row.is_working_day, row.holiday_name, row.source) == (
        DayKind.HOLIDAY,
        False,
        "自治区假日",
        SOURCE_STAFF,
    )
    assert row.updated_by == center_staff
    event = WitnessEvent.objects.get(seq=seq + 1)
    assert event.action == "calendar.day_changed"
    assert event.before["kind"] == DayKind.WORKDAY and event.after["kind"] == DayKind.HOLIDAY
    # the same correction again writes nothing
    services.calendar_day_set(actor=center_staff, date=d("2026-10-12"), kind=DayKind.HOLIDAY, holiday_name="自治区假日")
    assert witness_seq() == seq + 1


@pytest.mark.django_db
def test_staff_may_correct_a_day_missing_from_the_table(center_staff):
    CalendarDay.objects.filter(date__year=2030).delete()
    row = services.calendar_day_set(
        actor=center_staff, date=d("2030-10-01"), kind=DayKind.HOLIDAY, holiday_name="国庆节"
    )
    assert row.pk and selectors.calendar_day_get(d("2030-10-01")).is_working_day is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "kind", "name", "field"),
    [
        ("2026-10-17", DayKind.WORKDAY, "", "kind"),  # a Saturday cannot be an ordinary workday
        ("2026-10-13", DayKind.MAKEUP_WORKDAY, "", "kind"),  # a make-up day is a weekend day
        ("2026-10-13", DayKind.WEEKEND, "", "kind"),
        ("2026-10-13", DayKind.HOLIDAY, "", "holiday_name"),  # a holiday has a name
        ("2026-10-13", DayKind.WORKDAY, "国庆节", "holiday_name"),  # a workday has none
    ],
)
def test_inconsistent_corrections_are_refused_and_nothing_is_written(
    calendar_2026, center_staff, day, kind, name, field
):
    before = CalendarDay.objects.get(date=d(day))
    seq = witness_seq()
    with pytest.raises(ValidationError) as caught:
        services.calendar_day_set(actor=center_staff, date=d(day), kind=kind, holiday_name=name)
    assert field in caught.value.message_dict
    after = CalendarDay.objects.get(date=d(day))
    assert (after.kind, after.holiday_name, after.source) == (before.kind, before.holiday_name, before.source)
    assert witness_seq() == seq


@pytest.mark.django_db
def test_only_center_staff_correct_the_calendar(calendar_2026, system_admin, bidder):
    seq = witness_seq()
    for actor in (system_admin, bidder, None):
        with pytest.raises(PermissionDenied):
            services.calendar_day_set(actor=actor, date=d("2026-10-12"), kind=DayKind.HOLIDAY, holiday_name="x")
    assert CalendarDay.objects.get(date=d("2026-10-12")).kind == DayKind.WORKDAY
    assert witness_seq() == seq


@pytest.mark.django_db
def test_the_database_refuses_a_working_flag_that_contradicts_the_kind(calendar_2026):
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarDay.objects.filter(date=d("2026-10-01")).update(is_working_day=True)
