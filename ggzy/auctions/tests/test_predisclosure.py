"""信息预披露 of a state-property transfer that moves the actual control of the enterprise (32号令,
rules-cn.md §5): published within the rule-table working days after the approval, and the formal
disclosure (the sale and its notice) only once the pre-disclosure has run its rule-table working
days. The setup page takes the state-property terms (valuation, floor approval, control change)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ggzy.accounts.choices import Role
from ggzy.auctions import services
from ggzy.auctions.choices import SaleMethod
from ggzy.auctions.models import Predisclosure, Sale
from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.core.testing.parties import make_user, signed_in_client
from ggzy.disclosure.models import Notice
from ggzy.rules import periods
from ggzy.witness.models import WitnessEvent

from .helpers import NOW, START_PRICE, land_world, sale_world
from .test_methods import WORLDS, _create, _rule

pytestmark = pytest.mark.django_db

WITHIN = "property.control_change_predisclosure_within_working_days"
MINIMUM = "property.control_change_predisclosure_min_working_days"


def _world():
    return sale_world(**WORLDS[TradeType.STATE_PROPERTY])


def _publish(world, approved_on: dt.date, **overrides):
    arguments = {
        "actor": world.seller,
        "lot": world.lot,
        "approved_on": approved_on,
        "approval_reference": "伊国资发〔2026〕12号",
        "summary": "转让所持标的企业40%股权，转让后不再控股。",
    } | overrides
    return services.predisclosure_publish(**arguments)


def _error(call, key: str) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    return " ".join(caught.value.message_dict[key])


def test_the_formal_disclosure_of_a_control_change_waits_for_the_predisclosure_period():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world()
        create = lambda: _create(  # noqa: E731
            world, TradeType.STATE_PROPERTY, SaleMethod.LISTING, valuation_fen=START_PRICE, control_change=True
        )
        assert "请先发布信息预披露" in _error(create, "control_change")
        predisclosure = _publish(world, NOW.date() - dt.timedelta(days=1))
        notice = Notice.objects.get(source=f"auctions:lot:{world.lot.pk}:predisclosure")
        assert notice.notice_type == "predisclosure" and "伊国资发〔2026〕12号" in notice.body
        earliest = periods.earliest_day_after(NOW.date(), _rule(MINIMUM, TradeType.STATE_PROPERTY, ""))
        assert earliest.isoformat() in notice.body
        witnessed = WitnessEvent.objects.get(action="auctions.predisclosed")
        assert witnessed.object_id == str(predisclosure.pk) and witnessed.actor_id == world.seller.pk
        with pytest.raises(ValidationError) as again:
            _publish(world, NOW.date())
        assert again.value.code == "already_predisclosed"
        assert f"最早可于{earliest.isoformat()}" in _error(create, "control_change")
        assert not Sale.objects.exists()
        traveller.move_to(clock.start_of_day(earliest) + dt.timedelta(hours=9))
        sale = _create(
            world,
            TradeType.STATE_PROPERTY,
            SaleMethod.LISTING,
            valuation_fen=START_PRICE,
            control_change=True,
            **_timetable_from(earliest),
        )
    assert sale.control_change
    listing = Notice.objects.get(source=f"auctions:sale:{sale.pk}:notice")
    assert "已进行信息预披露" in listing.body


def _timetable_from(day: dt.date) -> dict[str, dt.datetime]:
    """A lawful listing timetable when the formal disclosure is published on `day`."""
    notice = _rule("property.formal_disclosure_min_working_days", TradeType.STATE_PROPERTY, SaleMethod.LISTING)
    start = periods.working_day_on_or_after(periods.earliest_day_after(day, notice))
    minimum = _rule("listing.min_days", TradeType.STATE_PROPERTY, SaleMethod.LISTING)
    end = periods.working_day_on_or_after(periods.earliest_day_after(start, minimum))
    at = lambda d, h: dt.datetime.combine(d, dt.time(h), tzinfo=clock.BEIJING)  # noqa: E731
    return {"start_at": at(start, 9), "listing_end": at(end, 15)}


def test_the_predisclosure_follows_the_approval_within_the_rule_days_and_only_for_state_property():
    with time_machine.travel(NOW, tick=False):
        world = _world()
        within = _rule(WITHIN, TradeType.STATE_PROPERTY, "")
        last_day = periods.period_deadline(NOW.date() - dt.timedelta(days=30), within)
        assert last_day < NOW  # approved 30 days ago: too late
        assert "已逾期" in _error(lambda: _publish(world, NOW.date() - dt.timedelta(days=30)), "approved_on")
        assert "不能晚于今天" in _error(lambda: _publish(world, NOW.date() + dt.timedelta(days=1)), "approved_on")
        assert "请填写预披露内容" in _error(lambda: _publish(world, NOW.date(), summary=" "), "summary")
        with pytest.raises(PermissionDenied):
            _publish(world, NOW.date(), actor=make_user(Role.OWNER))
        land = land_world()
        with pytest.raises(ValidationError) as land_refused:
            _publish(land, NOW.date())
        assert land_refused.value.code == "not_state_property"
        assert not Predisclosure.objects.exists() and not WitnessEvent.objects.filter(action="auctions.predisclosed")
        _publish(world, NOW.date())  # approved today: in time
    assert Predisclosure.objects.get().approved_on == NOW.date()


def test_the_pages_publish_the_predisclosure_and_set_up_a_state_property_sale():
    with time_machine.travel(NOW, tick=False):
        world = _world()
        page = reverse("auctions:predisclosure", kwargs={"lot_code": world.lot.code})
        seller = signed_in_client(world.seller)
        assert "发布信息预披露" in seller.get(page).content.decode()
        assert signed_in_client(make_user(Role.OWNER)).get(page).status_code == 403
        land_page = reverse("auctions:predisclosure", kwargs={"lot_code": land_world().lot.code})
        assert seller.get(land_page).status_code == 404  # no pre-disclosure for land
        published = seller.post(
            page,
            {
                "approved_on": NOW.date().isoformat(),
                "approval_reference": "国资批〔2026〕7号",
                "summary": "拟转让全部股权",
            },
        )
        assert published.status_code == 302
        shown = seller.get(page).content.decode()
        assert "国资批〔2026〕7号" in shown and "正式披露最早日期" in shown

        create = reverse("auctions:create", kwargs={"lot_code": world.lot.code})
        form = seller.get(create).content.decode()
        assert 'name="valuation_fen"' in form and 'name="control_change"' in form
        start, end = _timetable_from(NOW.date()).values()
        terms = {
            "method": "listing",
            "start_price": "800000",
            "increment": "10000",
            "start_at": clock.local(start).strftime("%Y-%m-%dT%H:%M"),
            "listing_end": clock.local(end).strftime("%Y-%m-%dT%H:%M"),
            "deposit": "100000",
        }
        refused = seller.post(create, terms | {"valuation_fen": "1000000"}).content.decode()
        assert "须经转让行为批准单位书面同意" in refused  # below 90 % of the valuation: an approval
        assert not Sale.objects.exists()
        done = seller.post(
            create,
            terms
            | {
                "valuation_fen": "1000000",
                "floor_approved_by": "伊犁州国资委",
                "floor_approval_reference": "伊国资〔2026〕3号",
            },
        )
        assert done.status_code == 302, done.content.decode()[:2000]
    sale = Sale.objects.get()
    assert (sale.valuation_fen, sale.deposit_fen, sale.floor_approved_by) == (100_000_000, 10_000_000, "伊犁州国资委")
    assert not sale.control_change
    with time_machine.travel(NOW, tick=False):
        land = land_world()
        other = signed_in_client(land.seller).get(reverse("auctions:create", kwargs={"lot_code": land.lot.code}))
    assert 'name="valuation_fen"' not in other.content.decode()  # the state-property terms only there
