"""API endpoints of the tendering app."""

import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.errors import AuthenticationError
from ninja.files import UploadedFile as NinjaUploadedFile

from ggzy.accounts.api_auth import HasCapability
from ggzy.accounts.decorators import AuthedRequest
from ggzy.accounts.policies import Capability
from ggzy.core.http import client_address

from . import bids, clarifications, deposits, opening, policies, reserve, selectors, services, uploads
from .models import (
    Bid,
    BidderKey,
    BidSecurity,
    Clarification,
    DocumentObjection,
    OpeningObjection,
    TenderLot,
    UploadSession,
)
from .schemas import (
    BidderKeyIn,
    BidderKeyOut,
    BidOut,
    ClarificationIn,
    ClarificationOut,
    ContentKeyIn,
    DocumentObjectionOut,
    ObjectionOut,
    OpeningOut,
    ReasonIn,
    SecurityOut,
    TenderOut,
    TextIn,
    UploadOut,
    UploadStartIn,
    tender_out,
)

router = Router(tags=["tendering"])
bidder = HasCapability(Capability.BID_SUBMIT)


@router.get("/", response=list[TenderOut], auth=None, summary="已发布的招标")
def tender_list(request: HttpRequest) -> list[TenderOut]:
    return [tender_out(tender) for tender in selectors.tenders_public()[:200]]


@router.post(
    "/keys",
    response={201: BidderKeyOut},
    auth=HasCapability(Capability.BID_SUBMIT, Capability.TENDER_MANAGE),
    summary="登记本单位的公钥（密封或签名；投标人密封投标文件，招标人一方密封标底）",
)
def key_register(request: AuthedRequest, payload: BidderKeyIn) -> Status[BidderKey]:
    return Status(201, bids.bidder_key_register(actor=request.user, kind=payload.kind, public_key=payload.public_key))


@router.get("/{code}", response=TenderOut, auth=None, summary="招标详情（草稿仅招标人一方可见）")
def tender_get(request: HttpRequest, code: str) -> TenderOut:
    return tender_out(selectors.tender_get_for(request.user, code))


@router.post(
    "/{code}/cancel",
    response=TenderOut,
    auth=HasCapability(Capability.TENDER_MANAGE),
    summary="终止招标（须写明原因；发布终止公告并退还投标保证金）",
)
def tender_cancel(request: AuthedRequest, code: str, payload: ReasonIn) -> TenderOut:
    tender = selectors.tender_get_for(request.user, code)
    cancelled = services.tender_cancel(actor=request.user, tender=tender, reason=payload.reason)
    return tender_out(selectors.tender_get_for(request.user, cancelled.code))


def _path_of(upload: UploadedFile, directory: str) -> Path:
    if isinstance(upload, TemporaryUploadedFile):
        return Path(upload.temporary_file_path())
    path = Path(directory) / "upload.gbid"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


@router.post(
    "/{code}/lots/{lot_code}/bids",
    response={201: BidOut},
    auth=bidder,
    summary="递交已密封的投标文件，返回平台签名回执",
)
def bid_submit(
    request: AuthedRequest,
    code: str,
    lot_code: str,
    envelope: File[NinjaUploadedFile],
    fingerprint: Form[str] = "",
) -> Status[Bid]:
    tender = selectors.tender_get_for(request.user, code)
    tender_lot = get_object_or_404(tender.tender_lots.select_related("lot"), lot__code=lot_code)
    with tempfile.TemporaryDirectory() as directory:
        bid = bids.bid_submit(
            actor=request.user,
            tender_lot=tender_lot,
            envelope=_path_of(envelope, directory),
            client_address=client_address(request),
            client_fingerprint=fingerprint,
        )
    return Status(201, bid)


@router.get("/{code}/my-bids", response=list[BidOut], auth=bidder, summary="本单位的投标文件与回执")
def my_bids(request: AuthedRequest, code: str) -> QuerySet[Bid]:
    tender = selectors.tender_get_for(request.user, code)
    organization_id = request.user.organization_id
    assert organization_id is not None
    return bids.bids_of(organization_id=organization_id, tender=tender)


@router.post("/{code}/my-bids/{bid_id}/withdraw", response=BidOut, auth=bidder, summary="截止前撤回投标文件")
def bid_withdraw(request: AuthedRequest, code: str, bid_id: int) -> Bid:
    tender = selectors.tender_get_for(request.user, code)
    organization_id = request.user.organization_id
    assert organization_id is not None
    bid = get_object_or_404(bids.bids_of(organization_id=organization_id, tender=tender), pk=bid_id)
    return bids.bid_withdraw(actor=request.user, bid=bid)


