"""Reads of the portal app."""

from __future__ import annotations

from itertools import groupby

from .choices import GuideSection
from .models import GuideItem


def guide_sections() -> list[tuple[object, list[GuideItem]]]:
    items = GuideItem.objects.order_by("section", "sort_order", "id")
    order = {value: index for index, value in enumerate(GuideSection.values)}
    grouped = [(GuideSection(section).label, list(rows)) for section, rows in groupby(items, key=lambda i: i.section)]
    return sorted(grouped, key=lambda pair: order.get(GuideSection(pair[1][0].section).value, 99))
