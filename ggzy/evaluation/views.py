"""Pages of the evaluation app: forming the committee, the member's check-in and workspace."""

from __future__ import annotations

import mimetypes
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.accounts import selectors as accounts_selectors
from ggzy.accounts.decorators import AuthedRequest, capability_required, login_required, public
from ggzy.accounts.policies import Capability, has
from ggzy.core.forms import form_submit
from ggzy.experts import selectors as experts_selectors
from ggzy.tendering import opening as tendering_opening
from ggzy.tendering import policies as tendering_policies
from ggzy.tendering import selectors as tendering_selectors
from ggzy.tendering.choices import TenderStatus
from ggzy.tendering.models import Bid, TenderLot

from . import outcome, selectors, services
from .forms import (
    AnswerForm,
    CommitteeForm,
    ContractForm,
    CorrectionAnswerForm,
    ExclusionForm,
    ObjectionForm,
    PriceCorrectionForm,
    QuestionAnswerForm,
    QuestionForm,
    ReplaceForm,
    ReviewForm,
    SignForm,
    SupervisorReportForm,
    TermsForm,
    TieDrawForm,
    score_form,
)
from .models import (
    BidQuestion,
    Committee,
    Contract,
    EvaluationTerms,
    Member,
    Outcome,
    PriceCorrection,
    PublicityObjection,
    Report,
    SupervisorReport,
    TieDraw,
)


def _tender_lot(request: AuthedRequest, code: str, lot_code: str) -> TenderLot:
    tender = tendering_selectors.tender_get_for(request.user, code)
    return get_object_or_404(
        TenderLot.objects.select_related("tender__project", "lot"), tender=tender, lot__code=lot_code
    )


@capability_required(Capability.TENDER_MANAGE)
def terms(request: AuthedRequest, code: str) -> HttpResponse:
    """The owner side states the evaluation method's parameters while the tender is a draft."""
    tender = tendering_selectors.tender_get_for(request.user, code)
    if not tendering_policies.can_manage(request.user, tender):
        raise PermissionDenied
    current = EvaluationTerms.objects.filter(tender=tender).first()
    initial = (
        {
            "subject": current.subject,
            "price_weight_percent": current.price_weight_percent,
            "sme_deduction_percent": current.sme_deduction_percent,
            "criteria": TermsForm.criteria_text(current.criteria),
            "tie_break": current.tie_break,
        }
        if current
        else {}
    )
    form = TermsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        saved = form_submit(
            request,
            form,
            lambda data: services.terms_set(
                actor=request.user,
                tender=tender,
                subject=data["subject"],
                price_weight_percent=data["price_weight_percent"],
                sme_deduction_percent=data["sme_deduction_percent"] or Decimal(0),
                criteria=data["criteria"],
                tie_break=data["tie_break"],
            ),
            success=_("评标办法参数已保存，随招标文件发布后不能再修改。"),
        )
        if saved is not None:
            return redirect("evaluation:terms", code=code)
    context = {"tender": tender, "form": form, "terms": current, "editable": tender.status == TenderStatus.DRAFT}
    return render(request, "evaluation/terms.html", context)


