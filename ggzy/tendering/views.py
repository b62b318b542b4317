"""Pages of the tendering app."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import bidtool
from ggzy.accounts.decorators import AuthedRequest, capability_required, public
from ggzy.accounts.policies import Capability, has
from ggzy.core import clock
from ggzy.core.forms import form_submit
from ggzy.core.http import client_address
from ggzy.projects import selectors as project_selectors

from . import bids, clarifications, deposits, opening, policies, reserve, selectors, services
from .choices import BidStatus, KeyKind, LotStatus, OpeningOutcome, TenderStatus
from .forms import (
    AnswerForm,
    BackupForm,
    BidderKeyForm,
    BidUploadForm,
    CancelForm,
    ClarificationForm,
    ContentKeyForm,
    DocumentForm,
    LotTermsForm,
    NotDecryptedForm,
    ObjectionForm,
    ReservePriceForm,
    ReservePriceKeyForm,
    TenderForm,
)
from .models import Bid, BidderKey, DocumentObjection, OpeningObjection, ReservePrice, Tender, TenderLot


def _beijing(moment: dt.datetime) -> dt.datetime:
    """A datetime-local input is Beijing time."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=clock.BEIJING)


def _managed_tender(request: AuthedRequest, code: str) -> Tender:
    """A tender the user's organization runs (its owner or agent); anyone else is refused."""
    tender = selectors.tender_get_for(request.user, code)
    if not policies.can_manage(request.user, tender):
        raise PermissionDenied
    return tender


@public
def tender_list(request: HttpRequest) -> HttpResponse:
    return render(request, "tendering/tender_list.html", {"tenders": selectors.tenders_public()[:100]})


@public
def tender_detail(request: HttpRequest, code: str) -> HttpResponse:
    tender = selectors.tender_get_for(request.user, code)
    context = {
        "tender": tender,
        "can_manage": policies.can_manage(request.user, tender),
        "can_cancel": tender.can_cancel() and policies.can_manage(request.user, tender),
        "cancel_form": CancelForm(),
        "can_bid": has(request.user, Capability.BID_SUBMIT) and tender.status == TenderStatus.PUBLISHED,
        "is_bidder": has(request.user, Capability.BID_SUBMIT),
        "downloads": selectors.downloads_visible(user=request.user, tender=tender),
        "document_form": DocumentForm(),
        "clarifications": tender.clarifications.order_by("number"),
        "clarification_form": ClarificationForm(),
        "objection_form": ObjectionForm(),
        "answer_form": AnswerForm(),
        "document_objections": selectors.document_objections_visible(user=request.user, tender=tender),
    }
    return render(request, "tendering/tender_detail.html", context)


@public
def document_download(request: HttpRequest, code: str, document_id: int) -> FileResponse:
    tender = selectors.tender_get_for(request.user, code)
    document = selectors.document_get_public(tender=tender, document_id=document_id)
    path = services.document_path(document)
    if not path.exists():
        raise Http404
    services.document_download_record(user=request.user, document=document)
    response = FileResponse(path.open("rb"), as_attachment=True, filename=document.name)
    response["X-Content-SHA256"] = document.sha256
    return response


