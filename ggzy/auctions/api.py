"""API endpoints of the auctions app: public reads of sales and their event log, bidders' registration
and bids, and the seller side's and the trading center's actions. Who sees whom in the list of
applications is decided in `policies` (the center reviews; the seller side sees identities only
after the result).

Authentication is the platform's: the signed-in session, with the CSRF token on writes (a bidder tool
signs in through the login pages, keeps the session cookie and sends the `csrftoken` cookie back in
the `X-CSRFToken` header). The engine's refusals answer with its code: 409 when the state of the sale
refuses (too low, not open, closed, frozen …), 403 when the bidder may not bid, 422 for input the
request itself gets wrong; every such body is `{"error", "detail": [{"field", "code", "message"}]}`."""

import tempfile
from collections.abc import Iterable
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.files import UploadedFile as NinjaUploadedFile
from ninja.pagination import PageNumberPagination, paginate

from ggzy.accounts.api_auth import HasCapability, signed_in
from ggzy.accounts.decorators import AuthedRequest
from ggzy.accounts.policies import Capability
from ggzy.core import clock

from . import deposits, policies, selectors, services
from .choices import SaleStatus
from .models import Registration, Sale, SaleEvent
from .schemas import (
    ApplicantOut,
    BankNoticeOut,
    BidAckOut,
    BidIn,
    ContentKeyIn,
    ErrorItemOut,
    EventOut,
    EventQuery,
    FreezeIn,
    IncrementsIn,
    NegotiateIn,
    RefusalOut,
    RegistrationOut,
    ReserveOut,
    ResultOut,
    ResumeIn,
    ReviewIn,
    SaleDetailOut,
    SaleOut,
)

router = Router(tags=["auctions"])
bidder = HasCapability(Capability.BID_SUBMIT)
seller = HasCapability(Capability.TENDER_MANAGE)

# Refusal codes (engine.Refusal, engine.ErrorCode) that are not a conflict with the sale's state.
_STATUS_BY_CODE = {
    "not_qualified": 403,
    "not_eligible_for_timed_round": 403,
    "key_reused": 422,  # the key names another bid (draft-ietf-httpapi-idempotency-key-header: 422)
    "resume_in_past": 422,
    "notice_too_short": 422,
}
_FIELD_BY_CODE = {
    "below_start_price": "amount_fen",
    "below_increment": "amount_fen",
    "below_floor": "amount_fen",
    "key_reused": "key",
    "resume_in_past": "resume_at",
    "notice_too_short": "resume_at",
}
_ERROR_BY_STATUS = {403: "permission_denied", 409: "conflict", 422: "validation_error"}
REFUSALS = {403: RefusalOut, 409: RefusalOut, 422: RefusalOut}


def _refusal(error: ValidationError) -> Status[RefusalOut]:
    """A service's refusal as a response. Errors about named input fields are left to the common
    handler (422); the others are about the sale's state, so 409 unless the code says otherwise."""
    if hasattr(error, "error_dict"):
        raise error
    items = []
    status = 409
    for item in error.error_list:
        code = item.code or "conflict"
        status = _STATUS_BY_CODE.get(code, status)
        message = item.message % item.params if item.params else item.message
        items.append(ErrorItemOut(field=_FIELD_BY_CODE.get(code, ""), code=code, message=str(message)))
    return Status(status, RefusalOut(error=_ERROR_BY_STATUS[status], detail=items))


def _sale(sale_id: int) -> Sale:
    return get_object_or_404(selectors.sales_public(), pk=sale_id)


def _result(sale: Sale) -> ResultOut | None:
    if sale.closed_at is None:
        return None
    deal = sale.status == SaleStatus.DEAL
    return ResultOut(
        closed_at=sale.closed_at,
        deal=deal,
        deal_price_fen=sale.deal_price_fen if deal else None,
        winner_bid_number=sale.winner.bid_number if deal and sale.winner else None,
        winner_name=sale.winner.organization.name if deal and sale.winner else None,
        no_deal_reason=sale.no_deal_reason or None,
        reserve_fen=sale.reserve_fen,
    )