@capability_required(Capability.TENDER_MANAGE)
def committee_form(request: AuthedRequest, code: str, lot_code: str) -> HttpResponse:
    tender_lot = _tender_lot(request, code, lot_code)
    if not tendering_policies.can_manage(request.user, tender_lot.tender):
        raise PermissionDenied
    project = tender_lot.tender.project
    candidates = accounts_selectors.users_of_organizations([project.owner_id])
    form = CommitteeForm(request.POST if request.method == "POST" else None, candidates=candidates)
    if request.method == "POST":
        formed = form_submit(
            request,
            form,
            lambda data: services.committee_form(
                actor=request.user, tender_lot=tender_lot, representatives=list(data["representatives"])
            ),
            success=_("评标委员会已组建；成员名单在中标结果确定前保密。"),
        )
        if formed is not None:
            return redirect("evaluation:committee_form", code=code, lot_code=lot_code)
    committee = selectors.committee_of(tender_lot)
    context = {
        "tender_lot": tender_lot,
        "form": form,
        "committee": committee,
        "members": committee.members.filter(is_active=True).count() if committee else 0,
        "checked_in": committee.members.filter(is_active=True, checked_in_at__isnull=False).count() if committee else 0,
        "draw": experts_selectors.complete_draw_for_lot(tender_lot.lot_id),
        "report": Report.objects.filter(committee__tender_lot=tender_lot).first(),
        "outcome": Outcome.objects.filter(tender_lot=tender_lot).select_related("winner__bidder").first(),
        "contract": Contract.objects.filter(tender_lot=tender_lot).first(),
        "contract_form": ContractForm(),
        "objections": PublicityObjection.objects.filter(tender_lot=tender_lot).select_related("objector"),
        "answer_form": AnswerForm(),
        "exclusion_form": ExclusionForm(),
        "supervisor_report": SupervisorReport.objects.filter(tender_lot=tender_lot).first(),
        "supervisor_report_form": SupervisorReportForm(),
        # seats, not names: the member list stays secret until the award (招标投标法 art. 37)
        "seats": list(committee.members.filter(is_active=True).order_by("pk")) if committee else [],
        "replace_form": ReplaceForm(),
    }
    return render(request, "evaluation/committee_form.html", context)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def member_replace(request: AuthedRequest, code: str, lot_code: str, member_id: int) -> HttpResponse:
    tender_lot = _managed_lot(request, code, lot_code)
    committee = get_object_or_404(Committee, tender_lot=tender_lot)
    member = get_object_or_404(Member, pk=member_id, committee=committee)
    form_submit(
        request,
        ReplaceForm(request.POST),
        lambda data: services.member_replace(
            actor=request.user, committee=committee, member=member, reason=data["reason"]
        ),
        success=_("已更换该成员，替补专家正在从同一排序中抽取；其签到前评审暂停。"),
        invalid=_("请填写法定的更换理由。"),
    )
    return redirect("evaluation:committee_form", code=code, lot_code=lot_code)


def _committee_of_member(request: AuthedRequest, pk: int) -> Committee:
    committee = get_object_or_404(Committee.objects.select_related("tender_lot__tender", "tender_lot__lot"), pk=pk)
    if selectors.member_of(request.user, committee) is None:
        raise Http404
    return committee


@login_required
def workspace(request: AuthedRequest, pk: int) -> HttpResponse:
    committee = _committee_of_member(request, pk)
    member = selectors.member_of(request.user, committee)
    try:
        bids = selectors.workspace_bids(request.user, committee)
    except PermissionDenied as refusal:
        bids, closed_reason = [], str(refusal)
    else:
        closed_reason = ""
    terms_row = selectors.terms_of(committee)
    criteria = [
        {**c, "band_text": services.band_text(c["bands"]) if c.get("bands") else ""}
        for c in (terms_row.criteria if terms_row else [])
    ]
    own_reviews = selectors.reviews_of(member)
    own_points = selectors.points_of(member)
    questions = selectors.questions_of(committee)
    price_corrections = selectors.corrections_of(committee)
    rows = [
        {
            "correction": price_corrections.get(item.bid.pk),
            "item": item,
            "review": own_reviews.get(item.bid.pk),
            "points": own_points.get(item.bid.pk, {}),
            "questions": questions.get(item.bid.pk, []),
        }
        for item in bids
    ]
    report = Report.objects.filter(committee=committee).first()
    context = {
        "committee": committee,
        "member": member,
        "rows": rows,
        "closed_reason": closed_reason,
        "fields": committee.tender_lot.tender.opening_fields,
        "criteria": criteria,
        "review_form": ReviewForm(),
        "sign_form": SignForm(),
        "question_form": QuestionForm(),
        "results": selectors.results(committee) if bids else None,
        "report": report,
        "signed": report.signatures.filter(member=member).exists() if report and member else False,
        "tie_draw_pending": selectors.tie_draw_pending(committee),
        "tie_draw_form": TieDrawForm(),
        "correction_form": PriceCorrectionForm(),
    }
    return render(request, "evaluation/workspace.html", context)


@login_required
@require_POST
def check_in(request: AuthedRequest, pk: int) -> HttpResponse:
    committee = _committee_of_member(request, pk)
    form_submit(
        request,
        None,
        lambda _data: services.member_check_in(actor=request.user, committee=committee),
        success=_("已签到。"),
    )
    return redirect("evaluation:workspace", pk=pk)


