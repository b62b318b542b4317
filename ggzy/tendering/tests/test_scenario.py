"""The numbered scenario of remote tendering, part 1 (issue 3):

1. the agent publishes the tender;
2. five bidders seal and submit — one withdraws, one replaces its bid;
3. the deadline passes (the worker closes submissions) and the decryption window opens;
4. three bidders release their content keys (one through a backup package), one fails to unseal;
   the worker re-hashes the opened files against the digests signed in their manifests;
5. the window ends: the failed bid is revoked (撤销) and the opening record with the three
   decrypted bids is published;
6. a bidder raises an objection and the agent answers it; another confirms the record.
"""

from __future__ import annotations

import base64
import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

import bidtool
from ggzy.disclosure.models import Notice
from ggzy.jobs import services as jobs_services
from ggzy.tendering import bids, opening, services
from ggzy.tendering.choices import BidStatus, LotStatus, OpeningOutcome, TenderStatus
from ggzy.tendering.models import Bid
from ggzy.tendering.tests.helpers import SealingBidder
from ggzy.tendering.tests.test_publish import NOW, _draft, _world
from ggzy.witness import selectors as witness_selectors
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db


def test_publish_bid_open_object(tmp_path):
    # 1. publish
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world()
        tender = _draft(world, deadline=NOW + dt.timedelta(days=25))
        services.tender_publish(actor=world["agent"], tender=tender)
        lot = tender.tender_lots.get()

        # 2. five bidders seal and submit; one withdraws, one replaces
        bidders = [SealingBidder.registered(name=f"bidder-{n}") for n in range(5)]
        traveller.shift(dt.timedelta(days=3))
        sealed = {}
        placed = {}
        for n, bidder in enumerate(bidders):
            sealed[n] = bidder.seal(
                tmp_path / str(n), lot=lot, opening_data={"price": 900_000_000 + n * 1_000_000, "duration": 300 + n}
            )
            placed[n] = bids.bid_submit(actor=bidder.user, tender_lot=lot, envelope=sealed[n].path)
        bids.bid_withdraw(actor=bidders[4].user, bid=placed[4])
        backup_copy = tmp_path / "3-backup.pkg"
        replacement = bidtool.seal(
            out=tmp_path / "3-new.gbid",
            files=[],
            opening_data={"price": 880_000_000, "duration": 280},
            lot_code=lot.lot.code,
            bidder_uscc=bidders[3].uscc,
            sealing_public_key=bidders[3].sealing.public_key(),
            signing_private_key=bidders[3].signing,
            package_copy=backup_copy,
        )
        placed[3] = bids.bid_submit(actor=bidders[3].user, tender_lot=lot, envelope=replacement.path)
        assert Bid.objects.filter(tender_lot=lot, status=BidStatus.SUBMITTED).count() == 4

        # 3. deadline: the worker closes submissions, the decryption window opens
        traveller.move_to(tender.bid_deadline)
        assert jobs_services.run_due_jobs() == 1
        tender.refresh_from_db()
        lot.refresh_from_db()
        assert tender.status == TenderStatus.CLOSED and lot.status == LotStatus.DECRYPTING
        assert lot.decryption_ends_at == tender.bid_deadline + dt.timedelta(minutes=60)

        # 4. bidders 0 and 1 release their content keys; bidder 3 hands in its backup package;
        #    bidder 2 tries the wrong key and then gives up
        traveller.shift(dt.timedelta(minutes=5))
        for n in (0, 1):
            opening.bid_unseal(actor=bidders[n].user, bid=placed[n], content_key=bidders[n].content_key(placed[n]))
        wrong = base64.urlsafe_b64encode(bytes(32)).decode()
        with pytest.raises(ValidationError, match="不是本投标文件承诺的内容密钥"):
            opening.bid_unseal(actor=bidders[2].user, bid=placed[2], content_key=wrong)
        forged = tmp_path / "forged.pkg"
        bidtool.seal(
            out=tmp_path / "forged.gbid",
            files=[],
            opening_data={"price": 1},
            lot_code=lot.lot.code,
            bidder_uscc=bidders[3].uscc,
            sealing_public_key=bidders[3].sealing.public_key(),
            signing_private_key=bidders[3].signing,
            package_copy=forged,
        )
        with pytest.raises(ValidationError):  # a different package is not the committed bid
            opening.bid_unseal_backup(actor=bidders[3].user, bid=placed[3], backup=forged)
        opening.bid_unseal_backup(actor=bidders[3].user, bid=placed[3], backup=backup_copy)
        assert jobs_services.run_due_jobs() == 3  # one file check per opened bid
        assert [Bid.objects.get(pk=placed[n].pk).files_check_passed for n in (0, 1, 3)] == [True] * 3
        lot.refresh_from_db()
        assert lot.status == LotStatus.DECRYPTING  # bidder 2 still pending: nothing read out yet
        assert not Notice.objects.filter(notice_type="opening_record").exists()

        # 5. the window ends
        traveller.move_to(lot.decryption_ends_at)
        assert jobs_services.run_due_jobs() == 1
    lot.refresh_from_db()
    assert lot.status == LotStatus.OPENED
    placed[2].refresh_from_db()
    assert placed[2].opening_outcome == OpeningOutcome.REVOKED
    record = lot.opening_record
    decrypted = [row for row in record["bids"] if row["outcome"] == OpeningOutcome.DECRYPTED]
    assert len(decrypted) == 3
    assert {row["values"]["price"] for row in decrypted} == {"9,000,000.00", "9,010,000.00", "8,800,000.00"}
    notice = Notice.objects.get(notice_type="opening_record", project=tender.project)
    assert "8,800,000.00" in notice.body and bidders[2].user.organization.name in notice.body
    assert "8,800,000.00" in Client().get(f"/notices/{notice.pk}/").content.decode()

    # 6. objection raised and answered; another bidder confirms
    objection = opening.opening_objection_raise(actor=bidders[2].user, tender_lot=lot, text="本单位解密失败系网络原因")
    opening.opening_objection_answer(
        actor=world["agent"], objection=objection, answer="经核查系投标人私钥错误，按撤销处理"
    )
    opening.opening_confirm(actor=bidders[0].user, tender_lot=lot)
    with pytest.raises(Exception):  # noqa: B017 - the withdrawn bidder is no participant
        opening.opening_confirm(actor=bidders[4].user, tender_lot=lot)

    actions = list(WitnessEvent.objects.filter(seq__gt=0).values_list("action", flat=True))
    expected = [
        "tender.published",
        "bid.received",
        "bid.withdrawn",
        "tender.submissions_closed",
        "bid.decrypted",
        "bid.files_checked",
        "opening.record_published",
        "opening.objection_raised",
        "opening.objection_answered",
        "opening.confirmed",
    ]
    positions = [actions.index(action) for action in expected]
    assert positions == sorted(positions)
    assert witness_selectors.chain_verify().ok