def _detail(sale: Sale) -> SaleDetailOut:
    sale = _sale(sale.pk)  # re-read with its relations after a write
    increment_fen, timed_increment_fen = selectors.sale_increments(sale)  # in force, not as published
    fields = SaleOut.from_orm(sale).dict()
    fields |= {"increment_fen": increment_fen, "timed_increment_fen": timed_increment_fen}
    return SaleDetailOut(
        **fields,
        server_now=clock.now(),
        last_seq=sale.last_seq,
        leader_bid_number=sale.leader.bid_number if sale.leader else None,
        minimum_bid_fen=selectors.sale_minimum_bid_fen(sale, (increment_fen, timed_increment_fen)),
        countdown_seconds=sale.countdown_seconds,
        result=_result(sale),
    )


# ---------------------------------------------------------------- public reads


class SaleFilter(Schema):
    trade_type: str = ""
    method: str = ""
    status: str = ""


@router.get("/sales", response=list[SaleOut], auth=None, summary="挂牌、拍卖和网络竞价列表（公开）")
@paginate(PageNumberPagination, page_size=20)
def sale_list(request: HttpRequest, filters: Query[SaleFilter]) -> QuerySet[Sale]:
    return selectors.sales_public(trade_type=filters.trade_type, method=filters.method, status=filters.status)


@router.get(
    "/sales/{sale_id}",
    response=SaleDetailOut,
    auth=None,
    summary="竞价状态（公开；竞买人只以竞买号出现，保留价在竞价结束后公布）",
)
def sale_get(request: HttpRequest, sale_id: int) -> SaleDetailOut:
    return _detail(_sale(sale_id))


@router.get(
    "/sales/{sale_id}/events",
    response=list[EventOut],
    auth=None,
    summary="竞价事件日志（公开，按序号；after 为已收到的最后序号）",
)
def sale_events(request: HttpRequest, sale_id: int, query: Query[EventQuery]) -> QuerySet[SaleEvent]:
    return selectors.sale_events_since(_sale(sale_id), query.after)[: query.limit]


# ---------------------------------------------------------------- bidders


@router.post(
    "/sales/{sale_id}/bids",
    response={201: BidAckOut, 200: BidAckOut, **REFUSALS},
    auth=bidder,
    summary="报价（201 受理；同一幂等键重试返回 200 和原回执；拒绝时返回拒绝代码）",
)
def bid_place(request: AuthedRequest, sale_id: int, payload: BidIn) -> Status[BidAckOut] | Status[RefusalOut]:
    # The service reads the sale under its lock, and says when there is none: no read here.
    try:
        ack = services.sale_bid(
            actor=request.user, sale=Sale(pk=sale_id), amount_fen=payload.amount_fen, key=payload.key
        )
    except Sale.DoesNotExist as missing:
        raise Http404(_("竞价交易不存在。")) from missing
    except ValidationError as error:
        return _refusal(error)
    out = BidAckOut(
        bid_number=ack.bid_number,
        amount_fen=ack.amount_fen,
        seq=ack.seq,
        accepted_at=ack.accepted_at,
        duplicate=ack.duplicate,
    )
    return Status(200 if ack.duplicate else 201, out)


@router.post(
    "/sales/{sale_id}/registrations",
    response={201: RegistrationOut, **REFUSALS},
    auth=bidder,
    summary="申请参加竞价（竞买申请）",
)
def registration_apply(request: AuthedRequest, sale_id: int) -> Status[Registration] | Status[RefusalOut]:
    try:
        registration = services.registration_apply(actor=request.user, sale=_sale(sale_id))
    except ValidationError as error:
        return _refusal(error)
    return Status(201, registration)


