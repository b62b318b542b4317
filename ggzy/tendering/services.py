"""Writes of the tendering app: draft, documents, publication, the close at the deadline, and the
termination (终止招标).

Every period and count comes from the rule table in force on the project's registration date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from ggzy.accounts import selectors as accounts_selectors
from ggzy.accounts.models import Organization, User
from ggzy.core import clock
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.core.locks import lock_instance
from ggzy.core.money import format_yuan
from ggzy.disclosure import services as disclosure_services
from ggzy.disclosure.choices import NoticeType
from ggzy.jobs import services as jobs_services
from ggzy.notifications.services import notification_send
from ggzy.projects.choices import ProjectStatus
from ggzy.projects.models import Lot, Project
from ggzy.rules import periods
from ggzy.rules import selectors as rules_selectors
from ggzy.witness.services import event_record

from . import deposits, opening, policies, selectors
from .choices import (
    DEFAULT_OPENING_FIELDS,
    TENDER_METHODS,
    TENDER_TRADE_TYPES,
    BidStatus,
    EvaluationMethod,
    LotStatus,
    OpeningFieldKind,
    RefundReason,
    SecurityStatus,
    TenderStatus,
)
from .models import Bid, BidSecurity, DocumentDownload, Tender, TenderDocument, TenderLot

MAX_DOCUMENT_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class LotTerms:
    lot: Lot
    bid_security_fen: int = 0
    ceiling_price_fen: int | None = None


def _snapshot(tender: Tender) -> dict[str, Any]:
    return {
        "code": tender.code,
        "status": tender.status,
        "bid_deadline": tender.bid_deadline,
        "evaluation_method": tender.evaluation_method,
        "lots": [
            {
                "lot": item.lot.code,
                "bid_security_fen": item.bid_security_fen,
                "ceiling_price_fen": item.ceiling_price_fen,
            }
            for item in tender.tender_lots.select_related("lot")
        ],
        "documents": [{"name": doc.name, "sha256": doc.sha256} for doc in tender.documents.all()],
    }


def _check_opening_fields(fields: list[dict[str, str]]) -> list[str]:
    problems = []
    keys = [field.get("key", "") for field in fields]
    if "price" not in keys:
        problems.append(_("开标记录必须读取投标报价（price）。"))
    if len(set(keys)) != len(keys):
        problems.append(_("开标记录读取项的键不能重复。"))
    for field in fields:
        if not field.get("label") or field.get("kind") not in OpeningFieldKind.values:
            problems.append(_("开标记录读取项须有名称和类型（金额、天数或文字）。"))
            break
    return problems


@transaction.atomic
def tender_create(
    *,
    actor: User,
    project: Project,
    lots: list[LotTerms],
    title: str,
    notice_body: str,
    evaluation_method: str,
    bid_deadline: dt.datetime,
    bid_validity_days: int,
    opening_fields: list[dict[str, str]] | None = None,
    invitees: list[Organization] | None = None,
    previous_round: Tender | None = None,
) -> Tender:
    """Draft a tender for one or more lots of a project. Nothing is public until it is published."""
    if not policies.can_manage_project(actor, project):
        raise PermissionDenied(_("只有项目的招标人或其代理机构可以编制招标公告。"))
    errors: dict[str, list[str]] = {}
    if project.trade_type not in TENDER_TRADE_TYPES or project.procurement_method not in TENDER_METHODS:
        errors.setdefault("project", []).append(_("只有工程建设和政府采购的公开招标、邀请招标项目可以在此发布招标。"))
    if project.status != ProjectStatus.REGISTERED:
        errors.setdefault("project", []).append(_("项目当前不能开展招标活动（可能已被行政监督部门暂停）。"))
    if not lots:
        errors.setdefault("lots", []).append(_("请至少选择一个标段（包）。"))
    for terms in lots:
        if terms.lot.project_id != project.pk:
            errors.setdefault("lots", []).append(_("所选标段不属于该项目。"))
    if evaluation_method not in EvaluationMethod.values:
        errors.setdefault("evaluation_method", []).append(_("请选择评标办法。"))
    if clock.now() >= bid_deadline:
        errors.setdefault("bid_deadline", []).append(_("投标截止时间必须晚于现在。"))
    fields = opening_fields if opening_fields is not None else DEFAULT_OPENING_FIELDS
    for problem in _check_opening_fields(fields):
        errors.setdefault("opening_fields", []).append(problem)
    if errors:
        raise ValidationError(errors)
    sequence = Tender.objects.filter(project=project).count() + 1
    tender = Tender(
        project=project,
        code=f"{project.deal_code}-T{sequence:02d}",
        title=title.strip(),
        procurement_method=project.procurement_method,
        evaluation_method=evaluation_method,
        notice_body=notice_body.strip(),
        bid_deadline=bid_deadline,
        bid_validity_days=bid_validity_days,
        opening_fields=[dict(field) for field in fields],
        previous_round=previous_round,
        created_at=clock.now(),
        created_by=actor,
    )
    tender.full_clean()
    tender.save()
    for terms in lots:
        item = TenderLot(
            tender=tender,
            lot=terms.lot,
            bid_security_fen=terms.bid_security_fen,
            ceiling_price_fen=terms.ceiling_price_fen,
        )
        item.full_clean()
        item.save()
    _check_security(tender)
    if invitees:
        if project.procurement_method != ProcurementMethod.SELECTIVE_TENDER:
            raise ValidationError({"invitees": _("只有邀请招标才有受邀投标人。")})
        tender.invitees.set(invitees)
    # The invitees are potential bidders: their names stay out of the log until the deadline.
    event_record(action="tender.drafted", actor=actor, obj=tender, after=_snapshot(tender))
    return tender


def _check_security(tender: Tender) -> None:
    """Bid security at most the legal share of the lot's estimate, and at most the cap where one exists."""
    project = tender.project
    percent = rules_selectors.rule_for("tender.bid_security_max_percent", project).value
    try:
        cap: int | None = rules_selectors.rule_for("tender.bid_security_max_fen", project).as_int()
    except rules_selectors.RuleMissing:
        cap = None
    for item in tender.tender_lots.select_related("lot"):
        limit = int(Decimal(item.lot.budget_fen) * percent / 100)
        if cap is not None:
            limit = min(limit, cap)
        if item.bid_security_fen > limit:
            raise ValidationError(
                {
                    "lots": _("“{lot}”的投标保证金{amount}元超过上限{limit}元（{source}）。").format(
                        lot=item.lot.name,
                        amount=format_yuan(item.bid_security_fen),
                        limit=format_yuan(limit),
                        source=rules_selectors.rule_for("tender.bid_security_max_percent", project).source,
                    )
                }
            )