@login_required
def bid_file(request: AuthedRequest, pk: int, bid_id: int, name: str) -> FileResponse:
    committee = _committee_of_member(request, pk)
    for item in selectors.workspace_bids(request.user, committee):
        if item.bid.pk == bid_id and any(str(path) == name for path in item.files):
            path = tendering_opening.opened_dir(item.bid) / "files" / name
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return FileResponse(path.open("rb"), as_attachment=True, filename=path.name, content_type=content_type)
    raise Http404


def _workspace_bid(committee: Committee, bid_id: int) -> Bid:
    bid = next((b for b in tendering_selectors.decrypted_bids(committee.tender_lot) if b.pk == bid_id), None)
    if bid is None:
        raise Http404
    return bid


@login_required
@require_POST
def review(request: AuthedRequest, pk: int, bid_id: int) -> HttpResponse:
    committee = _committee_of_member(request, pk)
    bid = _workspace_bid(committee, bid_id)
    form_submit(
        request,
        ReviewForm(request.POST),
        lambda data: services.review_record(
            actor=request.user,
            committee=committee,
            bid=bid,
            compliant=data["compliant"],
            ground=data["ground"],
            reason=data["reason"],
        ),
        success=_("审查意见已记录。"),
        invalid=_("请选择审查结论。"),
    )
    return redirect("evaluation:workspace", pk=pk)


@login_required
@require_POST
def score(request: AuthedRequest, pk: int, bid_id: int) -> HttpResponse:
    committee = _committee_of_member(request, pk)
    bid = _workspace_bid(committee, bid_id)
    terms_row = selectors.terms_of(committee)
    form = score_form(terms_row.criteria if terms_row else [], request.POST)
    form_submit(
        request,
        form,
        lambda data: services.score_record(actor=request.user, committee=committee, bid=bid, points=dict(data)),
        success=_("评分已记录。"),
        invalid=_("请按每个评审因素的分值范围打分。"),
    )
    return redirect("evaluation:workspace", pk=pk)


@login_required
@require_POST
def report_draft(request: AuthedRequest, pk: int) -> HttpResponse:
    committee = _committee_of_member(request, pk)
    form_submit(
        request,
        None,
        lambda _data: services.report_draft(actor=request.user, committee=committee),
        success=_("评标报告已生成，请各位成员签字。"),
    )
    return redirect("evaluation:workspace", pk=pk)


@login_required
@require_POST
def price_correction(request: AuthedRequest, pk: int, bid_id: int) -> HttpResponse:
    committee = _committee_of_member(request, pk)
    bid = _workspace_bid(committee, bid_id)
    form = PriceCorrectionForm(request.POST)
    form_submit(
        request,
        form,
        lambda data: services.price_correction_record(
            actor=request.user, committee=committee, bid=bid, data=data["price_data"]
        ),
        success=_("报价已按规则修正，已通知投标人书面确认。"),
        invalid=_("报价数据不完整或格式不正确。"),
    )
    for message in form.non_field_errors():
        messages.error(request, str(message))
    return redirect("evaluation:workspace", pk=pk)


@login_required
@require_POST
def tie_draw_request(request: AuthedRequest, pk: int) -> HttpResponse:
    committee = _committee_of_member(request, pk)
    form_submit(
        request,
        None,
        lambda _data: services.tie_draw_request(actor=request.user, committee=committee),
        success=_("已公布种子承诺值，请在场人员输入随机数后抽签。"),
    )
    return redirect("evaluation:workspace", pk=pk)


@login_required
@require_POST
def tie_draw_run(request: AuthedRequest, pk: int, draw_id: int) -> HttpResponse:
    committee = _committee_of_member(request, pk)
    draw = get_object_or_404(TieDraw, pk=draw_id, committee=committee)
    form_submit(
        request,
        TieDrawForm(request.POST),
        lambda data: services.tie_draw_run(actor=request.user, draw=draw, witness_text=data["witness_text"]),
        success=_("抽签完成，并列名次已确定。"),
        invalid=_("请输入随机数。"),
    )
    return redirect("evaluation:workspace", pk=pk)


@login_required
@require_POST
def report_sign(request: AuthedRequest, pk: int) -> HttpResponse:
    committee = _committee_of_member(request, pk)
    report = get_object_or_404(Report, committee=committee)
    form_submit(
        request,
        SignForm(request.POST),
        lambda data: services.report_sign(
            actor=request.user, report=report, agree=data["agree"], dissent=data["dissent"]
        ),
        success=_("已签字。"),
        invalid=_("请选择是否同意评标结果。"),
    )
    return redirect("evaluation:workspace", pk=pk)


