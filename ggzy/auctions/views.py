"""Pages of the auctions app: the public list and the live room of each sale; the seller side's
setup, view of the applications and sealed reserve; the bidder's application and bids; the
trading center's desk (qualification review, deposits, faults).

Who sees whom is decided in `policies`: before the close nobody but the center sees who applied,
and nobody links an applicant to its bid number (竞买号). The room shows bid numbers only, the
seller's desk shows the applications without names or numbers, the center's desk names the
applicants it reviews and whose deposits it matches, without their numbers (issue 7; Fujian
online land rules: the transferor must not disclose bidders). After the result both desks name
the bidders with their numbers and the room names the winner."""

from __future__ import annotations

import datetime as dt
import secrets
import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.accounts.decorators import AuthedRequest, capability_required, login_required, public
from ggzy.accounts.policies import Capability, has
from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.core.forms import apply_errors, form_submit
from ggzy.core.money import format_yuan
from ggzy.projects.models import Lot

from . import policies, results, selectors, services
from .choices import RegistrationStatus, SalePhase, SaleStatus
from .forms import (
    BidForm,
    FreezeForm,
    IncrementsForm,
    NegotiateForm,
    PredisclosureForm,
    ReserveForm,
    ReserveKeyForm,
    ResumeForm,
    ReviewForm,
    SaleFilterForm,
    SaleForm,
    TradeObjectForm,
)
from .models import Registration, Sale, SaleEvent, SaleReserve

SYSTEM_FAULT = "system_fault"  # services.sale_freeze's default reason


def _beijing(moment: dt.datetime | None) -> dt.datetime | None:
    """A datetime-local input is Beijing time."""
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=clock.BEIJING)


def _iso(moment: dt.datetime | None) -> str:
    """An instant for the room's script: Beijing time, milliseconds."""
    return clock.local(moment).isoformat(timespec="milliseconds") if moment is not None else ""


def _minutes(seconds: int | None) -> str:
    if seconds is None:
        return ""
    whole, rest = divmod(seconds, 60)
    return str(whole) if not rest else f"{seconds / 60:.1f}"


def _new_key() -> str:
    return secrets.token_urlsafe(18)


def _sale(pk: int) -> Sale:
    try:
        return selectors.sale_get(pk)
    except Sale.DoesNotExist as missing:
        raise Http404 from missing


def _managed_sale(request: AuthedRequest, pk: int) -> Sale:
    """A sale of a lot the user's organization owns or runs as agent; anyone else is refused."""
    sale = _sale(pk)
    if not policies.can_manage(request.user, sale):
        raise PermissionDenied
    return sale


def _operated_sale(request: AuthedRequest, pk: int) -> Sale:
    if not policies.can_operate(request.user):
        raise PermissionDenied
    return _sale(pk)


def _closed(sale: Sale) -> bool:
    return sale.status in (SaleStatus.DEAL, SaleStatus.NO_DEAL)


def _freeze_reason(reason: str) -> str:
    return _("系统故障") if reason in ("", SYSTEM_FAULT) else reason


def _countdown_labels() -> dict[str, str]:
    return {
        SalePhase.SCHEDULED.value: _("距竞价开始"),
        SalePhase.LISTING.value: _("距挂牌截止"),
        SalePhase.PREPARATION.value: _("距限时竞价开始"),
        SalePhase.TIMED.value: _("限时竞价倒计时"),
        SalePhase.FROZEN.value: _("距恢复交易"),
    }


def _room_texts() -> dict[str, Any]:
    """What the room's script shows, translated here (the script holds no user-facing text)."""
    return {
        "phases": {value: str(label) for value, label in SalePhase.choices},
        "countdown": _countdown_labels(),
        "system_fault": _("系统故障"),
        "bid_number": _("竞买号"),
        "messages": {
            "days": _("{n}天"),
            "waiting": _("等待服务器确认……"),
            "live": _("实时连接正常"),
            "reconnecting": _("实时连接中断，正在重新连接……"),
            "sending": _("正在提交报价……"),
            "network": _("网络连接中断，报价可能未送达：请刷新页面查看报价记录，再决定是否重新报价。"),
            "failed_status": _("平台返回错误（HTTP {status}），请刷新页面后重试。"),
            "closed": _("竞价已结束，正在刷新结果……"),
            "frozen": _("交易已冻结"),
            "increments": _("加价幅度已调整为 {increment} 元，限时竞价加价幅度为 {timed} 元。"),
        },
    }