def _storage_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "tender-documents"
    path.mkdir(parents=True, exist_ok=True)
    return path


@transaction.atomic
def tender_document_add(*, actor: User, tender: Tender, name: str, content: bytes) -> TenderDocument:
    if not policies.can_manage(actor, tender):
        raise PermissionDenied(_("只有项目的招标人或其代理机构可以上传招标文件。"))
    if tender.status != TenderStatus.DRAFT:
        raise ValidationError(_("招标公告发布后，招标文件只能通过澄清或修改变更。"))
    if not content:
        raise ValidationError({"file": _("文件为空。")})
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": _("文件超过200MB。")})
    digest = hashlib.sha256(content).hexdigest()
    storage_name = f"{digest}.bin"
    target = _storage_dir() / storage_name
    if not target.exists():
        temporary = target.with_suffix(".part")
        temporary.write_bytes(content)
        temporary.replace(target)
    document = TenderDocument(
        tender=tender,
        name=Path(name).name[:200] or "document",
        storage_name=storage_name,
        size=len(content),
        sha256=digest,
        uploaded_at=clock.now(),
    )
    document.full_clean()
    document.save()
    event_record(
        action="tender.document_added", actor=actor, obj=tender, after={"name": document.name, "sha256": digest}
    )
    return document


@transaction.atomic
def tender_publish(*, actor: User, tender: Tender) -> Tender:
    """Publish the notice and issue the documents now, if the legal periods allow the deadline."""
    tender = lock_instance(tender)
    if not policies.can_manage(actor, tender):
        raise PermissionDenied(_("只有项目的招标人或其代理机构可以发布招标公告。"))
    if not tender.can_publish():
        raise ValidationError(_("该招标公告已发布或已终止。"))
    project = tender.project
    if project.status != ProjectStatus.REGISTERED:
        raise ValidationError(_("项目已被暂停，不能发布招标公告。"))
    now = clock.now()
    issued = clock.local(now).date()
    deadline_day = clock.local(tender.bid_deadline).date()
    errors: list[str] = []
    if not tender.documents.exists():
        errors.append(_("请先上传招标文件。"))
    if tender.procurement_method == ProcurementMethod.SELECTIVE_TENDER:
        key = (
            "gp.min_invited_suppliers"
            if project.trade_type == TradeType.GOVERNMENT_PROCUREMENT
            else "tender.invitation_min_invitees"
        )
        minimum = rules_selectors.rule_for(key, project)
        if tender.invitees.count() < minimum.as_int():
            errors.append(
                _("邀请招标应向{count}个以上特定的法人或其他组织发出投标邀请书（{source}）。").format(
                    count=minimum.as_int(), source=minimum.source
                )
            )
    preparation = rules_selectors.rule_for("tender.bid_preparation_min_days", project)
    earliest = periods.earliest_day_after(issued, preparation)
    if deadline_day < earliest:
        errors.append(
            _(
                "投标截止时间不得早于{earliest}：自招标文件开始发出之日起至投标截止之日止不得少于{days}日（{source}）。"
            ).format(earliest=earliest.isoformat(), days=preparation.as_int(), source=preparation.source)
        )
    if project.trade_type == TradeType.GOVERNMENT_PROCUREMENT:
        availability = rules_selectors.rule_for("gp.document_availability_min_working_days", project)
        if periods.working_days_between(issued, deadline_day) < availability.as_int():
            errors.append(
                _("招标文件提供期限不得少于{days}个工作日（{source}）。").format(
                    days=availability.as_int(), source=availability.source
                )
            )
    if errors:
        raise ValidationError({"bid_deadline": errors})
    before = tender.status
    tender.status = TenderStatus.PUBLISHED
    tender.published_at = now
    tender.full_clean()
    tender.save(update_fields=["status", "published_at"])
    disclosure_services.notice_publish(
        actor=actor,
        title=tender.title,
        notice_type=NoticeType.TENDER,
        trade_type=project.trade_type,
        region_code=project.region_code,
        body=tender.notice_body,
        project=project,
        system=True,
        source=f"tender:{tender.pk}",
        attachments=[
            disclosure_services.Attachment(
                name=document.name,
                sha256=document.sha256,
                size=document.size,
                url=reverse("tendering:document_download", args=[tender.code, document.pk]),
            )
            for document in tender.documents.order_by("pk")
        ],
    )
    jobs_services.job_enqueue(
        name="tendering.close_submissions",
        args={"tender_id": tender.pk},
        run_at=tender.bid_deadline,
        key=f"tender:{tender.pk}:close",
    )
    event_record(action="tender.published", actor=actor, obj=tender, before={"status": before}, after=_snapshot(tender))
    return tender


