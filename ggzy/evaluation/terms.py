"""Checks of evaluation terms against the rule table: price weights and SME deductions.

The tender documents state the price weight and the SME deduction; publishing them (and scoring
with them) is refused outside the legal range, with the source, for the project's trade type,
method and rules date.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ggzy.core.choices import TradeType
from ggzy.rules.selectors import RuleMissing, RuleValue, rule_get

GOODS, SERVICES, WORKS = "goods", "services", "works"


def _pct(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _optional(key: str, *, method: str, on: dt.date) -> RuleValue | None:
    try:
        return rule_get(key, trade_type=TradeType.GOVERNMENT_PROCUREMENT, method=method, on=on)
    except RuleMissing:
        return None


def price_weight_check(*, subject: str, method: str, weight_percent: Decimal, on: dt.date) -> None:
    """87号令 art. 55 (goods ≥ 30%, services ≥ 10%); 214号 art. 24 for 磋商 (goods 30–60%, services
    10–30%). Raises ValidationError naming the range and its source."""
    if subject not in (GOODS, SERVICES):
        return  # works tendered under the 招标投标法 have no statutory price weight here
    low = _optional(f"gp.price_weight_{subject}_min_percent", method=method, on=on)
    high = _optional(f"gp.price_weight_{subject}_max_percent", method=method, on=on)
    if not 0 < weight_percent <= 100:
        raise ValidationError({"price_weight": _("价格分值比重应大于0%且不超过100%。")})
    if low is not None and weight_percent < low.value:
        raise ValidationError(
            {
                "price_weight": _("价格分值比重不得低于{minimum}%（{source}），本项目为{weight}%。").format(
                    minimum=_pct(low.value), source=low.source, weight=_pct(weight_percent)
                )
            }
        )
    if high is not None and weight_percent > high.value:
        raise ValidationError(
            {
                "price_weight": _("价格分值比重不得高于{maximum}%（{source}），本项目为{weight}%。").format(
                    maximum=_pct(high.value), source=high.source, weight=_pct(weight_percent)
                )
            }
        )


def sme_deduction_check(*, works: bool, deduction_percent: Decimal, on: dt.date) -> None:
    """46号 art. 9 (and the 2022 uplift by effective date): the small and micro price deduction
    stated in the documents must lie in the legal range."""
    prefix = "sme.works_price_deduction" if works else "sme.price_deduction"
    low = rule_get(f"{prefix}_min_percent", trade_type=TradeType.GOVERNMENT_PROCUREMENT, on=on)
    high = rule_get(f"{prefix}_max_percent", trade_type=TradeType.GOVERNMENT_PROCUREMENT, on=on)
    if not low.value <= deduction_percent <= high.value:
        raise ValidationError(
            {
                "sme_deduction": _(
                    "小微企业价格扣除比例应在{low}%至{high}%之间（{source}），本项目为{value}%。"
                ).format(
                    low=_pct(low.value),
                    high=_pct(high.value),
                    source=low.source,
                    value=_pct(deduction_percent),
                )
            }
        )
