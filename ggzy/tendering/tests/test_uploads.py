"""Resumable upload of a large sealed bid: a 500 MB envelope interrupted halfway resumes and
completes; a tampered chunk is refused and never stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import pytest
import time_machine

import bidtool
from ggzy.core.testing.parties import signed_in_client
from ggzy.tendering import services
from ggzy.tendering.tests.helpers import SealingBidder
from ggzy.tendering.tests.test_publish import NOW, _draft, _world
from ggzy.tendering.uploads import CHUNK_SIZE, LEAF_SIZE

pytestmark = pytest.mark.django_db


def _leaves(path) -> list[str]:
    digests = []
    with path.open("rb") as handle:
        while piece := handle.read(LEAF_SIZE):
            digests.append(hashlib.sha256(piece).hexdigest())
    return digests


def _chunk(path, index: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(index * CHUNK_SIZE)
        return handle.read(CHUNK_SIZE)


def test_a_500_mb_upload_resumes_after_a_break_and_a_tampered_chunk_is_refused(tmp_path):
    with time_machine.travel(NOW, tick=False):
        world = _world()
        tender = _draft(world, deadline=NOW + dt.timedelta(days=25))
        services.tender_publish(actor=world["agent"], tender=tender)
    lot = tender.tender_lots.get()
    bidder = SealingBidder.registered()
    drawings = tmp_path / "drawings.bin"
    with drawings.open("wb") as handle:
        block = os.urandom(16 * LEAF_SIZE)
        for _ in range(500 // 16 + 1):
            handle.write(block)
    sealed = bidtool.seal(
        out=tmp_path / "big.gbid",
        files=[drawings],
        opening_data={"price": 500_000_000},
        lot_code=lot.lot.code,
        bidder_uscc=bidder.uscc,
        sealing_public_key=bidder.sealing.public_key(),
        signing_private_key=bidder.signing,
    )
    path = sealed.path
    size = path.stat().st_size
    assert size > 500 * 1000 * 1000
    base = f"/api/v1/tenders/{tender.code}/lots/{lot.lot.code}/uploads"
    with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):
        client = signed_in_client(bidder.user)
        started = client.post(base, {"size": size, "leaf_digests": _leaves(path)}, content_type="application/json")
        assert started.status_code == 201, started.content
        token, chunks = started.json()["token"], started.json()["chunks"]
        chunk_url = f"/api/v1/tenders/uploads/{token}/chunks/"

        # The first half arrives, then the connection breaks.
        for index in range(chunks // 2):
            response = client.put(chunk_url + str(index), _chunk(path, index), content_type="application/octet-stream")
            assert response.status_code == 200

        # A tampered chunk is refused and not recorded.
        bad = bytearray(_chunk(path, chunks // 2))
        bad[100] ^= 0xFF
        refused = client.put(chunk_url + str(chunks // 2), bytes(bad), content_type="application/octet-stream")
        assert refused.status_code == 422
        assert "与声明的摘要不符" in refused.json()["detail"][0]["message"]

        # Completing early names what is missing.
        early = client.post(f"/api/v1/tenders/uploads/{token}/complete")
        assert early.status_code == 422

        # Later, from a new session: ask what arrived, send the rest (one chunk twice).
        resumed = signed_in_client(bidder.user)
        status = resumed.get(f"/api/v1/tenders/uploads/{token}").json()
        assert status["received"] == list(range(chunks // 2))
        for index in range(chunks // 2 - 1, chunks):
            response = resumed.put(chunk_url + str(index), _chunk(path, index), content_type="application/octet-stream")
            assert response.status_code == 200
        done = resumed.post(f"/api/v1/tenders/uploads/{token}/complete")
    assert done.status_code == 201, done.content
    assert done.json()["commitment"] == sealed.commitment
    assert done.json()["ciphertext_digest"] == sealed.ciphertext_digest


def test_another_bidder_cannot_touch_the_upload(tmp_path):
    with time_machine.travel(NOW, tick=False):
        world = _world()
        tender = _draft(world, deadline=NOW + dt.timedelta(days=25))
        services.tender_publish(actor=world["agent"], tender=tender)
    lot = tender.tender_lots.get()
    owner, other = SealingBidder.registered(), SealingBidder.registered()
    with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):
        started = signed_in_client(owner.user).post(
            f"/api/v1/tenders/{tender.code}/lots/{lot.lot.code}/uploads",
            {"size": 10, "leaf_digests": [hashlib.sha256(b"0123456789").hexdigest()]},
            content_type="application/json",
        )
        token = started.json()["token"]
        intruder = signed_in_client(other.user)
        assert intruder.get(f"/api/v1/tenders/uploads/{token}").status_code == 404
        assert (
            intruder.put(
                f"/api/v1/tenders/uploads/{token}/chunks/0", b"0123456789", content_type="application/octet-stream"
            ).status_code
            == 404
        )