@transaction.atomic
def tender_close_submissions(*, tender_id: int) -> Tender:
    """At the bid deadline, by server time, submissions freeze. Run by the worker; idempotent.
    A terminated tender is left as it is (its job stays queued and does nothing)."""
    tender = lock_instance(Tender.objects.get(pk=tender_id))
    if not tender.can_close():
        return tender
    if clock.now() < tender.bid_deadline:
        raise ValidationError(_("投标截止时间未到。"))
    if tender.document_objections.filter(answered_at__isnull=True).exists():
        # An unanswered objection suspends the procedure (实施条例 art. 22): look again in an hour.
        jobs_services.job_enqueue(
            name="tendering.close_submissions",
            args={"tender_id": tender.pk},
            run_at=clock.now() + dt.timedelta(hours=1),
            key=f"tender:{tender.pk}:close:{clock.now().isoformat()}",
        )
        event_record(action="tender.suspended_by_objection", obj=tender, after={"at": clock.now()})
        return tender
    tender.status = TenderStatus.CLOSED
    tender.save(update_fields=["status"])
    minimum = rules_selectors.rule_for("tender.min_bidders", tender.project)
    outcome = []
    for item in tender.tender_lots.select_related("lot"):
        count = Bid.objects.filter(tender_lot=item, status=BidStatus.SUBMITTED).count()
        # Fewer than three bids: the lot is not opened and must be re-tendered (招标投标法 art. 28).
        if count < minimum.as_int():
            item.status = LotStatus.FAILED
            item.save(update_fields=["status"])
            _refund_failed_lot(item)
            disclosure_services.notice_publish(
                actor=None,
                title=_("{title} {lot} 流标公告").format(title=tender.title, lot=item.lot.name),
                notice_type=NoticeType.FAILURE,
                trade_type=tender.project.trade_type,
                region_code=tender.project.region_code,
                body=_(
                    "截至投标截止时间{deadline}，{lot}递交投标文件的投标人少于{minimum}个，依法不予开标（{source}）。"
                    "招标人将依法重新招标。"
                ).format(
                    deadline=clock.local(tender.bid_deadline).strftime("%Y-%m-%d %H:%M"),
                    lot=item.lot.name,
                    minimum=minimum.as_int(),
                    source=minimum.source,
                ),
                project=tender.project,
                system=True,
                source=f"lot:{item.pk}:failed",
            )
        else:
            opening.decryption_window_start(tender_lot=item)
        outcome.append({"lot": item.lot.code, "bids": count, "status": item.status})
    event_record(
        action="tender.submissions_closed",
        obj=tender,
        before={"status": TenderStatus.PUBLISHED},
        after={
            "status": TenderStatus.CLOSED,
            "bid_deadline": tender.bid_deadline,
            "min_bidders": minimum.as_int(),
            "lots": outcome,
        },
    )
    return tender


