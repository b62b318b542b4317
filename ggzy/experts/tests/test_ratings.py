"""After the evaluation: the requesting side rates each member, each member rates the requesting
side, within the legal period; the ratings feed the expert's record."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ggzy.accounts.choices import Role
from ggzy.core.choices import TradeType
from ggzy.core.testing.parties import make_user, signed_in_client
from ggzy.experts import selectors, services
from ggzy.experts.choices import RatingKind
from ggzy.experts.models import Rating
from ggzy.experts.tests.test_draw import EVALUATION, NOW, _complete, _world

pytestmark = pytest.mark.django_db


def test_ratings_after_the_evaluation_within_the_period_feed_the_record():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world(traveller, experts=3, trade_type=TradeType.GOVERNMENT_PROCUREMENT)
        request = _complete(world, traveller)
        member = request.selections.order_by("sequence").first()
        with pytest.raises(ValidationError, match="评标结束后才能评价"):
            services.rating_record(actor=world["agent"], selection=member, kind=RatingKind.OF_EXPERT, score=5)

        traveller.move_to(request.evaluation_ends_at)
        with pytest.raises(PermissionDenied):
            services.rating_record(actor=make_user(Role.AGENT), selection=member, kind=RatingKind.OF_EXPERT, score=5)
        with pytest.raises(ValidationError, match="须写明事实和理由"):
            services.rating_record(actor=world["agent"], selection=member, kind=RatingKind.OF_EXPERT, score=2)
        assert not Rating.objects.exists()
        services.rating_record(
            actor=world["agent"], selection=member, kind=RatingKind.OF_EXPERT, score=2, comment="评审中多次离席"
        )
        with pytest.raises(ValidationError, match="不能重复评价"):
            services.rating_record(actor=world["agent"], selection=member, kind=RatingKind.OF_EXPERT, score=4)
        services.rating_record(actor=member.expert.user, selection=member, kind=RatingKind.OF_REQUESTER, score=4)
        with pytest.raises(PermissionDenied):
            services.rating_record(actor=world["agent"], selection=member, kind=RatingKind.OF_REQUESTER, score=4)

        # government procurement: within 5 working days (198号 art. 21). Evaluation ends Monday 30 Nov.
        other = request.selections.order_by("sequence").last()
        deadline = services.rating_deadline(request)
        assert deadline.date() == dt.date(2026, 12, 7)
        traveller.move_to(deadline + dt.timedelta(seconds=1))
        with pytest.raises(ValidationError, match="已超过评价期限"):
            services.rating_record(actor=world["agent"], selection=other, kind=RatingKind.OF_EXPERT, score=5)

    record = selectors.expert_rating_record(member.expert)
    assert (record.count, record.average, record.low) == (1, 2.0, 1)


def test_the_requester_rates_on_the_draw_page_without_names_before_the_reveal():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world(traveller, experts=3)
        request = _complete(world, traveller)
        member = request.selections.order_by("sequence").first()
        page_url = reverse("experts:draw_detail", args=[request.pk])
        client = signed_in_client(world["agent"])
        assert "专家履职评价" not in client.get(page_url).content.decode()  # not before the evaluation ends
        traveller.move_to(EVALUATION + dt.timedelta(hours=8))
        client = signed_in_client(world["agent"])  # a new session: the last one went idle
        page = client.get(page_url).content.decode()
        assert "专家履职评价" in page and f"#{member.sequence}" in page and member.expert.name not in page
        client.post(reverse("experts:rating_of_expert", args=[member.pk]), {"score": "5", "comment": ""})
        assert Rating.objects.get(selection=member).score == 5
        expert_client = signed_in_client(member.expert.user)
        assert "评价本次评标的招标人或代理机构" in expert_client.get(reverse("experts:invitations")).content.decode()
        expert_client.post(reverse("experts:rating_of_requester", args=[member.pk]), {"score": "4"})
        assert Rating.objects.get(selection=member, kind=RatingKind.OF_REQUESTER).score == 4
