"""What is owed on top of a refunded bid security: interest, or a fee for a late refund.

Pure functions on integer fen, exact fractions and decimals (never float), rounded half up to the
fen. The rates and the day-count basis are rule-table data (deposits.py reads them); which of them
applies is the small table below, one row per trade type and refund reason:

- construction: a refund after the contract (实施条例 art. 57) or a termination (art. 31) carries
  bank deposit interest for the same period (银行同期存款利息), from the day the money arrived to
  the refund day; a withdrawal before the deadline (art. 35) carries none;
- government procurement: any refund later than its deadline carries the overdue fee
  (超期资金占用费) at the PBoC benchmark loan rate raised by 20 %, for the days past the deadline
  (政府采购法实施条例 art. 33; 87号令 art. 38); a termination also returns the interest the money
  earned in the bank (孳息, 87号令 art. 29), counted like construction's deposit interest.

Only money actually held earns anything: a guarantee (保函) earns nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ggzy.core.choices import TradeType

from .choices import InterestKind, RefundReason, SecurityMethod


@dataclass(frozen=True)
class InterestTerms:
    deposit_interest: bool = False  # from arrival to refund, at the deposit rate
    overdue_fee: bool = False  # from the deadline to the refund, at the loan rate + surcharge


NO_INTEREST = InterestTerms()

INTEREST_TERMS: dict[tuple[str, str], InterestTerms] = {
    (TradeType.CONSTRUCTION, RefundReason.WITHDRAWAL): NO_INTEREST,  # 实施条例 art. 35
    (TradeType.CONSTRUCTION, RefundReason.CONTRACT): InterestTerms(deposit_interest=True),  # art. 57
    (TradeType.CONSTRUCTION, RefundReason.CANCELLATION): InterestTerms(deposit_interest=True),  # art. 31
    # A failed lot ends the procedure for it as a termination does (⚠️ by analogy with art. 31).
    (TradeType.CONSTRUCTION, RefundReason.FAILED): InterestTerms(deposit_interest=True),
    (TradeType.GOVERNMENT_PROCUREMENT, RefundReason.WITHDRAWAL): InterestTerms(overdue_fee=True),  # 87号令 art. 38
    (TradeType.GOVERNMENT_PROCUREMENT, RefundReason.UNSUCCESSFUL): InterestTerms(overdue_fee=True),
    (TradeType.GOVERNMENT_PROCUREMENT, RefundReason.CONTRACT): InterestTerms(overdue_fee=True),
    # 87号令 art. 29 (孳息) and, if late, art. 38 (超期资金占用费).
    (TradeType.GOVERNMENT_PROCUREMENT, RefundReason.CANCELLATION): InterestTerms(
        deposit_interest=True, overdue_fee=True
    ),
    (TradeType.GOVERNMENT_PROCUREMENT, RefundReason.FAILED): InterestTerms(deposit_interest=True, overdue_fee=True),
}


def interest_terms(*, trade_type: str, reason: str, method: str) -> InterestTerms:
    """What a refund owes besides the principal. A refund with no recorded reason owes nothing."""
    if method != SecurityMethod.BANK_TRANSFER:
        return NO_INTEREST
    return INTEREST_TERMS.get((trade_type, reason), NO_INTEREST)


@dataclass(frozen=True)
class InterestRates:
    """Annual rates in percent and the days of a year (rule table; None where not needed)."""

    day_basis: int
    deposit_annual_percent: Decimal | None = None
    loan_annual_percent: Decimal | None = None
    overdue_surcharge_percent: Decimal | None = None


@dataclass(frozen=True)
class InterestPart:
    kind: str
    days: int
    annual_percent: Decimal
    day_basis: int
    amount_fen: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "days": self.days,
            "annual_percent": format(self.annual_percent.normalize(), "f"),
            "day_basis": self.day_basis,
            "amount_fen": self.amount_fen,
        }


@dataclass(frozen=True)
class InterestDue:
    parts: tuple[InterestPart, ...] = ()

    @property
    def amount_fen(self) -> int:
        return sum(part.amount_fen for part in self.parts)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(part.kind for part in self.parts)


def round_half_up(value: Fraction) -> int:
    """To the nearest fen, halves away from zero (amounts here are never negative)."""
    return math.floor(value + Fraction(1, 2))


def simple_interest_fen(*, principal_fen: int, annual_percent: Decimal, days: int, day_basis: int) -> int:
    """principal × rate × days / basis, exactly, then rounded half up to the fen."""
    exact = Fraction(principal_fen) * Fraction(annual_percent) / 100 * days / day_basis
    return round_half_up(exact)


def _part(kind: str, *, principal_fen: int, annual_percent: Decimal, days: int, day_basis: int) -> InterestPart:
    amount = simple_interest_fen(
        principal_fen=principal_fen, annual_percent=annual_percent, days=days, day_basis=day_basis
    )
    return InterestPart(kind=kind, days=days, annual_percent=annual_percent, day_basis=day_basis, amount_fen=amount)


def interest_due(
    *,
    principal_fen: int,
    terms: InterestTerms,
    arrived_on: dt.date,
    due_on: dt.date | None,
    refunded_on: dt.date,
    rates: InterestRates,
) -> InterestDue:
    """What is owed besides the principal when the security is refunded on `refunded_on`.

    Days are counted between calendar days (the arrival day is not counted, the refund day is):
    money in on 1 June and back on 1 July was held 30 days. The overdue fee runs from the last day
    of the refund period (`due_on`) to the refund day.
    """
    parts: list[InterestPart] = []
    if terms.deposit_interest:
        if rates.deposit_annual_percent is None:
            raise ValueError("the deposit interest rate is needed")
        held = (refunded_on - arrived_on).days
        if held > 0:
            parts.append(
                _part(
                    InterestKind.DEPOSIT_INTEREST,
                    principal_fen=principal_fen,
                    annual_percent=rates.deposit_annual_percent,
                    days=held,
                    day_basis=rates.day_basis,
                )
            )
    if terms.overdue_fee and due_on is not None and refunded_on > due_on:
        if rates.loan_annual_percent is None or rates.overdue_surcharge_percent is None:
            raise ValueError("the benchmark loan rate and the surcharge are needed")
        rate = rates.loan_annual_percent * (100 + rates.overdue_surcharge_percent) / 100
        parts.append(
            _part(
                InterestKind.OVERDUE_FEE,
                principal_fen=principal_fen,
                annual_percent=rate,
                days=(refunded_on - due_on).days,
                day_basis=rates.day_basis,
            )
        )
    return InterestDue(parts=tuple(parts))
