"""Reads of the evaluation app: a member's workspace shows the decrypted bids of that member's lot
only, and only while the evaluation runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.rules.selectors import rule_for
from ggzy.tendering import selectors as tendering_selectors
from ggzy.tendering.choices import EvaluationMethod, OpeningFieldKind
from ggzy.tendering.models import Bid, TenderLot

from . import scoring
from .choices import CommitteeStatus, TieBreak
from .models import Committee, EvaluationTerms, Member, MemberReview, MemberScore, PriceCorrection, TieDraw


def committee_of(tender_lot: TenderLot) -> Committee | None:
    return Committee.objects.filter(tender_lot=tender_lot).select_related("draw_request").first()


def member_workspaces(selection_ids: list[int]) -> dict[int, str]:
    """The workspace each drawn expert's selection leads to while the expert sits on its committee
    (a provider of `experts.links`: the experts app lists the invitations, not knowing this app)."""
    members = Member.objects.filter(selection_id__in=selection_ids, is_active=True).values_list(
        "selection_id", "committee_id"
    )
    return {selection: reverse("evaluation:workspace", args=[committee]) for selection, committee in members}


def member_of(user: Any, committee: Committee) -> Member | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(committee=committee, user=user, is_active=True).first()


@dataclass(frozen=True)
class WorkspaceBid:
    bid: Bid
    files: list[Path]


def workspace_bids(user: Any, committee: Committee) -> list[WorkspaceBid]:
    """The decrypted bids of the committee's lot, for a checked-in member during the evaluation."""
    member = member_of(user, committee)
    if member is None or member.checked_in_at is None:
        raise PermissionDenied(_("只有已签到的本评标委员会成员可以查看投标文件。"))
    draw = committee.draw_request
    now = clock.now()
    if (
        committee.status != CommitteeStatus.EVALUATING
        or not draw.evaluation_starts_at <= now <= committee.evaluation_ends_at
    ):
        raise PermissionDenied(_("只能在评审期间查看投标文件。"))
    return [
        WorkspaceBid(bid=bid, files=tendering_selectors.opened_files(bid))
        for bid in tendering_selectors.decrypted_bids(committee.tender_lot)
    ]


@dataclass
class BidResult:
    bid: Bid
    rejected: bool = False
    rejections: list[Any] = field(default_factory=list)
    price_fen: int = 0
    evaluation_price: Fraction | None = None
    price_score: Fraction | None = None
    factor_points: Fraction | None = None
    total: Fraction | None = None
    place: int | None = None
    correction: Any = None  # the PriceCorrection of the bid, if the committee made one
    notes: list[str] = field(default_factory=list)  # rejection reasons other than the members' reviews


@dataclass
class Results:
    rows: list[BidResult]
    missing: list[str]
    places: list[list[BidResult]]
    candidates: list[BidResult]
    tie_draw: Any = None  # the completed TieDraw that settled the ties, if one did

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def ties(self) -> list[list[BidResult]]:
        return [place for place in self.places if len(place) > 1]


def price_key(tender: Any) -> str:
    for item in tender.opening_fields:
        if item.get("kind") == OpeningFieldKind.MONEY:
            return str(item["key"])
    return "price"