@router.get(
    "/sales/{sale_id}/registration",
    response=RegistrationOut,
    auth=bidder,
    summary="本单位的竞买申请（审核状态、竞买号、保证金）",
)
def registration_mine(request: AuthedRequest, sale_id: int) -> Registration:
    organization_id = request.user.organization_id
    registration = (
        selectors.registration_of(sale=_sale(sale_id), organization_id=organization_id)
        if organization_id is not None
        else None
    )
    if registration is None:
        raise Http404
    return registration


# ---------------------------------------------------------------- the seller side and the center


def _applicants(user: object, sale: Sale, registrations: Iterable[Registration]) -> list[ApplicantOut]:
    """Applications as this user may see them (`policies`: who sees whom)."""
    identity = policies.sees_applicant_identities(user, sale)
    bid_number = policies.sees_bid_numbers(user, sale)
    return [ApplicantOut.of(registration, identity=identity, bid_number=bid_number) for registration in registrations]


@router.get(
    "/sales/{sale_id}/registrations",
    response=list[ApplicantOut],
    auth=signed_in,
    summary="竞买申请列表（出让人一方和交易中心；竞价结果公布前出让人一方只见匿名信息，交易中心不见竞买号）",
)
def registration_list(request: AuthedRequest, sale_id: int) -> list[ApplicantOut]:
    sale = _sale(sale_id)
    if not policies.can_view_applications(request.user, sale):
        raise PermissionDenied
    return _applicants(request.user, sale, selectors.sale_registrations(sale))


def _registration(sale: Sale, registration_id: int) -> Registration:
    return get_object_or_404(selectors.sale_registrations(sale), pk=registration_id)


def _applicant(user: object, sale_id: int, registration_id: int) -> ApplicantOut:
    """One application after a write, re-read."""
    sale = _sale(sale_id)
    return _applicants(user, sale, [_registration(sale, registration_id)])[0]


@router.post(
    "/sales/{sale_id}/registrations/{registration_id}/review",
    response={200: ApplicantOut, **REFUSALS},
    auth=signed_in,
    summary="竞买资格审查（交易中心；通过时分配竞买号，只告知竞买人本人）",
)
def registration_review(
    request: AuthedRequest, sale_id: int, registration_id: int, payload: ReviewIn
) -> ApplicantOut | Status[RefusalOut]:
    registration = _registration(_sale(sale_id), registration_id)
    try:
        services.registration_review(actor=request.user, registration=registration, approve=payload.approve)
    except ValidationError as error:
        return _refusal(error)
    return _applicant(request.user, sale_id, registration_id)


@router.post(
    "/sales/{sale_id}/registrations/{registration_id}/deposit",
    response={200: ApplicantOut, **REFUSALS},
    auth=signed_in,
    summary="确认竞买保证金到账（交易中心）",
)
def deposit_confirm(request: AuthedRequest, sale_id: int, registration_id: int) -> ApplicantOut | Status[RefusalOut]:
    registration = _registration(_sale(sale_id), registration_id)
    try:
        services.deposit_confirm(actor=request.user, registration=registration)
    except ValidationError as error:
        return _refusal(error)
    return _applicant(request.user, sale_id, registration_id)


@router.post(
    "/bank/callback",
    response={200: BankNoticeOut, **REFUSALS},
    auth=None,
    summary="银行回调：竞买保证金到账或退还（X-Bank-Signature 为请求体的 HMAC-SHA256，与招标投标保证金相同）",
)
def bank_callback(request: HttpRequest) -> Registration | Status[RefusalOut]:
    try:
        return deposits.bank_callback(body=request.body, signature=request.headers.get("X-Bank-Signature", ""))
    except PermissionDenied as exc:
        raise AuthenticationError from exc  # the signature is the caller's only credential
    except ValidationError as error:
        return _refusal(error)


@router.post(
    "/sales/{sale_id}/increments",
    response={200: SaleDetailOut, **REFUSALS},
    auth=signed_in,
    summary="调整加价幅度（交易中心按出让人决定录入；开始前或挂牌期内，竞价室公告）",
)
def sale_increments(request: AuthedRequest, sale_id: int, payload: IncrementsIn) -> SaleDetailOut | Status[RefusalOut]:
    try:
        sale = services.sale_increments_adjust(
            actor=request.user,
            sale=_sale(sale_id),
            increment_fen=payload.increment_fen,
            timed_increment_fen=payload.timed_increment_fen or payload.increment_fen,
        )
    except ValidationError as error:
        return _refusal(error)
    return _detail(sale)