def _room(request: HttpRequest, sale: Sale, bid_form: BidForm | None = None) -> HttpResponse:
    """The live room as the server knows it now; `auction-room.js` keeps it current."""
    user = request.user
    organization_id = getattr(user, "organization_id", None)
    own: Registration | None = None
    if organization_id is not None and has(user, Capability.BID_SUBMIT):
        own = selectors.registration_of(sale=sale, organization_id=organization_id)
    closed = _closed(sale)
    freeze = selectors.sale_last_freeze(sale) if sale.phase == SalePhase.FROZEN else None
    increments = selectors.sale_increments(sale)
    phases = dict(SalePhase.choices)
    context = {
        "sale": sale,
        "lot": sale.lot,
        "project": sale.lot.project,
        "history": [
            {
                "seq": event.seq,
                "bid_number": event.payload["bid_number"],
                "amount_fen": event.payload["amount_fen"],
                "phase": phases.get(event.payload.get("phase", ""), ""),
                "at": event.occurred_at,
            }
            for event in selectors.sale_bid_history(sale)
        ],
        "minimum_bid_fen": selectors.sale_minimum_bid_fen(sale, increments),
        "increments": increments,
        "object_facts": results.object_facts(sale.lot),
        "closed": closed,
        "winner": sale.winner if closed else None,
        "freeze_reason": _freeze_reason(freeze.payload.get("reason", "")) if freeze is not None else "",
        "countdown_label": _countdown_labels().get(sale.phase, ""),
        "paused_phase": freeze.payload.get("paused", "") if freeze is not None else "",
        "ends_at_iso": _iso(sale.ends_at),
        "own": own,
        "can_register": own is None
        and policies.can_register(user, sale)
        and sale.can_bid()
        and sale.phase in (SalePhase.SCHEDULED, SalePhase.LISTING, SalePhase.FROZEN),
        "can_bid": own is not None and own.qualified and sale.can_bid(),
        "bid_form": bid_form or BidForm(initial={"key": _new_key()}),
        "can_manage": policies.can_manage(user, sale),
        "can_operate": policies.can_operate(user),
        "minutes": {
            "last_window": _minutes(sale.last_window_seconds),
            "preparation": _minutes(sale.preparation_seconds),
            "countdown": _minutes(sale.countdown_seconds),
        },
        "server_now": _iso(clock.now()),
        "room_texts": _room_texts(),
    }
    return render(request, "auctions/sale_detail.html", context)


# ---------------------------------------------------------------- public


@public
def sale_list(request: HttpRequest) -> HttpResponse:
    form = SaleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    sales = selectors.sales_public(
        trade_type=filters.get("trade_type", ""), method=filters.get("method", ""), status=filters.get("status", "")
    )
    page = Paginator(sales, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "auctions/sale_list.html", {"form": form, "page": page, "query": query.urlencode()})


@public
def sale_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _room(request, _sale(pk))


# ---------------------------------------------------------------- bidders


@capability_required(Capability.BID_SUBMIT)
@require_POST
def registration_apply(request: AuthedRequest, pk: int) -> HttpResponse:
    sale = _sale(pk)
    form_submit(
        request,
        None,
        lambda _data: services.registration_apply(actor=request.user, sale=sale),
        success=_("竞买申请已提交。交易中心审核通过并确认保证金到账后，即可报价。"),
    )
    return redirect("auctions:detail", pk=sale.pk)


