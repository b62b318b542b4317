"""Ties the law's order leaves (equal total and equal price) are broken as the tender documents say
(the technical factors first, 214号 art. 24), and otherwise by a random draw (87号令 art. 68) that
the platform commits to before a person present types a text, so anyone can replay it."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from ggzy.evaluation import selectors, services
from ggzy.evaluation.models import TieDraw
from ggzy.evaluation.tests.test_results import EVALUATION, NOW, _works_world
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db

# Two factors; "plan" is technical. The first two bids have the same price (a tie the price
# cannot break); the third is dearer.
CRITERIA = [
    {"key": "plan", "label": "施工组织设计", "max_points": 30, "technical": True},
    {"key": "credit", "label": "企业信誉", "max_points": 30},
]
PRICES = (100_000_000, 100_000_000, 120_000_000)


def _score_all(committee, members, placed, points):
    for user in members:
        for (_bidder, bid), (plan, credit) in zip(placed, points, strict=True):
            services.review_record(actor=user, committee=committee, bid=bid, compliant=True)
            services.score_record(
                actor=user, committee=committee, bid=bid, points={"plan": Decimal(plan), "credit": Decimal(credit)}
            )


def test_the_technical_factors_break_a_tie_when_the_documents_say_so(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        _agent, _lot, _pool, placed, _draw, committee, members = _works_world(
            traveller, tmp_path, prices=PRICES, criteria=CRITERIA, tie_break="technical_then_draw"
        )
        # equal totals (50 points of factors each) and equal prices; the second is better on the plan
        _score_all(committee, members, placed, [(20, 30), (25, 25), (30, 30)])
        result = selectors.results(committee)
        assert result.ties == []
        ranked = [row.bid.pk for row in result.candidates]
        first, second = placed[0][1].pk, placed[1][1].pk
        assert ranked.index(second) < ranked.index(first)
        assert services.report_draft(actor=members[0], committee=committee).results.get("tie_draw") is None


def test_the_technical_tie_break_needs_a_technical_factor(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller, pytest.raises(ValidationError, match="技术评审因素"):
        _works_world(
            traveller,
            tmp_path,
            criteria=[{"key": "plan", "label": "施工组织设计", "max_points": 60}],
            tie_break="technical_then_draw",
        )


def _replay(seed_hex: str, text: str, tied: list[list[int]]) -> list[list[int]]:
    """The published procedure, written out independently of the platform's code."""
    effective = hashlib.sha256(
        b"GGZY-TIE/1 effective\x00" + bytes.fromhex(seed_hex) + hashlib.sha256(text.encode()).digest()
    ).digest()
    return [
        sorted(place, key=lambda pk: hashlib.sha256(b"GGZY-TIE/1\x00" + effective + str(pk).encode()).digest())
        for place in tied
    ]


