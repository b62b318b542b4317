"""After the signed report: the candidates' publicity (construction) and the award.

Construction (招标投标法实施条例 art. 54, 55): the candidates are published within the legal time
after the report, for at least the legal period; then the owner determines the first-ranked
candidate as the winner. Government procurement (87号令 art. 68–69): the result is published with
the committee's names. Either way the award letter goes to the winner and the results to every
other bidder at the same time, and the expert draw's seed is revealed for anyone to replay.
"""

from __future__ import annotations

import datetime as dt

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
from ggzy.jobs import services as jobs_services
from ggzy.notifications.services import notification_send
from ggzy.rules import periods
from ggzy.rules.selectors import RuleMissing, rule_for
from ggzy.tendering import deposits
from ggzy.tendering import policies as tendering_policies
from ggzy.tendering import services as tendering_services
from ggzy.tendering.choices import BidStatus, LotStatus, OpeningFieldKind, SecurityStatus
from ggzy.tendering.models import Bid, TenderLot
from ggzy.witness.services import event_record

from .choices import OutcomeStage, ReportStatus
from .models import (
    CandidateExclusion,
    Committee,
    Contract,
    Outcome,
    PublicityObjection,
    Report,
    SupervisorReport,
)


def _signed_report(tender_lot: TenderLot) -> Report:
    if tender_lot.status == LotStatus.CANCELLED:  # the caller holds the lot lock: cancellation waits for us
        raise ValidationError(_("该招标已终止，不能再公示或确定中标人。"))
    report = Report.objects.filter(committee__tender_lot=tender_lot).select_related("committee").first()
    if report is None or report.status != ReportStatus.SIGNED:
        raise ValidationError(_("评标报告签字完成后才能公示或确定中标人。"))
    return report


