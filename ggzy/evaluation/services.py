"""Writes of the evaluation app: forming the committee of a lot and the members' check-in."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from itertools import pairwise
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ggzy.accounts import selectors as accounts_selectors
from ggzy.accounts.models import User
from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.core.locks import lock_instance
from ggzy.experts import selectors as experts_selectors
from ggzy.experts import services as experts_services
from ggzy.notifications.services import notification_send
from ggzy.rules.selectors import RuleMissing, rule_for
from ggzy.tendering import policies as tendering_policies
from ggzy.tendering import selectors as tendering_selectors
from ggzy.tendering import services as tendering_services
from ggzy.tendering.choices import EvaluationMethod, LotStatus, TenderStatus
from ggzy.tendering.models import Bid, Tender, TenderLot
from ggzy.witness.services import event_record

from . import corrections, outcome, scoring, selectors, terms
from .choices import CommitteeStatus, MemberKind, RejectionGround, ReportStatus, Subject, TieBreak
from .models import (
    BidQuestion,
    Committee,
    EvaluationTerms,
    Member,
    MemberReview,
    MemberScore,
    PriceCorrection,
    Report,
    Signature,
    TieDraw,
)


def composition_check(*, tender_lot: TenderLot, drawn: int, representatives: int) -> None:
    """The committee's size and make-up (招标投标法 art. 37; 87号令 art. 47): at least the minimum,
    an odd number, at least two thirds drawn experts, and 7 for large procurement projects."""
    scope = tender_lot.tender.project
    total = drawn + representatives
    minimum = rule_for("committee.min_members", scope)
    required = minimum.as_int()
    project = tender_lot.tender.project
    if project.trade_type == TradeType.GOVERNMENT_PROCUREMENT:
        try:
            threshold = rule_for("gp.large_project_budget_fen", scope)
            large = rule_for("gp.committee_min_members_large", scope)
        except RuleMissing:
            pass
        else:
            if project.budget_fen >= threshold.as_int() and large.as_int() > required:
                minimum, required = large, large.as_int()
    errors = []
    if total < required:
        errors.append(
            _("评标委员会至少{count}人（{source}），现为{total}人。").format(
                count=required, source=minimum.source, total=total
            )
        )
    try:
        odd = rule_for("committee.odd_members_required", scope)
    except RuleMissing:
        odd = None
    if odd is not None and odd.as_int() and total % 2 == 0:
        errors.append(_("评标委员会成员应为单数（{source}），现为{total}人。").format(source=odd.source, total=total))
    fraction = rule_for("committee.expert_min_fraction", scope)
    # The rule is "at least two thirds"; the table stores 0.666667, so compare with the exact third.
    needed = Fraction(fraction.value).limit_denominator(12)
    if total and Fraction(drawn, total) < needed:
        errors.append(
            _("随机抽取的专家不得少于成员总数的{fraction}（{source}），现为{drawn}/{total}。").format(
                fraction=f"{needed.numerator}/{needed.denominator}", source=fraction.source, drawn=drawn, total=total
            )
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def committee_form(*, actor: User, tender_lot: TenderLot, representatives: list[User]) -> Committee:
    """Form the lot's committee from its completed expert draw plus the owner's representatives."""
    tender_lot = lock_instance(tender_lot)
    tender = tender_lot.tender
    if not tendering_policies.can_manage(actor, tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以组建评标委员会。"))
    if tender_lot.status != LotStatus.OPENED:
        raise ValidationError(_("开标记录发布后才能组建评标委员会。"))
    if Committee.objects.filter(tender_lot=tender_lot).exists():
        raise ValidationError(_("本标段的评标委员会已组建。"))
    draw = experts_selectors.complete_draw_for_lot(tender_lot.lot_id)
    if draw is None:
        raise ValidationError(_("本标段没有已完成的专家抽取，请先申请抽取评标专家。"))
    selections = experts_selectors.confirmed_selections(draw)
    unlinked = [s.sequence for s in selections if s.expert.user_id is None]
    if unlinked:
        raise ValidationError(_("有专家尚未关联平台账号，无法在线评标，请联系交易中心专家库管理人员。"))
    project = tender.project
    expert_users = {s.expert.user_id for s in selections}
    seen: set[int] = set()
    for person in representatives:
        if person.organization_id != project.owner_id:
            raise ValidationError({"representatives": _("招标人代表须为招标人（采购人）本单位的人员。")})
        if person.pk in expert_users or person.pk in seen:
            raise ValidationError({"representatives": _("同一人不能在评标委员会中担任两个席位。")})
        seen.add(person.pk)
    composition_check(tender_lot=tender_lot, drawn=len(selections), representatives=len(representatives))
    committee = Committee(tender_lot=tender_lot, draw_request=draw, formed_by=actor, formed_at=clock.now())
    committee.full_clean()
    committee.save()
    for selection in selections:
        assert selection.expert.user is not None
        Member.objects.create(
            committee=committee, kind=MemberKind.DRAWN_EXPERT, user=selection.expert.user, selection=selection
        )
    for person in representatives:
        Member.objects.create(committee=committee, kind=MemberKind.OWNER_REPRESENTATIVE, user=person)
    # Counts only: the names stay secret until the award (招标投标法 art. 37).
    event_record(
        action="committee.formed",
        actor=actor,
        obj=committee,
        after={"lot": tender_lot.lot.code, "drawn": len(selections), "representatives": len(representatives)},
    )
    return committee


@transaction.atomic
def member_check_in(*, actor: User, committee: Committee) -> Member:
    """A member signs in at the evaluation; when all have, the evaluation starts."""
    committee = lock_instance(committee)
    member = Member.objects.filter(committee=committee, user=actor, is_active=True).first()
    if member is None:
        member = _replacement_member(committee, actor)
    if member is None:
        raise PermissionDenied(_("您不是本评标委员会的成员。"))
    draw = committee.draw_request
    now = clock.now()
    if now < draw.evaluation_starts_at:
        raise ValidationError(
            _("评标开始时间（{start}）前不能签到。").format(
                start=clock.local(draw.evaluation_starts_at).strftime("%Y-%m-%d %H:%M")
            )
        )
    if member.checked_in_at is None:
        member.checked_in_at = now
        member.save(update_fields=["checked_in_at"])
    if (
        committee.status == CommitteeStatus.FORMED
        and not committee.members.filter(is_active=True, checked_in_at__isnull=True).exists()
    ):
        committee.status, committee.evaluation_started_at = CommitteeStatus.EVALUATING, now
        committee.save(update_fields=["status", "evaluation_started_at"])
    event_record(
        action="committee.check_in",
        actor=actor,
        obj=committee,
        after={"kind": member.kind, "status": committee.status},
    )
    return member


def _criteria_clean(criteria: list[dict[str, object]]) -> list[dict[str, object]]:
    cleaned: list[dict[str, object]] = []
    keys: set[str] = set()
    for item in criteria:
        key, label = str(item.get("key", "")).strip(), str(item.get("label", "")).strip()
        try:
            points = Decimal(str(item.get("max_points")))
        except (InvalidOperation, ValueError):
            raise ValidationError({"criteria": _("评审因素“{label}”的分值不是数字。").format(label=label)}) from None
        if not key or not label or key in keys or not points > 0:
            raise ValidationError({"criteria": _("每个评审因素须有唯一的代码、名称和大于0的分值。")})
        keys.add(key)
        entry: dict[str, object] = {
            "key": key,
            "label": label,
            "max_points": str(points),
            "technical": bool(item.get("technical")),
        }
        bands = _bands_clean(label, points, item.get("bands") or [])
        if bands:
            entry["bands"] = bands
        cleaned.append(entry)
    return cleaned


def band_text(bands: list[dict[str, str]]) -> str:
    """Bands as the documents write them: 优:8-10/良:5-7."""
    return "/".join(
        "{label}{colon}{low}-{high}".format(
            label=b["label"], colon=":" if b["label"] else "", low=b["min"], high=b["max"]
        )
        for b in bands
    )


def _bands_clean(label: str, maximum: Decimal, bands: Any) -> list[dict[str, str]]:
    """A factor's score bands (分档) as the documents define them (87号令 art. 55: where a
    requirement has ranges the score is banded): within 0..maximum, each min ≤ max, no overlap."""
    cleaned: list[tuple[Decimal, Decimal, str]] = []
    for band in bands:
        try:
            low, high = Decimal(str(band["min"])), Decimal(str(band["max"]))
        except (InvalidOperation, KeyError, TypeError, ValueError):
            raise ValidationError({"criteria": _("评审因素“{label}”的分档不正确。").format(label=label)}) from None
        if not 0 <= low <= high <= maximum:
            raise ValidationError(
                {"criteria": _("评审因素“{label}”的分档应在0至满分之间且下限不大于上限。").format(label=label)}
            )
        cleaned.append((low, high, str(band.get("label", "")).strip()))
    cleaned.sort()
    if any(later[0] <= earlier[1] for earlier, later in pairwise(cleaned)):
        raise ValidationError({"criteria": _("评审因素“{label}”的分档相互重叠。").format(label=label)})
    return [{"label": name, "min": str(low), "max": str(high)} for low, high, name in cleaned]


@transaction.atomic
def terms_set(
    *,
    actor: User,
    tender: Tender,
    subject: str,
    price_weight_percent: Decimal | None,
    sme_deduction_percent: Decimal,
    criteria: list[dict[str, object]],
    tie_break: str = TieBreak.DRAW,
) -> EvaluationTerms:
    """State the evaluation method's parameters while the tender is a draft (they are published
    with the documents and cannot change afterwards)."""
    tender = lock_instance(tender)
    if not tendering_policies.can_manage(actor, tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以设定评标办法。"))
    if tender.status != TenderStatus.DRAFT:
        raise ValidationError(_("招标公告发布后，评标办法不能再修改。"))
    project = tender.project
    cleaned = _criteria_clean(criteria)
    if tender.evaluation_method == EvaluationMethod.WEIGHTED_SCORING:
        if price_weight_percent is None or not cleaned:
            raise ValidationError(_("综合评分法须设定价格分值比重和评审因素。"))
        total = price_weight_percent + sum(Decimal(str(c["max_points"])) for c in cleaned)
        if total != 100:
            raise ValidationError(
                {
                    "criteria": _("价格分值与各评审因素分值之和应为100，现为{total}。").format(
                        total=format(total.normalize(), "f")
                    )
                }
            )
        if project.trade_type == TradeType.GOVERNMENT_PROCUREMENT:
            terms.price_weight_check(
                subject=subject,
                method=project.procurement_method,
                weight_percent=price_weight_percent,
                on=project.rules_date,
            )
    if tie_break not in TieBreak.values:
        raise ValidationError({"tie_break": _("并列时的排序方法不正确。")})
    if tie_break == TieBreak.TECHNICAL_THEN_DRAW and not any(c["technical"] for c in cleaned):
        raise ValidationError({"tie_break": _("按技术得分排序的，须至少标明一个技术评审因素。")})
    if sme_deduction_percent and project.trade_type == TradeType.GOVERNMENT_PROCUREMENT:
        terms.sme_deduction_check(
            works=subject == Subject.WORKS, deduction_percent=sme_deduction_percent, on=project.rules_date
        )
    item, _created = EvaluationTerms.objects.update_or_create(
        tender=tender,
        defaults={
            "subject": subject,
            "price_weight_percent": price_weight_percent,
            "sme_deduction_percent": sme_deduction_percent,
            "criteria": cleaned,
            "tie_break": tie_break,
        },
    )
    item.full_clean()
    event_record(
        action="evaluation.terms_set",
        actor=actor,
        obj=tender,
        after={
            "subject": subject,
            "price_weight_percent": str(price_weight_percent) if price_weight_percent is not None else None,
            "sme_deduction_percent": str(sme_deduction_percent),
            "criteria": cleaned,
            "tie_break": tie_break,
        },
    )
    return item


def _working_member(actor: User, committee: Committee) -> Member:
    member = Member.objects.filter(committee=committee, user=actor, is_active=True).first()
    if member is None:
        raise PermissionDenied(_("您不是本评标委员会的成员。"))
    if member.checked_in_at is None or committee.status != CommitteeStatus.EVALUATING:
        raise ValidationError(_("评审尚未开始或已结束。"))
    if Report.objects.filter(committee=committee).exists():
        raise ValidationError(_("评标报告已生成，审查意见和评分不能再修改。"))
    if clock.now() > committee.evaluation_ends_at:
        raise ValidationError(_("评审时间已过。"))
    return member


def _lot_bid(committee: Committee, bid: Bid) -> Bid:
    if bid.pk not in {b.pk for b in tendering_selectors.decrypted_bids(committee.tender_lot)}:
        raise PermissionDenied(_("该投标文件不属于本标段或未解密。"))
    return bid


@transaction.atomic
def review_record(
    *, actor: User, committee: Committee, bid: Bid, compliant: bool, ground: str = "", reason: str = ""
) -> MemberReview:
    """A member's compliance review of a bid; a member may revise it until the report."""
    committee = lock_instance(committee)
    member = _working_member(actor, committee)
    _lot_bid(committee, bid)
    if not compliant and (ground not in RejectionGround.values or not reason.strip()):
        raise ValidationError({"reason": _("否决投标须选择依据并写明理由。")})
    review, _created = MemberReview.objects.update_or_create(
        member=member,
        bid=bid,
        defaults={
            "compliant": compliant,
            "ground": "" if compliant else ground,
            "reason": reason.strip(),
            "recorded_at": clock.now(),
        },
    )
    review.full_clean()
    event_record(
        action="evaluation.review",
        actor=actor,
        obj=committee,
        after={"bid": bid.commitment, "compliant": compliant, "ground": review.ground},
    )
    return review


