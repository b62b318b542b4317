"""Bid security (投标保证金): confirmed by the bank, refunded within the legal time.

Money never passes through the platform's own code paths: a bank (through an adapter) reports
payments and refunds with a signed callback; the platform checks the signature, records the fact
idempotently (by the bank's reference) and tracks the refund deadline from the rule table
(实施条例 arts. 26, 35, 57; 87号令 art. 38). The payer's account is kept because several bidders
paying from one account is a statutory sign of collusion (实施条例 art. 40 (六)).

When the bank reports a refund it reports the amount paid back; the platform computes what was owed
besides the principal (interest.py, rates from the rule table) and records any shortfall, which
puts the security on the early-warning list with the late refunds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ggzy.accounts import selectors as accounts_selectors
from ggzy.core import clock
from ggzy.core.locks import lock_instance
from ggzy.rules import periods
from ggzy.rules import selectors as rules_selectors
from ggzy.witness.services import event_record

from . import interest
from .choices import InterestKind, RefundReason, SecurityMethod, SecurityStatus, TenderStatus
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
    if lot.tender.status == TenderStatus.CANCELLED:
        # Money that arrives after a termination is owed back at once, like the money held before it.
        security = security_refund_schedule(
            security=security,
            reason=RefundReason.CANCELLATION,
            key="tender.cancel_security_refund_days",
            since=security.confirmed_at,
        )
    return security


def _refunded(data: dict[str, Any]) -> BidSecurity:
    security = BidSecurity.objects.filter(reference=str(data.get("reference", "")).strip()).first()
    if security is None:
        raise ValidationError({"reference": _("没有该笔保证金。")})
    security = lock_instance(security)
    if security.status == SecurityStatus.REFUNDED:
        return security
    amount = data.get("amount_fen")
    held = security.method == SecurityMethod.BANK_TRANSFER
    # Money held must come back with what is owed on it, so the bank says how much it paid; a
    # guarantee (保函) is simply returned.
    if (held or amount is not None) and (not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0):
        raise ValidationError({"amount_fen": _("金额必须是以分为单位的正整数。")})
    now = clock.now()
    due = security_interest(security, refunded_on=clock.local(now).date())
    security.status = SecurityStatus.REFUNDED
    security.refunded_at = now
    security.refund_reference = str(data.get("refund_reference", ""))[:100]
    security.refunded_amount_fen = amount
    security.interest_due_fen = due.amount_fen
    security.interest_detail = [part.as_dict() for part in due.parts]
    owed = security.amount_fen + due.amount_fen
    security.refund_shortfall_fen = max(owed - amount, 0) if held and isinstance(amount, int) else 0
    security.save(
        update_fields=[
            "status",
            "refunded_at",
            "refund_reference",
            "refunded_amount_fen",
            "interest_due_fen",
            "interest_detail",
            "refund_shortfall_fen",
        ]
    )
    event_record(
        action="security.refunded",
        obj=security,
        after={
            "late": bool(security.refund_due and security.refunded_at > security.refund_due),
            "amount_fen": amount,
            "interest_due_fen": due.amount_fen,
            "interest": security.interest_detail,
            "shortfall_fen": security.refund_shortfall_fen,
        },
    )
    return security


@transaction.atomic
def security_refund_schedule(*, security: BidSecurity, reason: str, key: str, since: dt.datetime) -> BidSecurity:
    """Set the refund deadline from the rule `key` counted from `since` (e.g. the withdrawal)."""
    security = lock_instance(security)
    if security.status != SecurityStatus.CONFIRMED:
        return security
    rule = rules_selectors.rule_for(key, security.tender_lot.tender.project)
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


def securities_refunded_short() -> QuerySet[BidSecurity]:
    """Refunds the bank reported for less than the principal plus the interest or fee owed."""
    return BidSecurity.objects.filter(status=SecurityStatus.REFUNDED, refund_shortfall_fen__gt=0).select_related(
        "tender_lot__lot", "organization"
    )


def securities_early_warning() -> QuerySet[BidSecurity]:
    """Everything wrong with refunds: late ones and short ones."""
    late = Q(status=SecurityStatus.REFUND_DUE, refund_due__lt=clock.now())
    short = Q(status=SecurityStatus.REFUNDED, refund_shortfall_fen__gt=0)
    return BidSecurity.objects.filter(late | short).select_related("tender_lot__lot", "organization")


def _rule_value(security: BidSecurity, key: str) -> Decimal:
    return rules_selectors.rule_for(key, security.tender_lot.tender.project).value


def security_interest(security: BidSecurity, *, refunded_on: dt.date) -> interest.InterestDue:
    """What is owed besides the principal if the security is refunded on `refunded_on` (a Beijing
    day). Reads only the rates the refund's terms need."""
    project = security.tender_lot.tender.project
    terms = interest.interest_terms(
        trade_type=project.trade_type, reason=security.refund_reason, method=security.method
    )
    if terms == interest.NO_INTEREST:
        return interest.InterestDue()
    rates = interest.InterestRates(
        day_basis=int(_rule_value(security, "tender.security_interest_day_basis")),
        deposit_annual_percent=(
            _rule_value(security, "tender.security_deposit_rate_percent") if terms.deposit_interest else None
        ),
        loan_annual_percent=(
            _rule_value(security, "tender.security_loan_benchmark_rate_percent") if terms.overdue_fee else None
        ),
        overdue_surcharge_percent=(
            _rule_value(security, "gp.security_overdue_surcharge_percent") if terms.overdue_fee else None
        ),
    )
    return interest.interest_due(
        principal_fen=security.amount_fen,
        terms=terms,
        arrived_on=clock.local(security.confirmed_at).date(),
        due_on=clock.local(security.refund_due).date() if security.refund_due else None,
        refunded_on=refunded_on,
        rates=rates,
    )


