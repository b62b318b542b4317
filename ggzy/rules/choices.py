"""Choice sets (TextChoices) of the 规则与工作日 app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleUnit(models.TextChoices):
    CALENDAR_DAY = "calendar_day", _("日（自然日）")
    WORKING_DAY = "working_day", _("工作日")
    HOUR = "hour", _("小时")
    MINUTE = "minute", _("分钟")
    MONTH = "month", _("月")
    YEAR = "year", _("年")
    PERCENT = "percent", _("百分比")
    FRACTION = "fraction", _("比例")
    COUNT = "count", _("数量")
    MONEY_FEN = "money_fen", _("金额（分）")


# Units a period can be counted in (periods.py); the rest are plain quantities.
PERIOD_UNITS = frozenset(
    {
        RuleUnit.CALENDAR_DAY,
        RuleUnit.WORKING_DAY,
        RuleUnit.HOUR,
        RuleUnit.MINUTE,
        RuleUnit.MONTH,
        RuleUnit.YEAR,
    }
)
# Units whose value is a whole number.
WHOLE_UNITS = PERIOD_UNITS | {RuleUnit.COUNT, RuleUnit.MONEY_FEN}


class Evidence(models.TextChoices):
    """How sure we are of a rule (the marks of rules-cn.md §0)."""

    CONFIRMED = "confirmed", _("已核对原文")
    SECONDARY = "secondary", _("二手资料")
    UNCONFIRMED = "unconfirmed", _("未经核实")


EVIDENCE_MARKS: dict[str, str] = {
    Evidence.CONFIRMED: "✅",
    Evidence.SECONDARY: "🟡",
    Evidence.UNCONFIRMED: "⚠️",
}


class DayKind(models.TextChoices):
    WORKDAY = "workday", _("工作日")
    WEEKEND = "weekend", _("休息日")
    HOLIDAY = "holiday", _("法定节假日")
    MAKEUP_WORKDAY = "makeup_workday", _("调休上班日")


WORKING_KINDS = frozenset({DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY})
NAMED_KINDS = frozenset({DayKind.HOLIDAY, DayKind.MAKEUP_WORKDAY})

# CalendarDay.source of a day corrected by center staff; seeding never overwrites such a day.
SOURCE_STAFF = "staff"
# CalendarDay.source of a day not in the table (Monday to Friday work, weekends rest).
SOURCE_DEFAULT = "default"

# chinesecalendar names holidays in English; the calendar shows the official Chinese name.
HOLIDAY_NAMES: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