@transaction.atomic
def score_record(*, actor: User, committee: Committee, bid: Bid, points: dict[str, Decimal]) -> list[MemberScore]:
    """A member's points for every non-price factor of one bid, each within its maximum."""
    committee = lock_instance(committee)
    member = _working_member(actor, committee)
    _lot_bid(committee, bid)
    terms_row = EvaluationTerms.objects.filter(tender=committee.tender_lot.tender).first()
    if terms_row is None or not terms_row.criteria:
        raise ValidationError(_("招标文件未设定评审因素。"))
    criteria = {str(c["key"]): c for c in terms_row.criteria}
    if set(points) != set(criteria):
        raise ValidationError(_("须对每个评审因素打分。"))
    for key, value in points.items():
        maximum = Decimal(str(criteria[key]["max_points"]))
        if not 0 <= value <= maximum:
            raise ValidationError(
                {
                    "points": _("“{key}”的得分应在0至{maximum}分之间。").format(
                        key=key, maximum=format(maximum.normalize(), "f")
                    )
                }
            )
        bands = criteria[key].get("bands") or []
        if bands and not any(Decimal(b["min"]) <= value <= Decimal(b["max"]) for b in bands):
            raise ValidationError(
                {
                    "points": _("“{label}”按招标文件分档打分，{value}分不在任何一档内（{bands}）。").format(
                        label=criteria[key]["label"], value=format(value.normalize(), "f"), bands=band_text(bands)
                    )
                }
            )
    now = clock.now()
    rows = [
        MemberScore.objects.update_or_create(
            member=member, bid=bid, criterion=key, defaults={"points": value, "recorded_at": now}
        )[0]
        for key, value in points.items()
    ]
    event_record(action="evaluation.score", actor=actor, obj=committee, after={"bid": bid.commitment})
    return rows


