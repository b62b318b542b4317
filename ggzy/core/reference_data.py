"""Reference data every installation needs. Loading it twice changes nothing."""

from __future__ import annotations

from django.db import transaction

from ggzy.catalog import services as catalog_services
from ggzy.experts import services as experts_services
from ggzy.portal import seed as portal_seed
from ggzy.rules import services as rules_services


@transaction.atomic
def load() -> dict[str, int]:
    import chinese_calendar

    first_year = 2020
    last_year = max(day.year for day in chinese_calendar.holidays)
    rules = rules_services.rules_seed()
    days = rules_services.calendar_seed(years=range(first_year, last_year + 1))
    categories = catalog_services.catalog_seed()
    guide = portal_seed.guide_seed()
    specialties = experts_services.specialties_seed()
    return {
        "rules": _count(rules),
        "calendar_days": _count(days),
        "catalog_categories": _count(categories),
        "guide_items": _count(guide),
        "expert_specialties": _count(specialties),
    }


def _count(value: object) -> int:
    if isinstance(value, int):
        return value
    try:
        return len(value)  # type: ignore[arg-type]
    except TypeError:
        return 0