@router.post("/{code}/my-bids/{bid_id}/content-key", response=BidOut, auth=bidder, summary="解密时限内提交内容密钥")
def bid_unseal(request: AuthedRequest, code: str, bid_id: int, payload: ContentKeyIn) -> Bid:
    tender = selectors.tender_get_for(request.user, code)
    organization_id = request.user.organization_id
    assert organization_id is not None
    bid = get_object_or_404(bids.bids_of(organization_id=organization_id, tender=tender), pk=bid_id)
    return opening.bid_unseal(actor=request.user, bid=bid, content_key=payload.content_key)


def _lot(request: HttpRequest, code: str, lot_code: str) -> TenderLot:
    tender = selectors.tender_get_for(request.user, code)
    return get_object_or_404(tender.tender_lots.select_related("lot"), lot__code=lot_code)


@router.get("/{code}/lots/{lot_code}/opening", response=OpeningOut, auth=None, summary="开标状态与开标记录（公开）")
def opening_get(request: HttpRequest, code: str, lot_code: str) -> OpeningOut:
    lot = _lot(request, code, lot_code)
    return OpeningOut(
        lot_code=lot.lot.code,
        status=lot.status,
        decryption_ends_at=lot.decryption_ends_at,
        opened_at=lot.opened_at,
        record=lot.opening_record if lot.opened_at else {},
    )


@router.post("/{code}/lots/{lot_code}/opening/confirm", response={204: None}, auth=bidder, summary="确认开标记录")
def opening_confirm(request: AuthedRequest, code: str, lot_code: str) -> Status[None]:
    opening.opening_confirm(actor=request.user, tender_lot=_lot(request, code, lot_code))
    return Status(204, None)


@router.post(
    "/{code}/lots/{lot_code}/opening/objections", response={201: ObjectionOut}, auth=bidder, summary="对开标提出异议"
)
def opening_object(request: AuthedRequest, code: str, lot_code: str, payload: TextIn) -> Status[OpeningObjection]:
    lot = _lot(request, code, lot_code)
    return Status(201, opening.opening_objection_raise(actor=request.user, tender_lot=lot, text=payload.text))


@router.post(
    "/{code}/objections/{objection_id}/answer",
    response=ObjectionOut,
    auth=HasCapability(Capability.TENDER_MANAGE),
    summary="答复开标异议",
)
def opening_answer(request: AuthedRequest, code: str, objection_id: int, payload: TextIn) -> OpeningObjection:
    tender = selectors.tender_get_for(request.user, code)
    objection = get_object_or_404(OpeningObjection, pk=objection_id, tender_lot__tender=tender)
    return opening.opening_objection_answer(actor=request.user, objection=objection, answer=payload.text)


@router.post(
    "/{code}/clarifications",
    response={201: ClarificationOut},
    auth=HasCapability(Capability.TENDER_MANAGE),
    summary="发布澄清或修改（必要时顺延投标截止时间）",
)
def clarification_issue(request: AuthedRequest, code: str, payload: ClarificationIn) -> Status[Clarification]:
    tender = selectors.tender_get_for(request.user, code)
    return Status(
        201,
        clarifications.clarification_issue(
            actor=request.user, tender=tender, body=payload.body, new_deadline=payload.new_deadline
        ),
    )


@router.post(
    "/{code}/document-objections", response={201: DocumentObjectionOut}, auth=bidder, summary="对招标文件提出异议"
)
def document_objection_raise(request: AuthedRequest, code: str, payload: TextIn) -> Status[DocumentObjection]:
    tender = selectors.tender_get_for(request.user, code)
    return Status(201, clarifications.objection_raise(actor=request.user, tender=tender, text=payload.text))


@router.post(
    "/{code}/document-objections/{document_objection_id}/answer",
    response=DocumentObjectionOut,
    auth=HasCapability(Capability.TENDER_MANAGE),
    summary="答复对招标文件的异议",
)
def document_objection_answer(
    request: AuthedRequest, code: str, document_objection_id: int, payload: TextIn
) -> DocumentObjection:
    tender = selectors.tender_get_for(request.user, code)
    if not policies.can_manage(request.user, tender):
        raise PermissionDenied
    objection = get_object_or_404(DocumentObjection, pk=document_objection_id, tender=tender)
    return clarifications.objection_answer(actor=request.user, objection=objection, answer=payload.text)


def _upload_out(session: UploadSession) -> UploadOut:
    return UploadOut(
        token=session.token,
        size=session.size,
        chunk_size=uploads.CHUNK_SIZE,
        chunks=uploads.chunk_count(session.size),
        received=uploads.upload_received(session),
    )