def test_a_platform_fault_is_recorded_as_withdrawn_not_revoked(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world()
        tender = _draft(world, deadline=NOW + dt.timedelta(days=25))
        services.tender_publish(actor=world["agent"], tender=tender)
        lot = tender.tender_lots.get()
        bidders = [SealingBidder.registered() for _ in range(3)]
        placed = []
        for n, bidder in enumerate(bidders):
            sealed = bidder.seal(tmp_path / str(n), lot=lot, opening_data={"price": 100 + n})
            placed.append(bids.bid_submit(actor=bidder.user, tender_lot=lot, envelope=sealed.path))
        traveller.move_to(tender.bid_deadline)
        jobs_services.run_due_jobs()
        for n in (0, 1):
            opening.bid_unseal(actor=bidders[n].user, bid=placed[n], content_key=bidders[n].content_key(placed[n]))
        with pytest.raises(PermissionDenied):
            opening.bid_mark_not_decrypted(actor=bidders[0].user, bid=placed[2], reason="平台故障")
        opening.bid_mark_not_decrypted(actor=world["agent"], bid=placed[2], reason="平台解密服务10:05-10:40中断")
    lot.refresh_from_db()
    placed[2].refresh_from_db()
    assert placed[2].opening_outcome == OpeningOutcome.NOT_DECRYPTED
    assert lot.status == LotStatus.OPENED  # the last pending bid decided: the record is made at once
