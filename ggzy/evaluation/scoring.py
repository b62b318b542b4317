"""Evaluation arithmetic, as pure functions over exact fractions (no floats, no database).

The committee never adds up by hand: members give factor scores, the platform computes price
scores, totals and ranks with these functions. Legal ranges (price weights, SME deductions) are
checked against the rule table in `terms.py`; this module only computes.

- 87号令 art. 55 (综合评分法, 低价优先法): the evaluation base price is the lowest evaluation price
  among compliant bids; price score = base / evaluation price × 100; price points = price score ×
  price weight; total = price points + the other factors' points.
- 214号 art. 24 (竞争性磋商): the same formula on the final offers, with its own weight range.
- 46号 art. 9 (SME): the deduction applies to the price used for evaluation only (both as the base
  and as the bid's own evaluation price); the contract price stays the bid price.
- Ranking (87号令 art. 65): by total, descending; equal totals rank by bid price, ascending; equal
  total and price is a tie, broken as the tender documents say, otherwise by a random draw
  (art. 68) — here a draw anyone can replay (`break_ties`).
- 经评审的最低投标价法 / 最低评标价法: by evaluation price, ascending; equal prices are a tie.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

HUNDRED = Fraction(100)


def _fraction(value: Fraction | Decimal | int | str) -> Fraction:
    if isinstance(value, float):  # money and scores are never binary floating point
        raise TypeError("use Decimal, Fraction, int or str, not float")
    return Fraction(value)


def evaluation_price(price_fen: int, deduction_percent: Fraction | Decimal | int | str = 0) -> Fraction:
    """The price used for evaluation: the bid price less the SME deduction (46号 art. 9)."""
    if price_fen <= 0:
        raise ValueError("a bid price is a positive number of fen")
    return Fraction(price_fen) * (1 - _fraction(deduction_percent) / HUNDRED)


def price_scores(evaluation_prices: dict[str, Fraction]) -> dict[str, Fraction]:
    """87号令 art. 55: base = the lowest evaluation price; each bid scores base / price × 100."""
    if not evaluation_prices:
        return {}
    base = min(evaluation_prices.values())
    return {key: base / price * HUNDRED for key, price in evaluation_prices.items()}


def price_points(score: Fraction, weight_percent: Fraction | Decimal | int | str) -> Fraction:
    """The price score's contribution to the total: score × weight (e.g. 80 × 30% = 24 points)."""
    return score * _fraction(weight_percent) / HUNDRED


def member_average(member_points: Sequence[Fraction | Decimal | int | str]) -> Fraction:
    """A factor's points for a bid: the average of the members' points (none may be dropped)."""
    if not member_points:
        raise ValueError("no member scored this factor")
    return sum((_fraction(p) for p in member_points), Fraction(0)) / len(member_points)


@dataclass(frozen=True)
class Scored:
    key: str
    price_fen: int
    total: Fraction = Fraction(0)
    evaluation_price: Fraction = Fraction(0)


@dataclass
class Ranking:
    """Places in order; a place with several bids is a tie still to be broken."""

    places: list[list[Scored]] = field(default_factory=list)

    @property
    def ties(self) -> list[list[Scored]]:
        return [place for place in self.places if len(place) > 1]

    def keys(self) -> list[list[str]]:
        return [[s.key for s in place] for place in self.places]


def _group(items: Iterable[Scored], sort_key: Callable[[Scored], Any]) -> Ranking:
    ordered = sorted(items, key=sort_key)
    ranking = Ranking()
    previous = None
    for item in ordered:
        current = sort_key(item)
        if ranking.places and current == previous:
            ranking.places[-1].append(item)
        else:
            ranking.places.append([item])
        previous = current
    return ranking


def rank_by_score(items: Iterable[Scored]) -> Ranking:
    """综合评分法 (87号令 art. 65): total descending, then bid price ascending; the rest is a tie."""
    return _group(items, lambda s: (-s.total, s.price_fen))


def rank_by_lowest_price(items: Iterable[Scored]) -> Ranking:
    """最低评标价法: evaluation price ascending; equal evaluation prices are a tie."""
    return _group(items, lambda s: s.evaluation_price)


def refine(ranking: Ranking, sort_key: Callable[[Scored], Any]) -> Ranking:
    """Split every tied place by a further key (lower first), keeping the order of the places:
    e.g. the technical points the tender documents name as the tie-break (214号 art. 24)."""
    refined = Ranking()
    for place in ranking.places:
        refined.places.extend(_group(place, sort_key).places if len(place) > 1 else [place])
    return refined


# The tie draw (87号令 art. 68: a tie the documents do not resolve is settled by random draw) is
# verifiable in the same way as the expert draw: the platform commits to a secret seed in the
# witness log before anyone present types a text of their own; the effective seed mixes both.
_TIE = b"GGZY-TIE/1\x00"
_TIE_COMMITMENT = b"GGZY-TIE/1 commitment\x00"
_TIE_EFFECTIVE = b"GGZY-TIE/1 effective\x00"
TIE_SEED_BYTES = 32


def tie_seed_commitment(seed: bytes) -> str:
    if len(seed) != TIE_SEED_BYTES:
        raise ValueError("the seed is 32 bytes")
    return hashlib.sha256(_TIE_COMMITMENT + seed).hexdigest()


def tie_effective_seed(seed: bytes, witness_text: str) -> bytes:
    return hashlib.sha256(_TIE_EFFECTIVE + seed + hashlib.sha256(witness_text.encode()).digest()).digest()


def break_ties(ranking: Ranking, seed: bytes) -> list[Scored]:
    """Order every tied place by SHA-256(label ‖ seed ‖ key): a random draw (87号令 art. 68) that
    anyone can replay once the seed (committed before the draw) is published."""
    ordered: list[Scored] = []
    for place in ranking.places:
        ordered.extend(sorted(place, key=lambda s: hashlib.sha256(_TIE + seed + s.key.encode()).digest()))
    return ordered


def settle(ranking: Ranking, seed: bytes) -> Ranking:
    """The ranking with every tie broken by the draw: one bid per place."""
    return Ranking(places=[[item] for item in break_ties(ranking, seed)])


def weighted_ranking(
    *,
    prices_fen: dict[str, int],
    deductions_percent: dict[str, Fraction | Decimal | int | str],
    price_weight_percent: Fraction | Decimal | int | str,
    factor_points: dict[str, Fraction],
) -> tuple[dict[str, Fraction], Ranking]:
    """Totals and ranking of compliant bids under 综合评分法 / 磋商: returns (totals, ranking)."""
    evaluation = {k: evaluation_price(p, deductions_percent.get(k, 0)) for k, p in prices_fen.items()}
    scores = price_scores(evaluation)
    totals = {k: price_points(scores[k], price_weight_percent) + factor_points.get(k, Fraction(0)) for k in prices_fen}
    ranking = rank_by_score(
        Scored(key=k, price_fen=prices_fen[k], total=totals[k], evaluation_price=evaluation[k]) for k in prices_fen
    )
    return totals, ranking


def display(value: Fraction, places: int = 2) -> str:
    """A score for the report, rounded half up to `places` decimals (ranking uses exact values)."""
    scaled = value * 10**places
    rounded = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)
    sign = "-" if rounded < 0 else ""
    whole, part = divmod(abs(rounded), 10**places)
    return f"{sign}{whole}.{part:0{places}d}" if places else f"{sign}{whole}"
