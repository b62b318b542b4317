"""What a refunded bid security owes besides the principal: worked examples, table-driven.

No database: the rates are passed in as the rule table holds them (⚠️ deposit 0.35 %, benchmark
loan 4.35 %, surcharge 20 % ✅, 360 days)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from ggzy.core.choices import TradeType
from ggzy.tendering import interest
from ggzy.tendering.choices import InterestKind, RefundReason, SecurityMethod

RATES = interest.InterestRates(
    day_basis=360,
    deposit_annual_percent=Decimal("0.35"),
    loan_annual_percent=Decimal("4.35"),
    overdue_surcharge_percent=Decimal("20"),
)
CONSTRUCTION, PROCUREMENT = TradeType.CONSTRUCTION, TradeType.GOVERNMENT_PROCUREMENT
BANK, GUARANTEE = SecurityMethod.BANK_TRANSFER, SecurityMethod.GUARANTEE
D = dt.date


def _due(trade_type, reason, method, *, principal, arrived, due, refunded):
    terms = interest.interest_terms(trade_type=trade_type, reason=reason, method=method)
    return interest.interest_due(
        principal_fen=principal, terms=terms, arrived_on=arrived, due_on=due, refunded_on=refunded, rates=RATES
    )


CASES = [
    # (case, trade type, reason, method, principal fen, arrived, due, refunded, {kind: fen})
    (
        # 100,000.00 元 held 30 days at 0.35 %/360 → 29.1666… → 29.17 元 (实施条例 art. 57)
        "construction contract: deposit interest for 30 days",
        CONSTRUCTION,
        RefundReason.CONTRACT,
        BANK,
        10_000_000,
        D(2026, 6, 1),
        D(2026, 7, 6),
        D(2026, 7, 1),
        {InterestKind.DEPOSIT_INTEREST: 2917},
    ),
    (
        # late or not, construction owes the deposit interest up to the day the money goes back
        "construction termination, refunded late: interest runs to the refund day",
        CONSTRUCTION,
        RefundReason.CANCELLATION,
        BANK,
        10_000_000,
        D(2026, 6, 1),
        D(2026, 6, 6),
        D(2026, 7, 1),
        {InterestKind.DEPOSIT_INTEREST: 2917},
    ),
    (
        "construction withdrawal before the deadline: nothing (实施条例 art. 35)",
        CONSTRUCTION,
        RefundReason.WITHDRAWAL,
        BANK,
        10_000_000,
        D(2026, 6, 1),
        D(2026, 6, 6),
        D(2026, 9, 1),
        {},
    ),
    (
        # 200,000.00 元 five days late at 4.35 % × 1.2 / 360 → 145.00 元 (政府采购法实施条例 art. 33)
        "procurement unsuccessful bidder, five days late: the overdue fee",
        PROCUREMENT,
        RefundReason.UNSUCCESSFUL,
        BANK,
        20_000_000,
        D(2026, 6, 1),
        D(2026, 7, 8),
        D(2026, 7, 13),
        {InterestKind.OVERDUE_FEE: 14_500},
    ),
    (
        "procurement refund on the last day of the period: nothing",
        PROCUREMENT,
        RefundReason.CONTRACT,
        BANK,
        20_000_000,
        D(2026, 6, 1),
        D(2026, 7, 8),
        D(2026, 7, 8),
        {},
    ),
    (
        "procurement withdrawal refunded a day late: the fee for one day",
        PROCUREMENT,
        RefundReason.WITHDRAWAL,
        BANK,
        20_000_000,
        D(2026, 6, 1),
        D(2026, 6, 8),
        D(2026, 6, 9),
        {InterestKind.OVERDUE_FEE: 2900},  # 200,000 × 5.22 % / 360 = 29.00
    ),
    (
        # 87号令 art. 29: the interest earned (孳息), and art. 38's fee for the two days late
        "procurement termination, two days late: interest earned and the overdue fee",
        PROCUREMENT,
        RefundReason.CANCELLATION,
        BANK,
        20_000_000,
        D(2026, 6, 1),
        D(2026, 6, 11),
        D(2026, 6, 13),
        {InterestKind.DEPOSIT_INTEREST: 2333, InterestKind.OVERDUE_FEE: 5800},  # 23.333… and 58.00
    ),
    (
        "a guarantee (保函) earns nothing, even refunded late",
        PROCUREMENT,
        RefundReason.CANCELLATION,
        GUARANTEE,
        20_000_000,
        D(2026, 6, 1),
        D(2026, 6, 11),
        D(2026, 8, 1),
        {},
    ),
    (
        "a construction guarantee after the contract earns nothing",
        CONSTRUCTION,
        RefundReason.CONTRACT,
        GUARANTEE,
        10_000_000,
        D(2026, 6, 1),
        D(2026, 7, 6),
        D(2026, 7, 1),
        {},
    ),
    (
        "money back the day it arrived: nothing",
        CONSTRUCTION,
        RefundReason.CANCELLATION,
        BANK,
        10_000_000,
        D(2026, 6, 1),
        D(2026, 6, 6),
        D(2026, 6, 1),
        {},
    ),
    (
        "a refund with no recorded reason owes nothing",
        CONSTRUCTION,
        "",
        BANK,
        10_000_000,
        D(2026, 6, 1),
        None,
        D(2026, 9, 1),
        {},
    ),
]


@pytest.mark.parametrize(
    ("case", "trade_type", "reason", "method", "principal", "arrived", "due", "refunded", "expected"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_worked_examples(case, trade_type, reason, method, principal, arrived, due, refunded, expected):
    owed = _due(trade_type, reason, method, principal=principal, arrived=arrived, due=due, refunded=refunded)
    assert {part.kind: part.amount_fen for part in owed.parts} == expected
    assert owed.amount_fen == sum(expected.values())
    assert owed.kinds == tuple(expected)


def test_the_parts_say_how_they_were_counted():
    owed = _due(
        PROCUREMENT,
        RefundReason.CANCELLATION,
        BANK,
        principal=20_000_000,
        arrived=D(2026, 6, 1),
        due=D(2026, 6, 11),
        refunded=D(2026, 6, 13),
    )
    assert [part.as_dict() for part in owed.parts] == [
        {"kind": "deposit_interest", "days": 12, "annual_percent": "0.35", "day_basis": 360, "amount_fen": 2333},
        {"kind": "overdue_fee", "days": 2, "annual_percent": "5.22", "day_basis": 360, "amount_fen": 5800},
    ]


@pytest.mark.parametrize(
    ("principal", "percent", "days", "basis", "expected"),
    [
        (250, Decimal("1"), 360, 360, 3),  # 2.5 fen: half up, not to even
        (150, Decimal("1"), 360, 360, 2),
        (249, Decimal("1"), 360, 360, 2),  # 2.49
        (10_000_000, Decimal("0.35"), 30, 365, 2877),  # 2876.71… on a 365-day basis
        (1, Decimal("0.35"), 1, 360, 0),
    ],
)
def test_rounding_is_half_up_to_the_fen(principal, percent, days, basis, expected):
    assert (
        interest.simple_interest_fen(principal_fen=principal, annual_percent=percent, days=days, day_basis=basis)
        == expected
    )


def test_round_half_up_on_exact_fractions():
    assert interest.round_half_up(Fraction(5, 2)) == 3
    assert interest.round_half_up(Fraction(7, 2)) == 4
    assert interest.round_half_up(Fraction(349, 100)) == 3


def test_a_needed_rate_that_is_missing_is_an_error_not_zero():
    terms = interest.interest_terms(trade_type=CONSTRUCTION, reason=RefundReason.CONTRACT, method=BANK)
    with pytest.raises(ValueError):
        interest.interest_due(
            principal_fen=1,
            terms=terms,
            arrived_on=D(2026, 6, 1),
            due_on=None,
            refunded_on=D(2026, 7, 1),
            rates=interest.InterestRates(day_basis=360),
        )
