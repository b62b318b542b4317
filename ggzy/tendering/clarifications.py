"""Clarifications and amendments of the tender documents, and objections to them.

A clarification issued later than the legal minimum before the deadline (15 days for
construction, 招标投标法 art. 23) must move the deadline; the portal shows the change notice at
once. An objection is accepted only until the legal limit before the deadline (10 days for
construction, 实施条例 art. 22; within 7 working days of the documents' issue for procurement
challenges, 政府采购法 art. 52), must be answered within the legal time, and while it is pending the
procedure does not advance to the opening.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ggzy.accounts import selectors as accounts_selectors
from ggzy.accounts.models import User
from ggzy.accounts.policies import Capability, has
from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.core.locks import lock_instance
from ggzy.disclosure import services as disclosure_services
from ggzy.disclosure.choices import NoticeStatus, NoticeType
from ggzy.jobs import services as jobs_services
from ggzy.notifications.services import notification_send
from ggzy.rules import periods
from ggzy.rules import selectors as rules_selectors
from ggzy.witness.services import event_record

from . import policies
from .choices import TenderStatus
from .models import Clarification, DocumentDownload, DocumentObjection, Tender


def _rule(tender: Tender, key: str) -> rules_selectors.RuleValue:
    return rules_selectors.rule_for(key, tender.project)


def _notify_holders(tender: Tender, clarification: Clarification, deadline: dt.datetime) -> None:
    """Send the clarification to every organization that fetched the documents (招标投标法 art. 23).
    Each holder gets its own message, so nobody learns who else holds the documents."""
    holders = list(
        DocumentDownload.objects.filter(document__tender=tender).values_list("organization_id", flat=True).distinct()
    )
    subject = _("{title}：第{n}号澄清/修改").format(title=tender.title, n=clarification.number)
    body = _("招标项目“{title}”发布了第{n}号澄清或修改，投标截止时间为{deadline}。请登录平台查看全文。").format(
        title=tender.title, n=clarification.number, deadline=_when(deadline)
    )
    for user in accounts_selectors.users_of_organizations(holders):
        notification_send(
            topic=f"tendering.clarification:{clarification.pk}:{user.pk}",
            subject=subject,
            body=body,
            recipient=user,
            mobile=user.phone,
            email=user.email,
        )


def _when(value: dt.datetime) -> str:
    return clock.local(value).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def clarification_issue(
    *, actor: User, tender: Tender, body: str, new_deadline: dt.datetime | None = None
) -> Clarification:
    tender = lock_instance(tender)
    if not policies.can_manage(actor, tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以澄清或修改招标文件。"))
    now = clock.now()
    if tender.status != TenderStatus.PUBLISHED or now >= tender.bid_deadline:
        raise ValidationError(_("只有投标截止前的招标可以澄清或修改。"))
    if not body.strip():
        raise ValidationError({"body": _("请填写澄清或修改的内容。")})
    minimum = _rule(tender, "tender.clarification_min_days_before_deadline")
    earliest = periods.earliest_day_after(clock.local(now).date(), minimum)
    deadline = new_deadline or tender.bid_deadline
    if new_deadline is not None and new_deadline < tender.bid_deadline:
        raise ValidationError({"new_deadline": _("澄清或修改不能提前投标截止时间。")})
    if clock.local(deadline).date() < earliest:
        raise ValidationError(
            {
                "new_deadline": _("距投标截止不足{days}日（{source}），须顺延投标截止时间至{earliest}或以后。").format(
                    days=minimum.as_int(), source=minimum.source, earliest=earliest.isoformat()
                )
            }
        )
    clarification = Clarification(
        tender=tender,
        number=tender.clarifications.count() + 1,
        body=body.strip(),
        issued_at=now,
        deadline_before=tender.bid_deadline,
        deadline_after=deadline,
        issued_by=actor,
    )
    clarification.full_clean()
    clarification.save()
    text = clarification.body
    if deadline != tender.bid_deadline:
        text += "\n\n" + _("投标截止时间（开标时间）由{before}顺延至{after}。").format(
            before=_when(tender.bid_deadline), after=_when(deadline)
        )
        tender.bid_deadline = deadline
        tender.save(update_fields=["bid_deadline"])
        jobs_services.job_reschedule(key=f"tender:{tender.pk}:close", run_at=deadline)
    title = _("{title}（第{n}号澄清/修改）").format(title=tender.title, n=clarification.number)
    current = disclosure_services.current_for(f"tender:{tender.pk}")
    if current is not None and current.status == NoticeStatus.PUBLISHED:
        disclosure_services.notice_correct(
            actor=actor, notice=current, title=title, body=text, notice_type=NoticeType.AMENDMENT, system=True
        )
    else:
        disclosure_services.notice_publish(
            actor=actor,
            title=title,
            notice_type=NoticeType.AMENDMENT,
            trade_type=tender.project.trade_type,
            region_code=tender.project.region_code,
            body=text,
            project=tender.project,
            system=True,
        )
    _notify_holders(tender, clarification, deadline)
    event_record(
        action="tender.clarified",
        actor=actor,
        obj=tender,
        before={"bid_deadline": clarification.deadline_before},
        after={"number": clarification.number, "bid_deadline": deadline},
    )
    return clarification


def _objection_window(tender: Tender, now: dt.datetime) -> tuple[bool, str]:
    if tender.project.trade_type == TradeType.GOVERNMENT_PROCUREMENT:
        rule = _rule(tender, "gp.challenge_working_days")
        assert tender.published_at is not None
        last = periods.period_deadline(clock.local(tender.published_at).date(), rule)
        return now <= last, _("质疑应在招标文件发出之日起{days}个工作日内提出（{source}）。").format(
            days=rule.as_int(), source=rule.source
        )
    rule = _rule(tender, "tender.objection_documents_min_days_before_deadline")
    last_day = periods.latest_day_before(clock.local(tender.bid_deadline).date(), rule)
    return clock.local(now).date() <= last_day, _(
        "对招标文件的异议应在投标截止时间{days}日前提出（{source}）。"
    ).format(days=rule.as_int(), source=rule.source)


@transaction.atomic
def objection_raise(*, actor: User, tender: Tender, text: str) -> DocumentObjection:
    if not has(actor, Capability.BID_SUBMIT) or actor.organization is None:
        raise PermissionDenied(_("只有潜在投标人可以对招标文件提出异议。"))
    tender = lock_instance(tender)
    now = clock.now()
    if tender.status != TenderStatus.PUBLISHED:
        raise ValidationError(_("该招标当前不接受异议。"))
    allowed, reason = _objection_window(tender, now)
    if not allowed:
        raise ValidationError(_("已超过提出异议的期限。") + reason)
    if not text.strip():
        raise ValidationError({"text": _("请填写异议内容。")})
    key = (
        "gp.challenge_answer_working_days"
        if tender.project.trade_type == TradeType.GOVERNMENT_PROCUREMENT
        else ("tender.objection_answer_days")
    )
    objection = DocumentObjection(
        tender=tender,
        objector=actor.organization,
        text=text.strip(),
        raised_at=now,
        answer_due=periods.period_deadline(clock.local(now).date(), _rule(tender, key)),
    )
    objection.full_clean()
    objection.save()
    # Who objected stays out of the log: it would reveal a potential bidder before the deadline.
    event_record(action="tender.objection_raised", obj=objection, after={"answer_due": objection.answer_due})
    return objection


@transaction.atomic
def objection_answer(*, actor: User, objection: DocumentObjection, answer: str) -> DocumentObjection:
    objection = lock_instance(objection)
    if not policies.can_manage(actor, objection.tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以答复异议。"))
    if objection.answered_at is not None:
        raise ValidationError(_("该异议已答复。"))
    if not answer.strip():
        raise ValidationError({"answer": _("请填写答复内容。")})
    objection.answer = answer.strip()
    objection.answered_at = clock.now()
    objection.save(update_fields=["answer", "answered_at"])
    event_record(
        action="tender.objection_answered",
        actor=actor,
        obj=objection,
        after={"late": objection.answered_at > objection.answer_due},
    )
    return objection


def objections_pending(tender: Tender) -> bool:
    return tender.document_objections.filter(answered_at__isnull=True).exists()