@router.post(
    "/sales/{sale_id}/freeze",
    response={200: SaleDetailOut, **REFUSALS},
    auth=signed_in,
    summary="因故障冻结交易（交易中心；计时暂停，恢复前不接受报价）",
)
def sale_freeze(request: AuthedRequest, sale_id: int, payload: FreezeIn) -> SaleDetailOut | Status[RefusalOut]:
    try:
        sale = services.sale_freeze(actor=request.user, sale=_sale(sale_id), reason=payload.reason)
    except ValidationError as error:
        return _refusal(error)
    return _detail(sale)


@router.post(
    "/sales/{sale_id}/resume",
    response={200: SaleDetailOut, **REFUSALS},
    auth=signed_in,
    summary="宣布恢复交易（交易中心；冻结超过可直接恢复的时限须提前通知）",
)
def sale_resume(request: AuthedRequest, sale_id: int, payload: ResumeIn) -> SaleDetailOut | Status[RefusalOut]:
    try:
        sale = services.sale_resume(actor=request.user, sale=_sale(sale_id), resume_at=payload.resume_at)
    except ValidationError as error:
        return _refusal(error)
    return _detail(sale)


@router.post(
    "/sales/{sale_id}/negotiate",
    response={200: SaleDetailOut, **REFUSALS},
    auth=signed_in,
    summary="录入协议成交（交易中心；国有产权转让只有一个合格意向受让方时，竞价开始前，不低于转让底价）",
)
def sale_negotiate(request: AuthedRequest, sale_id: int, payload: NegotiateIn) -> SaleDetailOut | Status[RefusalOut]:
    try:
        sale = services.sale_negotiate(actor=request.user, sale=_sale(sale_id), amount_fen=payload.amount_fen)
    except ValidationError as error:
        return _refusal(error)
    return _detail(sale)


def _path_of(upload: UploadedFile, directory: str) -> Path:
    if isinstance(upload, TemporaryUploadedFile):
        return Path(upload.temporary_file_path())
    path = Path(directory) / "reserve.gbid"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


@router.post(
    "/sales/{sale_id}/reserve",
    response={201: ReserveOut, **REFUSALS},
    auth=seller,
    summary="递交已密封的保留价（出让人一方；截止前可替换）",
)
def reserve_submit(
    request: AuthedRequest, sale_id: int, envelope: File[NinjaUploadedFile | None] = None
) -> Status[ReserveOut] | Status[RefusalOut]:
    sale = _sale(sale_id)
    if not policies.can_manage(request.user, sale):
        raise PermissionDenied
    if envelope is None:
        raise ValidationError({"envelope": _("请上传已密封的保留价文件。")})
    try:
        with tempfile.TemporaryDirectory() as directory:
            reserve = services.sale_reserve_submit(
                actor=request.user, sale=sale, envelope=_path_of(envelope, directory)
            )
    except ValidationError as error:
        return _refusal(error)
    out = ReserveOut(
        commitment=reserve.commitment, ciphertext_digest=reserve.ciphertext_digest, submitted_at=reserve.submitted_at
    )
    return Status(201, out)


@router.post(
    "/sales/{sale_id}/reserve/content-key",
    response={200: SaleDetailOut, **REFUSALS},
    auth=seller,
    summary="竞价结束后提交保留价的内容密钥，公布竞价结果",
)
def reserve_open(request: AuthedRequest, sale_id: int, payload: ContentKeyIn) -> SaleDetailOut | Status[RefusalOut]:
    try:
        sale = services.sale_reserve_open(actor=request.user, sale=_sale(sale_id), content_key=payload.content_key)
    except ValidationError as error:
        return _refusal(error)
    return _detail(sale)