def _results_snapshot(result: selectors.Results) -> dict[str, Any]:
    def figure(value: Fraction | None) -> str | None:
        return scoring.display(value) if value is not None else None

    rows = [
        {
            "bid": row.bid.pk,
            "bidder": row.bid.bidder.name,
            "bidder_uscc": row.bid.bidder.uscc,
            "price_fen": row.price_fen,
            "rejected": row.rejected,
            "grounds": sorted({r.ground for r in row.rejections}),
            "reasons": [r.reason for r in row.rejections] + row.notes,
            "corrected_from_fen": row.correction.original_fen
            if row.correction is not None and row.correction.confirmed
            else None,
            "price_score": figure(row.price_score),
            "factor_points": figure(row.factor_points),
            "total": figure(row.total),
            "place": row.place,
        }
        for row in result.rows
    ]
    candidates = [{"bid": row.bid.pk, "bidder": row.bid.bidder.name, "place": row.place} for row in result.candidates]
    snapshot: dict[str, Any] = {"rows": rows, "candidates": candidates}
    draw = result.tie_draw
    if draw is not None:
        snapshot["tie_draw"] = {
            "tied": draw.tied,
            "seed": draw.seed,
            "seed_commitment": draw.seed_commitment,
            "witness_text": draw.witness_text,
            "order": draw.order,
        }
    return snapshot