def _ack_message(ack: services.BidAck) -> str:
    if ack.duplicate:
        return _("这笔报价已经受理过（{amount} 元），没有重复报价。").format(amount=format_yuan(ack.amount_fen))
    return _("报价已受理：{amount} 元，竞买号 {number}，服务器受理时间 {time}。").format(
        amount=format_yuan(ack.amount_fen),
        number=ack.bid_number,
        time=clock.local(ack.accepted_at).strftime("%Y-%m-%d %H:%M:%S"),
    )


def _bid_json(request: AuthedRequest, sale: Sale, form: BidForm) -> JsonResponse:
    """The same bid for the room's script: the answer as JSON, the room stays open."""
    code = ""
    if form.is_valid():
        try:
            ack = services.sale_bid(
                actor=request.user, sale=sale, amount_fen=form.cleaned_data["amount"], key=form.cleaned_data["key"]
            )
        except ValidationError as error:
            code = getattr(error, "code", "") or ""
            apply_errors(form, error)
        else:
            return JsonResponse(
                {
                    "ok": True,
                    "message": _ack_message(ack),
                    "seq": ack.seq,
                    "amount_fen": ack.amount_fen,
                    "duplicate": ack.duplicate,
                    "key": _new_key(),  # for the next bid
                }
            )
    errors = [str(message) for messages in form.errors.values() for message in messages]
    return JsonResponse({"ok": False, "code": code, "errors": errors}, status=400)


@capability_required(Capability.BID_SUBMIT)
@require_POST
def sale_bid(request: AuthedRequest, pk: int) -> HttpResponse:
    """A bid from the room. The hidden key makes a repeated submit the same bid; a refusal shows the
    engine's reason next to the amount and records nothing."""
    sale = _sale(pk)
    form = BidForm(request.POST)
    if "application/json" in request.headers.get("Accept", ""):
        return _bid_json(request, sale, form)
    ack = form_submit(
        request,
        form,
        lambda data: services.sale_bid(actor=request.user, sale=sale, amount_fen=data["amount"], key=data["key"]),
        success=_ack_message,
    )
    if ack is not None:
        return redirect("auctions:detail", pk=sale.pk)
    return _room(request, _sale(pk), form)


@capability_required(Capability.BID_SUBMIT)
def my_registrations(request: AuthedRequest) -> HttpResponse:
    organization_id = request.user.organization_id
    assert organization_id is not None
    registrations = selectors.registrations_of_organization(organization_id)
    return render(request, "auctions/my_registrations.html", {"registrations": registrations})


# ---------------------------------------------------------------- the seller side


@capability_required(Capability.TENDER_MANAGE)
def sale_manage(request: AuthedRequest) -> HttpResponse:
    """The lots the user's organization may sell, and their sales."""
    organization_id = request.user.organization_id
    assert organization_id is not None
    lots = selectors.lots_for_sale(organization_id)
    sales = list(selectors.sales_of_lots(lots))
    context = {"lots": [(lot, [s for s in sales if s.lot_id == lot.pk]) for lot in lots]}
    return render(request, "auctions/sale_manage.html", context)


def _managed_lot(request: AuthedRequest, lot_code: str, trade_type: str = "") -> Lot:
    """A lot for sale (of `trade_type`, if given) that the user's organization sells: 404 if there
    is none, 403 if it is another's."""
    lot = selectors.sale_lot_get(lot_code)
    if lot is None or (trade_type and lot.project.trade_type != trade_type):
        raise Http404
    if not policies.can_manage_project(request.user, lot.project):
        raise PermissionDenied
    return lot


@capability_required(Capability.TENDER_MANAGE)
def trade_object(request: AuthedRequest, lot_code: str) -> HttpResponse:
    """The seller side records what the lot is (the parcel, the mining right, the equity or asset)."""
    lot = _managed_lot(request, lot_code)
    trade_type = lot.project.trade_type
    fields, required = services.OBJECT_FIELDS[trade_type], services.OBJECT_REQUIRED[trade_type]
    form = TradeObjectForm(
        request.POST or None, instance=selectors.trade_object_of(lot), fields=fields, required=required
    )
    if request.method == "POST":
        saved = form_submit(
            request,
            form,
            lambda data: services.trade_object_register(
                actor=request.user, lot=lot, **{name: data.get(name) for name in fields}
            ),
            success=_("交易标的已登记。"),
        )
        if saved is not None:
            return redirect("auctions:manage")
    return render(request, "auctions/trade_object.html", {"lot": lot, "project": lot.project, "form": form})


