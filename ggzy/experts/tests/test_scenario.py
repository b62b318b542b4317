"""The numbered scenario of the expert draw (issue 4):

1. the pool: eight eligible experts and one expert for each recusal rule;
2. history: the same owner's earlier evaluation (frequency and same-party caps) and another
   project's draw at an overlapping time (booking);
3. the agent requests a draw within the legal window; the seed commitment is published;
4. the witness joins, the operator draws: every recusal rule removes its expert, the report
   says how many each removed;
5. two experts decline: a reserve and then the next in the ranking are notified (top-ups);
6. the others confirm: the committee is complete and unused reserves are released;
7. after the award the seed is revealed and the replay gives the same experts in the same order.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from ggzy.accounts.choices import OrganizationKind, Role, Sector
from ggzy.core import clock
from ggzy.core.testing.parties import make_org, make_user
from ggzy.experts import selectors, services
from ggzy.experts.choices import DrawStatus, ExpertStatus, RecusalRule, SelectionState, TitleLevel
from ggzy.experts.models import Selection
from ggzy.experts.tests.helpers import closed_lot, make_expert, pool_manager, request_draw, run_draw
from ggzy.notifications.models import Notification
from ggzy.rules import services as rules_services
from ggzy.tendering import bids
from ggzy.tendering.models import TenderLot
from ggzy.tendering.tests.helpers import SealingBidder
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=clock.BEIJING)  # a Monday
DEADLINE = dt.datetime(2026, 11, 27, 10, 0, tzinfo=clock.BEIJING)  # a Friday


def _at(day: int, hour: int, month: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=clock.BEIJING)


def _lower_caps() -> None:
    admin = make_user(Role.SYSTEM_ADMIN)
    for key, value in (("expert.draw_cap_count", 1), ("expert.same_party_cap_count", 1)):
        rules_services.rule_version_create(
            actor=admin,
            key=key,
            trade_type="",
            method="",
            value=value,
            unit="count",
            source="测试：本地政策",
            evidence="unconfirmed",
            effective_from=clock.today(),
            note="",
        )


def _confirm_all(request):
    for selection in Selection.objects.filter(request=request, state=SelectionState.NOTIFIED).select_related(
        "expert__user"
    ):
        services.selection_respond(actor=selection.expert.user, selection=selection, accept=True)


def test_pool_request_draw_top_up_complete_reveal_replay(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        # 1. the pool
        manager, operator = pool_manager(), make_user(Role.CENTER_STAFF)
        witness = make_user(Role.CENTER_STAFF)
        _lower_caps()
        owner, agent = make_user(Role.OWNER), make_user(Role.AGENT)
        supervisor = make_org(kind=OrganizationKind.SUPERVISORY_AUTHORITY, sector=Sector.HOUSING_CONSTRUCTION)
        bidder = SealingBidder.registered(name="bidder-a")
        lot = closed_lot(owner=owner, agent=agent, supervisor=supervisor, deadline=DEADLINE)
        earlier_lot = closed_lot(owner=owner, agent=make_user(Role.AGENT), deadline=DEADLINE)
        other_owner = make_user(Role.OWNER)
        other_lot = closed_lot(owner=other_owner, agent=make_user(Role.AGENT), deadline=DEADLINE)

        good = [make_expert(manager) for _ in range(8)]
        recused = {
            RecusalRule.STATUS: make_expert(manager),
            RecusalRule.ELIGIBILITY: make_expert(manager, title_level=TitleLevel.JUNIOR, title_name="助理工程师"),
            RecusalRule.REGION: make_expert(manager, region_code="650102"),
            RecusalRule.PARTY_EMPLOYEE: make_expert(manager, employer_uscc=bidder.uscc),
            RecusalRule.DECLARED_CONFLICT: make_expert(manager),
            RecusalRule.SUPERVISOR_STAFF: make_expert(manager, employer_uscc=supervisor.uscc),
            RecusalRule.BOOKED: make_expert(manager, specialties=["A0101", "C04"]),
            RecusalRule.FREQUENCY: make_expert(manager, specialties=["A0101", "C05"]),
        }
        services.expert_status_set(
            actor=manager, expert=recused[RecusalRule.STATUS], status=ExpertStatus.SUSPENDED, until=None, reason="出国"
        )
        conflicted = recused[RecusalRule.DECLARED_CONFLICT]
        services.expert_conflict_declare(
            actor=conflicted.user,
            expert=conflicted,
            organization_uscc=owner.organization.uscc,
            relation="曾在该单位任职",
        )
        # a bid on the lot makes its bidder a party (known after the deadline)
        traveller.shift(dt.timedelta(days=3))
        tender_lot = TenderLot.objects.get(lot=lot)
        sealed = bidder.seal(tmp_path / "a", lot=tender_lot, opening_data={"price": 1})
        bids.bid_submit(actor=bidder.user, tender_lot=tender_lot, envelope=sealed.path)

        # 2. history: the owner's earlier evaluation (frequency + same party) and an overlapping draw
        traveller.move_to(DEADLINE + dt.timedelta(hours=1))
        frequent = recused[RecusalRule.FREQUENCY]
        earlier = request_draw(agent_of(earlier_lot), earlier_lot, starts=_at(30, 9, 11), lines=[line("C05", 1)])
        run_draw(earlier, operator=operator, witness=witness)
        assert earlier.selections.get().expert == frequent
        _confirm_all(earlier)
        earlier.refresh_from_db()
        assert earlier.status == DrawStatus.COMPLETE

        traveller.move_to(_at(1, 9))
        booked = recused[RecusalRule.BOOKED]
        overlapping = request_draw(agent_of(other_lot), other_lot, starts=_at(2, 9), lines=[line("C04", 1)])
        run_draw(overlapping, operator=operator, witness=witness)
        assert overlapping.selections.get().expert == booked

        # 3. the request: within one working day of the evaluation; the commitment is public
        request = request_draw(agent, lot, starts=_at(2, 14), lines=[line("A01", 5, reserves=1)])
        event = WitnessEvent.objects.filter(action="expert_draw.request", object_id=str(request.pk)).get()
        assert event.after["seed_commitment"] == request.seed_commitment
        assert request.seed not in str(event.after)

        # 4. the draw
        traveller.shift(dt.timedelta(minutes=30))
        run_draw(request, operator=operator, witness=make_user(Role.CENTER_STAFF), text="31415926")
        request.refresh_from_db()
        assert request.status == DrawStatus.DRAWN
        report = request.filter_report["lines"][0]
        assert report["pool"] == 16 and report["candidates"] == 8
        for rule in RecusalRule:
            assert report["removed"][rule] >= 1, rule
        assert report["removed"][RecusalRule.SAME_PARTY_FREQUENCY] == 1
        picked = [s.expert for s in request.selections.order_by("sequence")]
        assert len(picked) == 6 and set(picked) <= set(good)
        notified = list(request.selections.filter(state=SelectionState.NOTIFIED).order_by("sequence"))
        assert len(notified) == 5
        message = Notification.objects.get(topic=f"experts.selection:{notified[0].pk}", channel="sms")
        assert "2026-12-02 14:00" in message.body and request.place in message.body
        assert lot.project.name not in message.body and bidder.user.organization.name not in message.body

        # 5. two decline: the reserve, then the next in the ranking
        traveller.shift(dt.timedelta(minutes=5))
        reserve = request.selections.get(state=SelectionState.RESERVE)
        services.selection_respond(actor=notified[0].expert.user, selection=notified[0], accept=False, reason="生病")
        reserve.refresh_from_db()
        assert reserve.state == SelectionState.NOTIFIED and reserve.is_top_up
        services.selection_respond(actor=notified[1].expert.user, selection=notified[1], accept=False, reason="出差")
        top_up = request.selections.order_by("-sequence").first()
        assert top_up.sequence == 7 and top_up.is_top_up and top_up.state == SelectionState.NOTIFIED

        # 6. everyone else confirms
        _confirm_all(request)
        request.refresh_from_db()
        assert request.status == DrawStatus.COMPLETE
        assert request.selections.filter(state=SelectionState.CONFIRMED).count() == 5

        # 7. the award reveals the seed; the replay confirms every pick in order
        assert selectors.replays_public().filter(pk=request.pk).count() == 0
        traveller.move_to(_at(10, 9))
        services.draws_reveal_for_lot(lot=lot)
    replay = selectors.replay_get(request.pk)
    assert replay.problems == []
    assert [s.expert for s in replay.picks] == [s.expert for s in request.selections.order_by("sequence")]
    call_command("expert_draw_verify", str(request.pk))


def agent_of(lot):
    from ggzy.accounts.models import User

    return User.objects.get(organization=lot.project.agent)


def line(code: str, count: int, reserves: int = 0) -> services.LineInput:
    return services.LineInput(specialty_code=code, count=count, reserves=reserves)