@capability_required(Capability.TENDER_MANAGE)
def tender_create(request: AuthedRequest, deal_code: str) -> HttpResponse:
    project = project_selectors.project_get_for(request.user, deal_code)
    if not policies.can_manage_project(request.user, project):
        raise PermissionDenied
    lots = list(project.lots.all())
    form = TenderForm(request.POST or None, initial={"title": _("{name}招标公告").format(name=project.name)})
    lot_forms = [LotTermsForm(request.POST or None, prefix=f"lot{lot.pk}") for lot in lots]

    def create(data: dict[str, Any]) -> Tender:
        terms = [
            services.LotTerms(
                lot=lot,
                bid_security_fen=lot_form.cleaned_data["bid_security"] or 0,
                ceiling_price_fen=lot_form.cleaned_data["ceiling_price"],
            )
            for lot, lot_form in zip(lots, lot_forms, strict=True)
            if lot_form.cleaned_data["include"]
        ]
        return services.tender_create(
            actor=request.user,
            project=project,
            lots=terms,
            title=data["title"],
            notice_body=data["notice_body"],
            evaluation_method=data["evaluation_method"],
            bid_deadline=_beijing(data["bid_deadline"]),
            bid_validity_days=data["bid_validity_days"],
        )

    if request.method == "POST" and form.is_valid() and all(f.is_valid() for f in lot_forms):
        tender = form_submit(request, form, create, success=_("招标公告草稿已保存，请上传招标文件后发布。"))
        if tender is not None:
            return redirect("tendering:detail", code=tender.code)
    context = {"project": project, "form": form, "lot_forms": list(zip(lots, lot_forms, strict=True))}
    return render(request, "tendering/tender_form.html", context)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def document_upload(request: AuthedRequest, code: str) -> HttpResponse:
    tender = _managed_tender(request, code)
    form_submit(
        request,
        DocumentForm(request.POST, request.FILES),
        lambda data: services.tender_document_add(
            actor=request.user, tender=tender, name=data["file"].name, content=data["file"].read()
        ),
        success=_("招标文件已上传。"),
        invalid=_("请选择要上传的文件。"),
    )
    return redirect("tendering:detail", code=tender.code)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def tender_publish(request: AuthedRequest, code: str) -> HttpResponse:
    tender = _managed_tender(request, code)
    form_submit(
        request,
        None,
        lambda _data: services.tender_publish(actor=request.user, tender=tender),
        success=_("招标公告已发布，招标文件即时可供下载。"),
    )
    return redirect("tendering:detail", code=tender.code)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def tender_cancel(request: AuthedRequest, code: str) -> HttpResponse:
    """The owner side terminates the tender with its reason (终止招标)."""
    tender = _managed_tender(request, code)
    form_submit(
        request,
        CancelForm(request.POST),
        lambda data: services.tender_cancel(actor=request.user, tender=tender, reason=data["reason"]),
        success=_("招标已终止，终止公告已发布，已通知潜在投标人；已收取的投标保证金进入退还流程。"),
        invalid=_("请填写终止招标的原因。"),
    )
    return redirect("tendering:detail", code=tender.code)


def _uploaded_path(upload: UploadedFile, directory: str) -> Path:
    if isinstance(upload, TemporaryUploadedFile):
        return Path(upload.temporary_file_path())
    path = Path(directory) / "upload.gbid"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


@capability_required(Capability.BID_SUBMIT, Capability.TENDER_MANAGE)
def bidder_keys(request: AuthedRequest) -> HttpResponse:
    form = BidderKeyForm(request.POST or None)
    if request.method == "POST":
        key = form_submit(
            request, form, lambda data: bids.bidder_key_register(actor=request.user, **data), success=_("公钥已登记。")
        )
        if key is not None:
            return redirect("tendering:keys")
    organization_id = request.user.organization_id
    assert organization_id is not None
    keys = BidderKey.objects.filter(organization_id=organization_id).order_by("-registered_at")
    context = {"form": form, "keys": keys, "seals_reserve_price": has(request.user, Capability.TENDER_MANAGE)}
    return render(request, "tendering/bidder_keys.html", context)


@capability_required(Capability.BID_SUBMIT)
def bid_submit(request: AuthedRequest, code: str, lot_code: str) -> HttpResponse:
    tender = selectors.tender_get_for(request.user, code)
    tender_lot = get_object_or_404(tender.tender_lots.select_related("lot"), lot__code=lot_code)
    form = BidUploadForm(request.POST or None, request.FILES or None)

    def submit(data: dict[str, Any]) -> Bid:
        with tempfile.TemporaryDirectory() as directory:
            return bids.bid_submit(
                actor=request.user,
                tender_lot=tender_lot,
                envelope=_uploaded_path(data["envelope"], directory),
                client_address=client_address(request),
                client_fingerprint=data["fingerprint"],
            )

    if request.method == "POST":
        bid = form_submit(
            request,
            form,
            submit,
            success=lambda bid: _("投标文件已递交，平台接收时间 {time}。请保存回执。").format(
                time=clock.local(bid.received_at).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
            ),
        )
        if bid is not None:
            return redirect("tendering:my_bids", code=tender.code)
    organization = request.user.organization
    assert organization is not None
    # For sealing in the browser: the bid is sealed to the key the platform will check it against.
    sealing_key = bids.active_key(organization_id=organization.pk, kind=KeyKind.SEALING)
    signing_key = bids.active_key(organization_id=organization.pk, kind=KeyKind.SIGNING)
    context = {
        "tender": tender,
        "tender_lot": tender_lot,
        "form": form,
        "lot_code": tender_lot.lot.code,
        "uscc": organization.uscc,
        "opening_fields": tender.opening_fields,
        "sealing_jwk": (
            bidtool.public_key_to_jwk(bidtool.load_public_key(sealing_key.public_key_pem), "enc")
            if sealing_key is not None
            else None
        ),
        "signing_key_id": signing_key.key_id if signing_key is not None else "",
    }
    return render(request, "tendering/bid_submit.html", context)