@capability_required(Capability.TENDER_MANAGE)
def predisclosure(request: AuthedRequest, lot_code: str) -> HttpResponse:
    """The seller side's 信息预披露 of a state-property transfer that moves the actual control of
    the enterprise; once published, the page shows it and when the formal disclosure may follow."""
    lot = _managed_lot(request, lot_code, TradeType.STATE_PROPERTY)
    form = PredisclosureForm(request.POST or None)
    if request.method == "POST":
        published = form_submit(
            request,
            form,
            lambda data: services.predisclosure_publish(
                actor=request.user,
                lot=lot,
                approved_on=data["approved_on"],
                approval_reference=data["approval_reference"],
                summary=data["summary"],
            ),
            success=_("信息预披露已发布。"),
        )
        if published is not None:
            return redirect("auctions:predisclosure", lot_code=lot.code)
    current = selectors.predisclosure_of(lot)
    context = {
        "lot": lot,
        "project": lot.project,
        "form": form,
        "predisclosure": current,
        "formal_from": results.formal_disclosure_from(current) if current is not None else None,
    }
    return render(request, "auctions/predisclosure.html", context)


@capability_required(Capability.TENDER_MANAGE)
def sale_create(request: AuthedRequest, lot_code: str) -> HttpResponse:
    lot = _managed_lot(request, lot_code)
    form = SaleForm(request.POST or None, trade_type=lot.project.trade_type)

    def create(data: dict[str, Any]) -> Sale:
        start_at = _beijing(data["start_at"])
        assert start_at is not None
        return services.sale_create(
            actor=request.user,
            lot=lot,
            method=data["method"],
            start_price_fen=data["start_price"],
            increment_fen=data["increment"],
            timed_increment_fen=data["timed_increment"],
            start_at=start_at,
            listing_end=_beijing(data["listing_end"]),
            deposit_fen=data["deposit"],
            valuation_fen=data.get("valuation_fen"),
            floor_approved_by=data.get("floor_approved_by", ""),
            floor_approval_reference=data.get("floor_approval_reference", ""),
            control_change=bool(data.get("control_change")),
        )

    if request.method == "POST":
        sale = form_submit(request, form, create, success=_("竞价交易已设立。"))
        if sale is not None:
            return redirect("auctions:registrations", pk=sale.pk)
    return render(request, "auctions/sale_form.html", {"lot": lot, "project": lot.project, "form": form})


@capability_required(Capability.TENDER_MANAGE)
def sale_registrations(request: AuthedRequest, pk: int) -> HttpResponse:
    """The seller side's view of the applications, numbered in the order they came (the center
    reviews them); who applied and which bid number each received are shown only after the close."""
    sale = _managed_sale(request, pk)
    context = {
        "sale": sale,
        "registrations": selectors.sale_registrations(sale),
        "show_identity": policies.sees_applicant_identities(request.user, sale),
        "show_bid_numbers": policies.sees_bid_numbers(request.user, sale),
        "reserve": selectors.sale_reserve_get(sale),
        "statuses": RegistrationStatus,
    }
    return render(request, "auctions/sale_registrations.html", context)


def _uploaded_path(upload: UploadedFile, directory: str) -> Path:
    if isinstance(upload, TemporaryUploadedFile):
        return Path(upload.temporary_file_path())
    path = Path(directory) / "reserve.gbid"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


