"""A bidder does everything in the browser (static/ggzy/bidding.js): generates its keys and downloads
the key file, seals and uploads a bid through the resumable chunked API (resuming after a broken
connection), keeps the receipt, and releases its content key at the opening. The Python bid tool
opens what the browser sealed; the page talks to nobody but the platform and never breaks its CSP."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

import bidtool
from ggzy.accounts.choices import Role
from ggzy.core import clock
from ggzy.core.testing.parties import PASSWORD, make_user
from ggzy.tendering import bids, services
from ggzy.tendering.choices import BidStatus, KeyKind, LotStatus, OpeningOutcome
from ggzy.tendering.models import Bid, BidderKey, Tender
from ggzy.tendering.tests.helpers import SealingBidder
from ggzy.tendering.tests.test_publish import _draft, _world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRICE_YUAN = "1,234,567.89"
PRICE_FEN = 123_456_789
DOCUMENT = os.urandom(3 * 1024 * 1024 + 5)  # the envelope is two 2 MiB upload chunks


@pytest.fixture
def page(browser, live_server, reference_data):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.requests_seen = []  # type: ignore[attr-defined]
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("request", lambda request: page.requests_seen.append(request))
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def _download(page, locator, target: Path) -> Path:  # type: ignore[no-untyped-def]
    with page.expect_download() as info:
        locator.click()
    info.value.save_as(target)
    return target


def test_a_bidder_keys_seals_uploads_and_opens_a_bid_in_the_browser(page, live_server, tmp_path: Path) -> None:
    world = _world()
    tender = _draft(world, deadline=clock.now() + dt.timedelta(days=30))
    services.tender_publish(actor=world["agent"], tender=tender)
    lot = tender.tender_lots.select_related("lot").get()
    bidder = make_user(Role.BIDDER)
    organization = bidder.organization
    assert organization is not None

    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", bidder.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").last.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # 1. Keys: generated in the browser, the key file downloaded, only the public halves registered.
    page.goto(live_server.url + "/tenders/keys/")
    key_path = _download(page, page.get_by_role("button", name="生成密钥并登记公钥"), tmp_path / "keys.json")
    page.wait_for_selector("#browser-keys .msg-success")
    key_file = json.loads(key_path.read_text(encoding="utf-8"))
    assert key_file["format"] == "GGZY-BIDDER-KEYS" and key_file["bidder_uscc"] == organization.uscc
    sealing_key = bidtool.load_private_key(key_file["sealing"], use="enc")
    signing_key = bidtool.load_private_key(key_file["signing"], use="sig")
    registered = {key.kind: key.key_id for key in BidderKey.objects.filter(organization=organization)}
    assert registered == {
        KeyKind.SEALING: bidtool.key_id(sealing_key.public_key()),
        KeyKind.SIGNING: bidtool.key_id(signing_key.public_key()),
    }
    key_posts = [r.post_data or "" for r in page.requests_seen if r.url.endswith("/api/v1/tenders/keys")]
    assert len(key_posts) == 2 and all('\\"d\\"' not in body and '"d"' not in body for body in key_posts)

    # 2. Seal and upload; the connection breaks on the second chunk and the upload resumes.
    page.goto(live_server.url + f"/tenders/{tender.code}/lots/{lot.lot.code}/bid/")
    page.fill("[data-opening-key=price]", PRICE_YUAN)
    assert page.text_content("#browser-seal .helptext") == f"{PRICE_YUAN} 元（{PRICE_FEN} 分）"
    page.fill("[data-opening-key=duration]", "180")
    page.fill("[data-opening-key=quality]", "合格")
    page.set_input_files(
        "#seal-files", files=[{"name": "技术标.pdf", "mimeType": "application/pdf", "buffer": DOCUMENT}]
    )
    stranger = tmp_path / "stranger.json"
    stranger.write_text(
        json.dumps(
            {
                "format": "GGZY-BIDDER-KEYS",
                "version": 1,
                "sealing": bidtool.private_key_to_jwk(bidtool.generate_sealing_key(), "enc"),
                "signing": bidtool.private_key_to_jwk(signing_key, "sig"),
            }
        )
    )
    page.set_input_files("#seal-key-file", stranger)
    page.get_by_role("button", name="密封并递交").click()
    page.wait_for_selector("#browser-seal .msg-error")
    assert "密封密钥与平台登记的密封公钥不一致" in page.inner_text("#browser-seal [data-role=status]")
    page.set_input_files("#seal-key-file", key_path)
    broken: list[str] = []

    def break_once(route):  # type: ignore[no-untyped-def]
        if broken:
            route.continue_()
        else:
            broken.append(route.request.url)
            route.abort()

    page.route("**/api/v1/tenders/uploads/*/chunks/1", break_once)
    page.get_by_role("button", name="密封并递交").click()
    page.get_by_role("button", name="继续上传").wait_for(state="visible", timeout=30000)
    assert "网络连接中断" in page.inner_text("#browser-seal [data-role=status]")
    assert not Bid.objects.filter(bidder=organization).exists()
    page.get_by_role("button", name="继续上传").click()
    page.wait_for_selector("#browser-seal [data-role=receipt]:not([hidden])", timeout=30000)
    assert page.locator("#browser-seal .msg-success").is_visible()
    puts = [r.url.rsplit("/", 1)[1] for r in page.requests_seen if r.method == "PUT"]
    assert puts == ["0", "1", "1"]  # after the break only the missing chunk is sent again

    bid = Bid.objects.get(bidder=organization, status=BidStatus.SUBMITTED)
    assert page.text_content("[data-receipt=commitment]") == bid.commitment
    assert page.text_content("[data-receipt=ciphertext_digest]") == bid.ciphertext_digest
    received = clock.local(bid.received_at).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    assert page.text_content("[data-receipt=received_at]") == received
    stored = bids.bid_path(bid).read_bytes()
    backup = _download(page, page.locator("[data-role=download-envelope]"), tmp_path / "backup.gbid")
    assert backup.read_bytes() == stored
    receipt = json.loads(_download(page, page.locator("[data-role=download-receipt]"), tmp_path / "r.json").read_text())
    assert receipt["receipt"] == bid.receipt and receipt["receipt_signature"] == bid.receipt_signature
    assert bids.receipt_verify(receipt["receipt"], receipt["receipt_signature"])

    opened = bidtool.unseal(bids.bid_path(bid), sealing_private_key=sealing_key, out_dir=tmp_path / "opened")
    assert opened.opening_data == {"price": PRICE_FEN, "duration": 180, "quality": "合格"}
    assert (tmp_path / "opened" / "files" / "技术标.pdf").read_bytes() == DOCUMENT
    assert opened.commitment == bid.commitment

    # 3. Two more bidders (a lot needs three), then the deadline passes and the decryption window opens.
    for number in (2, 3):
        other = SealingBidder.registered()
        sealed = other.seal(tmp_path / f"bidder{number}", lot=lot, opening_data={"price": number * 100_000_000})
        bids.bid_submit(actor=other.user, tender_lot=lot, envelope=sealed.path)
    Tender.objects.filter(pk=tender.pk).update(bid_deadline=clock.now() - dt.timedelta(minutes=1))
    services.tender_close_submissions(tender_id=tender.pk)
    lot.refresh_from_db()
    assert lot.status == LotStatus.DECRYPTING

    # 4. The bidder releases its content key from the browser, with the envelope the platform holds.
    page.goto(live_server.url + f"/tenders/{tender.code}/lots/{lot.lot.code}/opening/")
    envelope = _download(page, page.get_by_role("link", name="下载平台保存的本单位密封文件"), tmp_path / "mine.gbid")
    assert envelope.read_bytes() == stored
    page.set_input_files("#unseal-key-file", key_path)
    page.set_input_files("#unseal-envelope", envelope)
    with page.expect_navigation():
        page.get_by_role("button", name="在浏览器中解密并提交").click()
    assert "解密成功" in page.inner_text("main")
    bid.refresh_from_db()
    assert bid.opening_outcome == OpeningOutcome.DECRYPTED
    assert bid.decrypted_via == "content_key" and bid.opening_data["price"] == PRICE_FEN

    # Nothing but the platform was contacted, and the only console error is the connection broken on purpose.
    hosts = {urlparse(r.url).netloc for r in page.requests_seen if urlparse(r.url).scheme in ("http", "https")}
    assert hosts == {urlparse(live_server.url).netloc}
    assert page.console_errors == ["Failed to load resource: net::ERR_FAILED"]