@capability_required(Capability.BID_SUBMIT)
def my_bids(request: AuthedRequest, code: str) -> HttpResponse:
    tender = selectors.tender_get_for(request.user, code)
    organization_id = request.user.organization_id
    assert organization_id is not None
    context = {"tender": tender, "bids": bids.bids_of(organization_id=organization_id, tender=tender)}
    return render(request, "tendering/my_bids.html", context)


@capability_required(Capability.BID_SUBMIT)
@require_POST
def bid_withdraw(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    tender = selectors.tender_get_for(request.user, code)
    organization_id = request.user.organization_id
    assert organization_id is not None
    bid = get_object_or_404(bids.bids_of(organization_id=organization_id, tender=tender), pk=pk)
    form_submit(
        request, None, lambda _data: bids.bid_withdraw(actor=request.user, bid=bid), success=_("投标文件已撤回。")
    )
    return redirect("tendering:my_bids", code=tender.code)


def _lot_of(tender: Tender, lot_code: str) -> TenderLot:
    return get_object_or_404(tender.tender_lots.select_related("lot"), lot__code=lot_code)


@public
def opening_room(request: HttpRequest, code: str, lot_code: str) -> HttpResponse:
    tender = selectors.tender_get_for(request.user, code)
    tender_lot = _lot_of(tender, lot_code)
    organization_id = getattr(request.user, "organization_id", None)
    own_bid = None
    if organization_id is not None and has(request.user, Capability.BID_SUBMIT):
        own_bid = tender_lot.bids.filter(bidder_id=organization_id, status=BidStatus.SUBMITTED).first()
    can_manage = policies.can_manage(request.user, tender)
    hosting = can_manage and tender_lot.status == LotStatus.DECRYPTING
    context = {
        "tender": tender,
        "tender_lot": tender_lot,
        "own_bid": own_bid,
        "can_manage": can_manage,
        # The host's desk: the sealed reserve price and, while the window is open, the bids to decide.
        "reserve": selectors.reserve_price_get(tender_lot) if can_manage else None,
        "host_bids": [
            (bid, NotDecryptedForm(auto_id=f"not-decrypted-{bid.pk}-%s"))
            for bid in (bids.live_bids(tender_lot).select_related("bidder") if hosting else [])
        ],
        "reserve_key_form": ReservePriceKeyForm(),
        "objections": tender_lot.opening_objections.select_related("bidder") if tender_lot.opened_at else [],
        "confirmations": tender_lot.opening_confirmations.count(),
        "outcomes": dict(OpeningOutcome.choices),
        "key_form": ContentKeyForm(),
        "backup_form": BackupForm(),
        "objection_form": ObjectionForm(),
        "answer_form": AnswerForm(),
    }
    return render(request, "tendering/opening_room.html", context)


def _own_bid(request: AuthedRequest, code: str, pk: int) -> Bid:
    tender = selectors.tender_get_for(request.user, code)
    organization_id = request.user.organization_id
    assert organization_id is not None
    return get_object_or_404(bids.bids_of(organization_id=organization_id, tender=tender), pk=pk)


@capability_required(Capability.BID_SUBMIT)
@require_POST
def bid_unseal(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    bid = _own_bid(request, code, pk)
    form_submit(
        request,
        ContentKeyForm(request.POST),
        lambda data: opening.bid_unseal(actor=request.user, bid=bid, content_key=data["content_key"]),
        success=_("解密成功，明文与回执中的承诺值一致。"),
        invalid=_("请填写内容密钥。"),
    )
    return redirect("tendering:opening", code=code, lot_code=bid.tender_lot.lot.code)


@capability_required(Capability.BID_SUBMIT)
@require_POST
def bid_unseal_backup(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    bid = _own_bid(request, code, pk)

    def unseal(data: dict[str, Any]) -> Bid:
        with tempfile.TemporaryDirectory() as directory:
            return opening.bid_unseal_backup(
                actor=request.user,
                bid=bid,
                backup=_uploaded_path(data["backup"], directory),
                content_key=data["content_key"],
            )

    form_submit(
        request,
        BackupForm(request.POST, request.FILES),
        unseal,
        success=_("备用文件与回执中的承诺值一致，已解密。"),
        invalid=_("请选择备用文件。"),
    )
    return redirect("tendering:opening", code=code, lot_code=bid.tender_lot.lot.code)


@capability_required(Capability.BID_SUBMIT)
@require_POST
def opening_respond(request: AuthedRequest, code: str, lot_code: str) -> HttpResponse:
    tender = selectors.tender_get_for(request.user, code)
    tender_lot = _lot_of(tender, lot_code)
    if request.POST.get("action") == "confirm":
        form_submit(
            request,
            None,
            lambda _data: opening.opening_confirm(actor=request.user, tender_lot=tender_lot),
            success=_("已确认开标记录。"),
        )
    else:
        form_submit(
            request,
            ObjectionForm(request.POST),
            lambda data: opening.opening_objection_raise(actor=request.user, tender_lot=tender_lot, text=data["text"]),
            success=_("异议已提交，招标人将在线答复。"),
            invalid=_("请填写异议内容。"),
        )
    return redirect("tendering:opening", code=code, lot_code=lot_code)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def opening_answer(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    tender = _managed_tender(request, code)
    objection = get_object_or_404(
        OpeningObjection.objects.select_related("tender_lot__lot"), pk=pk, tender_lot__tender=tender
    )
    form_submit(
        request,
        AnswerForm(request.POST),
        lambda data: opening.opening_objection_answer(actor=request.user, objection=objection, answer=data["answer"]),
        success=_("答复已记录。"),
        invalid=_("请填写答复内容。"),
    )
    return redirect("tendering:opening", code=code, lot_code=objection.tender_lot.lot.code)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def clarification_issue(request: AuthedRequest, code: str) -> HttpResponse:
    tender = _managed_tender(request, code)
    form_submit(
        request,
        ClarificationForm(request.POST),
        lambda data: clarifications.clarification_issue(
            actor=request.user,
            tender=tender,
            body=data["body"],
            new_deadline=_beijing(data["new_deadline"]) if data["new_deadline"] is not None else None,
        ),
        success=_("澄清或修改已发布。"),
        invalid=_("请填写澄清或修改的内容。"),
    )
    return redirect("tendering:detail", code=code)


@capability_required(Capability.BID_SUBMIT)
@require_POST
def document_objection_raise(request: AuthedRequest, code: str) -> HttpResponse:
    tender = selectors.tender_get_for(request.user, code)
    form_submit(
        request,
        ObjectionForm(request.POST),
        lambda data: clarifications.objection_raise(actor=request.user, tender=tender, text=data["text"]),
        success=_("异议已提交；答复前招标活动暂停。"),
        invalid=_("请填写异议内容。"),
    )
    return redirect("tendering:detail", code=code)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def document_objection_answer(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    tender = _managed_tender(request, code)
    objection = get_object_or_404(DocumentObjection, pk=pk, tender=tender)
    form_submit(
        request,
        AnswerForm(request.POST),
        lambda data: clarifications.objection_answer(actor=request.user, objection=objection, answer=data["answer"]),
        success=_("答复已记录。"),
        invalid=_("请填写答复内容。"),
    )
    return redirect("tendering:detail", code=code)


@capability_required(Capability.BID_SUBMIT)
def my_envelope_download(request: AuthedRequest, code: str, pk: int) -> FileResponse:
    """The bidder's own sealed envelope as the platform holds it, e.g. to unwrap its content key at
    the opening in the browser. Only ciphertext: anyone else's bid is a 404."""
    bid = _own_bid(request, code, pk)
    path = bids.bid_path(bid)
    if not path.exists():
        raise Http404
    filename = f"{code}-{bid.tender_lot.lot.code}-{bid.pk}.gbid"
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename)


@capability_required(Capability.BID_SUBMIT)
def my_securities(request: AuthedRequest, code: str) -> HttpResponse:
    """What security each lot asks of this bidder, how to pay it, and what the bank has confirmed."""
    tender = selectors.tender_get_for(request.user, code)
    organization = request.user.organization
    assert organization is not None
    securities = selectors.with_refund_statements(
        selectors.securities_of(organization_id=organization.pk, tender=tender)
    )
    bid_lots = {
        bid.tender_lot_id
        for bid in bids.bids_of(organization_id=organization.pk, tender=tender)
        if bid.status == BidStatus.SUBMITTED
    }
    lots = [
        {
            "tender_lot": item,
            "securities": [pair for pair in securities if pair[0].tender_lot_id == item.pk],
            "has_bid": item.pk in bid_lots,
        }
        for item in tender.tender_lots.all()
    ]
    context = {"tender": tender, "lots": lots, "uscc": organization.uscc}
    return render(request, "tendering/my_securities.html", context)


@capability_required(Capability.TENDER_MANAGE)
def securities(request: AuthedRequest, code: str) -> HttpResponse:
    """The owner side's view of bid security per lot; who paid stays hidden until the deadline."""
    tender = _managed_tender(request, code)
    visible = selectors.securities_visible(user=request.user, tender=tender)
    paid = selectors.with_refund_statements(visible) if visible is not None else []
    lots = [
        {"tender_lot": item, "securities": [pair for pair in paid if pair[0].tender_lot_id == item.pk]}
        for item in tender.tender_lots.all()
    ]
    disclosed = visible is not None
    late = deposits.securities_overdue().filter(tender_lot__tender=tender).count() if disclosed else 0
    short = deposits.securities_refunded_short().filter(tender_lot__tender=tender).count() if disclosed else 0
    context = {"tender": tender, "lots": lots, "disclosed": disclosed, "overdue": late, "short": short}
    return render(request, "tendering/securities.html", context)


@capability_required(Capability.TENDER_MANAGE)
def reserve_price(request: AuthedRequest, code: str, lot_code: str) -> HttpResponse:
    """The owner side seals the reserve price (标底) of a lot before the deadline, like a bid."""
    tender = _managed_tender(request, code)
    tender_lot = _lot_of(tender, lot_code)
    form = ReservePriceForm(request.POST or None, request.FILES or None)

    def submit(data: dict[str, Any]) -> ReservePrice:
        with tempfile.TemporaryDirectory() as directory:
            return reserve.reserve_price_submit(
                actor=request.user, tender_lot=tender_lot, envelope=_uploaded_path(data["envelope"], directory)
            )

    if request.method == "POST":
        submitted = form_submit(request, form, submit, success=_("标底已密封递交，平台只保存密文。"))
        if submitted is not None:
            return redirect("tendering:reserve_price", code=tender.code, lot_code=tender_lot.lot.code)
    organization = request.user.organization
    assert organization is not None
    stored = selectors.reserve_price_get(tender_lot)
    context = {
        "tender": tender,
        "tender_lot": tender_lot,
        "reserve": stored,
        "form": form,
        "key_form": ReservePriceKeyForm(),
        "uscc": organization.uscc,
        "keys_ready": all(
            bids.active_key(organization_id=organization.pk, kind=kind) is not None for kind in KeyKind.values
        ),
        "can_submit": tender.status in (TenderStatus.DRAFT, TenderStatus.PUBLISHED)
        and clock.now() < tender.bid_deadline,
        "can_unseal": stored is not None and stored.opened_at is None and tender_lot.status == LotStatus.DECRYPTING,
    }
    return render(request, "tendering/reserve_price.html", context)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def reserve_price_unseal(request: AuthedRequest, code: str, lot_code: str) -> HttpResponse:
    tender = _managed_tender(request, code)
    tender_lot = _lot_of(tender, lot_code)
    form_submit(
        request,
        ReservePriceKeyForm(request.POST),
        lambda data: reserve.reserve_price_unseal(
            actor=request.user, tender_lot=tender_lot, content_key=data["content_key"]
        ),
        success=_("标底已解密，将在开标记录中读出。"),
        invalid=_("请填写内容密钥。"),
    )
    return redirect("tendering:opening", code=tender.code, lot_code=tender_lot.lot.code)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def bid_mark_not_decrypted(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    """The host records that a bid could not be decrypted through no fault of its bidder (撤回)."""
    tender = _managed_tender(request, code)
    bid = get_object_or_404(Bid.objects.select_related("tender_lot__lot"), pk=pk, tender_lot__tender=tender)
    form_submit(
        request,
        NotDecryptedForm(request.POST),
        lambda data: opening.bid_mark_not_decrypted(actor=request.user, bid=bid, reason=data["reason"]),
        success=_("已认定该投标文件因非投标人原因未解密（撤回），原因已记入见证日志。"),
        invalid=_("请写明非投标人原因。"),
    )
    return redirect("tendering:opening", code=tender.code, lot_code=bid.tender_lot.lot.code)
