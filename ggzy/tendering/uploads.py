"""Resumable, chunked upload of sealed bids (hundreds of MB).

The client first declares the envelope's size and the SHA-256 of each 1 MiB piece (the leaves of
the envelope's hash list, docs/sealed-bid-format.md §5). Chunks of CHUNK_SIZE bytes may then
arrive in any order, repeatedly; each is checked against the declared leaves before it is written,
so a corrupted or tampered chunk is refused at once and never stored. After a break the client
asks which chunks arrived and sends the rest. Completion hands the assembled envelope to
`bids.bid_submit`, which verifies the signature and judges the deadline by the receipt time then:
an upload not completed before the deadline counts as not submitted.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ggzy.accounts.models import User
from ggzy.core import clock

from . import bids
from .choices import TenderStatus
from .models import Bid, Tender, TenderLot, UploadChunk, UploadSession

LEAF_SIZE = 1024 * 1024
CHUNK_SIZE = 2 * LEAF_SIZE  # below Django's in-memory request body limit
MAX_SIZE = 4 * 1024 * 1024 * 1024
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _part_path(session: UploadSession) -> Path:
    directory = Path(settings.MEDIA_ROOT) / "uploads"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{session.token}.part"


def chunk_count(size: int) -> int:
    return math.ceil(size / CHUNK_SIZE)


@transaction.atomic
def upload_start(*, actor: User, tender_lot: TenderLot, size: int, leaf_digests: list[str]) -> UploadSession:
    bids.require_bidder(actor)
    tender = Tender.objects.get(pk=tender_lot.tender_id)  # fresh: the caller's copy may be stale
    if tender.status == TenderStatus.CANCELLED:
        raise ValidationError(bids.cancelled_message())
    if tender.status != TenderStatus.PUBLISHED or clock.now() >= tender.bid_deadline:
        raise ValidationError(_("投标截止时间已过，不能再上传。"))
    if not 0 < size <= MAX_SIZE:
        raise ValidationError({"size": _("文件大小必须在1字节到4GB之间。")})
    if len(leaf_digests) != math.ceil(size / LEAF_SIZE) or not all(HEX64.match(d) for d in leaf_digests):
        raise ValidationError({"leaf_digests": _("分片摘要的数量或格式与文件大小不符（每1MiB一个SHA-256）。")})
    assert actor.organization is not None
    session = UploadSession(
        token=secrets.token_urlsafe(32),
        tender_lot=tender_lot,
        organization=actor.organization,
        user=actor,
        size=size,
        leaf_digests=leaf_digests,
        created_at=clock.now(),
    )
    session.full_clean()
    session.save()
    with _part_path(session).open("wb") as handle:
        handle.truncate(size)
    return session


def _own(actor: User, session: UploadSession) -> None:
    if session.organization_id != actor.organization_id:
        raise PermissionDenied(_("不是本单位的上传。"))
    if session.completed_at is not None:
        raise ValidationError(_("该上传已完成。"))


def upload_chunk(*, actor: User, session: UploadSession, index: int, data: bytes) -> list[int]:
    """Check and store one chunk (idempotent); returns the indices received so far."""
    _own(actor, session)
    if not 0 <= index < chunk_count(session.size):
        raise ValidationError({"index": _("分片序号超出范围。")})
    start = index * CHUNK_SIZE
    expected = min(CHUNK_SIZE, session.size - start)
    if len(data) != expected:
        raise ValidationError(
            {
                "chunk": _("第{index}个分片应为{expected}字节，收到{actual}字节。").format(
                    index=index, expected=expected, actual=len(data)
                )
            }
        )
    for offset in range(0, len(data), LEAF_SIZE):
        leaf = (start + offset) // LEAF_SIZE
        if hashlib.sha256(data[offset : offset + LEAF_SIZE]).hexdigest() != session.leaf_digests[leaf]:
            raise ValidationError(
                {"chunk": _("第{index}个分片与声明的摘要不符，已拒收，请重新发送。").format(index=index)}
            )
    descriptor = os.open(_part_path(session), os.O_WRONLY)
    try:
        os.pwrite(descriptor, data, start)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    try:
        with transaction.atomic():
            UploadChunk.objects.create(session=session, index=index, received_at=clock.now())
    except IntegrityError:
        pass  # the same chunk again: already recorded, the bytes are identical
    return upload_received(session)


def upload_received(session: UploadSession) -> list[int]:
    return sorted(session.chunks.values_list("index", flat=True))


def upload_complete(
    *, actor: User, session: UploadSession, client_address: str = "", client_fingerprint: str = ""
) -> Bid:
    _own(actor, session)
    missing = sorted(set(range(chunk_count(session.size))) - set(upload_received(session)))
    if missing:
        raise ValidationError(
            {"chunks": _("还有{count}个分片未上传（例如第{first}个）。").format(count=len(missing), first=missing[0])}
        )
    path = _part_path(session)
    bid = bids.bid_submit(
        actor=actor,
        tender_lot=session.tender_lot,
        envelope=path,
        client_address=client_address,
        client_fingerprint=client_fingerprint,
    )
    UploadSession.objects.filter(pk=session.pk).update(completed_at=clock.now(), bid=bid)
    path.unlink(missing_ok=True)
    return bid