def results(committee: Committee) -> Results:
    """Everything the report states, computed from the members' reviews and scores: no manual
    arithmetic. A bid is rejected when more than half of the serving members reject it."""
    tender = committee.tender_lot.tender
    terms_row = EvaluationTerms.objects.filter(tender=tender).first()
    members = list(committee.members.filter(is_active=True))
    bids = tendering_selectors.decrypted_bids(committee.tender_lot)
    reviews = {(r.member_id, r.bid_id): r for r in MemberReview.objects.filter(member__in=members)}
    technical_keys = {
        str(c["key"]) for c in (terms_row.criteria if terms_row is not None else []) if c.get("technical")
    }
    scores: dict[tuple[int, int], Fraction] = {}
    technical: dict[tuple[int, int], Fraction] = {}
    scored_criteria: dict[tuple[int, int], int] = {}
    for score in MemberScore.objects.filter(member__in=members):
        key = (score.member_id, score.bid_id)
        scores[key] = scores.get(key, Fraction(0)) + Fraction(score.points)
        if score.criterion in technical_keys:
            technical[key] = technical.get(key, Fraction(0)) + Fraction(score.points)
        scored_criteria[key] = scored_criteria.get(key, 0) + 1
    missing: list[str] = []
    price_field = price_key(tender)
    corrections = corrections_of(committee)
    ended = clock.now() > committee.evaluation_ends_at
    rows = []
    for bid in bids:
        row = BidResult(bid=bid, price_fen=int((bid.opening_data or {}).get(price_field, 0)))
        _apply_correction(row, corrections.get(bid.pk), ended, missing)
        row.rejections = [reviews[(m.pk, bid.pk)] for m in members if (m.pk, bid.pk) in reviews]
        row.rejections = [r for r in row.rejections if not r.compliant]
        unreviewed = [m for m in members if (m.pk, bid.pk) not in reviews]
        if unreviewed:
            missing.append(_("{bidder}：尚有{n}名成员未完成审查。").format(bidder=bid.bidder.name, n=len(unreviewed)))
        row.rejected = len(row.rejections) * 2 > len(members) or bool(row.notes)
        rows.append(row)
    valid = [row for row in rows if not row.rejected]
    deduction = terms_row.sme_deduction_percent if terms_row is not None else 0
    for row in valid:
        sme = (
            bool((row.bid.opening_data or {}).get("sme"))
            and tender.project.trade_type == TradeType.GOVERNMENT_PROCUREMENT
        )
        row.evaluation_price = (
            scoring.evaluation_price(row.price_fen, deduction if sme else 0) if row.price_fen else None
        )
    if any(row.evaluation_price is None for row in valid):
        missing.append(_("有投标文件的开标数据中没有投标报价。"))
        return Results(rows=rows, missing=missing, places=[], candidates=[])
    weighted = tender.evaluation_method == EvaluationMethod.WEIGHTED_SCORING
    if weighted:
        criteria = len(terms_row.criteria) if terms_row is not None else 0
        if terms_row is None or terms_row.price_weight_percent is None or not criteria:
            missing.append(_("招标文件未设定综合评分法的参数。"))
            return Results(rows=rows, missing=missing, places=[], candidates=[])
        prices = {str(row.bid.pk): row.evaluation_price for row in valid if row.evaluation_price is not None}
        price_scores = scoring.price_scores(prices)
        for row in valid:
            done = [m for m in members if scored_criteria.get((m.pk, row.bid.pk)) == criteria]
            if len(done) < len(members):
                missing.append(
                    _("{bidder}：尚有{n}名成员未完成评分。").format(
                        bidder=row.bid.bidder.name, n=len(members) - len(done)
                    )
                )
                continue
            row.price_score = price_scores[str(row.bid.pk)]
            row.factor_points = scoring.member_average([scores[(m.pk, row.bid.pk)] for m in members])
            row.total = scoring.price_points(row.price_score, terms_row.price_weight_percent) + row.factor_points
    if missing:
        return Results(rows=rows, missing=missing, places=[], candidates=[])
    items = {
        str(row.bid.pk): scoring.Scored(
            key=str(row.bid.pk),
            price_fen=row.price_fen,
            total=row.total or Fraction(0),
            evaluation_price=row.evaluation_price or Fraction(0),
        )
        for row in valid
    }
    ranking = scoring.rank_by_score(items.values()) if weighted else scoring.rank_by_lowest_price(items.values())
    if weighted and terms_row is not None and terms_row.tie_break == TieBreak.TECHNICAL_THEN_DRAW:
        points = {
            str(row.bid.pk): scoring.member_average([technical.get((m.pk, row.bid.pk), Fraction(0)) for m in members])
            for row in valid
        }
        ranking = scoring.refine(ranking, lambda item: -points[item.key])
    draw = tie_draw_settling(committee, ties_of(ranking))
    if draw is not None:
        ranking = scoring.settle(ranking, scoring.tie_effective_seed(bytes.fromhex(draw.seed), draw.witness_text))
    by_key = {str(row.bid.pk): row for row in valid}
    places = []
    for number, place in enumerate(ranking.places, start=1):
        group = [by_key[item.key] for item in place]
        for row in group:
            row.place = number
        places.append(group)
    limit = rule_for("tender.max_candidates", tender.project).as_int()
    candidates = [row for place in places for row in place][:limit]
    return Results(rows=rows, missing=[], places=places, candidates=candidates, tie_draw=draw)