@capability_required(Capability.TENDER_MANAGE)
def sale_reserve(request: AuthedRequest, pk: int) -> HttpResponse:
    """The seller side seals the reserve with the bid tool and hands in the envelope; after the
    close it releases the content key (the platform never reads the reserve earlier)."""
    sale = _managed_sale(request, pk)
    form = ReserveForm(request.POST or None, request.FILES or None)

    def submit(data: dict[str, Any]) -> SaleReserve:
        with tempfile.TemporaryDirectory() as directory:
            envelope = _uploaded_path(data["envelope"], directory)
            return services.sale_reserve_submit(actor=request.user, sale=sale, envelope=envelope)

    if request.method == "POST":
        submitted = form_submit(request, form, submit, success=_("保留价已密封递交，平台只保存密文。"))
        if submitted is not None:
            return redirect("auctions:reserve", pk=sale.pk)
    try:
        cutoff: dt.datetime | None = services.reserve_cutoff(sale)
    except ValidationError:
        cutoff = None  # the rule table lacks the row: the submission names it
    reserve = selectors.sale_reserve_get(sale)
    organization = request.user.organization
    assert organization is not None
    context = {
        "sale": sale,
        "reserve": reserve,
        "form": form,
        "key_form": ReserveKeyForm(),
        "cutoff": cutoff,
        "uscc": organization.uscc,
        "can_submit": sale.can_bid() and (cutoff is None or clock.now() < cutoff),
        "can_open": reserve is not None and reserve.opened_at is None and sale.status == SaleStatus.AWAITING_RESERVE,
    }
    return render(request, "auctions/sale_reserve.html", context)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def reserve_open(request: AuthedRequest, pk: int) -> HttpResponse:
    sale = _managed_sale(request, pk)
    form_submit(
        request,
        ReserveKeyForm(request.POST),
        lambda data: services.sale_reserve_open(actor=request.user, sale=sale, content_key=data["content_key"]),
        success=_("保留价已开启，竞价结果已公布。"),
        invalid=_("请填写内容密钥。"),
    )
    return redirect("auctions:reserve", pk=sale.pk)


# ---------------------------------------------------------------- the trading center


def _single_transferee(sale: Sale, registrations: list[Registration]) -> Registration | None:
    """The one qualified transferee of a state-property sale whose bidding has not started, when
    there is exactly one: the desk then offers the negotiated deal (the service decides)."""
    if sale.lot.project.trade_type != TradeType.STATE_PROPERTY or not sale.can_bid():
        return None
    if sale.phase != SalePhase.SCHEDULED or clock.now() >= sale.start_at:
        return None
    qualified = [registration for registration in registrations if registration.qualified]
    return qualified[0] if len(qualified) == 1 else None


@login_required
def sale_operate(request: AuthedRequest, pk: int) -> HttpResponse:
    """The center's desk: applications to review (竞买资格审查), deposits to confirm (matched by the
    payer's name and credit code), freezing or resuming trading on a fault, and the negotiated deal
    of a state-property transfer with a single qualified transferee. Bid numbers are not shown
    beside the names before the close: no task here needs them."""
    sale = _operated_sale(request, pk)
    freeze = selectors.sale_last_freeze(sale) if sale.phase == SalePhase.FROZEN else None
    registrations = list(selectors.sale_registrations(sale))
    context = {
        "sale": sale,
        "registrations": registrations,
        "transferee": _single_transferee(sale, registrations),
        "negotiate_form": NegotiateForm(),
        "show_bid_numbers": policies.sees_bid_numbers(request.user, sale),
        "can_freeze": sale.phase in (SalePhase.LISTING, SalePhase.PREPARATION, SalePhase.TIMED),
        "frozen": sale.phase == SalePhase.FROZEN,
        "freeze_reason": _freeze_reason(freeze.payload.get("reason", "")) if freeze is not None else "",
        "freeze_form": FreezeForm(),
        "resume_form": ResumeForm(),
        "increments": selectors.sale_increments(sale),
        "can_adjust_increments": _increments_adjustable(sale, freeze),
        "increments_form": IncrementsForm(),
    }
    return render(request, "auctions/sale_operate.html", context)


def _increments_adjustable(sale: Sale, freeze: SaleEvent | None) -> bool:
    """Before the start or in the listing, frozen or not (engine `adjust_increments`)."""
    if sale.status != SaleStatus.OPEN:
        return False
    phase = freeze.payload.get("paused", "") if freeze is not None else sale.phase
    return phase in (SalePhase.SCHEDULED, SalePhase.LISTING)


