"""The draw through its pages: request, witness, draw, answer, public replay; the API alike."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from ggzy.accounts.choices import Role
from ggzy.core.testing.parties import make_user, signed_in_client
from ggzy.experts import services
from ggzy.experts.choices import DrawStatus, SelectionState
from ggzy.experts.models import DrawRequest
from ggzy.experts.tests.helpers import closed_lot, make_expert, pool_manager
from ggzy.experts.tests.test_draw import DEADLINE, EVALUATION, NOW

pytestmark = pytest.mark.django_db


def test_request_witness_draw_answer_and_replay_through_the_pages():
    with time_machine.travel(NOW, tick=False) as traveller:
        manager = pool_manager()
        owner, agent = make_user(Role.OWNER), make_user(Role.AGENT)
        lot = closed_lot(owner=owner, agent=agent, deadline=DEADLINE)
        experts = [make_expert(manager) for _ in range(3)]
        traveller.move_to(DEADLINE + dt.timedelta(hours=2))

        agent_client = signed_in_client(agent)
        url = reverse("experts:draw_request_new", args=[lot.code])
        form = {
            "evaluation_starts_at": "2026-11-30T09:00",
            "evaluation_ends_at": "2026-11-30T17:00",
            "place": "评标区1号室",
            "region_scope": "local",
            "lines": "A01 2 x",
        }
        response = agent_client.post(url, form)
        assert response.status_code == 200 and "格式不对" in response.content.decode()
        form["lines"] = "Z99 2"
        response = agent_client.post(url, form)
        assert "未知的专业代码：Z99" in response.content.decode()
        assert not DrawRequest.objects.exists()
        form["lines"] = "A01 2"
        response = agent_client.post(url, form)
        request = DrawRequest.objects.get()
        assert response.status_code == 302 and response.url == reverse("experts:draw_detail", args=[request.pk])
        assert request.evaluation_starts_at == EVALUATION

        witness = signed_in_client(make_user(Role.CENTER_STAFF))
        operator = signed_in_client(make_user(Role.CENTER_STAFF))
        witness.post(reverse("experts:draw_witness", args=[request.pk]), {"witness_text": "abc"})
        request.refresh_from_db()
        assert request.witness_id is None
        witness.post(reverse("experts:draw_witness", args=[request.pk]), {"witness_text": "8848"})
        operator.post(reverse("experts:draw_run", args=[request.pk]))
        request.refresh_from_db()
        assert request.status == DrawStatus.DRAWN
        page = agent_client.get(reverse("experts:draw_detail", args=[request.pk])).content.decode()
        assert "回避筛选说明" in page and request.seed_commitment in page

        for selection in request.selections.all():
            client = signed_in_client(selection.expert.user)
            assert "评审邀请" in client.get(reverse("experts:invitations")).content.decode()
            client.post(reverse("experts:invitation_respond", args=[selection.pk]), {"accept": "0", "reason": ""})
            selection.refresh_from_db()
            assert selection.state == SelectionState.NOTIFIED  # a decline needs its reason
            client.post(reverse("experts:invitation_respond", args=[selection.pk]), {"accept": "1"})
        request.refresh_from_db()
        assert request.status == DrawStatus.COMPLETE

        assert agent_client.get(reverse("experts:replay_detail", args=[request.pk])).status_code == 404
        services.draws_reveal_for_lot(lot=lot)
    page = agent_client.get(reverse("experts:replay_detail", args=[request.pk])).content.decode()
    assert "复核一致" in page and request.seed in page
    data = agent_client.get(f"/api/v1/experts/replays/{request.pk}").json()
    assert data["confirmed"] is True and data["seed"] == request.seed
    assert [p["expert_number"] for p in data["picks"]] == [
        s.expert.number for s in request.selections.order_by("sequence")
    ]
    assert {p["expert_number"] for p in data["picks"]} <= {e.number for e in experts}


def test_the_api_requests_and_draws_with_structured_errors():
    with time_machine.travel(NOW, tick=False) as traveller:
        manager = pool_manager()
        owner, agent = make_user(Role.OWNER), make_user(Role.AGENT)
        lot = closed_lot(owner=owner, agent=agent, deadline=DEADLINE)
        for _ in range(2):
            make_expert(manager)
        traveller.move_to(DEADLINE + dt.timedelta(hours=2))
        client = signed_in_client(agent)
        body = {
            "lot_code": lot.code,
            "evaluation_starts_at": "2026-11-30T09:00:00+08:00",
            "evaluation_ends_at": "2026-11-30T08:00:00+08:00",
            "place": "评标区1号室",
            "region_scope": "local",
            "lines": [{"specialty_code": "A01", "count": 1}],
        }
        response = client.post("/api/v1/experts/draws", body, content_type="application/json")
        assert response.status_code == 422
        assert not DrawRequest.objects.exists()
        body["evaluation_ends_at"] = "2026-11-30T17:00:00+08:00"
        response = client.post("/api/v1/experts/draws", body, content_type="application/json")
        assert response.status_code == 201
        draw_id = response.json()["id"]
        witness = signed_in_client(make_user(Role.SUPERVISOR, org=lot.project.supervisor))
        response = witness.post(
            f"/api/v1/experts/draws/{draw_id}/witness", {"witness_text": "20261127"}, content_type="application/json"
        )
        assert response.status_code == 200
        operator = signed_in_client(make_user(Role.CENTER_STAFF))
        response = operator.post(f"/api/v1/experts/draws/{draw_id}/run")
        assert response.status_code == 200 and response.json()["status"] == "drawn"
        assert response.json()["lines"][0]["notified"] == 1
        other_agent = signed_in_client(make_user(Role.AGENT))
        assert other_agent.get(f"/api/v1/experts/draws/{draw_id}").status_code == 404
