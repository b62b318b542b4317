"""The pages of the auctions app used as each party would use them: the public list and live room,
the seller's setup, anonymous view of the applications and sealed reserve, the bidder's application
and bids (with and without the room's script), the center's review, deposit and fault desk. Who may
open each page for the whole role matrix is in tests/test_permission_matrix.py; here, the right user
and the wrong ones."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ggzy.accounts.choices import Role
from ggzy.auctions import services
from ggzy.auctions.models import Registration, Sale, SaleBid, SaleEvent, SaleReserve
from ggzy.core.testing.parties import make_user, signed_in_client
from ggzy.jobs import services as jobs_services

from .helpers import (
    INCREMENT,
    LISTING_END,
    NOW,
    START,
    START_PRICE,
    World,
    create_listing,
    land_world,
    qualified_bidders,
    sale,
)
from .test_reserve import _seal

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
RESERVE = START_PRICE + 5 * INCREMENT


def _url(name: str, listing: Sale, **kwargs: object) -> str:
    return reverse(f"auctions:{name}", kwargs={"pk": listing.pk, **kwargs})


def _get(user: Any, url: str, **params: Any) -> Any:
    # A fresh session each time: the clock moves by days between requests in these tests.
    client = Client() if user is None else signed_in_client(user)
    return client.get(url, params)


def _page(user: Any, url: str, **params: Any) -> str:
    response = _get(user, url, **params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _post(user: Any, url: str, data: dict[str, object] | None = None, **extra: Any) -> Any:
    return signed_in_client(user).post(url, data or {}, **extra)


def _messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def _refused(response: Any) -> bool:
    if response.status_code == 403:
        return True
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def _key(page: str) -> str:
    found = re.findall(r'<input type="hidden" name="key" value="([^"]+)"', page)
    assert len(found) == 1
    return found[0]


def _listing_open(world: World, bidders: int = 2) -> Sale:
    """A land-use listing with qualified bidders, its listing period begun."""
    listing = create_listing(world)
    qualified_bidders(world, bidders)
    return listing


def _identities(world: World) -> list[str]:
    return [part for user in world.bidders for part in (user.organization.name, user.organization.uscc)]


def _mentions(text: str, items: list[str]) -> list[str]:
    """The items found in the text; a name followed by a digit is another name (测试单位1 ≠ 测试单位12)."""
    return [item for item in items if re.search(re.escape(item) + r"(?!\d)", text)]


def _row_of(page: str, text: str) -> str:
    rows = [row for row in page.split("<tr")[1:] if text in row]
    assert len(rows) == 1, text
    return rows[0]


# --- public pages ---------------------------------------------------------------------------


def test_the_public_list_filters_by_trade_type_method_and_status():
    with time_machine.travel(NOW, tick=False):
        world = land_world()
        listing = create_listing(world)
        url = reverse("auctions:list")
        link = _url("detail", listing)
        assert link in _page(None, url)
        assert link in _page(None, url, trade_type="land_use", method="listing", status="open")
        assert link not in _page(None, url, trade_type="mining_rights")
        assert link not in _page(None, url, method="auction")
        assert link not in _page(None, url, status="deal")
        assert "1,000,000.00" in _page(None, url)  # the start price in yuan


def test_the_room_shows_bid_numbers_and_prices_but_no_organization_or_reserve_before_the_close(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = _listing_open(world)
        path, key = _seal(world, tmp_path / "r", RESERVE)
        services.sale_reserve_submit(actor=world.seller, sale=listing, envelope=path)
        traveller.move_to(START + H)
        jobs_services.run_due_jobs()
        a, b = world.bidders
        services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE, key="a1")
        services.sale_bid(actor=b, sale=listing, amount_fen=START_PRICE + INCREMENT, key="b1")
        url = _url("detail", listing)
        viewers = [None, world.seller, world.staff, make_user(Role.BIDDER), a]
        pages = [_page(viewer, url) for viewer in viewers]
        for viewer, page in zip(viewers, pages, strict=True):
            others = [user for user in world.bidders if user != viewer]  # the header names one's own
            for user in others:
                assert user.organization.name not in page and user.organization.uscc not in page
            assert "1,050,000.00" not in page  # the sealed reserve
        public = pages[0]
        numbers = [r.bid_number for r in world.registrations]
        assert all(number in public for number in numbers)
        assert "1,010,000.00" in public and "1,000,000.00" in public and "挂牌期" in public
        assert "1,020,000.00" in public  # the least the next bid may be
        assert f'data-live-url="/auctions/{listing.pk}/live/"' in public
        assert f'data-last-seq="{sale(world).last_seq}"' in public
        assert "js/auction-room.js" in public and 'id="auction-room-texts"' in public
        # The bidder sees its own bid number and the bid form with a fresh key each time.
        own = pages[-1]
        assert numbers[0] in own and 'name="amount"' in own
        keys = {_key(own), _key(_page(a, url))}
        assert len(keys) == 2 and all(len(key) >= 20 for key in keys)  # a new key per rendered form

        traveller.move_to(LISTING_END)
        jobs_services.run_due_jobs()
        assert sale(world).status == "awaiting_reserve"
        waiting = _page(None, url)
        assert "1,050,000.00" not in waiting and "出让人开启保留价后公布结果" in waiting
        services.sale_reserve_open(actor=world.seller, sale=listing, content_key=key)
        closed = _page(None, url)
    assert "未成交" in closed and "最高报价低于保留价" in closed
    assert "1,050,000.00" in closed  # the reserve, published with the result


def test_after_a_deal_the_room_names_the_winner_by_bid_number_and_name():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = _listing_open(world)
        traveller.move_to(START + H)
        jobs_services.run_due_jobs()
        services.sale_bid(actor=world.bidders[1], sale=listing, amount_fen=START_PRICE, key="b1")
        traveller.move_to(LISTING_END)
        jobs_services.run_due_jobs()
        page = _page(None, _url("detail", listing))
    winner = world.registrations[1]
    assert "竞价结果" in page and "成交" in page
    assert winner.bid_number in page and winner.organization.name in page
    assert world.registrations[0].organization.name not in page


# --- bidders --------------------------------------------------------------------------------


def test_a_bidder_applies_and_the_center_reviews_it_and_confirms_the_deposit():
    with time_machine.travel(NOW, tick=False):
        world = land_world()
        listing = create_listing(world)
        bidder = make_user(Role.BIDDER)
        room = _url("detail", listing)
        assert "申请参加竞买" in _page(bidder, room)
        assert "申请参加竞买" not in _page(world.seller, room)  # the seller side does not bid
        response = _post(bidder, _url("apply", listing))
        assert response.status_code == 302 and response["Location"] == room
        registration = Registration.objects.get(sale=listing)
        assert "已申请" in _page(bidder, room)
        assert _post(world.seller, _url("apply", listing)).status_code == 403

        desk = _page(world.seller, _url("registrations", listing))
        assert bidder.organization.name not in desk and bidder.organization.uscc not in desk
        assert "已申请" in desk
        review = _url("registration_review", listing, registration_id=registration.pk)
        assert review not in desk  # the seller side does not review
        assert _refused(_post(bidder, review, {"approve": "1"}))
        assert _refused(_post(make_user(Role.OWNER), review, {"approve": "1"}))  # another owner
        assert _post(world.seller, review, {"approve": "1"}).status_code == 403  # the sale's own seller
        registration.refresh_from_db()
        assert (registration.status, registration.bid_number) == ("applied", "")

        operate = _page(world.staff, _url("operate", listing))
        assert bidder.organization.name in operate and bidder.organization.uscc in operate
        assert review in operate
        response = _post(world.staff, review, {"approve": "1"}, follow=True)
        assert response.redirect_chain[-1][0] == _url("operate", listing)
        registration.refresh_from_db()
        assert registration.status == "approved" and registration.bid_number
        assert registration.reviewed_by == world.staff
        assert "已审核通过" in response.content.decode()
        assert registration.bid_number not in response.content.decode()  # nor which number it got

        operate = _page(world.staff, _url("operate", listing))
        assert bidder.organization.name in operate and review not in operate
        assert registration.bid_number not in operate  # who is who in the room stays unlinked
        confirm = _url("deposit_confirm", listing, registration_id=registration.pk)
        assert _refused(_post(world.seller, confirm))
        assert _post(world.staff, confirm).status_code == 302
        registration.refresh_from_db()
        assert registration.qualified
        own = _page(bidder, room)
        assert registration.bid_number in own and 'name="amount"' in own
        mine = _page(bidder, reverse("auctions:mine"))
        assert registration.bid_number in mine and room in mine


def test_a_bidders_pages_name_no_other_bidder():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = _listing_open(world)
        a, b = world.bidders
        ra, rb = world.registrations
        pages = (_url("detail", listing), reverse("auctions:mine"))
        for user in (a, b):
            assert _refused(_get(user, _url("registrations", listing)))
            assert _refused(_get(user, _url("operate", listing)))
        traveller.move_to(START + H)
        jobs_services.run_due_jobs()
        services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE, key="a1")
        services.sale_bid(actor=b, sale=listing, amount_fen=START_PRICE + INCREMENT, key="b1")
        seen_by_a = "".join(_page(a, url) for url in pages)
        seen_by_b = "".join(_page(b, url) for url in pages)
        assert ra.bid_number in seen_by_a and rb.bid_number in seen_by_a  # numbers, in the bid history
        assert not _mentions(seen_by_a, [b.organization.name, b.organization.uscc])
        assert not _mentions(seen_by_b, [a.organization.name, a.organization.uscc])
        traveller.move_to(LISTING_END)
        jobs_services.run_due_jobs()
        assert sale(world).winner == rb
        seen_by_a = "".join(_page(a, url) for url in pages)
        seen_by_b = "".join(_page(b, url) for url in pages)
    assert _mentions(seen_by_a, [b.organization.name, b.organization.uscc]) == [b.organization.name]  # the winner
    assert not _mentions(seen_by_b, [a.organization.name, a.organization.uscc])  # the loser stays anonymous


def test_a_bid_through_the_page_is_accepted_shown_in_the_history_and_a_double_submit_is_harmless():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = _listing_open(world)
        traveller.move_to(START + H)
        jobs_services.run_due_jobs()
        bidder = world.bidders[0]
        url = _url("bid", listing)
        form = {"amount": "1,000,000.00", "key": "page-key-1"}
        response = _post(bidder, url, form)
        assert response.status_code == 302 and response["Location"] == _url("detail", listing)
        again = _post(bidder, url, form, follow=True)  # the same form posted twice
        assert any("已经受理过" in message for message in _messages(again))
        assert SaleBid.objects.filter(sale=listing).count() == 1
        bid = SaleBid.objects.get(sale=listing)
        assert (bid.amount_fen, bid.key, bid.registration) == (START_PRICE, "page-key-1", world.registrations[0])
        page = _page(None, _url("detail", listing))
    row = next(row for row in page.split("<tr")[1:] if f'data-seq="{bid.seq}"' in row)
    assert world.registrations[0].bid_number in row and "1,000,000.00" in row and "2026-03-23 10:00:00" in row


def test_a_refused_bid_shows_the_reason_in_chinese_and_records_nothing():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = _listing_open(world)
        bidder = world.bidders[0]
        url = _url("bid", listing)
        early = _post(bidder, url, {"amount": "1000000", "key": "k0"})
        assert early.status_code == 200 and "竞价尚未开始。" in early.content.decode()
        traveller.move_to(START + H)
        jobs_services.run_due_jobs()
        events = SaleEvent.objects.filter(sale=listing).count()
        low = _post(bidder, url, {"amount": "999999.99", "key": "k1"})
        text = low.content.decode()
        assert low.status_code == 200 and "首次报价不得低于起始价。" in text
        assert 'value="999999.99"' in text  # the form keeps what was typed
        cents = _post(bidder, url, {"amount": "1000000.001", "key": "k2"}).content.decode()
        assert "金额最多保留两位小数" in cents
        assert SaleBid.objects.filter(sale=listing).count() == 0
        assert SaleEvent.objects.filter(sale=listing).count() == events
        # A bidder without an approved registration is refused outright.
        assert _post(make_user(Role.BIDDER), url, {"amount": "1000000", "key": "x"}).status_code == 403
        assert _refused(_post(world.seller, url, {"amount": "1000000", "key": "x"}))


def test_the_room_script_bids_through_json_and_gets_a_new_key_only_after_an_answer():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = _listing_open(world)
        traveller.move_to(START + H)
        jobs_services.run_due_jobs()
        url = _url("bid", listing)
        json_header = {"HTTP_ACCEPT": "application/json"}
        refused = _post(world.bidders[0], url, {"amount": "1", "key": "j1"}, **json_header)
        assert refused.status_code == 400
        assert refused.json() == {"ok": False, "code": "below_start_price", "errors": ["首次报价不得低于起始价。"]}
        accepted = _post(world.bidders[0], url, {"amount": "1000000", "key": "j1"}, **json_header)
        body = accepted.json()
        assert accepted.status_code == 200 and body["ok"] and body["amount_fen"] == START_PRICE
        assert body["key"] and body["key"] != "j1" and "报价已受理" in body["message"]
        repeated = _post(world.bidders[0], url, {"amount": "1000000", "key": "j1"}, **json_header).json()
        assert repeated["duplicate"] and repeated["seq"] == body["seq"]
        invalid = _post(world.bidders[1], url, {"amount": "abc", "key": "j2"}, **json_header)
        assert invalid.status_code == 400 and invalid.json()["errors"]
    assert SaleBid.objects.filter(sale=listing).count() == 1


# --- the seller side ------------------------------------------------------------------------


def _sale_form(**overrides: object) -> dict[str, object]:
    return {
        "method": "listing",
        "start_price": "1,000,000.57",
        "increment": "10004.35",
        "timed_increment": "5001.15",
        "start_at": "2026-03-23T09:00",
        "listing_end": "2026-04-14T15:00",
    } | overrides


def test_the_create_form_converts_yuan_to_fen_exactly():
    with time_machine.travel(NOW, tick=False):
        world = land_world()
        url = reverse("auctions:create", kwargs={"lot_code": world.lot.code})
        assert "设立竞价交易" in _page(world.seller, url)
        response = _post(world.seller, url, _sale_form())
        created = Sale.objects.get()
        assert response.status_code == 302 and response["Location"] == _url("registrations", created)
    # Decimal, not float: 5001.15 * 100 is 500114.99999999994 in binary floating point.
    assert (created.start_price_fen, created.increment_fen, created.timed_increment_fen) == (
        100_000_057,
        1_000_435,
        500_115,
    )
    assert created.start_at == START and created.listing_end == LISTING_END
    assert created.lot == world.lot and created.created_by == world.seller


def test_the_create_form_shows_field_and_service_errors_and_creates_nothing():
    with time_machine.travel(NOW, tick=False):
        world = land_world()
        url = reverse("auctions:create", kwargs={"lot_code": world.lot.code})

        def errors(**overrides: object) -> str:
            response = _post(world.seller, url, _sale_form(**overrides))
            assert response.status_code == 200
            return response.content.decode()

        assert "金额最多保留两位小数" in errors(start_price="1000000.001")
        assert "金额必须大于零" in errors(increment="0")
        assert "挂牌交易须填写挂牌截止时间" in errors(listing_end="")
        assert "拍卖没有挂牌期" in errors(method="auction")
        # The service's rules, next to the fields they name.
        assert "公告之日至开始之日不得少于" in errors(start_at="2026-03-10T09:00")
        assert "挂牌期不得少于" in errors(listing_end="2026-03-25T15:00")
        no_timed = _post(world.seller, url, _sale_form(timed_increment=""))
        assert no_timed.status_code == 302
        assert Sale.objects.get().timed_increment_fen == Sale.objects.get().increment_fen
        Sale.objects.all().delete()
        assert _refused(_post(make_user(Role.OWNER), url, _sale_form()))
        assert _refused(_post(make_user(Role.BIDDER), url, _sale_form()))
        assert _refused(_post(world.staff, url, _sale_form()))
        assert _get(None, url).status_code == 302
    assert not Sale.objects.exists()


def test_the_seller_manages_only_its_own_lots_and_sees_identities_only_after_the_close():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = _listing_open(world)
        services.registration_apply(actor=make_user(Role.BIDDER), sale=listing)  # waiting for review
        applied = list(Registration.objects.filter(sale=listing).select_related("organization"))
        names = [part for r in applied for part in (r.organization.name, r.organization.uscc)]
        numbers = [r.bid_number for r in world.registrations]
        manage = _page(world.seller, reverse("auctions:manage"))
        assert world.lot.code in manage and _url("registrations", listing) in manage
        assert world.lot.code not in _page(make_user(Role.OWNER), reverse("auctions:manage"))
        desk = _url("registrations", listing)
        for user in (make_user(Role.OWNER), world.bidders[0], world.staff):
            assert _refused(_get(user, desk))
        assert _refused(_get(None, desk))
        operate = _url("operate", listing)

        def assert_anonymous() -> None:
            before = _page(world.seller, desk)
            assert not _mentions(before, names + numbers)
            assert before.count("已申请") == 1 and before.count("已通过") == 2 and before.count("已到账") == 2
            assert _url("registration_review", listing, registration_id=applied[-1].pk) not in before
            center = _page(world.staff, operate)  # the center reviews by name, without the numbers
            assert _mentions(center, names) == names and not _mentions(center, numbers)

        assert_anonymous()
        traveller.move_to(START + H)
        jobs_services.run_due_jobs()
        services.sale_bid(actor=world.bidders[0], sale=listing, amount_fen=START_PRICE, key="a1")
        assert_anonymous()
        traveller.move_to(LISTING_END)
        jobs_services.run_due_jobs()
        assert sale(world).status == "deal"
        after = _page(world.seller, desk)
        center = _page(world.staff, operate)
    assert _mentions(after, names) == names and _mentions(center, names) == names
    for r in world.registrations:  # each name beside its own bid number
        assert r.bid_number in _row_of(after, r.organization.uscc)
        assert r.bid_number in _row_of(center, r.organization.uscc)


def test_the_seller_hands_in_the_sealed_reserve_and_opens_it_after_the_close(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = _listing_open(world)
        url = _url("reserve", listing)
        page = _page(world.seller, url)
        assert world.lot.code in page and world.seller.organization.uscc in page and "reserve_fen" in page
        path, key = _seal(world, tmp_path / "r", START_PRICE)
        upload = SimpleUploadedFile("reserve.gbid", path.read_bytes())
        response = _post(world.seller, url, {"envelope": upload})
        assert response.status_code == 302
        stored = SaleReserve.objects.get(sale=listing)
        assert stored.reserve_fen is None and stored.commitment in _page(world.seller, url)
        assert _refused(_get(world.bidders[0], url))
        garbage = _post(world.seller, url, {"envelope": SimpleUploadedFile("x.gbid", b"not an envelope")})
        assert garbage.status_code == 200 and "保留价密封文件无法识别" in garbage.content.decode()
        traveller.move_to(START + H)
        jobs_services.run_due_jobs()
        services.sale_bid(actor=world.bidders[0], sale=listing, amount_fen=START_PRICE + INCREMENT, key="a1")
        traveller.move_to(LISTING_END)
        jobs_services.run_due_jobs()
        assert "提交内容密钥并开启" in _page(world.seller, url)
        wrong = _post(world.seller, _url("reserve_open", listing), {"content_key": key[:-4] + "AAAA"}, follow=True)
        assert any("保留价解密失败" in message for message in _messages(wrong))
        assert sale(world).status == "awaiting_reserve"
        _post(world.seller, _url("reserve_open", listing), {"content_key": key})
        assert sale(world).status == "deal"
        assert "1,000,000.00" in _page(world.seller, url)


# --- the trading center ---------------------------------------------------------------------


def test_the_center_freezes_and_resumes_trading_and_the_room_shows_it():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = _listing_open(world)
        operate = _url("operate", listing)
        for user in (world.seller, world.bidders[0], make_user(Role.SUPERVISOR)):
            assert _refused(_get(user, operate))
        assert _refused(_get(None, operate))
        traveller.move_to(START + H)
        jobs_services.run_due_jobs()
        assert _refused(_post(world.seller, _url("freeze", listing), {"reason": "x"}))
        assert sale(world).phase == "listing"
        assert "冻结交易" in _page(world.staff, operate)
        _post(world.staff, _url("freeze", listing), {"reason": "网络中断"})
        assert sale(world).phase == "frozen"
        room = _page(None, _url("detail", listing))
        assert "冻结" in room and "网络中断" in room
        refused = _post(world.bidders[0], _url("bid", listing), {"amount": "1000000", "key": "f1"})
        assert "交易已冻结，恢复前不接受报价。" in refused.content.decode()

        traveller.move_to(START + 3 * H)  # two hours later: the resumption needs notice
        too_soon = _post(world.staff, _url("resume", listing), {"resume_at": ""}, follow=True)
        assert any("恢复交易须提前通知" in message for message in _messages(too_soon))
        assert sale(world).phase == "frozen"
        _post(world.staff, _url("resume", listing), {"resume_at": "2026-03-24T12:00"})
        announced = sale(world)
        assert (announced.phase, announced.ends_at) == ("frozen", START + 27 * H)
        assert "2026-03-24 12:00:00" in _page(None, _url("detail", listing))
        traveller.move_to(START + 27 * H)
        jobs_services.run_due_jobs()
        assert sale(world).phase == "listing"
        assert _refused(_post(world.seller, _url("resume", listing)))


def test_the_center_adjusts_the_increments_on_its_desk_and_the_room_shows_those_in_force():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = _listing_open(world)
        operate = _url("operate", listing)
        traveller.move_to(START + H)
        jobs_services.run_due_jobs()
        assert "调整加价幅度" in _page(world.staff, operate)
        assert _refused(_post(world.seller, _url("increments", listing), {"increment": "30000"}))
        bad = _post(world.staff, _url("increments", listing), {"increment": "0"}, follow=True)
        assert "请填写大于零的加价幅度。" in _messages(bad)
        assert not SaleEvent.objects.filter(sale=listing, kind="increments_changed").exists()
        done = _post(world.staff, _url("increments", listing), {"increment": "30000"}, follow=True)
        assert any("加价幅度已调整" in message for message in _messages(done))
        room = _page(None, _url("detail", listing))
        assert f'data-increment-fen="{3_000_000}"' in room and f'data-timed-increment-fen="{3_000_000}"' in room
        assert '<td data-role="increment">30,000.00</td>' in room
        assert "30,000.00" in _page(world.staff, operate)


def test_the_room_texts_for_the_script_are_translated_json():
    with time_machine.travel(NOW, tick=False):
        world = land_world()
        listing = create_listing(world)
        page = _page(None, _url("detail", listing))
    block = page.split('id="auction-room-texts" type="application/json">')[1].split("</script>")[0]
    texts = json.loads(block)
    assert texts["phases"]["timed"] == "限时竞价" and texts["countdown"]["listing"] == "距挂牌截止"
    assert texts["system_fault"] == "系统故障"


def test_pages_of_a_missing_sale_are_404():
    with time_machine.travel(NOW, tick=False):
        world = land_world()
        assert _get(None, reverse("auctions:detail", kwargs={"pk": 999999})).status_code == 404
        assert _get(world.staff, reverse("auctions:operate", kwargs={"pk": 999999})).status_code == 404
        assert _get(world.seller, reverse("auctions:create", kwargs={"lot_code": "NOPE"})).status_code == 404


def test_the_workbench_leads_each_party_to_its_auction_pages():
    with time_machine.travel(NOW, tick=False):
        world = land_world()
        workbench = reverse("portal:workbench")
        assert reverse("auctions:manage") in _page(world.seller, workbench)
        assert reverse("auctions:mine") in _page(make_user(Role.BIDDER), workbench)
        assert reverse("auctions:list") in _page(world.staff, workbench)
        assert reverse("auctions:list") in _page(None, reverse("portal:home"))  # the main navigation
