"""Writes about sealed bids: bidder keys, submission with a signed receipt, withdrawal.

The platform only ever holds ciphertext. It checks the envelope's structure, the bidder's
signature over the plaintext commitment and the ciphertext digest, and that the envelope was
sealed to the bidder's registered key for this lot — then stamps the server receipt time.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

import bidtool
from ggzy.accounts.models import User
from ggzy.accounts.policies import Capability, has
from ggzy.core import clock, signing
from ggzy.core.locks import lock_instance
from ggzy.witness.services import event_record

from . import deposits
from .choices import BidStatus, KeyKind, RefundReason, SecurityStatus, TenderStatus
from .models import Bid, BidderKey, Tender, TenderLot

ENVELOPE_MAGIC = b"GGZYBID"


def cancelled_message() -> str:
    return _("该招标已终止，平台不再接受投标文件。")


def require_bidder(actor: User) -> None:
    if not has(actor, Capability.BID_SUBMIT) or actor.organization_id is None:
        raise PermissionDenied(_("只有投标人可以执行此操作。"))


@transaction.atomic
def bidder_key_register(*, actor: User, kind: str, public_key: str) -> BidderKey:
    """Register (or replace) the organization's sealing or signing public key (P-256). Bidders seal
    bids with them; the owner side seals the reserve price (标底) with its own."""
    if not (has(actor, Capability.BID_SUBMIT) or has(actor, Capability.TENDER_MANAGE)) or actor.organization_id is None:
        raise PermissionDenied(_("只有投标人、招标人或代理机构可以登记公钥。"))
    if kind not in KeyKind.values:
        raise ValidationError({"kind": _("请选择公钥用途。")})
    try:
        key = bidtool.load_public_key(public_key.strip(), use="enc" if kind == KeyKind.SEALING else "sig")
    except bidtool.BidError as exc:
        raise ValidationError({"public_key": str(exc)}) from exc
    now = clock.now()
    organization = actor.organization
    assert organization is not None
    previous = BidderKey.objects.select_for_update().filter(organization=organization, kind=kind, retired_at=None)
    retired = [item.key_id for item in previous]
    previous.update(retired_at=now)
    record = BidderKey(
        organization=organization,
        kind=kind,
        key_id=bidtool.key_id(key),
        public_key_pem=bidtool.public_key_to_pem(key).decode(),
        registered_at=now,
    )
    record.full_clean()
    record.save()
    event_record(
        action="bid_key.registered",
        actor=actor,
        obj=record,
        before={"retired": retired},
        after={"kind": kind, "key_id": record.key_id},
    )
    return record


def active_key(*, organization_id: int, kind: str) -> BidderKey | None:
    return BidderKey.objects.filter(organization_id=organization_id, kind=kind, retired_at=None).first()


def _storage_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "bids"
    path.mkdir(parents=True, exist_ok=True)
    return path


def bid_path(bid: Bid) -> Path:
    return _storage_dir() / bid.storage_name


def _receipt_message(receipt: dict[str, Any]) -> bytes:
    return (
        "GGZY-RECEIPT/1\n" + json.dumps(receipt, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    ).encode()


def receipt_verify(receipt: dict[str, Any], signature: str) -> bool:
    """Anyone holding the platform's public key can check a receipt."""
    return signing.verify(_receipt_message(receipt), signature)


def envelope_inspect(envelope: Path, *, lot: TenderLot, actor: User) -> bidtool.Inspection:
    with envelope.open("rb") as handle:
        if handle.read(len(ENVELOPE_MAGIC)) != ENVELOPE_MAGIC:
            raise ValidationError({"envelope": _("投标文件未按要求加密密封，平台拒收（电子招标投标办法）。")})
    organization = actor.organization
    assert organization is not None
    signing_key = active_key(organization_id=organization.pk, kind=KeyKind.SIGNING)
    sealing_key = active_key(organization_id=organization.pk, kind=KeyKind.SEALING)
    if signing_key is None or sealing_key is None:
        raise ValidationError({"envelope": _("请先登记本单位的密封公钥和签名公钥。")})
    try:
        inspection = bidtool.verify(envelope, signing_public_key=bidtool.load_public_key(signing_key.public_key_pem))
    except bidtool.BidError as exc:
        raise ValidationError({"envelope": str(exc)}) from exc
    header = inspection.header
    problems = []
    if header.lot_code != lot.lot.code:
        problems.append(_("投标文件是为标段 {code} 密封的，不是本标段。").format(code=header.lot_code))
    if header.bidder_uscc != organization.uscc:
        problems.append(_("投标文件中的统一社会信用代码与递交单位不符。"))
    if header.recipient_key_id != sealing_key.key_id:
        problems.append(_("投标文件没有用本单位登记的密封公钥加密；开标时将无法解密，请重新密封。"))
    if problems:
        raise ValidationError({"envelope": problems})
    return inspection