@transaction.atomic
def report_draft(*, actor: User, committee: Committee) -> Report:
    """The platform writes the report from the members' reviews and scores (no hand arithmetic)."""
    committee = lock_instance(committee)
    _working_member(actor, committee)
    result = selectors.results(committee)
    if not result.complete:
        raise ValidationError(result.missing)
    if any(len(place) > 1 for place in result.places[: len(result.candidates)]):
        raise ValidationError(_("候选人排名并列，须先随机抽签确定顺序。"))
    report = Report(committee=committee, results=_results_snapshot(result), drafted_at=clock.now())
    report.full_clean()
    report.save()
    event_record(action="evaluation.report_drafted", actor=actor, obj=committee, after=report.results)
    return report


@transaction.atomic
def tie_draw_request(*, actor: User, committee: Committee) -> TieDraw:
    """Start the draw for the ties that the law's order and the documents' tie-break leave: the
    platform commits to a secret seed in the witness log before anyone types the witness text."""
    committee = lock_instance(committee)
    _working_member(actor, committee)
    if Report.objects.filter(committee=committee).exists():
        raise ValidationError(_("评标报告已生成，不能再抽签。"))
    result = selectors.results(committee)
    if not result.complete:
        raise ValidationError(result.missing)
    tied = [sorted(row.bid.pk for row in place) for place in result.ties]
    if not tied:
        raise ValidationError(_("排名没有并列，无需抽签。"))
    TieDraw.objects.filter(committee=committee, drawn_at__isnull=True).delete()  # superseded by this one
    seed = secrets.token_bytes(scoring.TIE_SEED_BYTES)
    draw = TieDraw(
        committee=committee,
        tied=tied,
        seed=seed.hex(),
        seed_commitment=scoring.tie_seed_commitment(seed),
        requested_by=actor,
        requested_at=clock.now(),
    )
    draw.full_clean()
    draw.save()
    event_record(
        action="evaluation.tie_draw_requested",
        actor=actor,
        obj=committee,
        after={"tie_draw": draw.pk, "tied": tied, "seed_commitment": draw.seed_commitment},
    )
    return draw