def _candidate_lines(report: Report, tender_lot: TenderLot) -> list[str]:
    """Each candidate as 《招标公告和公示信息发布管理办法》 art. 6 lists: rank, name, price, and the
    other items read out at the opening (quality, duration, project manager …), with the score."""
    rows = {row["bid"]: row for row in report.results["rows"]}
    fields = [f for f in tender_lot.tender.opening_fields if f.get("kind") != OpeningFieldKind.MONEY]
    opened = {bid.pk: bid.opening_data or {} for bid in Bid.objects.filter(pk__in=list(rows))}
    lines = []
    for candidate in report.results["candidates"]:
        row = rows[candidate["bid"]]
        total = _("，综合得分{total}").format(total=row["total"]) if row.get("total") else ""
        extra = "".join(
            _("，{label}：{value}").format(label=f["label"], value=opened[candidate["bid"]][f["key"]])
            for f in fields
            if opened.get(candidate["bid"], {}).get(f["key"]) not in (None, "")
        )
        lines.append(
            _("第{place}名：{bidder}，投标报价{price}元{extra}{total}").format(
                place=candidate["place"],
                bidder=row["bidder"],
                price=format_yuan(row["price_fen"]),
                extra=extra,
                total=total,
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
    scope = tender_lot.tender.project
    minimum = rule_for("tender.candidate_publicity_min_days", scope)
    assert report.signed_at is not None
    due = publicity_due(tender_lot, report.signed_at)
    ends = clock.end_of_day(periods.earliest_day_after(clock.local(now).date(), minimum))
    outcome = Outcome(
        tender_lot=tender_lot, stage=OutcomeStage.PUBLICITY, publicity_started_at=now, publicity_ends_at=ends
    )
    outcome.full_clean()
    outcome.save()
    body = "\n".join(
        [
            *_candidate_lines(report, tender_lot),
            _(
                "公示期：{start}至{end}（{source}）。投标人或者其他利害关系人对评标结果有异议的，应当在公示期间"
                "登录本平台在该标段的评标结果页面书面提出。"
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
        source=f"lot:{tender_lot.pk}:candidates",
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
        if PublicityObjection.objects.filter(tender_lot=tender_lot, answered_at__isnull=True).exists():
            raise ValidationError(_("有未答复的异议，答复前暂停招标投标活动（招标投标法实施条例第五十四条）。"))
        if now < outcome.publicity_ends_at:
            raise ValidationError(
                _("公示期至{end}，公示期满后才能确定中标人。").format(
                    end=clock.local(outcome.publicity_ends_at).strftime("%Y-%m-%d %H:%M")
                )
            )
    if not report.results["candidates"]:
        raise ValidationError(_("评标报告没有推荐中标候选人。"))
    winner = _award_candidate(report, tender_lot)
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
        source=f"lot:{tender_lot.pk}:award",
    )
    _tell_bidders(tender_lot, winner)
    _schedule_after_award(tender_lot, winner, now)
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


def _refund_all(tender_lot: TenderLot, *, reason: str, key: str, since: dt.datetime, only: set[int] | None) -> None:
    for security in tender_lot.securities.filter(status=SecurityStatus.CONFIRMED):
        if only is None or security.organization_id in only:
            deposits.security_refund_schedule(security=security, reason=reason, key=key, since=since)


def _schedule_after_award(tender_lot: TenderLot, winner: Bid, now: dt.datetime) -> None:
    """Procurement refunds the unsuccessful bidders' security after the award (87号令 art. 38);
    a job watches the contract deadline (招标投标法 art. 46) and raises an alert when it passes."""
    if tender_lot.tender.project.trade_type == TradeType.GOVERNMENT_PROCUREMENT:
        losers = set(
            tender_lot.securities.exclude(organization_id=winner.bidder_id).values_list("organization_id", flat=True)
        )
        _refund_all(
            tender_lot,
            reason="unsuccessful",
            key="gp.unsuccessful_security_refund_working_days",
            since=now,
            only=losers,
        )
    try:
        report_due = supervisor_report_due(tender_lot, now)
    except RuleMissing:
        pass  # no written report to the supervisor is required for this procedure
    else:
        jobs_services.job_enqueue(
            name="evaluation.supervisor_report_deadline",
            args={"tender_lot_id": tender_lot.pk},
            run_at=report_due,
            key=f"tender-lot:{tender_lot.pk}:supervisor-report-deadline",
        )
    due = contract_due(tender_lot, now)
    jobs_services.job_enqueue(
        name="evaluation.contract_deadline",
        args={"tender_lot_id": tender_lot.pk},
        run_at=due,
        key=f"tender-lot:{tender_lot.pk}:contract-deadline",
    )


def contract_due(tender_lot: TenderLot, awarded_at: dt.datetime) -> dt.datetime:
    rule = rule_for("tender.contract_sign_days", tender_lot.tender.project)
    return periods.period_deadline(clock.local(awarded_at).date(), rule)


@transaction.atomic
def contract_register(*, actor: User, tender_lot: TenderLot, signed_on: dt.date, amount_fen: int) -> Contract:
    """Register the signed contract; procurement publishes it at once (within the 2 working days of
    87号令 art. 71 at the latest); the bid securities are refunded within the legal time after it."""
    tender_lot = lock_instance(tender_lot)
    tender = tender_lot.tender
    if not tendering_policies.can_manage(actor, tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以登记合同。"))
    outcome = Outcome.objects.filter(tender_lot=tender_lot, stage=OutcomeStage.AWARDED).first()
    if outcome is None or outcome.winner is None or outcome.awarded_at is None:
        raise ValidationError(_("确定中标人后才能登记合同。"))
    if Contract.objects.filter(tender_lot=tender_lot).exists():
        raise ValidationError(_("本标段的合同已登记。"))
    now = clock.now()
    if not clock.local(outcome.awarded_at).date() <= signed_on <= clock.local(now).date():
        raise ValidationError({"signed_on": _("签订日期应在确定中标人之日与今天之间。")})
    if amount_fen <= 0:
        raise ValidationError({"amount_fen": _("合同金额必须大于零。")})
    due = contract_due(tender_lot, outcome.awarded_at)
    contract = Contract(
        tender_lot=tender_lot,
        amount_fen=amount_fen,
        signed_on=signed_on,
        registered_at=now,
        registered_by=actor,
        late=clock.end_of_day(signed_on) > due,
    )
    contract.full_clean()
    contract.save()
    signed_at = clock.end_of_day(signed_on)
    if tender.project.trade_type == TradeType.GOVERNMENT_PROCUREMENT:
        _refund_all(
            tender_lot,
            reason="contract",
            key="tender.security_refund_days",
            since=signed_at,
            only={outcome.winner.bidder_id},
        )
        disclosure_services.notice_publish(
            actor=None,
            title=_("{title} {lot} 合同公告").format(title=tender.title, lot=tender_lot.lot.name),
            notice_type=NoticeType.CONTRACT,
            trade_type=tender.project.trade_type,
            region_code=tender.project.region_code,
            body=_("供应商：{supplier}；合同金额：{amount}元；签订日期：{day}。").format(
                supplier=outcome.winner.bidder.name, amount=format_yuan(amount_fen), day=signed_on.isoformat()
            ),
            project=tender.project,
            system=True,
            source=f"lot:{tender_lot.pk}:contract",
        )
    else:  # 实施条例 art. 57: the winner's and the others' security within 5 days of the contract
        _refund_all(tender_lot, reason="contract", key="tender.security_refund_days", since=signed_at, only=None)
    event_record(
        action="evaluation.contract_registered",
        actor=actor,
        obj=tender_lot,
        after={"amount_fen": amount_fen, "signed_on": signed_on.isoformat(), "late": contract.late},
    )
    return contract


def _overdue_alert(tender_lot: TenderLot, *, step: str, subject: str, body: str) -> None:
    """An overdue step of the procedure: tell the owner side and the supervisor, and log it."""
    project = tender_lot.tender.project
    organizations = [project.owner_id, project.supervisor_id, *([project.agent_id] if project.agent_id else [])]
    for user in accounts_selectors.users_of_organizations(organizations):
        notification_send(
            topic=f"evaluation.{step}_overdue:{tender_lot.pk}:{user.pk}",
            subject=subject,
            body=body,
            recipient=user,
            mobile=user.phone,
            email=user.email,
        )
    event_record(action=f"evaluation.{step}_overdue", obj=tender_lot, after={"lot": tender_lot.lot.code})


def _lot_for_check(tender_lot_id: int) -> TenderLot:
    return TenderLot.objects.select_related("tender__project", "lot").get(pk=tender_lot_id)


@transaction.atomic
def contract_deadline_check(*, tender_lot_id: int) -> bool:
    """Job at the contract deadline: without a registered contract, alert the owner side and the
    supervisor (an overdue step, 招标投标法 art. 46). Returns whether an alert was raised."""
    tender_lot = _lot_for_check(tender_lot_id)
    if Contract.objects.filter(tender_lot=tender_lot).exists():
        return False
    _overdue_alert(
        tender_lot,
        step="contract",
        subject=_("合同签订逾期提醒"),
        body=_("“{title}”{lot}确定中标人后已超过法定期限仍未登记合同，请尽快签订并登记。").format(
            title=tender_lot.tender.title, lot=tender_lot.lot.name
        ),
    )
    return True


def publicity_due(tender_lot: TenderLot, signed_at: dt.datetime) -> dt.datetime:
    rule = rule_for("tender.candidate_publicity_within_days", tender_lot.tender.project)
    return periods.period_deadline(clock.local(signed_at).date(), rule)


def publicity_deadline_schedule(*, tender_lot: TenderLot, signed_at: dt.datetime) -> None:
    """Construction publishes the candidates within the legal time of receiving the report
    (实施条例 art. 54): a job at that deadline raises the alert if they are still unpublished."""
    if tender_lot.tender.project.trade_type != TradeType.CONSTRUCTION:
        return
    jobs_services.job_enqueue(
        name="evaluation.publicity_deadline",
        args={"tender_lot_id": tender_lot.pk},
        run_at=publicity_due(tender_lot, signed_at),
        key=f"tender-lot:{tender_lot.pk}:publicity-deadline",
    )


@transaction.atomic
def publicity_deadline_check(*, tender_lot_id: int) -> bool:
    tender_lot = _lot_for_check(tender_lot_id)
    if tender_lot.status != LotStatus.OPENED or Outcome.objects.filter(tender_lot=tender_lot).exists():
        return False
    _overdue_alert(
        tender_lot,
        step="publicity",
        subject=_("中标候选人公示逾期提醒"),
        body=_("“{title}”{lot}的评标报告已超过法定期限，招标人仍未公示中标候选人。").format(
            title=tender_lot.tender.title, lot=tender_lot.lot.name
        ),
    )
    return True


@transaction.atomic
def publicity_objection_raise(*, actor: User, tender_lot: TenderLot, text: str) -> PublicityObjection:
    """A bidder objects to the result during the publicity; the award waits for the answer."""
    tender_lot = lock_instance(tender_lot)
    outcome = Outcome.objects.filter(tender_lot=tender_lot, stage=OutcomeStage.PUBLICITY).first()
    bidder_ids = set(
        Bid.objects.filter(tender_lot=tender_lot, status=BidStatus.SUBMITTED).values_list("bidder_id", flat=True)
    )
    if actor.organization_id not in bidder_ids:
        raise PermissionDenied(_("只有本标段的投标人可以对评标结果提出异议。"))
    now = clock.now()
    if outcome is None or outcome.publicity_ends_at is None or now > outcome.publicity_ends_at:
        raise ValidationError(_("对评标结果的异议应当在中标候选人公示期间提出。"))
    if not text.strip():
        raise ValidationError({"text": _("请填写异议内容。")})
    rule = rule_for("tender.candidate_objection_answer_days", tender_lot.tender.project)
    objection = PublicityObjection(
        tender_lot=tender_lot,
        objector_id=actor.organization_id,
        text=text.strip(),
        raised_at=now,
        answer_due=periods.period_deadline(clock.local(now).date(), rule),
    )
    objection.full_clean()
    objection.save()
    event_record(action="evaluation.objection_raised", actor=actor, obj=tender_lot, after={"due": objection.answer_due})
    return objection


@transaction.atomic
def publicity_objection_answer(*, actor: User, objection: PublicityObjection, answer: str) -> PublicityObjection:
    objection = lock_instance(objection)
    if not tendering_policies.can_manage(actor, objection.tender_lot.tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以答复异议。"))
    if objection.answered_at is not None:
        raise ValidationError(_("该异议已答复。"))
    if not answer.strip():
        raise ValidationError({"answer": _("请填写答复内容。")})
    objection.answer, objection.answered_at = answer.strip(), clock.now()
    objection.save(update_fields=["answer", "answered_at"])
    event_record(
        action="evaluation.objection_answered",
        actor=actor,
        obj=objection.tender_lot,
        after={"late": objection.answered_at > objection.answer_due},
    )
    return objection


@transaction.atomic
def candidate_exclude(*, actor: User, tender_lot: TenderLot, bid: Bid, reason: str) -> CandidateExclusion:
    """Before the award: a candidate gave up, failed the pre-award review or was found to break the
    law. The award then goes to the next candidate in the ranking, or the owner re-tenders."""
    tender_lot = lock_instance(tender_lot)
    if not tendering_policies.can_manage(actor, tender_lot.tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以办理。"))
    report = _signed_report(tender_lot)
    if Outcome.objects.filter(tender_lot=tender_lot, stage=OutcomeStage.AWARDED).exists():
        raise ValidationError(_("中标人已确定。"))
    if bid.pk not in {c["bid"] for c in report.results["candidates"]}:
        raise ValidationError(_("该投标人不是中标候选人。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请写明原因。")})
    exclusion = CandidateExclusion(tender_lot=tender_lot, bid=bid, reason=reason.strip(), excluded_at=clock.now())
    exclusion.full_clean()
    exclusion.save()
    excluded = set(CandidateExclusion.objects.filter(tender_lot=tender_lot).values_list("bid_id", flat=True))
    if all(c["bid"] in excluded for c in report.results["candidates"]):
        # 实施条例 art. 55: with no candidate left the owner re-tenders, so the lot fails now
        tendering_services.lot_fail_after_evaluation(
            tender_lot=tender_lot,
            reason=exclusion.reason,
            summary=_("中标候选人均已放弃中标或者不符合中标条件（{reason}），招标人将依法重新招标。").format(
                reason=exclusion.reason
            ),
        )
    event_record(
        action="evaluation.candidate_excluded",
        actor=actor,
        obj=tender_lot,
        after={"commitment": bid.commitment, "reason": exclusion.reason},
    )
    return exclusion


def _award_candidate(report: Report, tender_lot: TenderLot) -> Bid:
    excluded = set(CandidateExclusion.objects.filter(tender_lot=tender_lot).values_list("bid_id", flat=True))
    for candidate in report.results["candidates"]:
        if candidate["bid"] not in excluded:
            return Bid.objects.select_related("bidder").get(pk=candidate["bid"])
    raise ValidationError(_("已没有可以确定为中标人的候选人，招标人应当依法重新招标。"))


@transaction.atomic
def supervisor_report_file(*, actor: User, tender_lot: TenderLot, summary: str) -> SupervisorReport:
    """招标投标法 art. 47: the owner reports to the supervisor in writing within the legal time of
    the award; the report is filed on the platform and the supervisor's staff are told."""
    tender_lot = lock_instance(tender_lot)
    tender = tender_lot.tender
    if not tendering_policies.can_manage(actor, tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以提交书面报告。"))
    awarded = Outcome.objects.filter(tender_lot=tender_lot, stage=OutcomeStage.AWARDED).first()
    if awarded is None or awarded.awarded_at is None:
        raise ValidationError(_("确定中标人后才能提交招标投标情况书面报告。"))
    if SupervisorReport.objects.filter(tender_lot=tender_lot).exists():
        raise ValidationError(_("书面报告已提交。"))
    if not summary.strip():
        raise ValidationError({"summary": _("请填写报告内容。")})
    now = clock.now()
    filed = SupervisorReport(
        tender_lot=tender_lot,
        filed_at=now,
        filed_by=actor,
        summary=summary.strip(),
        late=now > supervisor_report_due(tender_lot, awarded.awarded_at),
    )
    filed.full_clean()
    filed.save()
    for user in accounts_selectors.users_of_organizations([tender.project.supervisor_id]):
        notification_send(
            topic=f"evaluation.supervisor_report:{tender_lot.pk}:{user.pk}",
            subject=_("招标投标情况书面报告"),
            body=_("“{title}”{lot}的招标人已提交招标投标情况书面报告，请登录平台查阅。").format(
                title=tender.title, lot=tender_lot.lot.name
            ),
            recipient=user,
            mobile=user.phone,
            email=user.email,
        )
    event_record(action="evaluation.supervisor_report_filed", actor=actor, obj=tender_lot, after={"late": filed.late})
    return filed


def supervisor_report_due(tender_lot: TenderLot, awarded_at: dt.datetime) -> dt.datetime:
    rule = rule_for("tender.report_to_supervisor_days", tender_lot.tender.project)
    return periods.period_deadline(clock.local(awarded_at).date(), rule)


@transaction.atomic
def supervisor_report_deadline_check(*, tender_lot_id: int) -> bool:
    """Job at the deadline of the written report: alert the owner side and the supervisor."""
    tender_lot = _lot_for_check(tender_lot_id)
    if SupervisorReport.objects.filter(tender_lot=tender_lot).exists():
        return False
    _overdue_alert(
        tender_lot,
        step="supervisor_report",
        subject=_("书面报告逾期提醒"),
        body=_("“{title}”{lot}确定中标人后已超过法定期限，招标人仍未提交招标投标情况书面报告。").format(
            title=tender_lot.tender.title, lot=tender_lot.lot.name
        ),
    )
    return True
