"""After the signed report: the candidates' publicity (construction) and the award.

Construction (招标投标法实施条例 art. 54, 55): the candidates are published within the legal time
after the report, for at least the legal period; then the owner determines the first-ranked
candidate as the winner. Government procurement (87号令 art. 68–69): the result is published with
the committee's names. Either way the award letter goes to the winner and the results to every
other bidder at the same time, and the expert draw's seed is revealed for anyone to replay.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ggzy.accounts import selectors as accounts_selectors
from ggzy.accounts.models import User
from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.core.locks import lock_instance
from ggzy.core.money import format_yuan
from ggzy.disclosure import services as disclosure_services
from ggzy.disclosure.choices import NoticeType
from ggzy.experts import services as experts_services
from ggzy.notifications.services import notification_send
from ggzy.rules import periods
from ggzy.rules.selectors import rule_get
from ggzy.tendering import policies as tendering_policies
from ggzy.tendering.choices import BidStatus
from ggzy.tendering.models import Bid, TenderLot
from ggzy.witness.services import event_record

from .choices import OutcomeStage, ReportStatus
from .models import Committee, Outcome, Report


def _signed_report(tender_lot: TenderLot) -> Report:
    report = Report.objects.filter(committee__tender_lot=tender_lot).select_related("committee").first()
    if report is None or report.status != ReportStatus.SIGNED:
        raise ValidationError(_("评标报告签字完成后才能公示或确定中标人。"))
    return report


def _scope(tender_lot: TenderLot) -> dict[str, object]:
    project = tender_lot.tender.project
    return {"trade_type": project.trade_type, "method": project.procurement_method, "on": project.rules_date}


def _candidate_lines(report: Report) -> list[str]:
    rows = {row["bid"]: row for row in report.results["rows"]}
    lines = []
    for candidate in report.results["candidates"]:
        row = rows[candidate["bid"]]
        total = _("，综合得分{total}").format(total=row["total"]) if row.get("total") else ""
        lines.append(
            _("第{place}名：{bidder}，投标报价{price}元{total}").format(
                place=candidate["place"], bidder=row["bidder"], price=format_yuan(row["price_fen"]), total=total
            )
        )
    return lines


@transaction.atomic
def publicity_start(*, actor: User, tender_lot: TenderLot) -> Outcome:
    """Publish the candidates (construction) for the legal period, starting now."""
    tender_lot = lock_instance(tender_lot)
    tender = tender_lot.tender
    if not tendering_policies.can_manage(actor, tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以公示中标候选人。"))
    if tender.project.trade_type != TradeType.CONSTRUCTION:
        raise ValidationError(_("政府采购项目不公示中标候选人，直接发布中标（成交）结果公告。"))
    report = _signed_report(tender_lot)
    if Outcome.objects.filter(tender_lot=tender_lot).exists():
        raise ValidationError(_("中标候选人已公示。"))
    now = clock.now()
    scope = _scope(tender_lot)
    within = rule_get("tender.candidate_publicity_within_days", **scope)  # type: ignore[arg-type]
    minimum = rule_get("tender.candidate_publicity_min_days", **scope)  # type: ignore[arg-type]
    assert report.signed_at is not None
    due = periods.period_deadline(clock.local(report.signed_at).date(), within)
    ends = clock.end_of_day(periods.earliest_day_after(clock.local(now).date(), minimum))
    outcome = Outcome(
        tender_lot=tender_lot, stage=OutcomeStage.PUBLICITY, publicity_started_at=now, publicity_ends_at=ends
    )
    outcome.full_clean()
    outcome.save()
    body = "\n".join(
        [
            *_candidate_lines(report),
            _(
                "公示期：{start}至{end}（{source}）。投标人或者其他利害关系人对评标结果有异议的，应当在公示期间提出。"
            ).format(
                start=clock.local(now).strftime("%Y-%m-%d %H:%M"),
                end=clock.local(ends).strftime("%Y-%m-%d %H:%M"),
                source=minimum.source,
            ),
        ]
    )
    disclosure_services.notice_publish(
        actor=None,
        title=_("{title} {lot} 中标候选人公示").format(title=tender.title, lot=tender_lot.lot.name),
        notice_type=NoticeType.CANDIDATE_PUBLICITY,
        trade_type=tender.project.trade_type,
        region_code=tender.project.region_code,
        body=body,
        project=tender.project,
        system=True,
    )
    event_record(
        action="evaluation.publicity_started",
        actor=actor,
        obj=tender_lot,
        after={"ends": ends, "late": now > due, "candidates": report.results["candidates"]},
    )
    return outcome


def _committee_names(committee: Committee) -> str:
    members = committee.members.filter(is_active=True).select_related("user")
    return "、".join(member.user.full_name or member.user.username for member in members)


@transaction.atomic
def award_decide(*, actor: User, tender_lot: TenderLot) -> Outcome:
    """Determine the first-ranked candidate as the winner, tell every bidder at the same time,
    publish the result and reveal the expert draw's seed."""
    tender_lot = lock_instance(tender_lot)
    tender = tender_lot.tender
    if not tendering_policies.can_manage(actor, tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以确定中标人。"))
    report = _signed_report(tender_lot)
    now = clock.now()
    procurement = tender.project.trade_type == TradeType.GOVERNMENT_PROCUREMENT
    outcome = Outcome.objects.select_for_update().filter(tender_lot=tender_lot).first()
    if outcome is not None and outcome.stage == OutcomeStage.AWARDED:
        raise ValidationError(_("中标人已确定。"))
    if not procurement:
        if outcome is None or outcome.publicity_ends_at is None:
            raise ValidationError(_("中标候选人公示后才能确定中标人。"))
        if now < outcome.publicity_ends_at:
            raise ValidationError(
                _("公示期至{end}，公示期满后才能确定中标人。").format(
                    end=clock.local(outcome.publicity_ends_at).strftime("%Y-%m-%d %H:%M")
                )
            )
    if not report.results["candidates"]:
        raise ValidationError(_("评标报告没有推荐中标候选人。"))
    winner = Bid.objects.select_related("bidder").get(pk=report.results["candidates"][0]["bid"])
    if outcome is None:
        outcome = Outcome(tender_lot=tender_lot, stage=OutcomeStage.AWARDED)
    outcome.stage, outcome.winner, outcome.awarded_at = OutcomeStage.AWARDED, winner, now
    outcome.full_clean()
    outcome.save()
    lines = [
        _("中标人：{bidder}，中标价{price}元。").format(
            bidder=winner.bidder.name, price=format_yuan(_price(report, winner))
        ),
    ]
    if procurement:  # 87号令 art. 69: the result notice names the committee
        lines.append(_("评审专家名单：{names}").format(names=_committee_names(report.committee)))
    disclosure_services.notice_publish(
        actor=None,
        title=_("{title} {lot} 中标结果公告").format(title=tender.title, lot=tender_lot.lot.name),
        notice_type=NoticeType.AWARD,
        trade_type=tender.project.trade_type,
        region_code=tender.project.region_code,
        body="\n".join(lines),
        project=tender.project,
        system=True,
    )
    _tell_bidders(tender_lot, winner)
    experts_services.draws_reveal_for_lot(lot=tender_lot.lot)
    event_record(
        action="evaluation.awarded",
        actor=actor,
        obj=tender_lot,
        after={"winner": winner.bidder.uscc, "commitment": winner.commitment},
    )
    return outcome


def _price(report: Report, bid: Bid) -> int:
    return int(next(row["price_fen"] for row in report.results["rows"] if row["bid"] == bid.pk))


def _tell_bidders(tender_lot: TenderLot, winner: Bid) -> None:
    """The award letter to the winner and the result to every other bidder, in one transaction."""
    tender = tender_lot.tender
    bidders = Bid.objects.filter(tender_lot=tender_lot, status=BidStatus.SUBMITTED).values_list("bidder_id", flat=True)
    for user in accounts_selectors.users_of_organizations(list(bidders)):
        won = user.organization_id == winner.bidder_id
        subject = _("中标通知书") if won else _("中标结果通知")
        body = (
            _("贵单位在“{title}”{lot}中被确定为中标人，请登录平台查看中标通知书并在法定期限内签订合同。")
            if won
            else _("“{title}”{lot}的中标人为{winner}。感谢贵单位参与投标。")
        ).format(title=tender.title, lot=tender_lot.lot.name, winner=winner.bidder.name)
        notification_send(
            topic=f"evaluation.award:{tender_lot.pk}:{user.pk}",
            subject=subject,
            body=body,
            recipient=user,
            mobile=user.phone,
            email=user.email,
        )
