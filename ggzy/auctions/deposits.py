"""Bidding deposits (竞买保证金) reported by the bank, beside the center's confirmation by hand.

The bidder transfers the deposit quoting its registration's payment reference
(`Registration.payment_reference`, shown to it alone once approved). The bank reports the payment
and, after the result, the refund with a callback signed like the tendering one (the same adapter
and secret: `ggzy.tendering.deposits.callback_verify`). A payment counts only if it covers the
sale's deposit and comes from an account in the bidder's own name; it then confirms the deposit
exactly as the center would (`services.deposit_arrived`), so an approved bidder qualifies at once.
Both notices are idempotent by the bank's transaction id; a refusal writes nothing.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ggzy.core.locks import lock, lock_instance
from ggzy.tendering.deposits import callback_verify

from . import results, services
from .choices import RegistrationStatus, SaleStatus
from .models import Registration, Sale


@transaction.atomic
def bank_callback(*, body: bytes, signature: str) -> Registration:
    """Record a payment (`event: paid`) or a refund (`event: refunded`) reported by the bank.

    The body: `reference` (the payment reference), `transaction_id` (the bank's), and for a
    payment `amount_fen` and `payer_name` (the paying account's name). A wrong signature raises
    PermissionDenied, anything else wrong ValidationError."""
    data = callback_verify(body, signature)
    event = data.get("event")
    if event not in ("paid", "refunded"):
        raise ValidationError({"event": _("未知的银行回调事件。")})
    registration = _registration(data)
    transaction_id = str(data.get("transaction_id") or "").strip()
    if not transaction_id or len(transaction_id) > 100:
        raise ValidationError({"transaction_id": _("请提供银行流水号（不超过100个字符）。")})
    if event == "paid":
        return _paid(registration, data, transaction_id)
    return _refunded(registration, data, transaction_id)


def registration_by_reference(reference: str) -> Registration | None:
    """The registration a payment reference names, with its sale and bidder; None when the
    reference is malformed or names none."""
    ids = Registration.payment_reference_ids(reference.strip())
    if ids is None:
        return None
    return Registration.objects.select_related("sale", "organization").filter(sale_id=ids[0], pk=ids[1]).first()


def registrations_awaiting_bank() -> tuple[QuerySet[Registration], QuerySet[Registration]]:
    """What the bank may still report: the deposits of open sales not yet paid (an application
    not yet reviewed may pay too), and the deposits owed back and not yet refunded."""
    registrations = Registration.objects.select_related("sale__lot__project", "organization").order_by("sale_id", "pk")
    unpaid = registrations.filter(deposit_confirmed_at__isnull=True, sale__status=SaleStatus.OPEN).exclude(
        status=RegistrationStatus.REJECTED
    )
    return unpaid, registrations.filter(refund_due__isnull=False, refunded_at__isnull=True)


def _registration(data: dict[str, Any]) -> Registration:
    """The registration the reference names, locked in the order `services` locks (sale first)."""
    found = registration_by_reference(str(data.get("reference") or ""))
    if found is None:
        raise ValidationError({"reference": _("没有与该缴款识别码对应的竞买申请。")})
    lock(Sale, pk=found.sale_id)
    return lock_instance(found)


def _name(value: str) -> str:
    """Names as banks write them: full-width brackets and spaces do not make another payer."""
    return "".join(unicodedata.normalize("NFKC", value).split())


def _paid(registration: Registration, data: dict[str, Any], transaction_id: str) -> Registration:
    if registration.deposit_transaction == transaction_id:
        return registration  # the bank may repeat a callback
    errors: dict[str, list[str]] = {}
    amount = data.get("amount_fen")
    # A sale without a stated deposit takes any payment.
    deposit_fen = Sale.objects.values_list("deposit_fen", flat=True).get(pk=registration.sale_id) or 1
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        errors.setdefault("amount_fen", []).append(_("金额必须是以分为单位的正整数。"))
    elif amount < deposit_fen:
        errors.setdefault("amount_fen", []).append(_("到账金额少于竞买公告要求的竞买保证金。"))
    if _name(str(data.get("payer_name") or "")) != _name(registration.organization.name):
        errors.setdefault("payer_name", []).append(_("付款账户名称与竞买人名称不一致，须由竞买人本单位账户交纳。"))
    if errors:
        raise ValidationError(errors)
    assert isinstance(amount, int)
    if registration.deposit_confirmed_at is not None:
        # Another transfer, or this one after the center confirmed by hand: the center must look
        # at it (it may be money to send back), so refuse rather than swallow it.
        raise ValidationError(
            _("该竞买申请的保证金已确认到账（人工确认或另一笔银行流水），请交易中心核对这笔款项。"),
            code="already_paid",
        )
    return services.deposit_arrived(
        actor=None, registration=registration, transaction_id=transaction_id, amount_fen=amount
    )


def _refunded(registration: Registration, data: dict[str, Any], transaction_id: str) -> Registration:
    """As `results.deposit_refund_record`, with the bank as the witness instead of a clerk."""
    if registration.refunded_at is not None:
        if registration.refund_reference == transaction_id:
            return registration
        raise ValidationError(_("该保证金已登记退还。"), code="already_refunded")
    amount = data.get("amount_fen")
    amount_fen = amount if isinstance(amount, int) and not isinstance(amount, bool) else None
    return results.refund_mark(registration, actor=None, reference=transaction_id, after={"amount_fen": amount_fen})
