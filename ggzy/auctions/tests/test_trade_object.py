"""The seller side registers what a lot is (issue 7 item 1): the parcel's location, area, use, term
and planning indicators; the mining right; the equity or asset. The listing notice and the sale's
page state it; it cannot change once the sale is published."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ggzy.accounts.choices import Role
from ggzy.auctions import services
from ggzy.auctions.models import TradeObject
from ggzy.core.choices import TradeType
from ggzy.core.testing.parties import make_user, signed_in_client
from ggzy.disclosure.models import Notice
from ggzy.witness.models import WitnessEvent

from .helpers import NOW, create_listing, land_world, sale_world
from .test_methods import WORLDS

pytestmark = pytest.mark.django_db

PARCEL = {
    "location": "伊宁市城北新区北京路以北",
    "area_m2": Decimal("23700.00"),
    "land_use": "residential",
    "term_years": 70,
    "plot_ratio_max": Decimal("2.50"),
    "plot_ratio_min": Decimal("1.00"),
    "green_min_percent": Decimal("35"),
}


def _errors(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_a_parcel_is_registered_stated_in_the_notice_and_fixed_once_the_sale_is_published():
    with time_machine.travel(NOW, tick=False):
        world = land_world()
        missing = _errors(lambda: services.trade_object_register(actor=world.seller, lot=world.lot, location="某地"))
        assert set(missing) == {"area_m2", "land_use", "term_years", "plot_ratio_max"}
        inverted = PARCEL | {"plot_ratio_min": Decimal("3")}
        assert "plot_ratio_min" in _errors(
            lambda: services.trade_object_register(actor=world.seller, lot=world.lot, **inverted)
        )
        with pytest.raises(ValidationError):  # a mining fact on a parcel
            services.trade_object_register(actor=world.seller, lot=world.lot, **PARCEL, mineral="金")
        with pytest.raises(PermissionDenied):
            services.trade_object_register(actor=make_user(Role.OWNER), lot=world.lot, **PARCEL)
        assert not TradeObject.objects.exists()
        services.trade_object_register(actor=world.seller, lot=world.lot, **PARCEL | {"term_years": 50})
        services.trade_object_register(actor=world.seller, lot=world.lot, **PARCEL)  # a correction
        corrected = WitnessEvent.objects.filter(action="auctions.object_registered").order_by("-seq").first()
        assert corrected is not None
        assert (corrected.before["term_years"], corrected.after["term_years"]) == ("50", "70")
        sale = create_listing(world)
        with pytest.raises(ValidationError) as published:
            services.trade_object_register(actor=world.seller, lot=world.lot, **PARCEL)
        assert published.value.code == "object_published"
        room = signed_in_client(world.seller).get(reverse("auctions:detail", args=[sale.pk])).content.decode()
    notice = Notice.objects.get(source=f"auctions:sale:{sale.pk}:notice").body
    for fact in (
        "坐落：伊宁市城北新区北京路以北",
        "出让面积：23700平方米",
        "土地用途：城镇住宅用地",
        "出让年限：70年",
        "容积率：不小于1且不大于2.5",
        "绿地率：不小于35%",
    ):
        assert fact in notice
        label, value = fact.split("：")
        assert f"<th>{label}</th><td>{value}</td>" in room


def test_each_trade_type_has_its_own_facts_on_the_page():
    with time_machine.travel(NOW, tick=False):
        mining = sale_world(**WORLDS[TradeType.MINING_RIGHTS])
        page = reverse("auctions:object", kwargs={"lot_code": mining.lot.code})
        seller = signed_in_client(mining.seller)
        form = seller.get(page).content.decode()
        assert 'name="mineral"' in form and 'name="area_m2"' not in form
        assert signed_in_client(make_user(Role.OWNER)).get(page).status_code == 403
        refused = seller.post(page, {"right_kind": "mining", "mineral": "铁矿"})
        assert refused.status_code == 200 and not TradeObject.objects.exists()
        saved = seller.post(
            page,
            {
                "right_kind": "mining",
                "mineral": "铁矿",
                "location": "伊犁州新源县",
                "area_km2": "1.2345",
                "term_years": "10",
                "resources": "资源量 120 万吨",
            },
        )
        assert saved.status_code == 302
        assert seller.get(page).content.decode().count('value="铁矿"') == 1  # shown for correction
        equity = sale_world(**WORLDS[TradeType.STATE_PROPERTY])
        services.trade_object_register(
            actor=equity.seller, lot=equity.lot, enterprise="某商贸有限公司", share_percent=Decimal("40.0000")
        )
    item = TradeObject.objects.get(lot=mining.lot)
    assert (item.mineral, item.area_km2, item.term_years, item.area_m2) == ("铁矿", Decimal("1.2345"), 10, None)
    assert TradeObject.objects.get(lot=equity.lot).share_percent == Decimal("40")