def document_download_record(*, user: Any, document: TenderDocument) -> None:
    """Anyone may download without registering (报名); a signed-in organization's download is noted,
    confidentially, so clarifications reach every holder of the documents."""
    organization_id = getattr(user, "organization_id", None) if getattr(user, "is_authenticated", False) else None
    if organization_id is None:
        return
    with transaction.atomic():
        DocumentDownload.objects.create(document=document, organization_id=organization_id, downloaded_at=clock.now())


def document_path(document: TenderDocument) -> Path:
    return _storage_dir() / document.storage_name


@transaction.atomic
def tender_retender(
    *, actor: User, tender: Tender, bid_deadline: dt.datetime, invitees: list[Organization] | None = None
) -> Tender:
    """Draft the next round for the lots of a tender that failed, linked to it (招标投标法 art. 28)."""
    if tender.status == TenderStatus.CANCELLED:
        raise ValidationError(_("该招标已终止，不能在其基础上重新招标。"))
    failed = [item for item in tender.tender_lots.select_related("lot") if item.status == LotStatus.FAILED]
    if not failed:
        raise ValidationError(_("该招标没有流标的标段，无需重新招标。"))
    round_number = 1
    previous = tender
    while previous.previous_round is not None:
        previous = previous.previous_round
        round_number += 1
    return tender_create(
        actor=actor,
        project=tender.project,
        lots=[
            LotTerms(lot=item.lot, bid_security_fen=item.bid_security_fen, ceiling_price_fen=item.ceiling_price_fen)
            for item in failed
        ],
        title=_("{title}（第{n}次招标）").format(title=tender.title, n=round_number + 1),
        notice_body=tender.notice_body,
        evaluation_method=tender.evaluation_method,
        bid_deadline=bid_deadline,
        bid_validity_days=tender.bid_validity_days,
        opening_fields=tender.opening_fields,
        invitees=invitees,
        previous_round=tender,
    )