def _managed_lot(request: AuthedRequest, code: str, lot_code: str) -> TenderLot:
    tender_lot = _tender_lot(request, code, lot_code)
    if not tendering_policies.can_manage(request.user, tender_lot.tender):
        raise PermissionDenied
    return tender_lot


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def report_close(request: AuthedRequest, code: str, lot_code: str) -> HttpResponse:
    tender_lot = _managed_lot(request, code, lot_code)
    report = get_object_or_404(Report, committee__tender_lot=tender_lot)
    form_submit(
        request,
        None,
        lambda _data: services.report_close(actor=request.user, report=report),
        success=_("未签字且未书面说明理由的成员已记为同意，评标报告完成。"),
    )
    return redirect("evaluation:committee_form", code=code, lot_code=lot_code)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def publicity(request: AuthedRequest, code: str, lot_code: str) -> HttpResponse:
    tender_lot = _managed_lot(request, code, lot_code)
    form_submit(
        request,
        None,
        lambda _data: outcome.publicity_start(actor=request.user, tender_lot=tender_lot),
        success=_("中标候选人已公示。"),
    )
    return redirect("evaluation:committee_form", code=code, lot_code=lot_code)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def award(request: AuthedRequest, code: str, lot_code: str) -> HttpResponse:
    tender_lot = _managed_lot(request, code, lot_code)
    form_submit(
        request,
        None,
        lambda _data: outcome.award_decide(actor=request.user, tender_lot=tender_lot),
        success=_("中标人已确定，中标通知书和中标结果已同时发出。"),
    )
    return redirect("evaluation:committee_form", code=code, lot_code=lot_code)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def contract(request: AuthedRequest, code: str, lot_code: str) -> HttpResponse:
    tender_lot = _managed_lot(request, code, lot_code)
    form_submit(
        request,
        ContractForm(request.POST),
        lambda data: outcome.contract_register(
            actor=request.user,
            tender_lot=tender_lot,
            signed_on=data["signed_on"],
            amount_fen=int(data["amount"] * 100),
        ),
        success=_("合同已登记。"),
        invalid=_("请填写签订日期和合同金额。"),
    )
    return redirect("evaluation:committee_form", code=code, lot_code=lot_code)


@public
def result(request: HttpRequest, code: str, lot_code: str) -> HttpResponse:
    """The lot's publicity and result as everyone may see them; bidders object here."""
    tender = tendering_selectors.tender_get_for(request.user, code)
    tender_lot = get_object_or_404(TenderLot.objects.select_related("lot"), tender=tender, lot__code=lot_code)
    outcome_row = Outcome.objects.filter(tender_lot=tender_lot).select_related("winner__bidder").first()
    is_bidder = has(request.user, Capability.BID_SUBMIT) and tendering_selectors.is_lot_bidder(request.user, tender_lot)
    context = {
        "tender_lot": tender_lot,
        "outcome": outcome_row,
        "candidates": selectors.public_candidates(tender_lot),
        "can_object": is_bidder and outcome_row is not None and outcome_row.stage == "publicity",
        "form": ObjectionForm(),
    }
    return render(request, "evaluation/result.html", context)


