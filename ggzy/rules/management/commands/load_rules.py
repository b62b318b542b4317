from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from ggzy.rules import services

FIRST_CALENDAR_YEAR = 2020


class Command(BaseCommand):
    help = (
        "Load ggzy/rules/seed/rules.json into the rule table and seed the working-day calendar "
        "from chinesecalendar for every year it covers from 2020 on. Idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        created = services.rules_seed()
        self.stdout.write(_("规则参数：新增 {count} 条。").format(count=len(created)))
        supported = services.calendar_supported_years()
        years = [year for year in supported if year >= FIRST_CALENDAR_YEAR]
        result = services.calendar_seed(years=years)
        self.stdout.write(
            _(
                "工作日历（{first}–{last} 年）：新增 {created} 天，更新 {updated} 天，保留工作人员更正 {kept} 天。"
            ).format(
                first=years[0],
                last=years[-1],
                created=result.created,
                updated=result.updated,
                kept=result.kept_staff,
            )
        )