def test_an_unresolved_tie_is_settled_by_a_committed_draw_that_anyone_can_replay(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        agent, _lot, _pool, placed, _draw, committee, members = _works_world(
            traveller, tmp_path, prices=PRICES, criteria=CRITERIA
        )
        _score_all(committee, members, placed, [(25, 25), (25, 25), (30, 30)])
        traveller.move_to(EVALUATION + dt.timedelta(hours=1))
        tied_pair = sorted(bid.pk for _bidder, bid in placed[:2])
        assert [[row.bid.pk for row in place] for place in selectors.results(committee).ties] != []
        with pytest.raises(ValidationError, match="随机抽签"):
            services.report_draft(actor=members[0], committee=committee)
        with pytest.raises(PermissionDenied):
            services.tie_draw_request(actor=agent, committee=committee)  # the owner side cannot draw

        draw = services.tie_draw_request(actor=members[0], committee=committee)
        assert draw.tied == [tied_pair]
        committed = WitnessEvent.objects.get(action="evaluation.tie_draw_requested")
        assert (
            committed.after["seed_commitment"]
            == hashlib.sha256(b"GGZY-TIE/1 commitment\x00" + bytes.fromhex(draw.seed)).hexdigest()
        )
        assert draw.seed not in str(committed.after)  # only the commitment before the draw

        with pytest.raises(ValidationError, match="随机数"):
            services.tie_draw_run(actor=members[1], draw=draw, witness_text="   ")
        draw = services.tie_draw_run(actor=members[1], draw=draw, witness_text="20261130")
        with pytest.raises(ValidationError, match="已完成"):
            services.tie_draw_run(actor=members[1], draw=draw, witness_text="1")
        assert draw.order == _replay(draw.seed, "20261130", [tied_pair])
        drawn = WitnessEvent.objects.get(action="evaluation.tie_draw")
        assert drawn.seq > committed.seq and drawn.after["seed"] == draw.seed

        result = selectors.results(committee)
        assert result.ties == [] and result.tie_draw == draw
        assert [row.bid.pk for row in result.candidates if row.bid.pk in tied_pair] == draw.order[0]
        report = services.report_draft(actor=members[0], committee=committee)
    assert [c["bid"] for c in report.results["candidates"] if c["bid"] in tied_pair] == draw.order[0]
    assert len({c["place"] for c in report.results["candidates"]}) == 3  # no shared place remains
    assert report.results["tie_draw"]["witness_text"] == "20261130"
    assert report.results["tie_draw"]["order"] == draw.order


def test_another_witness_text_can_reach_the_other_order(tmp_path):
    tied = [[11, 12]]
    orders = {tuple(_replay("ab" * 32, str(n), tied)[0]) for n in range(16)}
    assert orders == {(11, 12), (12, 11)}


def test_a_draw_stops_applying_when_the_ties_change(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        _agent, _lot, _pool, placed, _draw, committee, members = _works_world(
            traveller, tmp_path, prices=PRICES, criteria=CRITERIA
        )
        _score_all(committee, members, placed, [(25, 25), (25, 25), (30, 30)])
        draw = services.tie_draw_request(actor=members[0], committee=committee)
        services.tie_draw_run(actor=members[0], draw=draw, witness_text="7")
        assert selectors.results(committee).tie_draw is not None
        # a member changes a score: the pair no longer ties, so the draw no longer applies
        services.score_record(
            actor=members[0], committee=committee, bid=placed[0][1], points={"plan": Decimal(26), "credit": Decimal(25)}
        )
        result = selectors.results(committee)
        assert result.ties == [] and result.tie_draw is None
        assert TieDraw.objects.filter(committee=committee).count() == 1


def test_members_draw_on_the_workspace_page(tmp_path):
    from django.urls import reverse

    from ggzy.core.testing.parties import signed_in_client
    from ggzy.evaluation.models import Report

    with time_machine.travel(NOW, tick=False) as traveller:
        _agent, _lot, _pool, placed, _draw, committee, members = _works_world(
            traveller, tmp_path, prices=PRICES, criteria=CRITERIA
        )
        _score_all(committee, members, placed, [(25, 25), (25, 25), (30, 30)])
        client = signed_in_client(members[2])
        workspace = reverse("evaluation:workspace", args=[committee.pk])
        page = client.get(workspace).content.decode()
        assert "发起随机抽签" in page and "生成评标报告" not in page
        client.post(reverse("evaluation:tie_draw_request", args=[committee.pk]))
        draw = TieDraw.objects.get(committee=committee)
        page = client.get(workspace).content.decode()
        assert draw.seed_commitment in page and draw.seed not in page  # the seed stays secret until the draw
        run = reverse("evaluation:tie_draw_run", args=[committee.pk, draw.pk])
        client.post(run, {"witness_text": ""})
        draw.refresh_from_db()
        assert draw.drawn_at is None
        client.post(run, {"witness_text": "31415"})
        draw.refresh_from_db()
        assert draw.order and draw.witness_text == "31415"
        client.post(reverse("evaluation:report_draft", args=[committee.pk]))
        assert Report.objects.filter(committee=committee).exists()
        assert draw.seed in client.get(workspace).content.decode()
