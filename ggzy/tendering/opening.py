"""Remote bid opening (不见面开标).

At the deadline every lot with enough bids enters its decryption window. Each bidder unwraps its
own content key (in the browser or with the bid tool) and releases it — the sealing private key
never leaves the bidder — or hands in a backup whose commitment equals the one in its receipt.
The platform decrypts the ciphertext it has held since the receipt and accepts the plaintext only
if it matches the commitment. When every bid is decided, or the window ends, bids still sealed are
revoked (撤销, the bidder's fault) and the opening record is published (电子招标投标办法 arts. 30–31).

The opening checks the key commitment, every segment's GCM tag and the head's commitment: with the
ciphertext digest in the receipt, that fixes the plaintext (docs/sealed-bid-format.md §13.1). The
per-file digests that the bidder signed in its manifest are re-hashed afterwards by a job
(`bid_files_check`), which records a mismatch on the bid for the evaluation.
"""

from __future__ import annotations

import base64
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

import bidtool
from ggzy.accounts.models import User
from ggzy.accounts.policies import Capability, has
from ggzy.core import clock
from ggzy.core.locks import lock_instance
from ggzy.core.money import format_yuan
from ggzy.disclosure import services as disclosure_services
from ggzy.disclosure.choices import NoticeType
from ggzy.jobs import services as jobs_services
from ggzy.rules import selectors as rules_selectors
from ggzy.witness.services import event_record

from . import policies
from .choices import BidStatus, LotStatus, OpeningFieldKind, OpeningOutcome
from .models import Bid, OpeningConfirmation, OpeningObjection, ReservePrice, TenderLot


def cancelled_message() -> str:
    return _("该招标已终止，不再开标。")


def decryption_window_start(*, tender_lot: TenderLot) -> None:
    """Called under the tender lock when submissions close: open the lot's decryption window."""
    minutes = rules_selectors.rule_for("tender.decryption_window_minutes", tender_lot.tender.project).as_int()
    tender_lot.status = LotStatus.DECRYPTING
    tender_lot.decryption_ends_at = tender_lot.tender.bid_deadline + dt.timedelta(minutes=minutes)
    tender_lot.save(update_fields=["status", "decryption_ends_at"])
    jobs_services.job_enqueue(
        name="tendering.opening_complete",
        args={"tender_lot_id": tender_lot.pk},
        run_at=tender_lot.decryption_ends_at,
        key=f"tender-lot:{tender_lot.pk}:opening",
    )


def opened_dir(bid: Bid) -> Path:
    return Path(settings.MEDIA_ROOT) / "opened" / bid.ciphertext_digest


def _fresh(bid: Bid) -> Bid:
    """Decide on the stored state, not on a copy the caller may have held since before the deadline."""
    return Bid.objects.select_related("tender_lot__lot", "tender_lot__tender").get(pk=bid.pk)


def _check_can_unseal(actor: User, bid: Bid) -> None:
    if not has(actor, Capability.BID_SUBMIT) or bid.bidder_id != actor.organization_id:
        raise PermissionDenied(_("只有投标人本单位可以解密自己的投标文件。"))
    lot = bid.tender_lot
    if lot.status == LotStatus.CANCELLED:
        raise ValidationError(cancelled_message())
    if lot.status != LotStatus.DECRYPTING or lot.decryption_ends_at is None or clock.now() >= lot.decryption_ends_at:
        raise ValidationError(_("当前不在本标段的解密时限内。"))
    if bid.status != BidStatus.SUBMITTED or bid.opening_outcome != OpeningOutcome.PENDING:
        raise ValidationError(_("该投标文件无需解密或已解密。"))


def bid_unseal(*, actor: User, bid: Bid, content_key: str) -> Bid:
    """The bidder releases the content key of its own bid (base64url, 32 bytes)."""
    from .bids import bid_path

    bid = _fresh(bid)
    _check_can_unseal(actor, bid)
    try:
        key = base64.urlsafe_b64decode(content_key.strip() + "=" * (-len(content_key.strip()) % 4))
    except ValueError as exc:
        raise ValidationError({"content_key": _("内容密钥格式不正确。")}) from exc
    target = opened_dir(bid)
    shutil.rmtree(target, ignore_errors=True)
    try:
        result = bidtool.unseal(
            bid_path(bid),
            content_key=key,
            out_dir=target,
            expected_commitment=bid.commitment,
            check_file_digests=False,
        )
    except bidtool.BidError as exc:
        raise ValidationError({"content_key": _("解密失败：{reason}").format(reason=exc)}) from exc
    return _accept(actor=actor, bid=bid, opening_data=dict(result.opening_data), via="content_key", target=target)


