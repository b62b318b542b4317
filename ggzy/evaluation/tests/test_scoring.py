"""Worked examples of the evaluation formulas (87号令 art. 55, 65, 68; 214号 art. 24; 46号 art. 9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from ggzy.evaluation import scoring, terms

F = Fraction


@pytest.mark.parametrize(
    ("base", "price", "score", "weight", "points"),
    [
        (1_000_000, 1_250_000, F(80), 30, F(24)),  # the worked example of rules-cn.md §3.2
        (1_000_000, 1_000_000, F(100), 30, F(30)),
        (900_000, 1_200_000, F(75), 10, F(15, 2)),
        (1_000_000, 3_000_000, F(100, 3), 60, F(20)),
    ],
)
def test_price_score_and_points(base, price, score, weight, points):
    scores = scoring.price_scores({"base": F(base), "bid": F(price)})
    assert scores["base"] == 100
    assert scores["bid"] == score
    assert scoring.price_points(scores["bid"], weight) == points


def test_the_display_rounds_half_up_but_ranking_uses_exact_values():
    third = F(100, 3)
    assert scoring.display(third) == "33.33"
    assert scoring.display(F(2, 3) * 100) == "66.67"
    assert scoring.display(F(5, 1000)) == "0.01"  # half up
    assert scoring.display(F(80)) == "80.00"


def test_an_sme_deduction_changes_the_ranking_but_not_the_price():
    prices = {"大企业": 1_000_000_00, "小微企业": 1_050_000_00}
    factors = {"大企业": F(60), "小微企业": F(60)}
    without, ranking = scoring.weighted_ranking(
        prices_fen=prices, deductions_percent={}, price_weight_percent=30, factor_points=factors
    )
    assert ranking.keys() == [["大企业"], ["小微企业"]]
    assert without["大企业"] == 90  # 100 × 30% + 60

    totals, ranking = scoring.weighted_ranking(
        prices_fen=prices, deductions_percent={"小微企业": 10}, price_weight_percent=30, factor_points=factors
    )
    # evaluation price 945,000 becomes the base: the small firm scores 100, the large one 94.5
    assert totals["小微企业"] == 90
    assert totals["大企业"] == F(945, 1000) * 30 + 60
    assert ranking.keys() == [["小微企业"], ["大企业"]]
    assert ranking.places[0][0].price_fen == 1_050_000_00  # the contract price is still the bid price


def test_equal_totals_rank_by_price_and_equal_prices_are_a_tie_broken_by_a_replayable_draw():
    items = [
        scoring.Scored(key="甲", price_fen=500, total=F(88)),
        scoring.Scored(key="乙", price_fen=480, total=F(88)),
        scoring.Scored(key="丙", price_fen=480, total=F(88)),
        scoring.Scored(key="丁", price_fen=400, total=F(91)),
    ]
    ranking = scoring.rank_by_score(items)
    assert ranking.keys() == [["丁"], ["乙", "丙"], ["甲"]]
    assert [[s.key for s in place] for place in ranking.ties] == [["乙", "丙"]]
    seed = bytes(range(32))
    first = [s.key for s in scoring.break_ties(ranking, seed)]
    assert first == [s.key for s in scoring.break_ties(ranking, seed)]  # replay gives the same order
    assert first[0] == "丁" and first[3] == "甲" and set(first[1:3]) == {"乙", "丙"}
    orders = {tuple(s.key for s in scoring.break_ties(ranking, bytes([n]) * 32)) for n in range(16)}
    assert len(orders) == 2  # different seeds reach both orders of the tied pair


def test_lowest_evaluated_price_ranks_by_evaluation_price():
    items = [
        scoring.Scored(key="A", price_fen=1000, evaluation_price=scoring.evaluation_price(1000)),
        scoring.Scored(key="B", price_fen=1040, evaluation_price=scoring.evaluation_price(1040, 5)),
        scoring.Scored(key="C", price_fen=990, evaluation_price=scoring.evaluation_price(990)),
        scoring.Scored(key="D", price_fen=988, evaluation_price=scoring.evaluation_price(988)),
    ]
    assert items[1].evaluation_price == 988  # 1,040 less 5%
    assert scoring.rank_by_lowest_price(items).keys() == [["B", "D"], ["C"], ["A"]]  # B and D tie


def test_floats_are_refused():
    with pytest.raises(TypeError):
        scoring.evaluation_price(1000, float(10))


@given(
    st.dictionaries(st.text(min_size=1, max_size=3), st.integers(min_value=1, max_value=10**12), min_size=1),
)
def test_the_lowest_price_always_scores_100_and_no_score_exceeds_it(prices):
    scores = scoring.price_scores({k: F(v) for k, v in prices.items()})
    assert max(scores.values()) == 100
    cheapest = min(prices, key=lambda k: prices[k])
    assert scores[cheapest] == 100
    assert all(0 < s <= 100 for s in scores.values())


ON = dt.date(2026, 11, 27)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("subject", "method", "weight", "refused"),
    [
        ("goods", "open_tender", "30", None),
        ("goods", "open_tender", "29.5", "不得低于30%"),
        ("goods", "open_tender", "80", None),  # 87号令 sets no upper limit
        ("services", "open_tender", "10", None),
        ("services", "open_tender", "9", "不得低于10%"),
        ("goods", "consultation", "45", None),
        ("goods", "consultation", "25", "不得低于30%"),
        ("goods", "consultation", "65", "不得高于60%"),
        ("services", "consultation", "31", "不得高于30%"),
    ],
)
def test_price_weight_ranges(subject, method, weight, refused):
    if refused is None:
        terms.price_weight_check(subject=subject, method=method, weight_percent=Decimal(weight), on=ON)
        return
    with pytest.raises(ValidationError) as error:
        terms.price_weight_check(subject=subject, method=method, weight_percent=Decimal(weight), on=ON)
    message = " ".join(error.value.messages)
    assert refused in message
    assert ("214号" if method == "consultation" else "87号") in message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("on", "works", "deduction", "ok"),
    [
        (dt.date(2021, 6, 1), False, "6", True),
        (dt.date(2021, 6, 1), False, "12", False),  # before the 2022 uplift: 6–10%
        (dt.date(2026, 11, 27), False, "12", True),  # since 2022-07-01: 10–20% (unconfirmed, configurable)
        (dt.date(2026, 11, 27), False, "8", False),
        (dt.date(2026, 11, 27), True, "4", True),  # works: 3–5%
        (dt.date(2026, 11, 27), True, "6", False),
    ],
)
def test_sme_deduction_ranges_follow_the_effective_date(on, works, deduction, ok):
    if ok:
        terms.sme_deduction_check(works=works, deduction_percent=Decimal(deduction), on=on)
    else:
        with pytest.raises(ValidationError, match="小微企业价格扣除比例应在"):
            terms.sme_deduction_check(works=works, deduction_percent=Decimal(deduction), on=on)