def _apply_correction(row: BidResult, correction: Any, ended: bool, missing: list[str]) -> None:
    """87号令 art. 59: a confirmed correction is the bid's price; a declined one, or one left
    unanswered when the evaluation ends, makes the bid invalid; an open one holds the report."""
    if correction is None:
        return
    row.correction = correction
    if correction.confirmed:
        row.price_fen = correction.corrected_fen
    elif correction.confirmed is False or ended:
        row.notes.append(_("投标人未确认修正后的报价（财政部令第87号第五十九条）。"))
    else:
        missing.append(_("{bidder}：报价修正尚待投标人书面确认。").format(bidder=row.bid.bidder.name))


def corrections_of(committee: Committee) -> dict[int, Any]:
    return {c.bid_id: c for c in PriceCorrection.objects.filter(committee=committee)}


def corrections_for_bidder(user: Any) -> list[Any]:
    if not getattr(user, "organization_id", None):
        return []
    return list(
        PriceCorrection.objects.filter(bid__bidder_id=user.organization_id)
        .select_related("committee__tender_lot__tender", "committee__tender_lot__lot")
        .order_by("-recorded_at")
    )


def ties_of(ranking: scoring.Ranking) -> list[list[int]]:
    """The tied places as sorted bid ids: what a tie draw records and must still match."""
    return [sorted(int(item.key) for item in place) for place in ranking.ties]


def tie_draw_settling(committee: Committee, tied: list[list[int]]) -> TieDraw | None:
    """The latest completed tie draw of the committee, if it drew exactly these ties."""
    if not tied:
        return None
    draw = TieDraw.objects.filter(committee=committee, drawn_at__isnull=False).first()
    return draw if draw is not None and draw.tied == tied else None


def tie_draw_pending(committee: Committee) -> TieDraw | None:
    return TieDraw.objects.filter(committee=committee, drawn_at__isnull=True).first()


def terms_of(committee: Committee) -> EvaluationTerms | None:
    return EvaluationTerms.objects.filter(tender=committee.tender_lot.tender).first()


def reviews_of(member: Member | None) -> dict[int, MemberReview]:
    if member is None:
        return {}
    return {review.bid_id: review for review in MemberReview.objects.filter(member=member)}


def points_of(member: Member | None) -> dict[int, dict[str, Any]]:
    if member is None:
        return {}
    points: dict[int, dict[str, Any]] = {}
    for row in MemberScore.objects.filter(member=member):
        points.setdefault(row.bid_id, {})[row.criterion] = row.points
    return points


def public_candidates(tender_lot: TenderLot) -> list[dict[str, Any]]:
    """The candidates once they are published (the publicity has started), otherwise nothing."""
    from .models import Outcome, Report

    if not Outcome.objects.filter(tender_lot=tender_lot).exists():
        return []
    report = Report.objects.filter(committee__tender_lot=tender_lot).first()
    if report is None:
        return []
    rows = {row["bid"]: row for row in report.results["rows"]}
    return [
        {"place": c["place"], "bidder": rows[c["bid"]]["bidder"], "price_fen": rows[c["bid"]]["price_fen"]}
        for c in report.results["candidates"]
    ]


def questions_for_bidder(user: Any) -> list[Any]:
    """The written questions the committees asked this bidder (the bidder never sees who asked)."""
    from .models import BidQuestion

    if not getattr(user, "organization_id", None):
        return []
    return list(
        BidQuestion.objects.filter(bid__bidder_id=user.organization_id)
        .select_related("committee__tender_lot__tender", "committee__tender_lot__lot")
        .order_by("-asked_at")
    )


def questions_of(committee: Committee) -> dict[int, list[Any]]:
    from .models import BidQuestion

    grouped: dict[int, list[Any]] = {}
    for item in BidQuestion.objects.filter(committee=committee).order_by("asked_at"):
        grouped.setdefault(item.bid_id, []).append(item)
    return grouped