def bid_unseal_backup(*, actor: User, bid: Bid, backup: Path, content_key: str = "") -> Bid:
    """A backup (plaintext package, or an envelope with its content key) counts only if its
    commitment equals the one in the pre-deadline receipt."""
    bid = _fresh(bid)
    _check_can_unseal(actor, bid)
    key = base64.urlsafe_b64decode(content_key + "=" * (-len(content_key) % 4)) if content_key else None
    target = opened_dir(bid)
    shutil.rmtree(target, ignore_errors=True)
    try:
        result = bidtool.verify_backup(
            backup, expected_commitment=bid.commitment, content_key=key, out_dir=target, check_file_digests=False
        )
    except bidtool.BidError as exc:
        raise ValidationError({"backup": _("备用文件不符合回执中的承诺值：{reason}").format(reason=exc)}) from exc
    return _accept(actor=actor, bid=bid, opening_data=dict(result.opening_data), via="backup", target=target)


def _accept(*, actor: User, bid: Bid, opening_data: dict[str, Any], via: str, target: Path) -> Bid:
    try:
        return _decrypted(actor=actor, bid=bid, opening_data=opening_data, via=via)
    except Exception:
        shutil.rmtree(target, ignore_errors=True)  # no plaintext of a bid the opening did not accept
        raise


@transaction.atomic
def _decrypted(*, actor: User, bid: Bid, opening_data: dict[str, Any], via: str) -> Bid:
    lot = lock_instance(bid.tender_lot)
    bid = lock_instance(bid)
    bid.tender_lot = lot
    _check_can_unseal(actor, bid)
    bid.opening_outcome = OpeningOutcome.DECRYPTED
    bid.opening_data = opening_data
    bid.decrypted_at = clock.now()
    bid.decrypted_via = via
    bid.save(update_fields=["opening_outcome", "opening_data", "decrypted_at", "decrypted_via"])
    jobs_services.job_enqueue(
        name="tendering.bid_files_check", args={"bid_id": bid.pk}, key=f"bid:{bid.pk}:files-check"
    )
    # The content is read out only in the opening record, when every bid of the lot is decided.
    event_record(
        action="bid.decrypted",
        obj=bid,
        after={"lot": lot.lot.code, "commitment": bid.commitment, "via": via, "at": bid.decrypted_at},
    )
    complete_if_all_decided(lot)
    return bid


def bid_files_check(*, bid_id: int) -> Bid:
    """Worker job after a bid is decrypted: re-hash its opened files against the file digests the
    bidder signed in the manifest. The opening did not (the plaintext was already fixed by the key
    commitment, GCM and the head commitment), so a mismatch here means the bidder signed digests
    of other files: it does not undo the opening, it is recorded for the evaluation, where it is a
    ground for rejection. A missing or unreadable opened directory is the platform's fault and
    raises (the job is retried). Idempotent."""
    bid = Bid.objects.get(pk=bid_id)
    if bid.files_checked_at is not None or bid.opening_outcome != OpeningOutcome.DECRYPTED:
        return bid
    failure = ""
    try:
        bidtool.check_unsealed_files(opened_dir(bid), expected_commitment=bid.commitment)
    except bidtool.BidIntegrityError as exc:
        failure = str(exc)
    return _files_checked(bid=bid, failure=failure)


@transaction.atomic
def _files_checked(*, bid: Bid, failure: str) -> Bid:
    bid = lock_instance(bid)
    if bid.files_checked_at is not None:
        return bid
    bid.files_checked_at = clock.now()
    bid.files_check_failure = failure
    bid.save(update_fields=["files_checked_at", "files_check_failure"])
    event_record(
        action="bid.files_checked",
        obj=bid,
        after={"commitment": bid.commitment, "passed": not failure, "failure": failure, "at": bid.files_checked_at},
    )
    return bid