@login_required
@require_POST
def sale_increments(request: AuthedRequest, pk: int) -> HttpResponse:
    sale = _operated_sale(request, pk)
    form_submit(
        request,
        IncrementsForm(request.POST),
        lambda data: services.sale_increments_adjust(
            actor=request.user, sale=sale, increment_fen=data["increment"], timed_increment_fen=data["timed_increment"]
        ),
        success=_("加价幅度已调整，竞价室已公告；此后的报价按新的加价幅度受理。"),
        invalid=_("请填写大于零的加价幅度。"),
    )
    return redirect("auctions:operate", pk=sale.pk)


@login_required
@require_POST
def registration_review(request: AuthedRequest, pk: int, registration_id: int) -> HttpResponse:
    sale = _operated_sale(request, pk)
    registration = get_object_or_404(selectors.sale_registrations(sale), pk=registration_id)
    form_submit(
        request,
        ReviewForm(request.POST),
        lambda data: services.registration_review(
            actor=request.user, registration=registration, approve=data["approve"]
        ),
        # Not the bid number: only the bidder learns it, the desk does not link names to numbers.
        success=lambda reviewed: (
            _("已审核通过，竞买号已分配给该竞买人。")
            if reviewed.status == RegistrationStatus.APPROVED
            else _("已审核为不通过。")
        ),
        invalid=_("请选择审核结果。"),
    )
    return redirect("auctions:operate", pk=sale.pk)


@login_required
@require_POST
def deposit_confirm(request: AuthedRequest, pk: int, registration_id: int) -> HttpResponse:
    sale = _operated_sale(request, pk)
    registration = get_object_or_404(selectors.sale_registrations(sale), pk=registration_id)
    form_submit(
        request,
        None,
        lambda _data: services.deposit_confirm(actor=request.user, registration=registration),
        success=_("保证金到账已确认。"),
    )
    return redirect("auctions:operate", pk=sale.pk)


@login_required
@require_POST
def sale_freeze(request: AuthedRequest, pk: int) -> HttpResponse:
    sale = _operated_sale(request, pk)
    form_submit(
        request,
        FreezeForm(request.POST),
        lambda data: services.sale_freeze(actor=request.user, sale=sale, reason=data["reason"] or SYSTEM_FAULT),
        success=_("交易已冻结，恢复前不接受报价。"),
        invalid=_("冻结原因不能超过200个字符。"),
    )
    return redirect("auctions:operate", pk=sale.pk)


@login_required
@require_POST
def sale_resume(request: AuthedRequest, pk: int) -> HttpResponse:
    sale = _operated_sale(request, pk)
    form_submit(
        request,
        ResumeForm(request.POST),
        lambda data: services.sale_resume(actor=request.user, sale=sale, resume_at=_beijing(data["resume_at"])),
        success=lambda resumed: (
            _("已公布恢复时间：{at}。").format(at=clock.local(resumed.ends_at).strftime("%Y-%m-%d %H:%M"))
            if resumed.phase == SalePhase.FROZEN and resumed.ends_at is not None
            else _("交易已恢复。")
        ),
        invalid=_("恢复时间格式不正确。"),
    )
    return redirect("auctions:operate", pk=sale.pk)


@login_required
@require_POST
def sale_negotiate(request: AuthedRequest, pk: int) -> HttpResponse:
    sale = _operated_sale(request, pk)
    form_submit(
        request,
        NegotiateForm(request.POST),
        lambda data: services.sale_negotiate(actor=request.user, sale=sale, amount_fen=data["amount"]),
        success=lambda negotiated: _("已录入协议成交：成交价 {amount} 元；成交公示已发布，成交确认书已出具。").format(
            amount=format_yuan(negotiated.deal_price_fen)
        ),
        invalid=_("请填写正确的协议成交价（元）。"),
    )
    return redirect("auctions:operate", pk=sale.pk)
