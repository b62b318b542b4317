"""After the opening a job re-hashes each opened bid's files against the digests its bidder signed
in the manifest (the opening itself relies on the key commitment, GCM and the head commitment)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError

import bidtool
from bidtool import envelope as bidtool_envelope
from bidtool.format import LABEL_FILE
from ggzy.jobs import services as jobs_services
from ggzy.jobs.choices import JobStatus
from ggzy.jobs.models import Job
from ggzy.tendering import bids, opening, selectors, services
from ggzy.tendering.choices import LotStatus, OpeningOutcome
from ggzy.tendering.models import Bid
from ggzy.tendering.tests.helpers import SealingBidder
from ggzy.tendering.tests.test_publish import NOW, _draft, _world
from ggzy.witness import selectors as witness_selectors
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db


def _lying_seal(monkeypatch, bidder: SealingBidder, directory: Path, **kwargs) -> bidtool.SealResult:
    """The bidder signs a manifest whose file digest is not the digest of the file it encrypts."""
    real = bidtool_envelope.hash_list_root

    def lying(label: bytes, length: int, leaves: Iterable[bytes]) -> bytes:
        digest = real(label, length, leaves)
        return bytes(reversed(digest)) if label == LABEL_FILE else digest

    with monkeypatch.context() as patch:
        patch.setattr(bidtool_envelope, "hash_list_root", lying)
        return bidder.seal(directory, **kwargs)


@pytest.fixture
def opening_lot(tmp_path, monkeypatch):
    """Three bids in the decryption window; bidder 2 signed a false file digest."""
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world()
        tender = _draft(world, deadline=NOW + dt.timedelta(days=25))
        services.tender_publish(actor=world["agent"], tender=tender)
        lot = tender.tender_lots.get()
        bidders = [SealingBidder.registered(name=f"checked-{n}") for n in range(3)]
        traveller.shift(dt.timedelta(days=3))
        placed = []
        for n, bidder in enumerate(bidders):
            arguments = {"lot": lot, "opening_data": {"price": 500_000_000 + n}, "text": f"技术标 {n}"}
            if n == 2:
                sealed = _lying_seal(monkeypatch, bidder, tmp_path / str(n), **arguments)
                with pytest.raises(bidtool.BidIntegrityError, match="内容摘要与清单不符"):
                    bidtool.unseal(sealed.path, sealing_private_key=bidder.sealing)  # the bid tool's full check
            else:
                sealed = bidder.seal(tmp_path / str(n), **arguments)
            placed.append(bids.bid_submit(actor=bidder.user, tender_lot=lot, envelope=sealed.path))
        traveller.move_to(tender.bid_deadline)
        assert jobs_services.run_due_jobs() == 1
        lot.refresh_from_db()
        assert lot.status == LotStatus.DECRYPTING
        traveller.shift(dt.timedelta(minutes=5))
        yield {"lot": lot, "bidders": bidders, "bids": placed, "traveller": traveller}


def test_the_opening_enqueues_the_file_check_and_the_worker_records_success(opening_lot):
    bidder, bid = opening_lot["bidders"][0], opening_lot["bids"][0]
    opening.bid_unseal(actor=bidder.user, bid=bid, content_key=bidder.content_key(bid))
    bid.refresh_from_db()
    assert bid.opening_outcome == OpeningOutcome.DECRYPTED
    assert bid.files_checked_at is None and bid.files_check_passed is None
    job = Job.objects.get(key=f"bid:{bid.pk}:files-check")
    assert job.name == "tendering.bid_files_check" and job.args == {"bid_id": bid.pk}
    assert job.status == JobStatus.PENDING
    assert not WitnessEvent.objects.filter(action="bid.files_checked").exists()

    opening_lot["traveller"].shift(dt.timedelta(seconds=30))
    assert jobs_services.run_due_jobs() == 1
    bid.refresh_from_db()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert bid.files_checked_at is not None and bid.files_check_failure == "" and bid.files_check_passed is True
    event = WitnessEvent.objects.get(action="bid.files_checked", object_id=str(bid.pk))
    assert event.after["passed"] is True and event.after["failure"] == ""
    assert not selectors.bids_files_check_failed(tender_lot=opening_lot["lot"]).exists()
    # Idempotent: a second run changes nothing and writes no second event.
    checked_at = bid.files_checked_at
    opening.bid_files_check(bid_id=bid.pk)
    bid.refresh_from_db()
    assert bid.files_checked_at == checked_at
    assert WitnessEvent.objects.filter(action="bid.files_checked").count() == 1
    assert witness_selectors.chain_verify().ok


def test_a_false_file_digest_is_opened_then_recorded_as_failed(opening_lot):
    lot = opening_lot["lot"]
    bidders, placed = opening_lot["bidders"], opening_lot["bids"]
    for n in range(3):
        opening.bid_unseal(actor=bidders[n].user, bid=placed[n], content_key=bidders[n].content_key(placed[n]))
    lot.refresh_from_db()
    assert lot.status == LotStatus.OPENED  # the cheat does not stop the opening
    cheat = Bid.objects.get(pk=placed[2].pk)
    assert cheat.opening_outcome == OpeningOutcome.DECRYPTED and cheat.opening_data == {"price": 500_000_002}
    assert [row["outcome"] for row in lot.opening_record["bids"]] == [OpeningOutcome.DECRYPTED] * 3

    assert jobs_services.run_due_jobs() == 3
    cheat.refresh_from_db()
    assert cheat.files_check_passed is False
    assert "technical.txt" in cheat.files_check_failure and "内容摘要与清单不符" in cheat.files_check_failure
    assert cheat.opening_outcome == OpeningOutcome.DECRYPTED  # recorded, not undone
    event = WitnessEvent.objects.get(action="bid.files_checked", object_id=str(cheat.pk))
    assert event.after["passed"] is False and event.after["failure"] == cheat.files_check_failure
    assert list(selectors.bids_files_check_failed(tender_lot=lot)) == [cheat]
    for honest in placed[:2]:
        honest.refresh_from_db()
        assert honest.files_check_passed is True
    assert witness_selectors.chain_verify().ok


def test_a_wrong_content_key_is_refused_as_such_and_leaves_nothing(opening_lot):
    bidder, bid = opening_lot["bidders"][0], opening_lot["bids"][0]
    other = opening_lot["bidders"][1]
    events = WitnessEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        opening.bid_unseal(actor=bidder.user, bid=bid, content_key=other.content_key(opening_lot["bids"][1]))
    assert "不是本投标文件承诺的内容密钥" in str(refused.value)
    assert "认证失败" not in str(refused.value)
    bid.refresh_from_db()
    assert bid.opening_outcome == OpeningOutcome.PENDING
    assert not Job.objects.filter(key=f"bid:{bid.pk}:files-check").exists()
    assert WitnessEvent.objects.count() == events
    assert not (Path(settings.MEDIA_ROOT) / "opened" / bid.ciphertext_digest).exists()


def test_the_backup_path_is_checked_after_the_opening_too(opening_lot, tmp_path):
    lot, bidder, bid = opening_lot["lot"], opening_lot["bidders"][0], opening_lot["bids"][0]
    package = tmp_path / "backup.pkg"
    sealed = bidtool.seal(
        out=tmp_path / "replacement.gbid",
        files=[],
        opening_data={"price": 1},
        lot_code=lot.lot.code,
        bidder_uscc=bidder.uscc,
        sealing_public_key=bidder.sealing.public_key(),
        signing_private_key=bidder.signing,
        package_copy=package,
    )
    with pytest.raises(ValidationError):  # a backup of another package is not the committed bid
        opening.bid_unseal_backup(actor=bidder.user, bid=bid, backup=package)
    assert not Job.objects.filter(key=f"bid:{bid.pk}:files-check").exists()
    # The envelope the platform holds is its own backup: opened with the content key.
    opening.bid_unseal_backup(
        actor=bidder.user, bid=bid, backup=bids.bid_path(bid), content_key=bidder.content_key(bid)
    )
    assert sealed.commitment != bid.commitment
    assert jobs_services.run_due_jobs() == 1
    bid.refresh_from_db()
    assert bid.decrypted_via == "backup" and bid.files_check_passed is True


def test_a_missing_opened_directory_is_the_platform_s_fault_not_the_bidder_s(opening_lot):
    bidder, bid = opening_lot["bidders"][0], opening_lot["bids"][0]
    opening.bid_unseal(actor=bidder.user, bid=bid, content_key=bidder.content_key(bid))
    opened = Path(settings.MEDIA_ROOT) / "opened" / bid.ciphertext_digest
    (opened / "files" / "technical.txt").unlink()
    with pytest.raises(FileNotFoundError):
        opening.bid_files_check(bid_id=bid.pk)
    bid.refresh_from_db()
    assert bid.files_checked_at is None and bid.files_check_failure == ""
