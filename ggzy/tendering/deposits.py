"""Bid security (投标保证金): confirmed by the bank, refunded within the legal time.

Money never passes through the platform's own code paths: a bank (through an adapter) reports
payments and refunds with a signed callback; the platform checks the signature, records the fact
idempotently (by the bank's reference) and tracks the refund deadline from the rule table
(实施条例 arts. 26, 35, 57; 87号令 art. 38). The payer's account is kept because several bidders
paying from one account is a statutory sign of collusion (实施条例 art. 40 (六)).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ggzy.accounts import selectors as accounts_selectors
from ggzy.core import clock
from ggzy.core.locks import lock_instance
from ggzy.rules import periods
from ggzy.rules import selectors as rules_selectors
from ggzy.witness.services import event_record

from .choices import SecurityMethod, SecurityStatus
from .models import BidSecurity, TenderLot

DEMO_SECRET = "ggzy-demo-bank-secret"


def _secret() -> bytes:
    value = os.environ.get("BANK_CALLBACK_SECRET")
    if not value:
        if settings.PRODUCTION:
            raise ImproperlyConfigured("Production needs BANK_CALLBACK_SECRET for the bank adapter.")
        value = DEMO_SECRET
    return value.encode()


def callback_signature(body: bytes) -> str:
    """What the bank (or the demo adapter) sends in the X-Bank-Signature header."""
    return hmac.new(_secret(), body, hashlib.sha256).hexdigest()


def callback_verify(body: bytes, signature: str) -> dict[str, Any]:
    if not hmac.compare_digest(callback_signature(body), signature.strip().lower()):
        raise PermissionDenied(_("银行回调签名无效。"))
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValidationError(_("银行回调不是有效的 JSON。")) from exc
    if not isinstance(data, dict):
        raise ValidationError(_("银行回调格式不正确。"))
    return data


@transaction.atomic
def bank_callback(*, body: bytes, signature: str) -> BidSecurity:
    """Record a payment (`event: paid`) or a refund (`event: refunded`) reported by the bank."""
    data = callback_verify(body, signature)
    event = data.get("event")
    if event == "paid":
        return _paid(data)
    if event == "refunded":
        return _refunded(data)
    raise ValidationError({"event": _("未知的银行回调事件。")})


def _paid(data: dict[str, Any]) -> BidSecurity:
    reference = str(data.get("reference", "")).strip()
    existing = BidSecurity.objects.filter(reference=reference).first()
    if existing is not None:
        return existing  # the bank may repeat a callback
    # After a re-tender the project lot has several rounds: the payment is for the latest published one.
    lot = (
        TenderLot.objects.select_related("lot", "tender__project")
        .filter(lot__code=data.get("lot_code"), tender__published_at__isnull=False)
        .order_by("-tender__published_at")
        .first()
    )
    payer = accounts_selectors.organization_get_by_uscc(str(data.get("payer_uscc", "")))
    errors: dict[str, list[str]] = {}
    if lot is None:
        errors.setdefault("lot_code", []).append(_("没有该标段。"))
    if payer is None:
        errors.setdefault("payer_uscc", []).append(_("付款单位未在平台注册。"))
    amount = data.get("amount_fen")
    if not isinstance(amount, int) or amount <= 0:
        errors.setdefault("amount_fen", []).append(_("金额必须是以分为单位的正整数。"))
    elif lot is not None and amount < lot.bid_security_fen:
        errors.setdefault("amount_fen", []).append(_("到账金额少于招标文件要求的投标保证金。"))
    if data.get("method") not in SecurityMethod.values:
        errors.setdefault("method", []).append(_("缴纳方式不正确。"))
    if errors:
        raise ValidationError(errors)
    assert lot is not None and payer is not None and isinstance(amount, int)
    security = BidSecurity(
        tender_lot=lot,
        organization=payer,
        reference=reference,
        method=data["method"],
        amount_fen=amount,
        payer_account=str(data.get("payer_account", ""))[:64],
        confirmed_at=clock.now(),
    )
    security.full_clean()
    security.save()
    # No bidder identity in the log before the deadline: the reference and lot suffice.
    event_record(action="security.confirmed", obj=security, after={"lot": lot.lot.code, "amount_fen": amount})
    return security


def _refunded(data: dict[str, Any]) -> BidSecurity:
    security = BidSecurity.objects.filter(reference=str(data.get("reference", "")).strip()).first()
    if security is None:
        raise ValidationError({"reference": _("没有该笔保证金。")})
    security = lock_instance(security)
    if security.status == SecurityStatus.REFUNDED:
        return security
    security.status = SecurityStatus.REFUNDED
    security.refunded_at = clock.now()
    security.refund_reference = str(data.get("refund_reference", ""))[:100]
    security.save(update_fields=["status", "refunded_at", "refund_reference"])
    event_record(
        action="security.refunded",
        obj=security,
        after={"late": bool(security.refund_due and security.refunded_at > security.refund_due)},
    )
    return security


@transaction.atomic
def security_refund_schedule(*, security: BidSecurity, reason: str, key: str, since: dt.datetime) -> BidSecurity:
    """Set the refund deadline from the rule `key` counted from `since` (e.g. the withdrawal)."""
    security = lock_instance(security)
    if security.status != SecurityStatus.CONFIRMED:
        return security
    project = security.tender_lot.tender.project
    rule = rules_selectors.rule_get(
        key, trade_type=project.trade_type, method=project.procurement_method, on=project.rules_date
    )
    security.status = SecurityStatus.REFUND_DUE
    security.refund_reason = reason
    security.refund_due = periods.period_deadline(clock.local(since).date(), rule)
    security.save(update_fields=["status", "refund_reason", "refund_due"])
    event_record(action="security.refund_scheduled", obj=security, after={"reason": reason, "due": security.refund_due})
    return security


def securities_overdue() -> QuerySet[BidSecurity]:
    """Refunds past their legal deadline: the early-warning list for owners and supervisors."""
    return BidSecurity.objects.filter(status=SecurityStatus.REFUND_DUE, refund_due__lt=clock.now()).select_related(
        "tender_lot__lot", "organization"
    )


def shared_payer_accounts(tender_lot: TenderLot) -> dict[str, list[str]]:
    """Accounts that paid security for more than one bidder of a lot (实施条例 art. 40 (六))."""
    by_account: dict[str, set[str]] = {}
    for security in tender_lot.securities.select_related("organization").exclude(payer_account=""):
        by_account.setdefault(security.payer_account, set()).add(security.organization.name)
    return {account: sorted(names) for account, names in by_account.items() if len(names) > 1}
