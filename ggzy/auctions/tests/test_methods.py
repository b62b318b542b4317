"""Every sale method the law allows for land use, mining rights and state property runs on the one
engine with its own rule-table parameters (issue 7): set up with dates computed from the rule rows
through the calendar helpers, bid by qualified bidders, driven to a deal by the worker's tick jobs.
A start earlier than the notice minimum is refused, naming the period; every rule row of these
scopes records its source and effective date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from ggzy.accounts.choices import Sector
from ggzy.auctions import engine, results, services
from ggzy.auctions.choices import NOTICE_RULE_BY_TRADE_TYPE, SALE_TRADE_TYPES, Eligibility, SaleMethod
from ggzy.auctions.models import DealConfirmation, Registration, Sale, SaleReserve
from ggzy.core import clock
from ggzy.core.choices import METHODS_BY_TRADE_TYPE, TradeType
from ggzy.disclosure.models import Notice
from ggzy.jobs import services as jobs_services
from ggzy.notifications.models import Notification
from ggzy.rules import periods
from ggzy.rules import selectors as rules_selectors
from ggzy.rules import services as rules_services
from ggzy.rules.choices import Evidence
from ggzy.witness.models import WitnessEvent

from .helpers import INCREMENT, NOW, START_PRICE, TIMED_INCREMENT, World, create_listing, qualified_bidders, sale_world

pytestmark = pytest.mark.django_db

DEPOSIT = 20_000_000
DAY = dt.timedelta(days=1)

PAIRS = sorted(
    (trade_type, method)
    for trade_type in SALE_TRADE_TYPES
    for method in METHODS_BY_TRADE_TYPE[trade_type]
    if method in SaleMethod.values
)
IDS = [f"{trade_type}-{method}" for trade_type, method in PAIRS]

WORLDS: dict[str, dict[str, Any]] = {
    TradeType.LAND_USE: {},
    TradeType.MINING_RIGHTS: {
        "trade_type": TradeType.MINING_RIGHTS,
        "name": "某铁矿采矿权网上出让",
        "sector": Sector.NATURAL_RESOURCES,
        "category": "D",
        "funding_source": "矿业权出让",
        "lot_name": "采矿权一",
    },
    TradeType.STATE_PROPERTY: {
        "trade_type": TradeType.STATE_PROPERTY,
        "name": "某国有企业股权转让",
        "sector": Sector.STATE_ASSETS,
        "category": "E",
        "funding_source": "国有产权转让",
        "lot_name": "100%股权",
    },
}

# The rows `services.legal_terms`, `services.sale_create` and `services.reserve_cutoff` read.
TIMED_KEYS = (
    "listing.timed_bidding_preparation_minutes",
    "listing.timed_bidding_countdown_minutes",
    "listing.freeze_direct_resume_max_hours",
    "listing.freeze_resume_notice_hours",
    "listing.reserve_entry_min_hours_before_close",
)
LISTING_KEYS = (
    "listing.min_days",
    "listing.final_period_hours",
    "listing.timed_round_min_final_period_bidders",
    "listing.timed_round_min_listing_bids",
    "listing.freeze_last_period_extension_max_hours",
)


def _keys(trade_type: str, method: str) -> list[str]:
    """Every rule key a sale of this trade type and method reads, from setup to the result."""
    keys = [*TIMED_KEYS, *(LISTING_KEYS if method == SaleMethod.LISTING else ())]
    keys.append(NOTICE_RULE_BY_TRADE_TYPE[trade_type])
    for table in (
        results.REFUND_RULE_BY_TRADE_TYPE,
        results.CONFIRMATION_RULE_BY_TRADE_TYPE,
        results.PUBLICITY_RULE_BY_TRADE_TYPE,
        results.FLOOR_APPROVAL_RULE_BY_TRADE_TYPE,
    ):
        if trade_type in table:
            keys.append(table[trade_type])
    if (trade_type, method) == (TradeType.MINING_RIGHTS, SaleMethod.AUCTION):
        keys.append(services.MIN_BIDDERS_RULE_BY_TRADE_TYPE[trade_type])
    return keys


def _rule(key: str, trade_type: str, method: str) -> rules_selectors.RuleValue:
    return rules_selectors.rule_get(key, trade_type=trade_type, method=method, on=NOW.date())


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.BEIJING)


def _earliest_start(trade_type: str, method: str) -> dt.date:
    notice = _rule(NOTICE_RULE_BY_TRADE_TYPE[trade_type], trade_type, method)
    return periods.earliest_day_after(NOW.date(), notice)


def _timetable(trade_type: str, method: str) -> tuple[dt.datetime, dt.datetime | None]:
    """The first lawful start (a working day, 09:00) and, for a listing, the first lawful end (15:00)."""
    start_day = periods.working_day_on_or_after(_earliest_start(trade_type, method))
    if method != SaleMethod.LISTING:
        return _at(start_day, 9), None
    minimum = _rule("listing.min_days", trade_type, method)
    end_day = periods.working_day_on_or_after(periods.earliest_day_after(start_day, minimum))
    return _at(start_day, 9), _at(end_day, 15)


def _world(trade_type: str) -> World:
    return sale_world(**WORLDS[trade_type])


def _create(world: World, trade_type: str, method: str, **overrides) -> Sale:
    start_at, listing_end = _timetable(trade_type, method)
    arguments = {
        "method": method,
        "start_at": start_at,
        "listing_end": listing_end,
        "deposit_fen": DEPOSIT,
        "valuation_fen": START_PRICE if trade_type == TradeType.STATE_PROPERTY else None,
    } | overrides
    return create_listing(world, **arguments)


def _run(traveller, at: dt.datetime) -> None:
    traveller.move_to(at)
    jobs_services.run_due_jobs()


def _fresh(sale_obj: Sale) -> Sale:
    sale_obj.refresh_from_db()
    return sale_obj


def _ends_at(sale_obj: Sale) -> dt.datetime:
    """The stored end of the current phase (the countdown deadline in the timed round)."""
    ends_at = _fresh(sale_obj).ends_at
    assert ends_at is not None
    return ends_at


def _seconds(rule: rules_selectors.RuleValue) -> int:
    return rule.as_int() * {"hour": 3600, "minute": 60}[rule.unit]


# ---------------------------------------------------------------- the pairs and their rows


def test_the_pairs_are_every_sale_method_the_three_trade_types_allow():
    assert PAIRS == [
        ("land_use", "auction"),
        ("land_use", "listing"),
        ("land_use", "online_bidding"),
        ("mining_rights", "auction"),
        ("mining_rights", "listing"),
        ("mining_rights", "online_bidding"),
        ("state_property", "auction"),
        ("state_property", "listing"),
        ("state_property", "online_bidding"),
    ]


@pytest.mark.parametrize(("trade_type", "method"), PAIRS, ids=IDS)
def test_every_rule_a_sale_reads_is_a_row_of_its_trade_type_with_a_source_and_an_effective_date(trade_type, method):
    for key in _keys(trade_type, method):
        rule = _rule(key, trade_type, method)  # RuleMissing here is the refusal the issue reports
        assert rule.trade_type == trade_type, key  # never borrowed from another trade type
        assert rule.method in (method, ""), key
        assert rule.source.strip(), key
        assert rule.effective_from <= NOW.date() and rule.effective_to is None, key
        assert rule.evidence in Evidence.values, key


def test_every_sale_rule_row_in_the_seed_records_its_source_effective_date_and_doubts():
    rows = [row for row in rules_services.seed_rows() if row["trade_type"] in SALE_TRADE_TYPES]
    sale_rows = [row for row in rows if row["key"].startswith("listing.")]
    scopes = {(row["trade_type"], row["method"]) for row in sale_rows}
    assert scopes == set(PAIRS)  # each pair has rows of its own
    for row in rows:
        identity = (row["key"], row["trade_type"], row["method"])
        assert row["source"].strip(), identity
        assert dt.date.fromisoformat(row["effective_from"]) <= NOW.date(), identity
        assert row["version"] >= 1 and row["evidence"] in Evidence.values, identity
    for row in sale_rows:
        identity = (row["key"], row["trade_type"], row["method"])
        assert row["method"] in SaleMethod.values, identity
        if row["evidence"] != Evidence.CONFIRMED:
            assert row["note"].strip(), identity  # an unconfirmed row says why and what it follows


@pytest.mark.parametrize(("trade_type", "method"), PAIRS, ids=IDS)
def test_the_engine_parameters_of_each_pair_come_from_its_rule_rows(trade_type, method):
    with time_machine.travel(NOW, tick=False):
        world = _world(trade_type)
        created = _create(world, trade_type, method)

    def seconds(key: str) -> int:
        return _seconds(_rule(key, trade_type, method))

    assert created.preparation_seconds == seconds("listing.timed_bidding_preparation_minutes")
    assert created.countdown_seconds == seconds("listing.timed_bidding_countdown_minutes")
    assert created.quick_fix_seconds == seconds("listing.freeze_direct_resume_max_hours")
    assert created.resume_notice_seconds == seconds("listing.freeze_resume_notice_hours")
    cutoff = created.listing_end or created.start_at
    assert services.reserve_cutoff(created) == cutoff - dt.timedelta(
        seconds=seconds("listing.reserve_entry_min_hours_before_close")
    )
    if method == SaleMethod.LISTING:
        min_bids = _rule("listing.timed_round_min_listing_bids", trade_type, method).as_int()
        assert created.last_window_seconds == seconds("listing.final_period_hours")
        assert (
            created.timed_min_bidders
            == _rule("listing.timed_round_min_final_period_bidders", trade_type, method).as_int()
        )
        assert created.freeze_extension_cap_seconds == seconds("listing.freeze_last_period_extension_max_hours")
        assert created.timed_eligibility == (Eligibility.LISTING_BIDDERS if min_bids else Eligibility.QUALIFIED)
    else:
        assert created.listing_end is None
        assert (created.last_window_seconds, created.timed_min_bidders, created.freeze_extension_cap_seconds) == (
            None,
            None,
            None,
        )
        assert created.timed_eligibility == Eligibility.QUALIFIED
    assert Notice.objects.filter(source=f"auctions:sale:{created.pk}:notice").exists()
    if (trade_type, method) == (TradeType.MINING_RIGHTS, SaleMethod.AUCTION):
        assert created.min_bidders == _rule("mining.min_bidders", trade_type, method).as_int() == 3
    else:
        assert created.min_bidders is None


def test_a_mining_right_auction_with_too_few_qualified_bidders_is_terminated_at_the_start():
    """rules-cn.md §4.2: a mining-right auction needs at least 3 bidders, otherwise it stops."""
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world(TradeType.MINING_RIGHTS)
        created = _create(world, TradeType.MINING_RIGHTS, SaleMethod.AUCTION)
        qualified_bidders(world, created.min_bidders - 1)
        _run(traveller, created.start_at)
        with pytest.raises(ValidationError) as refused:
            services.sale_bid(actor=world.bidders[0], sale=created, amount_fen=START_PRICE, key="late")
        assert refused.value.code == engine.Refusal.CLOSED.value
    closed = _fresh(created)
    assert (closed.phase, closed.status, closed.no_deal_reason) == ("closed", "no_deal", "too_few_bidders")
    assert closed.closed_at == created.start_at and closed.reserve_fen is None
    notice = Notice.objects.get(source=f"auctions:sale:{closed.pk}:result")
    assert "竞买人不足法定人数" in notice.body
    for registration in Registration.objects.filter(sale=closed):
        assert registration.refund_due is not None  # every deposit goes back


def test_a_terminated_mining_right_auction_never_opens_its_sealed_reserve(tmp_path):
    from .test_reserve import _seal

    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world(TradeType.MINING_RIGHTS)
        created = _create(world, TradeType.MINING_RIGHTS, SaleMethod.AUCTION)
        qualified_bidders(world, 1)
        path, _key = _seal(world, tmp_path / "r", START_PRICE)
        services.sale_reserve_submit(actor=world.seller, sale=created, envelope=path)
        _run(traveller, created.start_at)
    closed = _fresh(created)
    assert (closed.status, closed.no_deal_reason, closed.reserve_fen) == ("no_deal", "too_few_bidders", None)
    assert SaleReserve.objects.get(sale=closed).opened_at is None  # it stays sealed
    assert not Notification.objects.filter(topic__startswith=f"auctions.reserve_key:{closed.pk}:").exists()


# ---------------------------------------------------------------- to a deal


def _listing_to_timed_round(world: World, listing: Sale, traveller) -> int:
    """Two bidders bid in the last window, the worker opens the preparation, then the timed round.
    Returns the listing high."""
    a, b, _c = world.bidders
    assert listing.listing_end is not None and listing.last_window_seconds is not None
    end = listing.listing_end
    _run(traveller, listing.start_at)
    assert _fresh(listing).phase == "listing"
    traveller.move_to(listing.start_at + DAY)
    services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE, key="a1")
    traveller.move_to(end - dt.timedelta(seconds=listing.last_window_seconds) / 2)
    services.sale_bid(actor=b, sale=listing, amount_fen=START_PRICE + INCREMENT, key="b1")
    services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE + 2 * INCREMENT, key="a2")
    _run(traveller, end)
    preparation = dt.timedelta(seconds=listing.preparation_seconds)
    assert (_fresh(listing).phase, listing.ends_at) == ("preparation", end + preparation)
    _run(traveller, end + preparation)
    countdown = dt.timedelta(seconds=listing.countdown_seconds)
    assert (_fresh(listing).phase, listing.ends_at) == ("timed", end + preparation + countdown)
    return START_PRICE + 2 * INCREMENT


def _timed_bids(world: World, sale_obj: Sale, traveller, high: int | None) -> int:
    """Bids in the timed round, each restarting the countdown; b bids last. Returns the deal price."""
    a, b, c = world.bidders
    countdown = dt.timedelta(seconds=sale_obj.countdown_seconds)
    price = START_PRICE if high is None else high + TIMED_INCREMENT
    first = c
    if sale_obj.timed_eligibility == Eligibility.LISTING_BIDDERS:
        # 德州 mining rule: a bidder without a listing bid may not join the round.
        traveller.move_to(_ends_at(sale_obj) - countdown * 3 / 4)
        with pytest.raises(ValidationError) as refused:
            services.sale_bid(actor=c, sale=sale_obj, amount_fen=price, key="c-refused")
        assert refused.value.code == engine.Refusal.NOT_ELIGIBLE.value
        first = a
    traveller.move_to(_ends_at(sale_obj) - countdown / 2)
    services.sale_bid(actor=first, sale=sale_obj, amount_fen=price, key="t1")
    assert _ends_at(sale_obj) == clock.now() + countdown
    traveller.move_to(_ends_at(sale_obj) - countdown / 4)
    services.sale_bid(actor=b, sale=sale_obj, amount_fen=price + TIMED_INCREMENT, key="t2")
    assert _ends_at(sale_obj) == clock.now() + countdown
    return price + TIMED_INCREMENT


@pytest.mark.parametrize(("trade_type", "method"), PAIRS, ids=IDS)
def test_each_pair_is_set_up_bid_and_driven_to_a_deal_by_the_worker(trade_type, method):
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world(trade_type)
        created = _create(world, trade_type, method)
        qualified_bidders(world, 3)
        if method == SaleMethod.LISTING:
            high: int | None = _listing_to_timed_round(world, created, traveller)
        else:
            # No listing period: the timed round starts at the start with the rule-table countdown.
            _run(traveller, created.start_at)
            countdown = _seconds(_rule("listing.timed_bidding_countdown_minutes", trade_type, method))
            assert (_fresh(created).phase, created.ends_at) == (
                "timed",
                created.start_at + dt.timedelta(seconds=countdown),
            )
            high = None
        deal_price = _timed_bids(world, created, traveller, high)
        _run(traveller, _ends_at(created))
    closed = _fresh(created)
    assert (closed.phase, closed.status) == ("closed", "deal")
    assert (closed.winner, closed.deal_price_fen) == (world.registrations[1], deal_price)
    assert Notice.objects.get(source=f"auctions:sale:{closed.pk}:result").notice_type == "deal"

    # What results.py reads for this trade type: refunds, publicity and signing periods.
    closed_on = clock.local(closed.closed_at).date()
    refund = _rule(results.REFUND_RULE_BY_TRADE_TYPE[trade_type], trade_type, method)
    a_registration = Registration.objects.get(pk=world.registrations[0].pk)
    assert a_registration.refund_due == periods.period_deadline(closed_on, refund)
    assert Registration.objects.get(pk=world.registrations[1].pk).earnest_money_at == closed.closed_at
    publicity_key = results.PUBLICITY_RULE_BY_TRADE_TYPE.get(trade_type)
    if publicity_key is None:
        assert closed.publicity_ends_at is None
    else:
        publicity = _rule(publicity_key, trade_type, method)
        assert closed.publicity_ends_at == clock.end_of_day(periods.earliest_day_after(closed_on, publicity))
    confirmation = DealConfirmation.objects.get(sale=closed)
    signing_key = results.CONFIRMATION_RULE_BY_TRADE_TYPE.get(trade_type)
    if signing_key is None:
        assert confirmation.sign_due is None
    else:
        signing = _rule(signing_key, trade_type, method)
        assert confirmation.sign_due == periods.period_deadline(closed_on, signing)


# ---------------------------------------------------------------- the notice minimum


@pytest.mark.parametrize(("trade_type", "method"), PAIRS, ids=IDS)
def test_a_start_before_the_notice_minimum_is_refused_naming_the_period_and_nothing_is_written(trade_type, method):
    with time_machine.travel(NOW, tick=False):
        world = _world(trade_type)
        earliest = _earliest_start(trade_type, method)
        notice = _rule(NOTICE_RULE_BY_TRADE_TYPE[trade_type], trade_type, method)
        before = (Sale.objects.count(), Notice.objects.count(), WitnessEvent.objects.count())
        with pytest.raises(ValidationError) as caught:
            _create(world, trade_type, method, start_at=_at(earliest - DAY, 9))
        assert (Sale.objects.count(), Notice.objects.count(), WitnessEvent.objects.count()) == before
        assert set(caught.value.message_dict) == {"start_at"}
        assert caught.value.message_dict["start_at"] == [
            f"公告之日至开始之日不得少于{notice.display}，最早可于{earliest.isoformat()}开始。"
        ]
        # The first lawful day itself is accepted.
        accepted = _create(world, trade_type, method, start_at=_at(earliest, 9))
    assert clock.local(accepted.start_at).date() == earliest
