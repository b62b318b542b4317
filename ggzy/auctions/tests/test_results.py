"""Results of a sale: the listing notice at setup, the deal or no-deal notice at the close with the
premium rate, the deal confirmation signed online by both sides, the deposits (the winner's turned
into earnest money, the others refunded within the rule-table period, with an overdue alert), and
the state-property floor below 90 % of the valuation that needs a recorded approval."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from ggzy.accounts.choices import Role, Sector
from ggzy.auctions import results, services
from ggzy.auctions.models import ConfirmationSignature, DealConfirmation, Registration, Sale
from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.core.testing.parties import make_user
from ggzy.disclosure.models import Notice
from ggzy.jobs import services as jobs_services
from ggzy.notifications.models import Notification
from ggzy.rules import periods
from ggzy.rules import selectors as rules_selectors
from ggzy.witness.models import WitnessEvent

from .helpers import (
    INCREMENT,
    LISTING_END,
    NOW,
    START,
    START_PRICE,
    TIMED_INCREMENT,
    World,
    create_listing,
    land_world,
    qualified_bidders,
    sale,
    sale_world,
)

pytestmark = pytest.mark.django_db

DEPOSIT = 20_000_000  # 20万元
DEAL_PRICE = 112_345_678  # premium 12.345678 % → 12.35 %
DAY = dt.timedelta(days=1)
MICRO = dt.timedelta(microseconds=1)
# Five working days after Tuesday 14 April 2026 (no holiday in between): Tuesday 21 April, 24:00.
FIVE_WORKING_DAYS_AFTER_CLOSE = clock.end_of_day(dt.date(2026, 4, 21))


def _notice(sale_obj: Sale, fact: str) -> Notice:
    return Notice.objects.get(source=f"auctions:sale:{sale_obj.pk}:{fact}")


def _deal(world: World, traveller) -> Sale:
    """Three bidders; b bids the deal price early in the listing, which closes without a timed round."""
    listing = create_listing(world, deposit_fen=DEPOSIT)
    qualified_bidders(world, 3)
    a, b, _c = world.bidders
    traveller.move_to(START)
    jobs_services.run_due_jobs()
    traveller.move_to(START + DAY)
    services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE, key="a1")
    services.sale_bid(actor=b, sale=listing, amount_fen=DEAL_PRICE, key="b1")
    traveller.move_to(LISTING_END)
    jobs_services.run_due_jobs()
    closed = sale(world)
    assert (closed.status, closed.winner, closed.deal_price_fen) == ("deal", world.registrations[1], DEAL_PRICE)
    return closed


# ---------------------------------------------------------------- premium rate


@pytest.mark.parametrize(
    ("deal", "start", "rate"),
    [
        (DEAL_PRICE, START_PRICE, "12.35"),
        (START_PRICE, START_PRICE, "0.00"),
        (100_005_000, 100_000_000, "0.01"),  # exactly half a hundredth: half up
        (100_004_999, 100_000_000, "0.00"),
        (4, 3, "33.33"),
        (5, 3, "66.67"),
        (2 * START_PRICE, START_PRICE, "100.00"),
    ],
)
def test_premium_rate_is_exact_and_rounded_half_up_to_a_hundredth_of_a_percent(deal, start, rate):
    value = results.premium_rate_percent(deal_price_fen=deal, start_price_fen=start)
    assert value == Decimal(rate) and str(value) == rate


# ---------------------------------------------------------------- the listing notice


def test_the_listing_notice_is_published_at_setup_with_the_terms_and_no_reserve():
    with time_machine.travel(NOW, tick=False):
        world = land_world()
        listing = create_listing(world, deposit_fen=DEPOSIT)
    notice = _notice(listing, "notice")
    project = world.lot.project
    assert notice.notice_type == "listing" and notice.project == project
    assert notice.title == f"{project.name} 宗地一 国有建设用地使用权挂牌出让公告"
    assert notice.published_at == NOW
    body = notice.body
    for expected in (
        project.owner.name,
        world.lot.code,
        "起始价：1,000,000.00元；加价幅度：10,000.00元；限时竞价加价幅度：5,000.00元",
        "竞买保证金：200,000.00元",
        "5个工作日内退还，不计利息",
        "挂牌时间：2026-03-23 09:00至2026-04-14 15:00",
        "挂牌截止前1小时内有2个以上竞买人报价的，经15分钟准备后转入限时竞价，倒计时5分钟",
        "本公告发布之日至竞价开始之日不少于20日（招标拍卖挂牌出让国有建设用地使用权规定（国土资源部令第39号））",
    ):
        assert expected in body, expected
    # The reserve is sealed later, if at all: the notice says so and names no amount.
    assert "竞价结束前任何人无法知悉" in body
    assert not re.search(r"保留价[：:]\s*[\d,]", body)
    assert WitnessEvent.objects.filter(action="notice.published", object_id=str(notice.pk)).exists()


# ---------------------------------------------------------------- a deal


def test_a_deal_publishes_the_deal_notice_and_turns_the_deposits_into_earnest_money_and_refunds():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        world.seller.email = "seller@example.cn"
        world.seller.save(update_fields=["email"])
        closed = _deal(world, traveller)
        assert closed.premium_rate_percent == Decimal("12.35") == results.premium_rate(closed)
        assert closed.publicity_ends_at is None  # land: no publicity length in the rule table
        notice = _notice(closed, "result")
        winner = world.registrations[1]
        assert notice.notice_type == "deal" and notice.title.endswith("宗地一 成交公示")
        for expected in (
            f"竞得人（受让方）：{winner.organization.name}",
            "起始价：1,000,000.00元；成交价：1,123,456.78元；溢价率：12.35%",
            "已于2026-04-14 15:00成交",
            "其他竞买人的保证金于2026-04-21 23:59前退还",
            "应于2026-04-21 23:59前在本平台签署成交确认书",
            world.lot.project.supervisor.name,
        ):
            assert expected in notice.body, expected
        # The losers are not named.
        for loser in (world.registrations[0], world.registrations[2]):
            assert loser.organization.name not in notice.body

        # Deposits: the winner's is earnest money, the others' are owed back by the rule-table time.
        rule = rules_selectors.rule_get(
            "land.deposit_refund_working_days", trade_type="land_use", method="listing", on=NOW.date()
        )
        due = periods.period_deadline(clock.local(LISTING_END).date(), rule)
        assert due == FIVE_WORKING_DAYS_AFTER_CLOSE
        rows = {r.pk: r for r in Registration.objects.filter(sale=closed)}
        assert (rows[winner.pk].earnest_money_at, rows[winner.pk].refund_due) == (LISTING_END, None)
        a, c = rows[world.registrations[0].pk], rows[world.registrations[2].pk]
        assert a.refund_due == c.refund_due == due and a.earnest_money_at is None
        with pytest.raises(ValidationError):  # the winner's deposit is part of the price now
            results.deposit_refund_record(actor=world.staff, registration=rows[winner.pk], reference="RF0")
        with pytest.raises(PermissionDenied):
            results.deposit_refund_record(actor=world.seller, registration=a, reference="RF1")
        traveller.move_to(LISTING_END + DAY)
        refunded = results.deposit_refund_record(actor=world.staff, registration=a, reference="RF1")
        assert refunded.refunded_at == LISTING_END + DAY and refunded.refund_reference == "RF1"
        with pytest.raises(ValidationError):
            results.deposit_refund_record(actor=world.staff, registration=a, reference="RF1")

        # At the deadline itself nothing is late; just past it c's refund is, and the alert fires once.
        traveller.move_to(due)
        jobs_services.run_due_jobs()
        assert not WitnessEvent.objects.filter(action="auctions.deposit_refund_overdue").exists()
        assert not results.deposits_refund_overdue().exists()
        traveller.move_to(due + MICRO)
        jobs_services.run_due_jobs()
        assert list(results.deposits_refund_overdue()) == [c]
        alert = WitnessEvent.objects.get(action="auctions.deposit_refund_overdue")
        assert alert.after["bid_numbers"] == [c.bid_number]
        assert Notification.objects.filter(
            topic=f"auctions.deposit_refund_overdue:{closed.pk}:{world.seller.pk}"
        ).exists()
        # Nobody signed the confirmation: its deadline (the same day) raised an alert too.
        assert WitnessEvent.objects.filter(action="auctions.confirmation_overdue").count() == 1
        late = results.deposit_refund_record(actor=world.staff, registration=c, reference="RF2")
        assert WitnessEvent.objects.filter(action="auctions.deposit_refunded").last().after["late"] is True
        assert late.refunded_at is not None and not results.deposits_refund_overdue().exists()


def test_the_deal_confirmation_is_signed_online_once_by_each_side():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        closed = _deal(world, traveller)
        confirmation = DealConfirmation.objects.get(sale=closed)
        winner = world.registrations[1]
        assert confirmation.sign_due == FIVE_WORKING_DAYS_AFTER_CLOSE  # land.contract_sign_working_days
        assert f"竞得人（受让方）：{winner.organization.name}" in confirmation.text
        assert "成交价：1,123,456.78元；溢价率：12.35%" in confirmation.text
        assert "竞买保证金200,000.00元转为定金" in confirmation.text

        loser, staff = world.bidders[0], world.staff
        for stranger in (loser, staff, make_user(Role.OWNER)):
            with pytest.raises(PermissionDenied):
                results.confirmation_sign(actor=stranger, sale=closed)
        assert not ConfirmationSignature.objects.exists()

        traveller.move_to(LISTING_END + DAY)
        seller_signature = results.confirmation_sign(actor=world.seller, sale=closed)
        assert (seller_signature.party, seller_signature.late) == ("seller", False)
        with pytest.raises(ValidationError) as caught:
            results.confirmation_sign(actor=world.seller, sale=closed)
        assert caught.value.code == "already_signed"
        confirmation.refresh_from_db()
        assert confirmation.signed_at is None

        traveller.move_to(LISTING_END + 2 * DAY)
        winner_signature = results.confirmation_sign(actor=world.bidders[1], sale=closed)
        assert winner_signature.party == "winner"
        assert winner_signature.organization_id == winner.organization_id
        with pytest.raises(ValidationError):
            results.confirmation_sign(actor=world.bidders[1], sale=closed)
        confirmation.refresh_from_db()
        assert confirmation.signed_at == LISTING_END + 2 * DAY
        assert ConfirmationSignature.objects.filter(confirmation=confirmation).count() == 2
        for signature in ConfirmationSignature.objects.filter(confirmation=confirmation):
            assert signature.digest == confirmation.digest
            assert results.confirmation_signature_verify(signature)
        signed = WitnessEvent.objects.filter(action="auctions.confirmation_signed").order_by("seq")
        assert [(e.actor_id, e.after["party"], e.after["complete"]) for e in signed] == [
            (world.seller.pk, "seller", False),
            (world.bidders[1].pk, "winner", True),
        ]
        # A changed text no longer matches what was signed.
        tampered = ConfirmationSignature.objects.get(party="winner")
        tampered.confirmation.digest = "0" * 64
        assert not results.confirmation_signature_verify(tampered)

        traveller.move_to(FIVE_WORKING_DAYS_AFTER_CLOSE + MICRO)
        jobs_services.run_due_jobs()
        assert not WitnessEvent.objects.filter(action="auctions.confirmation_overdue").exists()


# ---------------------------------------------------------------- no deal


def test_no_deal_publishes_a_no_deal_notice_and_refunds_every_deposit():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        create_listing(world, deposit_fen=DEPOSIT)
        qualified_bidders(world, 2)
        traveller.move_to(START)
        jobs_services.run_due_jobs()
        traveller.move_to(LISTING_END)
        jobs_services.run_due_jobs()
        closed = sale(world)
        assert (closed.status, closed.no_deal_reason, closed.premium_rate_percent) == ("no_deal", "no_bid", None)
        notice = _notice(closed, "result")
        assert notice.notice_type == "failure" and "未成交" in notice.title
        assert "未成交原因：无人报价" in notice.body
        assert "竞买人交纳的竞买保证金于2026-04-21 23:59前退还" in notice.body
        assert not Notice.objects.filter(notice_type="deal", project=world.lot.project).exists()
        assert not DealConfirmation.objects.filter(sale=closed).exists()
        assert [
            (r.refund_due, r.earnest_money_at) for r in Registration.objects.filter(sale=closed).order_by("pk")
        ] == [(FIVE_WORKING_DAYS_AFTER_CLOSE, None)] * 2
        with pytest.raises(ValidationError):
            results.confirmation_sign(actor=world.seller, sale=closed)
        traveller.move_to(FIVE_WORKING_DAYS_AFTER_CLOSE + MICRO)
        jobs_services.run_due_jobs()
        alert = WitnessEvent.objects.get(action="auctions.deposit_refund_overdue")
        assert sorted(alert.after["bid_numbers"]) == sorted(r.bid_number for r in world.registrations)


# ---------------------------------------------------------------- state property: the floor


PROPERTY_START = dt.datetime(2026, 4, 7, 9, 0, tzinfo=clock.BEIJING)  # ≥ 20 working days after NOW
PROPERTY_END = dt.datetime(2026, 4, 24, 15, 0, tzinfo=clock.BEIJING)  # ≥ 10 working days of listing
VALUATION = 100_000_000


def _property_world() -> World:
    return sale_world(
        trade_type=TradeType.STATE_PROPERTY,
        name="某国有企业股权转让",
        sector=Sector.STATE_ASSETS,
        category="E",
        budget_fen=VALUATION,
        funding_source="国有产权转让",
        lot_name="100%股权",
    )


def _property_sale(world: World, **overrides) -> Sale:
    arguments = {
        "actor": world.seller,
        "lot": world.lot,
        "method": "listing",
        "start_price_fen": 89_999_999,
        "increment_fen": INCREMENT,
        "timed_increment_fen": TIMED_INCREMENT,
        "start_at": PROPERTY_START,
        "listing_end": PROPERTY_END,
        "valuation_fen": VALUATION,
    } | overrides
    world.sale = services.sale_create(**arguments)
    return world.sale


def _refused(world: World, field: str, **overrides) -> str:
    before = (Sale.objects.count(), Notice.objects.count(), WitnessEvent.objects.count())
    with pytest.raises(ValidationError) as caught:
        _property_sale(world, **overrides)
    assert (Sale.objects.count(), Notice.objects.count(), WitnessEvent.objects.count()) == before
    assert field in caught.value.message_dict
    return " ".join(caught.value.message_dict[field])


def test_a_state_property_floor_below_90_percent_of_the_valuation_needs_a_recorded_approval():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _property_world()
        message = _refused(world, "floor_approval_reference")
        assert "转让底价899,999.99元低于评估值1,000,000.00元的90%，须经转让行为批准单位书面同意" in message
        assert "企业国有资产交易监督管理办法" in message
        _refused(world, "floor_approval_reference", floor_approved_by="某市国资委")  # no document number
        assert "评估值" in _refused(world, "valuation_fen", valuation_fen=None)

        at_ratio = _property_sale(world, start_price_fen=90_000_000)  # exactly 90 %: no approval needed
        assert (at_ratio.valuation_fen, at_ratio.floor_approved_by) == (VALUATION, "")

        approved = _property_sale(
            world, floor_approved_by="某市国资委", floor_approval_reference="某国资产权〔2026〕12号"
        )
        assert (approved.floor_approved_by, approved.floor_approval_reference) == (
            "某市国资委",
            "某国资产权〔2026〕12号",
        )
        created = WitnessEvent.objects.filter(action="auctions.sale_created", object_id=str(approved.pk)).get()
        assert created.after["floor_approval_reference"] == "某国资产权〔2026〕12号"
        notice = _notice(approved, "notice")
        assert notice.title.endswith("产权转让公告")
        assert "评估值：1,000,000.00元；转让底价：899,999.99元" in notice.body
        assert "转让底价已经某市国资委书面同意（某国资产权〔2026〕12号）" in notice.body
        assert "不少于20个工作日" in notice.body

        # To the deal: the deal notice carries the valuation and the publicity period (5 working days).
        qualified_bidders(world, 2)
        traveller.move_to(PROPERTY_START)
        jobs_services.run_due_jobs()
        traveller.move_to(PROPERTY_START + DAY)
        services.sale_bid(actor=world.bidders[0], sale=approved, amount_fen=99_999_999, key="p1")
        traveller.move_to(PROPERTY_END)
        jobs_services.run_due_jobs()
    closed = sale(world)
    assert closed.status == "deal" and closed.premium_rate_percent == Decimal("11.11")
    rule = rules_selectors.rule_get(
        "property.deal_publicity_min_working_days", trade_type="state_property", method="listing", on=NOW.date()
    )
    ends = clock.end_of_day(periods.earliest_day_after(clock.local(PROPERTY_END).date(), rule))
    assert closed.publicity_ends_at == ends == clock.end_of_day(dt.date(2026, 5, 6))  # past the May Day holiday
    deal = _notice(closed, "result")
    assert "评估值：1,000,000.00元；转让底价：899,999.99元" in deal.body
    assert "公示期：2026-04-24 15:00至2026-05-06 23:59" in deal.body
    assert DealConfirmation.objects.get(sale=closed).sign_due is None  # no signing period for property
