"""Pages of the tendering app."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import bidtool
from ggzy.accounts.decorators import AuthedRequest, capability_required, public
from ggzy.accounts.policies import Capability, has
from ggzy.core import clock
from ggzy.core.forms import apply_errors
from ggzy.core.http import client_address
from ggzy.projects import selectors as project_selectors

from . import bids, clarifications, opening, policies, selectors, services
from .choices import BidStatus, KeyKind, OpeningOutcome, TenderStatus
from .forms import (
    AnswerForm,
    BackupForm,
    BidderKeyForm,
    BidUploadForm,
    ClarificationForm,
    ContentKeyForm,
    DocumentForm,
    LotTermsForm,
    ObjectionForm,
    TenderForm,
)
from .models import Bid, BidderKey, DocumentObjection, OpeningObjection, Tender, TenderLot


@public
def tender_list(request: HttpRequest) -> HttpResponse:
    return render(request, "tendering/tender_list.html", {"tenders": selectors.tenders_public()[:100]})


@public
def tender_detail(request: HttpRequest, code: str) -> HttpResponse:
    tender = selectors.tender_get_for(request.user, code)
    context = {
        "tender": tender,
        "can_manage": policies.can_manage(request.user, tender),
        "can_bid": has(request.user, Capability.BID_SUBMIT) and tender.status == TenderStatus.PUBLISHED,
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
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for f in lot_forms):
        data = form.cleaned_data
        deadline = data["bid_deadline"]
        if deadline.tzinfo is None:
            deadline = deadline.replace(tzinfo=clock.BEIJING)
        terms = [
            services.LotTerms(
                lot=lot,
                bid_security_fen=lot_form.cleaned_data["bid_security"] or 0,
                ceiling_price_fen=lot_form.cleaned_data["ceiling_price"],
            )
            for lot, lot_form in zip(lots, lot_forms, strict=True)
            if lot_form.cleaned_data["include"]
        ]
        try:
            tender = services.tender_create(
                actor=request.user,
                project=project,
                lots=terms,
                title=data["title"],
                notice_body=data["notice_body"],
                evaluation_method=data["evaluation_method"],
                bid_deadline=deadline,
                bid_validity_days=data["bid_validity_days"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            for message in exc.message_dict.get("lots", []) + exc.message_dict.get("project", []):
                form.add_error(None, message)
        else:
            messages.success(request, _("招标公告草稿已保存，请上传招标文件后发布。"))
            return redirect("tendering:detail", code=tender.code)
    context = {"project": project, "form": form, "lot_forms": list(zip(lots, lot_forms, strict=True))}
    return render(request, "tendering/tender_form.html", context)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def document_upload(request: AuthedRequest, code: str) -> HttpResponse:
    tender = selectors.tender_get_for(request.user, code)
    if not policies.can_manage(request.user, tender):
        raise PermissionDenied
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.tender_document_add(actor=request.user, tender=tender, name=upload.name, content=upload.read())
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("招标文件已上传。"))
    else:
        messages.error(request, _("请选择要上传的文件。"))
    return redirect("tendering:detail", code=tender.code)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def tender_publish(request: AuthedRequest, code: str) -> HttpResponse:
    tender = selectors.tender_get_for(request.user, code)
    if not policies.can_manage(request.user, tender):
        raise PermissionDenied
    try:
        services.tender_publish(actor=request.user, tender=tender)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("招标公告已发布，招标文件即时可供下载。"))
    return redirect("tendering:detail", code=tender.code)


def _uploaded_path(upload: UploadedFile, directory: str) -> Path:
    if isinstance(upload, TemporaryUploadedFile):
        return Path(upload.temporary_file_path())
    path = Path(directory) / "upload.gbid"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


@capability_required(Capability.BID_SUBMIT)
def bidder_keys(request: AuthedRequest) -> HttpResponse:
    form = BidderKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            bids.bidder_key_register(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("公钥已登记。"))
            return redirect("tendering:keys")
    organization_id = request.user.organization_id
    assert organization_id is not None
    keys = BidderKey.objects.filter(organization_id=organization_id).order_by("-registered_at")
    return render(request, "tendering/bidder_keys.html", {"form": form, "keys": keys})


@capability_required(Capability.BID_SUBMIT)
def bid_submit(request: AuthedRequest, code: str, lot_code: str) -> HttpResponse:
    tender = selectors.tender_get_for(request.user, code)
    tender_lot = get_object_or_404(tender.tender_lots.select_related("lot"), lot__code=lot_code)
    form = BidUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with tempfile.TemporaryDirectory() as directory:
            try:
                bid = bids.bid_submit(
                    actor=request.user,
                    tender_lot=tender_lot,
                    envelope=_uploaded_path(form.cleaned_data["envelope"], directory),
                    client_address=client_address(request),
                    client_fingerprint=form.cleaned_data["fingerprint"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
                for message in exc.message_dict.get("envelope", []):
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("投标文件已递交，平台接收时间 {time}。请保存回执。").format(
                        time=clock.local(bid.received_at).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
                    ),
                )
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
    try:
        bids.bid_withdraw(actor=request.user, bid=bid)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("投标文件已撤回。"))
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
    context = {
        "tender": tender,
        "tender_lot": tender_lot,
        "own_bid": own_bid,
        "can_manage": policies.can_manage(request.user, tender),
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
    form = ContentKeyForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写内容密钥。"))
        opening.bid_unseal(actor=request.user, bid=bid, content_key=form.cleaned_data["content_key"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("解密成功，明文与回执中的承诺值一致。"))
    return redirect("tendering:opening", code=code, lot_code=bid.tender_lot.lot.code)


@capability_required(Capability.BID_SUBMIT)
@require_POST
def bid_unseal_backup(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    bid = _own_bid(request, code, pk)
    form = BackupForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError(_("请选择备用文件。"))
        with tempfile.TemporaryDirectory() as directory:
            opening.bid_unseal_backup(
                actor=request.user,
                bid=bid,
                backup=_uploaded_path(form.cleaned_data["backup"], directory),
                content_key=form.cleaned_data["content_key"],
            )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("备用文件与回执中的承诺值一致，已解密。"))
    return redirect("tendering:opening", code=code, lot_code=bid.tender_lot.lot.code)


@capability_required(Capability.BID_SUBMIT)
@require_POST
def opening_respond(request: AuthedRequest, code: str, lot_code: str) -> HttpResponse:
    tender = selectors.tender_get_for(request.user, code)
    tender_lot = _lot_of(tender, lot_code)
    try:
        if request.POST.get("action") == "confirm":
            opening.opening_confirm(actor=request.user, tender_lot=tender_lot)
            messages.success(request, _("已确认开标记录。"))
        else:
            form = ObjectionForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("请填写异议内容。"))
            opening.opening_objection_raise(actor=request.user, tender_lot=tender_lot, text=form.cleaned_data["text"])
            messages.success(request, _("异议已提交，招标人将在线答复。"))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("tendering:opening", code=code, lot_code=lot_code)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def opening_answer(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    tender = selectors.tender_get_for(request.user, code)
    if not policies.can_manage(request.user, tender):
        raise PermissionDenied
    objection = get_object_or_404(
        OpeningObjection.objects.select_related("tender_lot__lot"), pk=pk, tender_lot__tender=tender
    )
    form = AnswerForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写答复内容。"))
        opening.opening_objection_answer(actor=request.user, objection=objection, answer=form.cleaned_data["answer"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("答复已记录。"))
    return redirect("tendering:opening", code=code, lot_code=objection.tender_lot.lot.code)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def clarification_issue(request: AuthedRequest, code: str) -> HttpResponse:
    tender = selectors.tender_get_for(request.user, code)
    if not policies.can_manage(request.user, tender):
        raise PermissionDenied
    form = ClarificationForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写澄清或修改的内容。"))
        deadline = form.cleaned_data["new_deadline"]
        if deadline is not None and deadline.tzinfo is None:
            deadline = deadline.replace(tzinfo=clock.BEIJING)
        clarifications.clarification_issue(
            actor=request.user, tender=tender, body=form.cleaned_data["body"], new_deadline=deadline
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("澄清或修改已发布。"))
    return redirect("tendering:detail", code=code)


@capability_required(Capability.BID_SUBMIT)
@require_POST
def document_objection_raise(request: AuthedRequest, code: str) -> HttpResponse:
    tender = selectors.tender_get_for(request.user, code)
    form = ObjectionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写异议内容。"))
        clarifications.objection_raise(actor=request.user, tender=tender, text=form.cleaned_data["text"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("异议已提交；答复前招标活动暂停。"))
    return redirect("tendering:detail", code=code)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def document_objection_answer(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    tender = selectors.tender_get_for(request.user, code)
    if not policies.can_manage(request.user, tender):
        raise PermissionDenied
    objection = get_object_or_404(DocumentObjection, pk=pk, tender=tender)
    form = AnswerForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写答复内容。"))
        clarifications.objection_answer(actor=request.user, objection=objection, answer=form.cleaned_data["answer"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("答复已记录。"))
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
