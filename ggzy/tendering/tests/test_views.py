"""The pages for bid security, the sealed reserve price and the host's acts in the opening room,
used as a bidder and as the owner side would use them."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

import bidtool
from ggzy.accounts.choices import Role
from ggzy.core import clock
from ggzy.core.testing.parties import make_org, make_user, signed_in_client
from ggzy.disclosure.models import Notice
from ggzy.jobs import services as jobs_services
from ggzy.tendering import bids, opening, services
from ggzy.tendering.choices import LotStatus, OpeningOutcome
from ggzy.tendering.models import Bid, BidSecurity, ReservePrice, Tender, TenderLot
from ggzy.tendering.tests.helpers import SealingBidder
from ggzy.tendering.tests.test_deposits import _paid, _post
from ggzy.tendering.tests.test_publish import NOW, _draft, _world
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db

OVERDUE_TAG = "退还已逾期"


def _published(world) -> tuple[Tender, TenderLot]:
    tender = _draft(world, deadline=NOW + dt.timedelta(days=25), security_fen=10_000_000)
    services.tender_publish(actor=world["agent"], tender=tender)
    return tender, tender.tender_lots.get()


def _page(user, url: str) -> str:
    # A fresh session each time: the clock moves by days between requests in these tests.
    response = signed_in_client(user).get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _row(page: str, text: str) -> str:
    rows = [row for row in page.split("<tr")[1:] if text in row]
    assert len(rows) == 1, f"{len(rows)} table rows contain {text!r}"
    return rows[0]


def _key(envelope: Path, bidder: SealingBidder) -> str:
    return base64.urlsafe_b64encode(bidtool.unwrap_content_key(envelope, bidder.sealing)).decode().rstrip("=")


def _bid(bidder: SealingBidder, lot: TenderLot, directory: Path, price: int) -> Bid:
    sealed = bidder.seal(directory, lot=lot, opening_data={"price": price})
    return bids.bid_submit(actor=bidder.user, tender_lot=lot, envelope=sealed.path)


# --- Bid security ---------------------------------------------------------------------------


def test_the_bidder_sees_what_to_pay_and_the_state_the_bank_confirmed():
    with time_machine.travel(NOW, tick=False):
        tender, lot = _published(_world())
        bidder = SealingBidder.registered()
        url = reverse("tendering:my_securities", kwargs={"code": tender.code})

        before = _page(bidder.user, url)
        assert "本单位已投标" not in before
        assert "100,000.00" in before  # the security the lot asks for
        assert lot.lot.code in before and bidder.uscc in before  # what the bank matches the payment by
        assert "尚未收到银行的到账确认" in before

        forged = _post(_paid(lot, bidder, reference="FORGED-1"), signature="0" * 64)
        assert forged.status_code == 401
        assert _post(_paid(lot, bidder, reference="BK-778")).status_code == 200
        _post(_paid(lot, SealingBidder.registered(), reference="BK-OTHER"))
        after = _page(bidder.user, url)
    row = _row(after, "BK-778")
    assert "已到账" in row and "100,000.00" in row
    assert "FORGED-1" not in after and "BK-OTHER" not in after  # only what the bank confirmed, only its own
    assert "尚未收到银行的到账确认" not in after


def test_the_bidder_sees_the_refund_due_date_and_the_refund(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        tender, lot = _published(_world())
        bidder = SealingBidder.registered()
        _post(_paid(lot, bidder, reference="BK-900"))
        bid = _bid(bidder, lot, tmp_path, price=1)
        url = reverse("tendering:my_securities", kwargs={"code": tender.code})
        assert "本单位已投标" in _page(bidder.user, url)
        bids.bid_withdraw(actor=bidder.user, bid=bid)
        security = BidSecurity.objects.get(reference="BK-900")

        page = _page(bidder.user, url)
        assert "本单位已投标" not in page  # the bid was withdrawn
        row = _row(page, "BK-900")
        assert "待退还" in row and clock.local(security.refund_due).strftime("%Y-%m-%d %H:%M") in row
        assert OVERDUE_TAG not in row

        traveller.move_to(security.refund_due + dt.timedelta(minutes=1))
        assert OVERDUE_TAG in _row(_page(bidder.user, url), "BK-900")

        _post({"event": "refunded", "reference": "BK-900", "refund_reference": "RF-1", "amount_fen": 10_000_000})
        row = _row(_page(bidder.user, url), "BK-900")
    assert "已退还" in row and OVERDUE_TAG not in row


def test_before_the_deadline_the_owner_side_learns_nothing_of_who_paid():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world()
        tender, lot = _published(world)
        name = "伊宁保密建设有限公司"
        payer = SealingBidder(user=make_user(Role.BIDDER, org=make_org(name=name)))
        assert _post(_paid(lot, payer, reference="BK-SECRET")).status_code == 200
        url = reverse("tendering:securities", kwargs={"code": tender.code})
        for viewer in (world["owner"], world["agent"]):
            page = _page(viewer, url)
            assert name not in page and "BK-SECRET" not in page
            assert "已到账" not in page
            assert "投标截止前" in page  # says why the list is empty

        traveller.move_to(tender.bid_deadline)
        jobs_services.run_due_jobs()
        page = _page(world["agent"], url)
    # nobody bid, so the lot failed at the deadline and the security it held falls due at once
    assert "待退还" in _row(page, name) and "流标" in _row(page, name)


def test_the_owner_sees_every_state_and_an_overdue_refund_highlighted(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world()
        tender, lot = _published(world)
        kept, withdrawn, refunded = (SealingBidder.registered() for _ in range(3))
        _post(_paid(lot, kept, reference="BK-KEPT"))
        _post(_paid(lot, withdrawn, reference="BK-LATE"))
        _post(_paid(lot, refunded, reference="BK-BACK"))
        _bid(kept, lot, tmp_path / "kept", price=1)
        traveller.move_to(tender.bid_deadline - dt.timedelta(days=2))
        bids.bid_withdraw(actor=withdrawn.user, bid=_bid(withdrawn, lot, tmp_path / "withdrawn", price=2))
        bids.bid_withdraw(actor=refunded.user, bid=_bid(refunded, lot, tmp_path / "refunded", price=3))
        _post({"event": "refunded", "reference": "BK-BACK", "refund_reference": "RF-2", "amount_fen": 10_000_000})
        due = BidSecurity.objects.get(reference="BK-LATE").refund_due
        assert due > tender.bid_deadline  # so the deadline itself is not yet late

        traveller.move_to(tender.bid_deadline)
        jobs_services.run_due_jobs()
        url = reverse("tendering:securities", kwargs={"code": tender.code})
        on_time = _page(world["owner"], url)
        assert 'class="overdue"' not in on_time and OVERDUE_TAG not in on_time

        traveller.move_to(due + dt.timedelta(hours=1))
        page = _page(world["owner"], url)
    late = _row(page, "BK-LATE")
    assert late.startswith(' class="overdue"') and OVERDUE_TAG in late and "待退还" in late
    assert withdrawn.user.organization.name in late and clock.local(due).strftime("%Y-%m-%d %H:%M") in late
    kept_row, back_row = _row(page, "BK-KEPT"), _row(page, "BK-BACK")
    # one bid is too few: the lot failed at the deadline, so the kept security falls due as well
    assert "待退还" in kept_row and "流标" in kept_row and OVERDUE_TAG not in kept_row and "overdue" not in kept_row
    assert "已退还" in back_row and OVERDUE_TAG not in back_row
    assert "超过退还期限仍未退还的投标保证金：1 笔。" in page


# --- Sealed reserve price -------------------------------------------------------------------


def test_the_agent_seals_the_reserve_price_on_the_page_and_unseals_it_at_the_opening(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world()
        agent = world["agent"]
        tender, lot = _published(world)
        sealer = SealingBidder(user=agent)
        for kind, key in (("sealing", sealer.sealing), ("signing", sealer.signing)):
            pem = bidtool.public_key_to_pem(key).decode()
            registered = signed_in_client(agent).post(reverse("tendering:keys"), {"kind": kind, "public_key": pem})
            assert registered.status_code == 302
        url = reverse("tendering:reserve_price", kwargs={"code": tender.code, "lot_code": lot.lot.code})

        plain = tmp_path / "reserve.txt"
        plain.write_text("标底 7777777 元")
        with plain.open("rb") as handle:
            refused = signed_in_client(agent).post(url, {"envelope": handle})
        assert refused.status_code == 200
        assert "未按要求加密密封" in refused.content.decode()
        assert not ReservePrice.objects.exists()

        sealed = sealer.seal(tmp_path / "reserve", lot=lot, opening_data={"price": 777_777_700})
        with sealed.path.open("rb") as handle:
            accepted = signed_in_client(agent).post(url, {"envelope": handle}, follow=True)
        page = accepted.content.decode()
        assert "标底已密封递交" in page
        assert sealed.commitment in page and sealed.ciphertext_digest in page
        assert "7,777,777.00" not in page  # only the facts of the sealed file, never its value

        bidders = [SealingBidder.registered() for _ in range(3)]
        placed = [
            (bidder, _bid(bidder, lot, tmp_path / str(n), price=800_000_000 + n)) for n, bidder in enumerate(bidders)
        ]
        traveller.move_to(tender.bid_deadline)
        jobs_services.run_due_jobs()
        room = reverse("tendering:opening", kwargs={"code": tender.code, "lot_code": lot.lot.code})
        unseal = reverse("tendering:reserve_price_unseal", kwargs={"code": tender.code, "lot_code": lot.lot.code})
        assert unseal in _page(agent, room)

        wrong = base64.urlsafe_b64encode(bytes(32)).decode()
        failed = signed_in_client(agent).post(unseal, {"content_key": wrong}, follow=True)
        assert "标底解密失败" in failed.content.decode()
        assert ReservePrice.objects.get().opened_at is None

        done = signed_in_client(agent).post(unseal, {"content_key": _key(sealed.path, sealer)}, follow=True)
        assert "标底已解密" in done.content.decode()
        assert "7,777,777.00" in _page(agent, url)
        for bidder, bid in placed:
            opening.bid_unseal(actor=bidder.user, bid=bid, content_key=_key(bids.bid_path(bid), bidder))
    record = signed_in_client(make_user(Role.BIDDER)).get(room).content.decode()
    assert "标底：7,777,777.00" in record


# --- The host's 撤回 -------------------------------------------------------------------------


@pytest.fixture
def decrypting(tmp_path):
    """Three bids in the decryption window; two already unsealed, the third still pending."""
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world()
        tender, lot = _published(world)
        bidders = [SealingBidder.registered() for _ in range(3)]
        placed = [_bid(bidder, lot, tmp_path / str(n), price=100 + n) for n, bidder in enumerate(bidders)]
        traveller.move_to(tender.bid_deadline)
        jobs_services.run_due_jobs()
        for bidder, bid in list(zip(bidders, placed, strict=True))[:2]:
            opening.bid_unseal(actor=bidder.user, bid=bid, content_key=_key(bids.bid_path(bid), bidder))
        yield {"world": world, "tender": tender, "lot": lot, "pending": placed[2], "pending_bidder": bidders[2]}


def _mark_url(state) -> str:
    return reverse("tendering:bid_mark_not_decrypted", kwargs={"code": state["tender"].code, "pk": state["pending"].pk})


def _room_url(state) -> str:
    return reverse("tendering:opening", kwargs={"code": state["tender"].code, "lot_code": state["lot"].lot.code})


def test_the_host_marks_a_bid_withdrawn_with_its_reason_and_the_record_shows_it(decrypting):
    agent, name = decrypting["world"]["agent"], decrypting["pending_bidder"].user.organization.name
    room = _page(agent, _room_url(decrypting))
    assert _mark_url(decrypting) in _row(room, name)

    reason = "平台解密服务10:05-10:40中断"
    response = signed_in_client(agent).post(_mark_url(decrypting), {"reason": reason}, follow=True)
    assert "已认定该投标文件因非投标人原因未解密（撤回）" in response.content.decode()
    decrypting["pending"].refresh_from_db()
    decrypting["lot"].refresh_from_db()
    assert decrypting["pending"].opening_outcome == OpeningOutcome.NOT_DECRYPTED
    assert decrypting["lot"].status == LotStatus.OPENED  # the last pending bid decided: record made
    record_row = _row(signed_in_client(make_user(Role.BIDDER)).get(_room_url(decrypting)).content.decode(), name)
    assert "撤回（非投标人原因未解密）" in record_row and reason in record_row
    notice = Notice.objects.get(notice_type="opening_record", project=decrypting["tender"].project)
    assert reason in notice.body
    event = WitnessEvent.objects.get(action="bid.not_decrypted")
    assert event.after["reason"] == reason


def test_a_mark_without_a_reason_is_refused_in_chinese_and_writes_nothing(decrypting):
    events = WitnessEvent.objects.count()
    response = signed_in_client(decrypting["world"]["agent"]).post(_mark_url(decrypting), {"reason": "  "}, follow=True)
    assert "请写明非投标人原因。" in response.content.decode()
    decrypting["pending"].refresh_from_db()
    decrypting["lot"].refresh_from_db()
    assert decrypting["pending"].opening_outcome == OpeningOutcome.PENDING
    assert decrypting["lot"].status == LotStatus.DECRYPTING
    assert WitnessEvent.objects.count() == events


def test_another_organizations_owner_is_refused_everywhere_and_nothing_is_written(decrypting):
    outsider = make_user(Role.OWNER)
    tender, lot = decrypting["tender"], decrypting["lot"]
    events = WitnessEvent.objects.count()
    client = signed_in_client(outsider)
    assert client.get(reverse("tendering:securities", kwargs={"code": tender.code})).status_code == 403
    lot_kwargs = {"code": tender.code, "lot_code": lot.lot.code}
    assert client.get(reverse("tendering:reserve_price", kwargs=lot_kwargs)).status_code == 403
    assert (
        client.post(reverse("tendering:reserve_price_unseal", kwargs=lot_kwargs), {"content_key": "x"}).status_code
        == 403
    )
    assert client.post(_mark_url(decrypting), {"reason": "越权"}).status_code == 403
    room = client.get(_room_url(decrypting)).content.decode()
    assert _mark_url(decrypting) not in room  # the host's forms are not shown to others
    decrypting["pending"].refresh_from_db()
    assert decrypting["pending"].opening_outcome == OpeningOutcome.PENDING
    assert WitnessEvent.objects.count() == events


# --- The shared POST shape ------------------------------------------------------------------


def test_a_refused_draft_shows_the_reason_once_on_the_form_and_writes_nothing():
    with time_machine.travel(NOW, tick=False):
        world = _world()
        project, lot = world["project"], world["project"].lots.get()
        events = WitnessEvent.objects.count()
        response = signed_in_client(world["agent"]).post(
            reverse("tendering:create", kwargs={"deal_code": project.deal_code}),
            {
                "title": "招标公告",
                "evaluation_method": "weighted_scoring",
                "bid_deadline": "2026-10-20T09:30",
                "bid_validity_days": "90",
                "notice_body": "正文",
                f"lot{lot.pk}-include": "on",
                f"lot{lot.pk}-bid_security": "200000.01",  # above 2% of the 1,000万 estimate
            },
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("超过上限") == 1
    assert not Tender.objects.exists() and WitnessEvent.objects.count() == events