@transaction.atomic
def tie_draw_run(*, actor: User, draw: TieDraw, witness_text: str) -> TieDraw:
    """Draw: a person present types a text the platform could not know when it committed; the
    order follows from seed and text, both recorded so that anyone can replay it."""
    draw = lock_instance(draw)
    committee = draw.committee
    _working_member(actor, committee)
    text = witness_text.strip()
    if not 1 <= len(text) <= 64:
        raise ValidationError({"witness_text": _("请输入1至64个字符的随机数。")})
    if draw.drawn_at is not None:
        raise ValidationError(_("本次抽签已完成。"))
    if Report.objects.filter(committee=committee).exists():
        raise ValidationError(_("评标报告已生成，不能再抽签。"))
    effective = scoring.tie_effective_seed(bytes.fromhex(draw.seed), text)
    ranking = scoring.Ranking(
        places=[[scoring.Scored(key=str(pk), price_fen=0) for pk in place] for place in draw.tied]
    )
    draw.witness_text, draw.drawn_by, draw.drawn_at = text, actor, clock.now()
    drawn = iter(scoring.break_ties(ranking, effective))
    draw.order = [[int(next(drawn).key) for _pk in place] for place in draw.tied]
    draw.save(update_fields=["witness_text", "drawn_by", "drawn_at", "order"])
    event_record(
        action="evaluation.tie_draw",
        actor=actor,
        obj=committee,
        after={"tie_draw": draw.pk, "witness_text": text, "seed": draw.seed, "order": draw.order},
    )
    return draw


def _finish_if_signed(report: Report) -> None:
    committee = report.committee
    serving = committee.members.filter(is_active=True).count()
    if report.signatures.count() >= serving:
        report.status, report.signed_at = ReportStatus.SIGNED, clock.now()
        report.save(update_fields=["status", "signed_at"])
        committee.status = CommitteeStatus.REPORTED
        committee.save(update_fields=["status"])
        if report.results.get("rejected_all"):
            tendering_services.lot_fail_after_evaluation(
                tender_lot=committee.tender_lot, reason=str(report.results.get("reason", ""))
            )
        else:
            outcome.publicity_deadline_schedule(tender_lot=committee.tender_lot, signed_at=report.signed_at)