def complete_if_all_decided(lot: TenderLot) -> bool:
    """Publish the record as soon as every bid is decided and the reserve price (if any) is open;
    otherwise the worker publishes it at the end of the window. The caller holds the lot lock."""
    if lot.status != LotStatus.DECRYPTING:
        return False
    if Bid.objects.filter(tender_lot=lot, status=BidStatus.SUBMITTED, opening_outcome=OpeningOutcome.PENDING).exists():
        return False
    if ReservePrice.objects.filter(tender_lot=lot, opened_at__isnull=True).exists():
        return False
    _complete(lot)
    return True


def _field_value(field: dict[str, str], data: dict[str, Any]) -> str:
    value = data.get(field["key"])
    if value is None:
        return "—"
    if field.get("kind") == OpeningFieldKind.MONEY and isinstance(value, int):
        return format_yuan(value)
    return str(value)


def _complete(lot: TenderLot) -> None:
    now = clock.now()
    pending = Bid.objects.filter(tender_lot=lot, status=BidStatus.SUBMITTED, opening_outcome=OpeningOutcome.PENDING)
    pending.update(opening_outcome=OpeningOutcome.REVOKED)
    tender = lot.tender
    fields = tender.opening_fields
    rows = []
    for bid in Bid.objects.filter(tender_lot=lot, status=BidStatus.SUBMITTED).select_related("bidder"):
        row: dict[str, Any] = {
            "bidder": bid.bidder.name,
            "bidder_uscc": bid.bidder.uscc,
            "outcome": bid.opening_outcome,
            "received_at": bid.received_at.isoformat(timespec="seconds"),
            "commitment": bid.commitment,
        }
        if bid.opening_outcome == OpeningOutcome.NOT_DECRYPTED:
            row["reason"] = bid.not_decrypted_reason
        if bid.opening_outcome == OpeningOutcome.DECRYPTED:
            row["values"] = {field["key"]: _field_value(field, bid.opening_data or {}) for field in fields}
        rows.append(row)
    reserve = ReservePrice.objects.filter(tender_lot=lot).first()
    reserve_text = None
    if reserve is not None:
        price = (reserve.opened_value or {}).get("price")
        reserve_text = format_yuan(price) if isinstance(price, int) else _("未解密")
    record = {
        "tender": tender.code,
        "reserve_price": reserve_text,
        "lot": lot.lot.code,
        "lot_name": lot.lot.name,
        "opened_at": now.isoformat(timespec="seconds"),
        "fields": [{"key": field["key"], "label": field["label"]} for field in fields],
        "bids": rows,
    }
    lot.status = LotStatus.OPENED
    lot.opened_at = now
    lot.opening_record = record
    lot.save(update_fields=["status", "opened_at", "opening_record"])
    disclosure_services.notice_publish(
        actor=None,
        title=_("{title} {lot} 开标记录").format(title=tender.title, lot=lot.lot.name),
        notice_type=NoticeType.OPENING_RECORD,
        trade_type=tender.project.trade_type,
        region_code=tender.project.region_code,
        body=_record_text(record),
        project=tender.project,
        system=True,
        source=f"lot:{lot.pk}:opening",
    )
    event_record(action="opening.record_published", obj=lot, after=record)


def _record_text(record: dict[str, Any]) -> str:
    outcome_labels = dict(OpeningOutcome.choices)
    lines = [_("标段：{code} {name}").format(code=record["lot"], name=record["lot_name"])]
    lines.append(_("开标时间：{time}").format(time=record["opened_at"]))
    if record.get("reserve_price"):
        lines.append(_("标底：{price}").format(price=record["reserve_price"]))
    for number, row in enumerate(record["bids"], start=1):
        parts = [f"{number}. {row['bidder']}", str(outcome_labels[row["outcome"]])]
        if row.get("reason"):
            parts.append(_("原因：{reason}").format(reason=row["reason"]))
        for field in record["fields"]:
            if "values" in row:
                parts.append(f"{field['label']}：{row['values'][field['key']]}")
        lines.append("；".join(parts))
    return "\n".join(lines)


