"""The sealed reserve price (标底): optional, one per lot, secret until the opening, where it is
read out with the bids and serves only as a reference (招标投标法实施条例 arts. 27, 50).

The owner side seals it with the bid tool to its own keys, exactly like a bid, so the platform
cannot read it either; at the opening it releases the content key.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

import bidtool
from ggzy.accounts.models import User
from ggzy.core import clock
from ggzy.core.locks import lock_instance
from ggzy.witness.services import event_record

from . import bids, opening, policies
from .choices import LotStatus, TenderStatus
from .models import ReservePrice, Tender, TenderLot


def _stored(name: str) -> Path:
    directory = Path(settings.MEDIA_ROOT) / "reserve"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / name


def reserve_price_submit(*, actor: User, tender_lot: TenderLot, envelope: Path) -> ReservePrice:
    tender = Tender.objects.get(pk=tender_lot.tender_id)
    if not policies.can_manage(actor, tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以递交标底。"))
    inspection = bids.envelope_inspect(envelope, lot=tender_lot, actor=actor)
    target = _stored(f"{inspection.ciphertext_digest}.gbid")
    if not target.exists():
        shutil.copyfile(envelope, target.with_suffix(".part"))
        target.with_suffix(".part").replace(target)
    with transaction.atomic():
        tender = lock_instance(tender)
        if tender.status not in (TenderStatus.DRAFT, TenderStatus.PUBLISHED) or clock.now() >= tender.bid_deadline:
            raise ValidationError(_("投标截止后不能递交或更换标底。"))
        assert actor.organization is not None
        reserve, _created = ReservePrice.objects.update_or_create(
            tender_lot=tender_lot,
            defaults={
                "organization": actor.organization,
                "storage_name": target.name,
                "commitment": inspection.commitment,
                "ciphertext_digest": inspection.ciphertext_digest,
                "received_at": clock.now(),
            },
        )
        event_record(
            action="reserve_price.sealed",
            actor=actor,
            obj=tender_lot,
            after={"commitment": reserve.commitment, "ciphertext_digest": reserve.ciphertext_digest},
        )
    return reserve


def reserve_price_unseal(*, actor: User, tender_lot: TenderLot, content_key: str) -> ReservePrice:
    if not policies.can_manage(actor, Tender.objects.get(pk=tender_lot.tender_id)):
        raise PermissionDenied(_("只有招标人或其代理机构可以解密标底。"))
    reserve = ReservePrice.objects.filter(tender_lot=tender_lot).first()
    if reserve is None:
        raise ValidationError(_("本标段没有标底。"))
    lot = TenderLot.objects.get(pk=tender_lot.pk)
    if lot.status != LotStatus.DECRYPTING or lot.decryption_ends_at is None or clock.now() >= lot.decryption_ends_at:
        raise ValidationError(_("当前不在本标段的解密时限内。"))
    padded = content_key.strip() + "=" * (-len(content_key.strip()) % 4)
    try:
        result = bidtool.unseal(
            _stored(reserve.storage_name),
            content_key=base64.urlsafe_b64decode(padded),
            expected_commitment=reserve.commitment,
        )
    except (bidtool.BidError, ValueError) as exc:
        raise ValidationError({"content_key": _("标底解密失败：{reason}").format(reason=exc)}) from exc
    with transaction.atomic():
        lot = lock_instance(lot)
        reserve = lock_instance(reserve)
        if reserve.opened_at is not None:
            return reserve
        if lot.status != LotStatus.DECRYPTING:
            raise ValidationError(_("当前不在本标段的解密时限内。"))
        reserve.opened_value = dict(result.opening_data)
        reserve.opened_at = clock.now()
        reserve.save(update_fields=["opened_value", "opened_at"])
        event_record(action="reserve_price.decrypted", actor=actor, obj=tender_lot, after={"at": reserve.opened_at})
        opening.complete_if_all_decided(lot)
    return reserve