def _refund_failed_lot(tender_lot: TenderLot) -> None:
    """A failed lot (流标) holds nobody's security any longer: every confirmed one falls due, within
    the same period as after a termination."""
    for security in tender_lot.securities.filter(status=SecurityStatus.CONFIRMED).order_by("pk"):
        deposits.security_refund_schedule(
            security=security, reason=RefundReason.FAILED, key="tender.cancel_security_refund_days", since=clock.now()
        )


@transaction.atomic
def lot_fail_after_evaluation(*, tender_lot: TenderLot, reason: str, summary: str = "") -> TenderLot:
    """The committee rejected every bid (or too few valid ones remained), or no candidate is left
    to award: the lot fails, a failure notice is published (`summary`, or the committee's
    rejection), and the owner can re-tender (招标投标法 art. 42; 实施条例 art. 55)."""
    tender_lot = lock_instance(tender_lot)
    if tender_lot.status != LotStatus.OPENED:
        raise ValidationError(_("只有已开标的标段可以在评标后流标。"))
    tender_lot.status = LotStatus.FAILED
    tender_lot.save(update_fields=["status"])
    _refund_failed_lot(tender_lot)
    tender = tender_lot.tender
    disclosure_services.notice_publish(
        actor=None,
        title=_("{title} {lot} 流标公告").format(title=tender.title, lot=tender_lot.lot.name),
        notice_type=NoticeType.FAILURE,
        trade_type=tender.project.trade_type,
        region_code=tender.project.region_code,
        body=summary or _("评标委员会否决全部投标：{reason}招标人将依法重新招标。").format(reason=reason),
        project=tender.project,
        system=True,
        source=f"lot:{tender_lot.pk}:failed",
    )
    event_record(action="tender.lot_failed_after_evaluation", obj=tender_lot, after={"reason": reason})
    return tender_lot


def _refund_sentence(tender: Tender, rule: rules_selectors.RuleValue) -> str:
    if tender.project.trade_type == TradeType.GOVERNMENT_PROCUREMENT:
        text = _("已收取的投标保证金将在终止后{period}内连同其在银行产生的孳息退还（{source}）。")
    else:
        text = _("已收取的投标保证金将在终止后{period}内连同银行同期存款利息退还（{source}）。")
    return text.format(period=rule.display, source=rule.source)


def _cancel_notify(tender: Tender, reason: str, refund: rules_selectors.RuleValue) -> None:
    """Everyone who may have prepared a bid hears of it in writing, each in its own message, so
    nobody learns who else did (实施条例 art. 31; 87号令 art. 29). In procurement the finance
    department (the project's supervisor) receives the reason (87号令 art. 29)."""
    holders = DocumentDownload.objects.filter(document__tender=tender).values_list("organization_id", flat=True)
    bidders = Bid.objects.filter(tender_lot__tender=tender).values_list("bidder_id", flat=True)
    payers = BidSecurity.objects.filter(tender_lot__tender=tender).values_list("organization_id", flat=True)
    invitees = tender.invitees.values_list("pk", flat=True)
    organizations = sorted({*holders, *bidders, *payers, *invitees})
    subject = _("{title}：终止招标").format(title=tender.title)
    body = "\n".join(
        [
            _("招标项目“{title}”（{code}）已终止招标。").format(title=tender.title, code=tender.code),
            _("终止原因：{reason}").format(reason=reason),
            _refund_sentence(tender, refund),
        ]
    )
    for user in accounts_selectors.users_of_organizations(organizations):
        notification_send(
            topic=f"tendering.cancelled:{tender.pk}:{user.pk}",
            subject=subject,
            body=body,
            recipient=user,
            mobile=user.phone,
            email=user.email,
        )
    project = tender.project
    if project.trade_type != TradeType.GOVERNMENT_PROCUREMENT:
        return
    report = _(
        "招标项目“{title}”（{code}，采购人：{owner}）已于{at}终止采购活动。终止原因：{reason}（{source}）"
    ).format(
        title=tender.title,
        code=tender.code,
        owner=project.owner.name,
        at=clock.local(tender.cancelled_at or clock.now()).strftime("%Y-%m-%d %H:%M"),
        reason=reason,
        source=refund.source,
    )
    for user in accounts_selectors.users_of_organizations([project.supervisor_id]):
        notification_send(
            topic=f"tendering.cancelled.report:{tender.pk}:{user.pk}",
            subject=_("{title}：终止采购活动报告").format(title=tender.title),
            body=report,
            recipient=user,
            mobile=user.phone,
            email=user.email,
        )


