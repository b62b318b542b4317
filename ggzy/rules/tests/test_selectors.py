"""rule_get: the most specific row in force on a date wins; nothing matching raises RuleMissing."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from ggzy.core import clock
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.rules import selectors
from ggzy.rules.choices import Evidence, RuleUnit
from ggzy.rules.models import RuleParameter

from .helpers import d

GP = TradeType.GOVERNMENT_PROCUREMENT
KEY = "test.specificity"


def _row(
    *,
    value: int,
    trade_type: str = "",
    method: str = "",
    start: str = "2000-01-01",
    end: str | None = None,
    version: int = 1,
    key: str = KEY,
) -> RuleParameter:
    row = RuleParameter(
        key=key,
        name="测试规则",
        trade_type=trade_type,
        method=method,
        value=Decimal(value),
        unit=RuleUnit.COUNT,
        source="测试依据",
        evidence=Evidence.CONFIRMED,
        effective_from=d(start),
        effective_to=d(end) if end else None,
        version=version,
        created_at=clock.now(),
    )
    row.full_clean()
    row.save()
    return row


@pytest.mark.django_db
def test_the_most_specific_row_wins():
    _row(value=1)
    _row(value=2, method=ProcurementMethod.OPEN_TENDER)
    _row(value=3, trade_type=GP)
    _row(value=4, trade_type=GP, method=ProcurementMethod.OPEN_TENDER)
    on = d("2026-01-01")

    def get(trade_type: str = "", method: str = "") -> Decimal:
        return selectors.rule_get(KEY, trade_type=trade_type, method=method, on=on).value

    assert get(GP, ProcurementMethod.OPEN_TENDER) == 4  # trade type + method
    assert get(GP, ProcurementMethod.NEGOTIATION) == 3  # trade type only
    assert get(TradeType.CONSTRUCTION, ProcurementMethod.OPEN_TENDER) == 2  # method only
    assert get(TradeType.CONSTRUCTION, ProcurementMethod.SELECTIVE_TENDER) == 1  # general
    assert get() == 1


@pytest.mark.django_db
def test_trade_type_only_beats_method_only():
    _row(value=2, method=ProcurementMethod.OPEN_TENDER)
    _row(value=3, trade_type=GP)
    rule = selectors.rule_get(KEY, trade_type=GP, method=ProcurementMethod.OPEN_TENDER, on=d("2026-01-01"))
    assert rule.value == 3


@pytest.mark.django_db
def test_a_scoped_row_does_not_apply_to_other_scopes():
    _row(value=4, trade_type=GP, method=ProcurementMethod.OPEN_TENDER)
    with pytest.raises(selectors.RuleMissing):
        selectors.rule_get(KEY, trade_type=GP, method=ProcurementMethod.NEGOTIATION, on=d("2026-01-01"))
    with pytest.raises(selectors.RuleMissing):
        selectors.rule_get(KEY, on=d("2026-01-01"))


@pytest.mark.django_db
def test_effective_dates_pick_the_version_and_the_end_date_is_exclusive():
    _row(value=10, start="2020-01-01", end="2024-07-01", version=1)
    _row(value=20, start="2024-07-01", version=2)
    assert selectors.rule_get(KEY, on=d("2024-06-30")).value == 10
    assert selectors.rule_get(KEY, on=d("2024-07-01")).value == 20
    assert selectors.rule_get(KEY, on=d("2024-07-01")).version == 2
    with pytest.raises(selectors.RuleMissing):
        selectors.rule_get(KEY, on=d("2019-12-31"))


@pytest.mark.django_db
def test_a_more_specific_row_not_yet_in_force_does_not_shadow_the_general_one():
    _row(value=1)
    _row(value=9, trade_type=GP, start="2030-01-01")
    assert selectors.rule_get(KEY, trade_type=GP, on=d("2026-01-01")).value == 1
    assert selectors.rule_get(KEY, trade_type=GP, on=d("2030-01-01")).value == 9


@pytest.mark.django_db
def test_sme_2020_rule_and_2022_uplift_are_picked_by_date(seeded_rules):
    key = "sme.price_deduction_min_percent"
    before = selectors.rule_get(key, trade_type=GP, method=ProcurementMethod.OPEN_TENDER, on=d("2021-06-01"))
    last_day = selectors.rule_get(key, trade_type=GP, on=d("2022-06-30"))
    uplift = selectors.rule_get(key, trade_type=GP, on=d("2022-07-01"))
    assert (before.value, before.version, before.unit) == (Decimal(6), 1, RuleUnit.PERCENT)
    assert "46号" in before.source and before.evidence == Evidence.CONFIRMED
    assert last_day.value == 6
    assert (uplift.value, uplift.version) == (Decimal(10), 2)
    assert "19号" in uplift.source and uplift.evidence == Evidence.UNCONFIRMED
    assert selectors.rule_get("sme.price_deduction_max_percent", trade_type=GP, on=d("2026-01-01")).value == 20
    with pytest.raises(selectors.RuleMissing):  # 46号 took effect on 2021-01-01
        selectors.rule_get(key, trade_type=GP, on=d("2020-12-31"))


@pytest.mark.django_db
def test_same_key_differs_by_trade_type_in_the_seed(seeded_rules):
    on = d("2026-05-01")
    construction = selectors.rule_get("tender.security_refund_days", trade_type=TradeType.CONSTRUCTION, on=on)
    procurement = selectors.rule_get(
        "tender.security_refund_days", trade_type=GP, method=ProcurementMethod.OPEN_TENDER, on=on
    )
    assert (construction.value, construction.unit) == (5, RuleUnit.CALENDAR_DAY)
    assert (procurement.value, procurement.unit) == (5, RuleUnit.WORKING_DAY)
    negotiation = selectors.rule_get(
        "committee.min_members", trade_type=GP, method=ProcurementMethod.NEGOTIATION, on=on
    )
    tender = selectors.rule_get("committee.min_members", trade_type=GP, method=ProcurementMethod.OPEN_TENDER, on=on)
    assert (negotiation.value, tender.value) == (3, 5)


@pytest.mark.django_db
def test_rule_missing_names_key_trade_type_method_and_date():
    with pytest.raises(LookupError) as caught:
        selectors.rule_get("no.such_rule", trade_type=GP, method=ProcurementMethod.CONSULTATION, on=d("2026-10-01"))
    error = caught.value
    assert isinstance(error, selectors.RuleMissing)
    message = str(error)
    for part in ("no.such_rule", "government_procurement", "consultation", "2026-10-01"):
        assert part in message
    assert (error.key, error.trade_type, error.method, error.on) == (
        "no.such_rule",
        GP,
        ProcurementMethod.CONSULTATION,
        d("2026-10-01"),
    )


@pytest.mark.django_db
def test_fractions_are_exact_and_whole_values_are_ints(seeded_rules):
    rule = selectors.rule_get("committee.expert_min_fraction", trade_type=TradeType.CONSTRUCTION, on=d("2026-01-01"))
    assert rule.as_fraction() == Fraction(2, 3)
    # 6 experts of 9 is exactly two thirds and must pass; 0.666667 as a decimal would refuse it.
    assert Fraction(6, 9) >= rule.as_fraction()
    assert rule.display == "2/3"
    days = selectors.rule_get("tender.bid_preparation_min_days", trade_type=TradeType.CONSTRUCTION, on=d("2026-01-01"))
    assert days.as_int() == 20 and days.display == "20日"
    with pytest.raises(ValueError):
        rule.as_int()


@pytest.mark.django_db
def test_rules_in_force_lists_one_row_per_scope(seeded_rules):
    on = d("2026-01-01")
    rows = list(selectors.rules_in_force(on))
    scopes = [(row.key, row.trade_type, row.method) for row in rows]
    assert len(scopes) == len(set(scopes))
    assert all(row.effective_from <= on and (row.effective_to is None or row.effective_to > on) for row in rows)
    versions = {(row.key, row.trade_type): row.version for row in rows if row.key == "sme.price_deduction_min_percent"}
    assert versions == {("sme.price_deduction_min_percent", GP): 2}
