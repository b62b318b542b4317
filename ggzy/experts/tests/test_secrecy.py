"""Before the evaluation starts, nobody but the drawn experts themselves can learn who was drawn.

Every page and API response of the draw, the witness log and the portal is fetched by every
kind of actor after the draw (some experts confirmed, some still to answer, one declined and
topped up); none may contain a drawn expert's name, number, mobile or ID number. The pool's own
pages (which list every expert, drawn or not) must look exactly the same before and after the
draw, so they do not tell who was drawn either. Notifications go to the drawn experts only and
carry neither names nor the project.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from ggzy.accounts.choices import Role
from ggzy.core.testing.parties import make_user, signed_in_client
from ggzy.experts import services
from ggzy.experts.choices import SelectionState
from ggzy.experts.models import Selection
from ggzy.experts.tests.helpers import make_expert, pool_manager, request_draw, run_draw
from ggzy.experts.tests.test_draw import DEADLINE, EVALUATION, NOW, line
from ggzy.notifications.models import Notification

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|csrftoken=[^;" ]+|<p class="witness-head">.*?</p>', re.S)


def _secrets(selection: Selection) -> list[str]:
    expert = selection.expert
    return [expert.name, expert.number, expert.mobile, expert.id_card_number]


def _fetch(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code in (200, 302, 401, 403, 404), (url, response.status_code)
    return CSRF.sub("", response.content.decode()) if response.status_code == 200 else ""


def test_no_role_finds_a_drawn_experts_name_before_the_evaluation():
    from ggzy.experts.tests.helpers import closed_lot

    with time_machine.travel(NOW, tick=False) as traveller:
        manager = pool_manager()
        operator, witness = make_user(Role.CENTER_STAFF), make_user(Role.CENTER_STAFF)
        owner, agent = make_user(Role.OWNER), make_user(Role.AGENT)
        lot = closed_lot(owner=owner, agent=agent, deadline=DEADLINE)
        experts = [make_expert(manager, name=f"甄秘{n}号专家") for n in range(6)]
        bystander = make_expert(manager, name="路人专家", specialties=["C01"])
        supervisor = make_user(Role.SUPERVISOR, org=lot.project.supervisor)
        actors = {
            "anonymous": None,
            "owner": owner,
            "agent": agent,
            "bidder": make_user(Role.BIDDER),
            "operator": operator,
            "witness": witness,
            "pool manager": manager,
            "supervisor": supervisor,
            "other supervisor": make_user(Role.SUPERVISOR),
            "undrawn expert": bystander.user,
            "system admin": make_user(Role.SYSTEM_ADMIN),
            "audit admin": make_user(Role.AUDIT_ADMIN),
        }
        traveller.move_to(DEADLINE + dt.timedelta(hours=2))
        request = request_draw(agent, lot, starts=EVALUATION, lines=[line("A01", 3, reserves=1)])
        pool_urls = [reverse(name) for name in _pool_list_urls()] + [
            reverse(name, args=[e.number]) for e in experts for name in _pool_detail_urls()
        ]
        before = {who: {url: _fetch(_client(user), url) for url in pool_urls} for who, user in actors.items()}

        run_draw(request, operator=operator, witness=witness)
        first, second, _third = request.selections.filter(state=SelectionState.NOTIFIED).order_by("sequence")
        services.selection_respond(actor=first.expert.user, selection=first, accept=True)
        services.selection_respond(actor=second.expert.user, selection=second, accept=False, reason="出差")

        drawn = list(request.selections.select_related("expert"))
        secrets = [value for selection in drawn for value in _secrets(selection)]
        urls = [
            reverse("experts:draw_list"),
            reverse("experts:draw_detail", args=[request.pk]),
            reverse("experts:replay_list"),
            reverse("experts:invitations"),
            reverse("portal:home"),
            reverse("witness:events"),
            f"/api/v1/experts/draws/{request.pk}",
            "/api/v1/experts/invitations",
            f"/api/v1/experts/replays/{request.pk}",
            "/api/v1/witness/events?limit=200",
        ]
        for who, user in actors.items():
            client = _client(user)
            for url in urls:
                page = _fetch(client, url)
                for secret in secrets:
                    assert secret not in page, f"{who} finds {secret!r} at {url}"
            for url in pool_urls:
                assert _fetch(client, url) == before[who][url], f"{who}: {url} changed with the draw"

        # the drawn experts' own invitations show time and place, not the project
        own = _client(first.expert.user).get(reverse("experts:invitations")).content.decode()
        assert request.place in own and lot.project.name not in own

    drawn_addresses = {s.expert.mobile for s in drawn} | {s.expert.email for s in drawn}
    for notification in Notification.objects.all():
        assert notification.address in drawn_addresses
        assert lot.project.name not in notification.body and owner.organization.name not in notification.body
        for secret in secrets:
            assert secret not in notification.body


def _client(user) -> Client:
    return Client() if user is None else signed_in_client(user)


def _pool_list_urls() -> list[str]:
    """The pool pages without arguments (the list, the change queue), if the app has them."""
    from django.urls import NoReverseMatch

    names = []
    for name in ("experts:pool_list", "experts:pool_changes"):
        try:
            reverse(name)
        except NoReverseMatch:
            continue
        names.append(name)
    return names


def _pool_detail_urls() -> list[str]:
    from django.urls import NoReverseMatch

    names = []
    for name in ("experts:pool_detail",):
        try:
            reverse(name, args=["E0000001"])
        except NoReverseMatch:
            continue
        names.append(name)
    return names