def _session(request: AuthedRequest, token: str) -> UploadSession:
    return get_object_or_404(UploadSession, token=token, organization_id=request.user.organization_id)


@router.post(
    "/{code}/lots/{lot_code}/uploads",
    response={201: UploadOut},
    auth=bidder,
    summary="开始分片上传密封投标文件（声明大小和每1MiB的SHA-256）",
)
def upload_start(request: AuthedRequest, code: str, lot_code: str, payload: UploadStartIn) -> Status[UploadOut]:
    lot = _lot(request, code, lot_code)
    session = uploads.upload_start(
        actor=request.user, tender_lot=lot, size=payload.size, leaf_digests=payload.leaf_digests
    )
    return Status(201, _upload_out(session))


@router.get("/uploads/{token}", response=UploadOut, auth=bidder, summary="查询已接收的分片（断点续传）")
def upload_status(request: AuthedRequest, token: str) -> UploadOut:
    return _upload_out(_session(request, token))


@router.put(
    "/uploads/{token}/chunks/{index}",
    response=UploadOut,
    auth=bidder,
    summary="上传一个分片（请求体为原始字节，application/octet-stream）",
    openapi_extra={
        "requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
    },
)
def upload_chunk(request: AuthedRequest, token: str, index: int) -> UploadOut:
    session = _session(request, token)
    uploads.upload_chunk(actor=request.user, session=session, index=index, data=request.body)
    return _upload_out(session)


@router.post("/uploads/{token}/complete", response={201: BidOut}, auth=bidder, summary="完成上传并递交，返回回执")
def upload_complete(request: AuthedRequest, token: str, fingerprint: Form[str] = "") -> Status[Bid]:
    session = _session(request, token)
    return Status(
        201,
        uploads.upload_complete(
            actor=request.user,
            session=session,
            client_address=client_address(request),
            client_fingerprint=fingerprint,
        ),
    )


@router.post(
    "/bank/callback",
    response=SecurityOut,
    auth=None,
    summary="银行回调：保证金到账或退还（X-Bank-Signature 为请求体的 HMAC-SHA256）",
)
def bank_callback(request: HttpRequest) -> BidSecurity:
    try:
        return deposits.bank_callback(body=request.body, signature=request.headers.get("X-Bank-Signature", ""))
    except PermissionDenied as exc:
        raise AuthenticationError from exc  # the signature is the caller's only credential


@router.post(
    "/{code}/lots/{lot_code}/reserve-price",
    response={201: None},
    auth=HasCapability(Capability.TENDER_MANAGE),
    summary="递交已密封的标底（招标人一方，投标截止前）",
)
def reserve_price_submit(
    request: AuthedRequest, code: str, lot_code: str, envelope: File[NinjaUploadedFile | None] = None
) -> Status[None]:
    lot = _lot(request, code, lot_code)
    if not policies.can_manage(request.user, lot.tender):
        raise PermissionDenied
    if envelope is None:
        raise ValidationError({"envelope": _("请上传已密封的标底文件。")})
    with tempfile.TemporaryDirectory() as directory:
        reserve.reserve_price_submit(actor=request.user, tender_lot=lot, envelope=_path_of(envelope, directory))
    return Status(201, None)


@router.post(
    "/{code}/lots/{lot_code}/reserve-price/content-key",
    response={204: None},
    auth=HasCapability(Capability.TENDER_MANAGE),
    summary="开标时提交标底的内容密钥",
)
def reserve_price_unseal(request: AuthedRequest, code: str, lot_code: str, payload: ContentKeyIn) -> Status[None]:
    reserve.reserve_price_unseal(
        actor=request.user, tender_lot=_lot(request, code, lot_code), content_key=payload.content_key
    )
    return Status(204, None)


@router.post(
    "/{code}/bids/{bid_id}/not-decrypted",
    response=BidOut,
    auth=HasCapability(Capability.TENDER_MANAGE),
    summary="认定投标文件因非投标人原因未能解密（撤回）",
)
def bid_mark_not_decrypted(request: AuthedRequest, code: str, bid_id: int, payload: ReasonIn) -> Bid:
    tender = selectors.tender_get_for(request.user, code)
    if not policies.can_manage(request.user, tender):
        raise PermissionDenied
    bid = get_object_or_404(Bid, pk=bid_id, tender_lot__tender=tender)
    return opening.bid_mark_not_decrypted(actor=request.user, bid=bid, reason=payload.reason)