def bid_submit(
    *,
    actor: User,
    tender_lot: TenderLot,
    envelope: Path,
    client_address: str = "",
    client_fingerprint: str = "",
) -> Bid:
    """Accept a sealed bid if it arrives before the deadline by server time; returns it with its receipt.

    The envelope is verified before the lock is taken (it may be large); the deadline is judged by
    the receipt time taken under the lock, so a bid that finishes verifying after the deadline is
    refused."""
    require_bidder(actor)
    tender = tender_lot.tender
    organization_id = actor.organization_id
    assert organization_id is not None
    if Tender.objects.filter(pk=tender.pk, status=TenderStatus.CANCELLED).exists():
        raise ValidationError({"envelope": cancelled_message()})  # before reading a large envelope
    if tender.invitees.exists() and not tender.invitees.filter(pk=organization_id).exists():
        raise PermissionDenied(_("本项目为邀请招标，只有受邀投标人可以递交投标文件。"))
    inspection = envelope_inspect(envelope, lot=tender_lot, actor=actor)
    target = _storage_dir() / f"{inspection.ciphertext_digest}.gbid"
    if not target.exists():
        temporary = target.with_suffix(".part")
        shutil.copyfile(envelope, temporary)
        temporary.replace(target)
    with transaction.atomic():
        return _bid_record(
            actor=actor,
            tender_lot=tender_lot,
            inspection=inspection,
            storage_name=target.name,
            client_address=client_address,
            client_fingerprint=client_fingerprint,
        )


def _bid_record(
    *,
    actor: User,
    tender_lot: TenderLot,
    inspection: bidtool.Inspection,
    storage_name: str,
    client_address: str,
    client_fingerprint: str,
) -> Bid:
    tender = lock_instance(tender_lot.tender)
    received_at = clock.now()
    if tender.status == TenderStatus.CANCELLED:
        raise ValidationError({"envelope": cancelled_message()})
    if tender.status != TenderStatus.PUBLISHED or received_at >= tender.bid_deadline:
        raise ValidationError(
            {
                "envelope": _("投标截止时间（{deadline}）已过，平台拒收。以平台服务器时间为准。").format(
                    deadline=clock.local(tender.bid_deadline).strftime("%Y-%m-%d %H:%M:%S")
                )
            }
        )
    organization = actor.organization
    assert organization is not None
    replaced = list(
        Bid.objects.select_for_update().filter(tender_lot=tender_lot, bidder=organization, status=BidStatus.SUBMITTED)
    )
    Bid.objects.filter(pk__in=[bid.pk for bid in replaced]).update(status=BidStatus.REPLACED)
    receipt = {
        "tender": tender.code,
        "lot": tender_lot.lot.code,
        "bidder_uscc": organization.uscc,
        "commitment": inspection.commitment,
        "ciphertext_digest": inspection.ciphertext_digest,
        "recipient_key_id": inspection.header.recipient_key_id,
        "signer_key_id": inspection.header.signer_key_id,
        "size": inspection.size,
        "received_at": received_at.isoformat(timespec="microseconds"),
    }
    bid = Bid(
        tender_lot=tender_lot,
        bidder=organization,
        submitted_by=actor,
        received_at=received_at,
        storage_name=storage_name,
        size=inspection.size,
        commitment=inspection.commitment,
        ciphertext_digest=inspection.ciphertext_digest,
        signature=inspection.signature,
        recipient_key_id=inspection.header.recipient_key_id,
        signer_key_id=inspection.header.signer_key_id,
        client_address=client_address[:64],
        client_fingerprint=client_fingerprint[:200],
        receipt=receipt,
        receipt_signature=signing.sign(_receipt_message(receipt)),
    )
    bid.full_clean(validate_constraints=False)
    bid.save()
    # The witness log holds the commitment, never the bidder's identity before the deadline:
    # staff and supervisors read it, and the list of bidders is secret until then (招标投标法 art. 22).
    event_record(
        action="bid.received",
        obj=bid,
        after={
            "lot": tender_lot.lot.code,
            "commitment": bid.commitment,
            "ciphertext_digest": bid.ciphertext_digest,
            "received_at": received_at,
            "replaces": len(replaced),
        },
    )
    return bid


@transaction.atomic
def bid_withdraw(*, actor: User, bid: Bid) -> Bid:
    """A bidder takes its bid back before the deadline (招标投标法实施条例 art. 35)."""
    require_bidder(actor)
    tender = lock_instance(bid.tender_lot.tender)
    bid = lock_instance(bid)
    if bid.bidder_id != actor.organization_id:
        raise PermissionDenied(_("只能撤回本单位的投标文件。"))
    now = clock.now()
    if tender.status == TenderStatus.CANCELLED:
        raise ValidationError(_("该招标已终止，无需撤回投标文件；投标保证金将依法退还。"))
    if tender.status != TenderStatus.PUBLISHED or now >= tender.bid_deadline:
        raise ValidationError(_("投标截止后不能撤回投标文件。"))
    if bid.status != BidStatus.SUBMITTED:
        raise ValidationError(_("该投标文件已撤回或已被替换。"))
    bid.status = BidStatus.WITHDRAWN
    bid.withdrawn_at = now
    bid.save(update_fields=["status", "withdrawn_at"])
    # Security of a withdrawn bid is refunded within the legal time (实施条例 art. 35).
    for security in bid.tender_lot.securities.filter(organization_id=bid.bidder_id, status=SecurityStatus.CONFIRMED):
        deposits.security_refund_schedule(
            security=security,
            reason=RefundReason.WITHDRAWAL,
            key="tender.withdrawal_security_refund_days",
            since=now,
        )
    event_record(action="bid.withdrawn", obj=bid, before={"status": BidStatus.SUBMITTED}, after={"status": bid.status})
    return bid


def live_bids(tender_lot: TenderLot) -> Any:
    return Bid.objects.filter(tender_lot=tender_lot, status=BidStatus.SUBMITTED)


def bids_of(*, organization_id: int, tender: Tender) -> Any:
    return Bid.objects.filter(Q(tender_lot__tender=tender) & Q(bidder_id=organization_id)).select_related(
        "tender_lot__lot"
    )