@transaction.atomic
def tender_cancel(*, actor: User, tender: Tender, reason: str) -> Tender:
    """Terminate a published tender with a published reason (终止招标; 实施条例 art. 31, 87号令 art. 29).

    Allowed before or after the deadline until a lot is awarded: the award letter binds both
    sides (招标投标法 art. 45). Lots still running are cancelled; lots that already failed keep
    their status (their failure notice stands and they may have been re-tendered). A termination
    notice is published, every document holder, invitee, bidder and payer of security is told
    (and, in procurement, the finance department), and every confirmed security falls due for
    refund with what it earned (interest.py).
    """
    tender = lock_instance(tender)
    if not policies.can_manage(actor, tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以终止招标。"))
    if not tender.can_cancel():
        raise ValidationError(_("只有已发布且尚未终止的招标可以终止。"))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请填写终止招标的原因。")})
    lots = [lock_instance(item) for item in tender.tender_lots.order_by("pk")]
    awarded = [item.lot.name for item in lots if selectors.lot_awarded(item)]
    if awarded:
        raise ValidationError(
            _("{lots}已确定中标人，不能终止招标（招标投标法 第45条）。").format(lots="、".join(awarded))
        )
    live = [item for item in lots if item.can_cancel()]
    if not live:
        raise ValidationError(_("该招标没有可终止的标段（均已流标）。"))
    now = clock.now()
    before = {"status": tender.status, "lots": {item.lot.code: item.status for item in lots}}
    tender.status = TenderStatus.CANCELLED
    tender.cancelled_at = now
    tender.cancellation_reason = reason
    tender.full_clean()
    tender.save(update_fields=["status", "cancelled_at", "cancellation_reason"])
    for item in live:
        item.status = LotStatus.CANCELLED
        item.save(update_fields=["status"])
    project = tender.project
    refund = rules_selectors.rule_for("tender.cancel_security_refund_days", project)
    confirmed = BidSecurity.objects.filter(tender_lot__tender=tender, status=SecurityStatus.CONFIRMED).order_by("pk")
    for security in confirmed:
        deposits.security_refund_schedule(
            security=security, reason=RefundReason.CANCELLATION, key="tender.cancel_security_refund_days", since=now
        )
    disclosure_services.notice_publish(
        actor=actor,
        title=_("{title} 终止公告").format(title=tender.title),
        notice_type=NoticeType.FAILURE,
        trade_type=project.trade_type,
        region_code=project.region_code,
        body="\n".join(
            [
                _("{title}（招标编号：{code}）终止招标。").format(title=tender.title, code=tender.code),
                _("终止原因：{reason}").format(reason=reason),
                _refund_sentence(tender, refund),
            ]
        ),
        project=project,
        system=True,
        source=f"tender:{tender.pk}:cancelled",
    )
    _cancel_notify(tender, reason, refund)
    # No bidder, holder or payer is named: before the deadline they are secret (招标投标法 art. 22).
    event_record(
        action="tender.cancelled",
        actor=actor,
        obj=tender,
        before=before,
        after={
            "status": tender.status,
            "reason": reason,
            "cancelled_at": now,
            "lots": {item.lot.code: item.status for item in lots},
        },
    )
    return tender