@transaction.atomic
def opening_complete(*, tender_lot_id: int) -> TenderLot:
    """At the end of the decryption window (worker job; idempotent). A lot terminated in the
    window (LotStatus.CANCELLED) is left as it is: no record is made."""
    lot = lock_instance(TenderLot.objects.select_related("tender", "lot").get(pk=tender_lot_id))
    if lot.status != LotStatus.DECRYPTING:
        return lot
    if lot.decryption_ends_at and clock.now() < lot.decryption_ends_at:
        raise ValidationError(_("解密时限未到。"))
    _complete(lot)
    return lot


def _require_participant(actor: User, lot: TenderLot) -> None:
    if not Bid.objects.filter(
        tender_lot=lot, bidder_id=actor.organization_id, status=BidStatus.SUBMITTED
    ).exists() or not has(actor, Capability.BID_SUBMIT):
        raise PermissionDenied(_("只有本标段的投标人可以确认开标记录或提出异议。"))
    if lot.status == LotStatus.CANCELLED:
        raise ValidationError(cancelled_message())
    if lot.status != LotStatus.OPENED:
        raise ValidationError(_("开标记录尚未发布。"))


@transaction.atomic
def opening_confirm(*, actor: User, tender_lot: TenderLot) -> OpeningConfirmation:
    _require_participant(actor, tender_lot)
    assert actor.organization is not None
    confirmation, created = OpeningConfirmation.objects.get_or_create(
        tender_lot=tender_lot, bidder=actor.organization, defaults={"confirmed_at": clock.now()}
    )
    if created:
        event_record(action="opening.confirmed", actor=actor, obj=tender_lot)
    return confirmation


@transaction.atomic
def opening_objection_raise(*, actor: User, tender_lot: TenderLot, text: str) -> OpeningObjection:
    _require_participant(actor, tender_lot)
    if not text.strip():
        raise ValidationError({"text": _("请填写异议内容。")})
    assert actor.organization is not None
    objection = OpeningObjection(
        tender_lot=tender_lot, bidder=actor.organization, text=text.strip(), raised_at=clock.now()
    )
    objection.full_clean()
    objection.save()
    event_record(action="opening.objection_raised", actor=actor, obj=objection, after={"text": objection.text})
    return objection


@transaction.atomic
def opening_objection_answer(*, actor: User, objection: OpeningObjection, answer: str) -> OpeningObjection:
    """The host of the opening (the owner or its agent) answers; the answer goes on the record."""
    objection = lock_instance(objection)
    if not policies.can_manage(actor, objection.tender_lot.tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以答复开标异议。"))
    if objection.answered_at is not None:
        raise ValidationError(_("该异议已答复。"))
    if not answer.strip():
        raise ValidationError({"answer": _("请填写答复内容。")})
    objection.answer = answer.strip()
    objection.answered_at = clock.now()
    objection.answered_by = actor
    objection.save(update_fields=["answer", "answered_at", "answered_by"])
    event_record(action="opening.objection_answered", actor=actor, obj=objection, after={"answer": objection.answer})
    return objection


@transaction.atomic
def bid_mark_not_decrypted(*, actor: User, bid: Bid, reason: str) -> Bid:
    """The host records that a bid could not be decrypted through no fault of the bidder (撤回:
    e.g. the platform failed during the window), with the reason, before the record is made."""
    lot = lock_instance(bid.tender_lot)
    bid = lock_instance(bid)
    if not policies.can_manage(actor, lot.tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以认定非投标人原因未解密。"))
    if lot.status == LotStatus.CANCELLED:
        raise ValidationError(cancelled_message())
    if lot.status != LotStatus.DECRYPTING:
        raise ValidationError(_("只能在解密时限内、开标记录发布前认定。"))
    if bid.status != BidStatus.SUBMITTED or bid.opening_outcome != OpeningOutcome.PENDING:
        raise ValidationError(_("该投标文件无需认定。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请写明非投标人原因。")})
    bid.opening_outcome = OpeningOutcome.NOT_DECRYPTED
    bid.not_decrypted_reason = reason.strip()
    bid.save(update_fields=["opening_outcome", "not_decrypted_reason"])
    event_record(
        action="bid.not_decrypted",
        actor=actor,
        obj=bid,
        after={"reason": reason.strip(), "lot": lot.lot.code},
    )
    complete_if_all_decided(lot)
    return bid