@capability_required(Capability.BID_SUBMIT)
@require_POST
def objection_raise(request: AuthedRequest, code: str, lot_code: str) -> HttpResponse:
    tender_lot = _tender_lot(request, code, lot_code)
    form_submit(
        request,
        ObjectionForm(request.POST),
        lambda data: outcome.publicity_objection_raise(actor=request.user, tender_lot=tender_lot, text=data["text"]),
        success=_("异议已提交；答复前暂停确定中标人。"),
        invalid=_("请填写异议内容。"),
    )
    return redirect("evaluation:result", code=code, lot_code=lot_code)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def objection_answer(request: AuthedRequest, code: str, lot_code: str, pk: int) -> HttpResponse:
    tender_lot = _managed_lot(request, code, lot_code)
    objection = get_object_or_404(PublicityObjection, pk=pk, tender_lot=tender_lot)
    form_submit(
        request,
        AnswerForm(request.POST),
        lambda data: outcome.publicity_objection_answer(actor=request.user, objection=objection, answer=data["answer"]),
        success=_("异议已答复。"),
        invalid=_("请填写答复内容。"),
    )
    return redirect("evaluation:committee_form", code=code, lot_code=lot_code)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def candidate_exclude(request: AuthedRequest, code: str, lot_code: str, bid_id: int) -> HttpResponse:
    tender_lot = _managed_lot(request, code, lot_code)
    bid = get_object_or_404(Bid, pk=bid_id, tender_lot=tender_lot)
    form_submit(
        request,
        ExclusionForm(request.POST),
        lambda data: outcome.candidate_exclude(
            actor=request.user, tender_lot=tender_lot, bid=bid, reason=data["reason"]
        ),
        success=_("已记录；将由排名下一位的候选人递补。"),
        invalid=_("请写明原因。"),
    )
    return redirect("evaluation:committee_form", code=code, lot_code=lot_code)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def supervisor_report(request: AuthedRequest, code: str, lot_code: str) -> HttpResponse:
    tender_lot = _managed_lot(request, code, lot_code)
    form_submit(
        request,
        SupervisorReportForm(request.POST),
        lambda data: outcome.supervisor_report_file(actor=request.user, tender_lot=tender_lot, summary=data["summary"]),
        success=_("书面报告已提交行政监督部门。"),
        invalid=_("请填写报告内容。"),
    )
    return redirect("evaluation:committee_form", code=code, lot_code=lot_code)


@login_required
@require_POST
def reject_all(request: AuthedRequest, pk: int) -> HttpResponse:
    committee = _committee_of_member(request, pk)
    form_submit(
        request,
        ExclusionForm(request.POST),
        lambda data: services.committee_reject_all(actor=request.user, committee=committee, reason=data["reason"]),
        success=_("否决全部投标的评标报告已生成，请各位成员签字。"),
        invalid=_("请写明否决全部投标的理由。"),
    )
    return redirect("evaluation:workspace", pk=pk)


@login_required
@require_POST
def more_time(request: AuthedRequest, pk: int) -> HttpResponse:
    committee = _committee_of_member(request, pk)
    form_submit(
        request,
        None,
        lambda _data: services.time_insufficient(actor=request.user, committee=committee),
        success=_("已记录。超过三分之一的成员认为评标时间不够的，评标时间将延长。"),
    )
    return redirect("evaluation:workspace", pk=pk)


@login_required
@require_POST
def question_ask(request: AuthedRequest, pk: int, bid_id: int) -> HttpResponse:
    committee = _committee_of_member(request, pk)
    bid = _workspace_bid(committee, bid_id)
    form_submit(
        request,
        QuestionForm(request.POST),
        lambda data: services.question_ask(actor=request.user, committee=committee, bid=bid, question=data["question"]),
        success=_("澄清问题已发给投标人。"),
        invalid=_("请填写澄清问题。"),
    )
    return redirect("evaluation:workspace", pk=pk)


@capability_required(Capability.BID_SUBMIT)
def my_questions(request: AuthedRequest) -> HttpResponse:
    context = {
        "questions": selectors.questions_for_bidder(request.user),
        "form": QuestionAnswerForm(),
        "corrections": selectors.corrections_for_bidder(request.user),
        "correction_answer_form": CorrectionAnswerForm(),
    }
    return render(request, "evaluation/my_questions.html", context)


@capability_required(Capability.BID_SUBMIT)
@require_POST
def correction_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    correction = get_object_or_404(PriceCorrection, pk=pk, bid__bidder_id=request.user.organization_id)
    form_submit(
        request,
        CorrectionAnswerForm(request.POST),
        lambda data: services.price_correction_answer(
            actor=request.user, correction=correction, confirm=data["confirm"]
        ),
        success=_("答复已提交。"),
        invalid=_("请选择是否确认修正后的报价。"),
    )
    return redirect("evaluation:my_questions")


@capability_required(Capability.BID_SUBMIT)
@require_POST
def question_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(BidQuestion, pk=pk, bid__bidder_id=request.user.organization_id)
    form_submit(
        request,
        QuestionAnswerForm(request.POST),
        lambda data: services.question_answer(actor=request.user, question=question, answer=data["answer"]),
        success=_("澄清答复已提交。"),
        invalid=_("请填写澄清答复。"),
    )
    return redirect("evaluation:my_questions")