@transaction.atomic
def report_sign(*, actor: User, report: Report, agree: bool, dissent: str = "") -> Signature:
    """Each member signs; a member who disagrees states the dissent and reasons in writing."""
    report = lock_instance(report)
    member = Member.objects.filter(committee=report.committee, user=actor, is_active=True).first()
    if member is None:
        raise PermissionDenied(_("您不是本评标委员会的成员。"))
    if report.status != ReportStatus.DRAFTED:
        raise ValidationError(_("评标报告已签字完成。"))
    if Signature.objects.filter(report=report, member=member).exists():
        raise ValidationError(_("您已签字。"))
    if not agree and not dissent.strip():
        raise ValidationError({"dissent": _("不同意评标结果的，须书面说明不同意见和理由。")})
    signature = Signature(report=report, member=member, agreed=agree, dissent=dissent.strip(), signed_at=clock.now())
    signature.full_clean()
    signature.save()
    _finish_if_signed(report)
    event_record(
        action="evaluation.report_signed",
        actor=actor,
        obj=report.committee,
        after={"agreed": agree, "dissent": signature.dissent, "status": report.status},
    )
    return signature


@transaction.atomic
def report_close(*, actor: User, report: Report) -> Report:
    """After the evaluation ends, members who neither signed nor gave written reasons are recorded
    as agreeing (招标投标法实施条例 art. 53), and the report is complete."""
    report = lock_instance(report)
    committee = report.committee
    if not tendering_policies.can_manage(actor, committee.tender_lot.tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以办理。"))
    if report.status != ReportStatus.DRAFTED:
        raise ValidationError(_("评标报告已签字完成。"))
    now = clock.now()
    if now < committee.evaluation_ends_at:
        raise ValidationError(_("评审结束后才能将未签字的成员记为同意。"))
    signed = set(report.signatures.values_list("member_id", flat=True))
    deemed = 0
    for member in committee.members.filter(is_active=True).exclude(pk__in=signed):
        Signature.objects.create(report=report, member=member, agreed=True, deemed=True, signed_at=now)
        deemed += 1
    _finish_if_signed(report)
    event_record(action="evaluation.report_closed", actor=actor, obj=committee, after={"deemed": deemed})
    return report


@transaction.atomic
def committee_reject_all(*, actor: User, committee: Committee, reason: str) -> Report:
    """When fewer valid bids remain than the law's minimum for competition, the committee may reject
    them all (评标委员会和评标方法暂行规定 art. 27); the members sign as for any report, and the lot
    then fails so the owner can re-tender."""
    committee = lock_instance(committee)
    _working_member(actor, committee)
    result = selectors.results(committee)
    unreviewed = [m for m in result.missing if "审查" in m]
    if unreviewed:
        raise ValidationError(unreviewed)
    valid = [row for row in result.rows if not row.rejected]
    project = committee.tender_lot.tender.project
    minimum = rule_for("tender.min_bidders", project)
    if len(valid) >= minimum.as_int():
        raise ValidationError(
            _("有效投标有{count}个，不少于{minimum}个（{source}），不能否决全部投标。").format(
                count=len(valid), minimum=minimum.as_int(), source=minimum.source
            )
        )
    if not reason.strip():
        raise ValidationError({"reason": _("请写明否决全部投标的理由。")})
    snapshot = _results_snapshot(result)
    snapshot.update({"candidates": [], "rejected_all": True, "reason": reason.strip()})
    report = Report(committee=committee, results=snapshot, drafted_at=clock.now())
    report.full_clean()
    report.save()
    event_record(action="evaluation.reject_all_proposed", actor=actor, obj=committee, after={"valid": len(valid)})
    return report


@transaction.atomic
def time_insufficient(*, actor: User, committee: Committee) -> Committee:
    """A member finds the evaluation time insufficient; when more than a third of the serving
    members do, the time is extended (招标投标法实施条例 art. 48)."""
    committee = lock_instance(committee)
    member = _working_member(actor, committee)
    if not member.finds_time_insufficient:
        member.finds_time_insufficient = True
        member.save(update_fields=["finds_time_insufficient"])
    project = committee.tender_lot.tender.project
    fraction = Fraction(rule_for("evaluation.time_insufficient_fraction", project).value).limit_denominator(12)
    serving = committee.members.filter(is_active=True)
    asking = serving.filter(finds_time_insufficient=True).count()
    extended = False
    if Fraction(asking, serving.count()) > fraction:
        hours = rule_for("evaluation.extension_hours", project)
        committee.extended_until = committee.evaluation_ends_at + dt.timedelta(hours=hours.as_int())
        committee.save(update_fields=["extended_until"])
        serving.update(finds_time_insufficient=False)  # a further extension needs a new request
        extended = True
    event_record(
        action="evaluation.time_insufficient",
        actor=actor,
        obj=committee,
        after={"asking": asking, "extended": extended, "until": committee.extended_until},
    )
    return committee


@transaction.atomic
def question_ask(*, actor: User, committee: Committee, bid: Bid, question: str) -> BidQuestion:
    """The committee asks a bidder in writing, through the platform (never in private)."""
    committee = lock_instance(committee)
    _working_member(actor, committee)
    _lot_bid(committee, bid)
    if not question.strip():
        raise ValidationError({"question": _("请填写澄清问题。")})
    item = BidQuestion(committee=committee, bid=bid, question=question.strip(), asked_at=clock.now())
    item.full_clean()
    item.save()
    for user in accounts_selectors.users_of_organizations([bid.bidder_id]):
        notification_send(
            topic=f"evaluation.question:{item.pk}:{user.pk}",
            subject=_("评标澄清通知"),
            body=_("评标委员会要求贵单位就投标文件作出书面澄清，请登录平台查看并在评审期间答复。"),
            recipient=user,
            mobile=user.phone,
            email=user.email,
        )
    event_record(action="evaluation.question_asked", actor=actor, obj=committee, after={"bid": bid.commitment})
    return item


@transaction.atomic
def question_answer(*, actor: User, question: BidQuestion, answer: str) -> BidQuestion:
    question = lock_instance(question)
    if actor.organization_id != question.bid.bidder_id:
        raise PermissionDenied(_("只能答复向本单位提出的澄清问题。"))
    committee = question.committee
    if committee.status != CommitteeStatus.EVALUATING or clock.now() > committee.evaluation_ends_at:
        raise ValidationError(_("评审已结束，不能再答复。"))
    if Report.objects.filter(committee=committee).exists():
        raise ValidationError(_("评标报告已生成，不能再答复。"))
    if question.answered_at is not None:
        raise ValidationError(_("该澄清问题已答复。"))
    if not answer.strip():
        raise ValidationError({"answer": _("请填写澄清答复。")})
    question.answer, question.answered_at, question.answered_by = answer.strip(), clock.now(), actor
    question.save(update_fields=["answer", "answered_at", "answered_by"])
    event_record(action="evaluation.question_answered", actor=actor, obj=committee, after={"question": question.pk})
    return question


def _replacement_member(committee: Committee, actor: User) -> Member | None:
    """A replacement drawn after the committee was formed joins it when it first checks in."""
    selection = next(
        (s for s in experts_selectors.confirmed_selections(committee.draw_request) if s.expert.user_id == actor.pk),
        None,
    )
    if selection is None or Member.objects.filter(selection=selection).exists():
        return None
    return Member.objects.create(committee=committee, kind=MemberKind.DRAWN_EXPERT, user=actor, selection=selection)


@transaction.atomic
def member_replace(*, actor: User, committee: Committee, member: Member, reason: str) -> Member:
    """Replace a drawn member for a statutory reason (实施条例 art. 46, 48): the member's reviews and
    scores are void (they stop counting), and a replacement is drawn at random to start over."""
    committee = lock_instance(committee)
    if not tendering_policies.can_manage(actor, committee.tender_lot.tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以申请更换评标委员会成员。"))
    if Report.objects.filter(committee=committee).exists():
        raise ValidationError(_("评标报告已生成，不能再更换成员。"))
    member = lock_instance(member)
    if member.committee_id != committee.pk or not member.is_active or member.selection is None:
        raise ValidationError(_("只能更换在任的随机抽取专家。"))
    experts_services.selection_replace(selection=member.selection, reason=reason)
    member.is_active = False
    member.save(update_fields=["is_active"])
    if committee.status == CommitteeStatus.EVALUATING:
        committee.status = CommitteeStatus.FORMED  # the replacement must check in before work goes on
        committee.save(update_fields=["status"])
    event_record(action="committee.member_replaced", actor=actor, obj=committee, after={"reason": reason.strip()})
    return member


def _correction_open(committee: Committee) -> None:
    if committee.status != CommitteeStatus.EVALUATING or clock.now() > committee.evaluation_ends_at:
        raise ValidationError(_("只能在评审期间进行报价修正。"))
    if Report.objects.filter(committee=committee).exists():
        raise ValidationError(_("评标报告已生成，不能再修正报价。"))


def _price_data_json(data: corrections.PriceData) -> dict[str, Any]:
    return {
        "amount_in_words": data.amount_in_words,
        "amount_in_figures_fen": data.amount_in_figures_fen,
        "schedule_total_fen": data.schedule_total_fen,
        "items": [
            {
                "name": item.name,
                "quantity": str(item.quantity),
                "unit_price_fen": item.unit_price_fen,
                "line_total_fen": item.line_total_fen,
            }
            for item in data.items
        ],
    }


@transaction.atomic
def price_correction_record(
    *, actor: User, committee: Committee, bid: Bid, data: corrections.PriceData
) -> PriceCorrection:
    """The committee corrects the bid's price by 87号令 art. 59 (the module applies rules 1-4 in
    order, no hand arithmetic) and asks the bidder to confirm it in writing."""
    committee = lock_instance(committee)
    _working_member(actor, committee)
    _lot_bid(committee, bid)
    _correction_open(committee)
    existing = PriceCorrection.objects.filter(bid=bid).first()
    if existing is not None and existing.confirmed is not None:
        raise ValidationError(_("投标人已答复该报价修正，不能再修改。"))
    try:
        result = corrections.correct(data)
    except corrections.UppercaseAmountError as error:
        raise ValidationError({"amount_in_words": error.message}) from None
    if not result.needs_confirmation:
        raise ValidationError(_("报价数据一致，无需修正。"))
    price_key = selectors.price_key(committee.tender_lot.tender)
    values = {
        "committee": committee,
        "price_data": _price_data_json(data),
        "original_fen": int((bid.opening_data or {}).get(price_key, 0)) or data.amount_in_figures_fen,
        "corrected_fen": result.total_fen,
        "steps": [
            {
                "rule": int(step.rule),
                "corrected": str(step.corrected),
                "line": step.line,
                "before_fen": step.before_fen,
                "after_fen": step.after_fen,
                "explanation": step.explanation,
            }
            for step in result.steps
        ],
        "recorded_by": actor,
        "recorded_at": clock.now(),
    }
    item = existing or PriceCorrection(bid=bid, **values)
    for name, value in values.items():
        setattr(item, name, value)
    item.full_clean()
    item.save()
    for user in accounts_selectors.users_of_organizations([bid.bidder_id]):
        notification_send(
            topic=f"evaluation.correction:{item.pk}:{user.pk}:{item.corrected_fen}",
            subject=_("报价修正确认通知"),
            body=_("评标委员会对贵单位的投标报价作了算术修正，请登录平台在评审期间书面确认，不确认的投标无效。"),
            recipient=user,
            mobile=user.phone,
            email=user.email,
        )
    event_record(
        action="evaluation.price_corrected",
        actor=actor,
        obj=committee,
        after={"bid": bid.commitment, "original_fen": item.original_fen, "corrected_fen": item.corrected_fen},
    )
    return item


@transaction.atomic
def price_correction_answer(*, actor: User, correction: PriceCorrection, confirm: bool) -> PriceCorrection:
    """The bidder confirms the corrected price in writing (it then binds the bidder) or declines
    (the bid is then invalid)."""
    correction = lock_instance(correction)
    if actor.organization_id != correction.bid.bidder_id:
        raise PermissionDenied(_("只能答复对本单位投标报价的修正。"))
    _correction_open(correction.committee)
    if correction.confirmed is not None:
        raise ValidationError(_("该报价修正已答复。"))
    correction.confirmed, correction.answered_at, correction.answered_by = confirm, clock.now(), actor
    correction.save(update_fields=["confirmed", "answered_at", "answered_by"])
    event_record(
        action="evaluation.price_correction_answered",
        actor=actor,
        obj=correction.committee,
        after={"correction": correction.pk, "confirmed": confirm},
    )
    return correction