@dataclass(frozen=True)
class RefundStatement:
    """Principal, what is owed on it, and what is missing, for the security pages."""

    principal_fen: int
    interest_fen: int | None  # None: nothing to say yet (not due for refund)
    kinds: tuple[str, ...]
    projected: bool  # an estimate as if refunded today
    refunded_fen: int | None
    shortfall_fen: int

    @property
    def kind_labels(self) -> list[str]:
        labels = dict(InterestKind.choices)
        return [str(labels.get(kind, kind)) for kind in self.kinds]


def refund_statement(security: BidSecurity, *, on: dt.date) -> RefundStatement:
    if security.status == SecurityStatus.REFUNDED:
        return RefundStatement(
            principal_fen=security.amount_fen,
            interest_fen=security.interest_due_fen,
            kinds=tuple(str(part.get("kind", "")) for part in security.interest_detail),
            projected=False,
            refunded_fen=security.refunded_amount_fen,
            shortfall_fen=security.refund_shortfall_fen,
        )
    if security.status == SecurityStatus.REFUND_DUE:
        due = security_interest(security, refunded_on=on)
        return RefundStatement(
            principal_fen=security.amount_fen,
            interest_fen=due.amount_fen,
            kinds=due.kinds,
            projected=True,
            refunded_fen=None,
            shortfall_fen=0,
        )
    return RefundStatement(
        principal_fen=security.amount_fen,
        interest_fen=None,
        kinds=(),
        projected=False,
        refunded_fen=None,
        shortfall_fen=0,
    )


def shared_payer_accounts(tender_lot: TenderLot) -> dict[str, list[str]]:
    """Accounts that paid security for more than one bidder of a lot (实施条例 art. 40 (六))."""
    by_account: dict[str, set[str]] = {}
    for security in tender_lot.securities.select_related("organization").exclude(payer_account=""):
        by_account.setdefault(security.payer_account, set()).add(security.organization.name)
    return {account: sorted(names) for account, names in by_account.items() if len(names) > 1}
