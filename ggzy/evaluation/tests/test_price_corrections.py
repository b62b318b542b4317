"""The committee corrects a bid's price by 87号令 art. 59 and the bidder confirms it in writing: a
confirmed price is the bid's price from then on; a declined one, or one left unanswered when the
evaluation ends, makes the bid invalid; an open one holds the report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ggzy.core.testing.parties import signed_in_client
from ggzy.evaluation import selectors, services
from ggzy.evaluation.corrections import LineItem, PriceData
from ggzy.evaluation.models import PriceCorrection
from ggzy.evaluation.tests.test_results import EVALUATION, NOW, _works_world
from ggzy.notifications.models import Notification
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db

# The first bid read out 900,000.00 元 at the opening, but its words say 捌拾玖万元整.
WORDS_DIFFER = PriceData(amount_in_words="捌拾玖万元整", amount_in_figures_fen=90_000_000)


def _evaluated(traveller, tmp_path):
    agent, _lot, _pool, placed, _draw, committee, members = _works_world(traveller, tmp_path)
    for user in members:
        for _bidder, bid in placed:
            services.review_record(actor=user, committee=committee, bid=bid, compliant=True)
            services.score_record(actor=user, committee=committee, bid=bid, points={"plan": Decimal(50)})
    return agent, placed, committee, members


def test_a_confirmed_correction_is_the_price_the_ranking_and_the_report_use(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        _agent, placed, committee, members = _evaluated(traveller, tmp_path)
        bidder, bid = placed[0]
        bidder.user.email = "bidder@example.cn"
        bidder.user.save(update_fields=["email"])
        correction = services.price_correction_record(actor=members[0], committee=committee, bid=bid, data=WORDS_DIFFER)
        assert (correction.original_fen, correction.corrected_fen) == (90_000_000, 89_000_000)
        assert correction.steps[0]["rule"] == 2 and correction.steps[0]["explanation"]
        assert Notification.objects.filter(topic__startswith=f"evaluation.correction:{correction.pk}:").exists()
        pending = selectors.results(committee)
        assert not pending.complete and any("待投标人书面确认" in m for m in pending.missing)
        with pytest.raises(ValidationError, match="待投标人书面确认"):
            services.report_draft(actor=members[0], committee=committee)
        with pytest.raises(PermissionDenied):
            services.price_correction_answer(actor=placed[1][0].user, correction=correction, confirm=True)

        services.price_correction_answer(actor=bidder.user, correction=correction, confirm=True)
        with pytest.raises(ValidationError, match="已答复"):
            services.price_correction_answer(actor=bidder.user, correction=correction, confirm=False)
        with pytest.raises(ValidationError, match="不能再修改"):
            services.price_correction_record(actor=members[1], committee=committee, bid=bid, data=WORDS_DIFFER)
        result = selectors.results(committee)
        row = next(r for r in result.rows if r.bid.pk == bid.pk)
        assert row.price_fen == 89_000_000 and not row.rejected
        report = services.report_draft(actor=members[0], committee=committee)
    reported = next(r for r in report.results["rows"] if r["bid"] == bid.pk)
    assert reported["price_fen"] == 89_000_000 and reported["corrected_from_fen"] == 90_000_000
    actions = list(WitnessEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions.index("evaluation.price_corrected") < actions.index("evaluation.price_correction_answered")


@pytest.mark.parametrize("answer", ["declined", "unanswered"])
def test_a_correction_not_confirmed_makes_the_bid_invalid(tmp_path, answer):
    with time_machine.travel(NOW, tick=False) as traveller:
        _agent, placed, committee, members = _evaluated(traveller, tmp_path)
        bidder, bid = placed[0]
        correction = services.price_correction_record(actor=members[0], committee=committee, bid=bid, data=WORDS_DIFFER)
        if answer == "declined":
            services.price_correction_answer(actor=bidder.user, correction=correction, confirm=False)
        else:
            traveller.move_to(committee.evaluation_ends_at + dt.timedelta(minutes=1))
            with pytest.raises(ValidationError, match="评审期间"):
                services.price_correction_answer(actor=bidder.user, correction=correction, confirm=True)
        result = selectors.results(committee)
    row = next(r for r in result.rows if r.bid.pk == bid.pk)
    assert result.complete and row.rejected and "第五十九条" in row.notes[0]
    assert bid.pk not in [r.bid.pk for r in result.candidates]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (PriceData(amount_in_words="玖拾万元整", amount_in_figures_fen=90_000_000), "无需修正"),
        (PriceData(amount_in_words="玖拾万万元", amount_in_figures_fen=90_000_000), "位置不对"),
    ],
)
def test_consistent_or_unreadable_price_data_records_nothing(tmp_path, data, message):
    with time_machine.travel(NOW, tick=False) as traveller:
        _agent, placed, committee, members = _evaluated(traveller, tmp_path)
        events = WitnessEvent.objects.count()
        with pytest.raises(ValidationError, match=message):
            services.price_correction_record(actor=members[0], committee=committee, bid=placed[0][1], data=data)
    assert not PriceCorrection.objects.exists() and WitnessEvent.objects.count() == events


def test_the_unit_prices_prevail_over_a_wrong_total(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        _agent, placed, committee, members = _evaluated(traveller, tmp_path)
        data = PriceData(
            amount_in_words="玖拾万元整",
            amount_in_figures_fen=90_000_000,
            items=(LineItem("土方", 100, 500_000, 50_000_000), LineItem("混凝土", 10, 3_500_000, 40_000_000)),
        )
        correction = services.price_correction_record(
            actor=members[0], committee=committee, bid=placed[0][1], data=data
        )
    assert correction.corrected_fen == 85_000_000 and [s["rule"] for s in correction.steps][-1] == 4


def test_members_correct_and_the_bidder_confirms_on_pages(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        _agent, placed, committee, members = _evaluated(traveller, tmp_path)
        bidder, bid = placed[0]
        member = signed_in_client(members[0])
        url = reverse("evaluation:price_correction", args=[committee.pk, bid.pk])
        member.post(url, {"amount_in_words": "捌拾玖万元整", "amount_in_figures": "abc"})
        assert not PriceCorrection.objects.exists()
        member.post(url, {"amount_in_words": "捌拾玖万元整", "amount_in_figures": "900000", "lines": ""})
        correction = PriceCorrection.objects.get(bid=bid)
        assert "890,000.00" in member.get(reverse("evaluation:workspace", args=[committee.pk])).content.decode()
        client = signed_in_client(bidder.user)
        page = client.get(reverse("evaluation:my_questions")).content.decode()
        assert "890,000.00" in page and "提交确认" in page
        client.post(reverse("evaluation:correction_answer", args=[correction.pk]), {"confirm": "1"})
        correction.refresh_from_db()
        assert correction.confirmed is True
        other = signed_in_client(placed[1][0].user)
        assert (
            other.post(reverse("evaluation:correction_answer", args=[correction.pk]), {"confirm": "0"}).status_code
            == 404
        )
    assert correction.answered_at >= EVALUATION
