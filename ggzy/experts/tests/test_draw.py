# mypy: disable-error-code="arg-type,union-attr,assignment,index"
"""The draw's refusals, timeouts, exhaustion and tamper detection."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from ggzy.accounts.choices import Role
from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.core.testing.parties import make_user
from ggzy.experts import selectors, services
from ggzy.experts.choices import DrawStatus, SelectionState
from ggzy.experts.models import DrawRequest, Expert, Selection
from ggzy.experts.tests.helpers import closed_lot, make_expert, pool_manager, request_draw, run_draw
from ggzy.jobs import services as jobs_services
from ggzy.notifications.models import Notification
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=clock.BEIJING)  # Monday
DEADLINE = dt.datetime(2026, 11, 27, 10, 0, tzinfo=clock.BEIJING)  # Friday
EVALUATION = dt.datetime(2026, 11, 30, 9, 0, tzinfo=clock.BEIJING)  # Monday


def line(code: str, count: int, reserves: int = 0) -> services.LineInput:
    return services.LineInput(specialty_code=code, count=count, reserves=reserves)


def _world(traveller, *, experts: int = 4, trade_type: str = TradeType.CONSTRUCTION) -> dict:
    manager = pool_manager()
    world = {
        "operator": make_user(Role.CENTER_STAFF),
        "witness": make_user(Role.CENTER_STAFF),
        "owner": make_user(Role.OWNER),
        "agent": make_user(Role.AGENT),
    }
    world["lot"] = closed_lot(owner=world["owner"], agent=world["agent"], deadline=DEADLINE, trade_type=trade_type)
    world["experts"] = [make_expert(manager, name=f"候选专家{n}号") for n in range(experts)]
    traveller.move_to(DEADLINE + dt.timedelta(hours=2))
    return world


def test_a_request_earlier_than_the_legal_window_is_refused_and_writes_nothing():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world(traveller, trade_type=TradeType.GOVERNMENT_PROCUREMENT)
        events = WitnessEvent.objects.count()
        # Friday 27 Nov for Thursday 3 Dec: Mon, Tue, Wed, Thu = 4 working days > 2
        with pytest.raises(ValidationError) as error:
            request_draw(world["agent"], world["lot"], starts=EVALUATION + dt.timedelta(days=3), lines=[line("A01", 1)])
        assert "不得早于评标开始前2个工作日" in " ".join(error.value.messages)
        assert "2026-12-01" in " ".join(error.value.messages)  # Tuesday is the earliest day
        assert not DrawRequest.objects.exists() and WitnessEvent.objects.count() == events
        # Monday 30 Nov is inside the window for Wednesday 2 Dec
        traveller.move_to(EVALUATION)
        request_draw(world["agent"], world["lot"], starts=EVALUATION + dt.timedelta(days=2), lines=[line("A01", 1)])


def test_only_the_lots_owner_or_agent_may_request():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world(traveller)
        with pytest.raises(PermissionDenied):
            request_draw(make_user(Role.AGENT), world["lot"], starts=EVALUATION, lines=[line("A01", 1)])


def test_the_draw_needs_a_witness_who_is_not_the_operator_and_the_bid_deadline():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world(traveller)
        request = request_draw(world["agent"], world["lot"], starts=EVALUATION, lines=[line("A01", 2)])
        with pytest.raises(ValidationError, match="监督人在场"):
            services.draw_run(actor=world["operator"], request=request)
        services.draw_witness_join(actor=world["operator"], request=request, witness_text="123456")
        with pytest.raises(ValidationError, match="不能是同一人"):
            services.draw_run(actor=world["operator"], request=request)
        with pytest.raises(PermissionDenied):
            services.draw_witness_join(actor=world["agent"], request=request, witness_text="123456")
        assert not Selection.objects.exists()

    with time_machine.travel(NOW, tick=False):
        early_lot = closed_lot(owner=world["owner"], agent=world["agent"], deadline=DEADLINE + dt.timedelta(days=7))
    with time_machine.travel(DEADLINE + dt.timedelta(days=6, hours=1), tick=False):
        early = request_draw(
            world["agent"], early_lot, starts=DEADLINE + dt.timedelta(days=7, hours=2), lines=[line("A01", 1)]
        )
        services.draw_witness_join(actor=world["witness"], request=early, witness_text="123456")
        with pytest.raises(ValidationError, match="投标截止前不能抽取专家"):
            services.draw_run(actor=world["operator"], request=early)


def test_too_few_eligible_experts_fails_the_draw_with_the_reason_and_no_picks():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world(traveller, experts=2)
        request = request_draw(world["agent"], world["lot"], starts=EVALUATION, lines=[line("A01", 3)])
        run_draw(request, operator=world["operator"], witness=world["witness"])
    request.refresh_from_db()
    assert request.status == DrawStatus.FAILED
    assert "符合条件的专家不足" in request.failure_reason
    assert not Selection.objects.filter(request=request).exists()
    assert not Notification.objects.exists()


def test_a_timeout_tops_up_and_an_exhausted_pool_fails_without_a_partial_committee():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world(traveller, experts=3)
        request = request_draw(world["agent"], world["lot"], starts=EVALUATION, lines=[line("A01", 2)])
        run_draw(request, operator=world["operator"], witness=world["witness"])
        first, second = request.selections.order_by("sequence")
        services.selection_respond(actor=first.expert.user, selection=first, accept=True)

        traveller.move_to(second.respond_by - dt.timedelta(seconds=1))
        jobs_services.run_due_jobs()
        second.refresh_from_db()
        assert second.state == SelectionState.NOTIFIED  # not yet

        traveller.move_to(second.respond_by)
        jobs_services.run_due_jobs()
        second.refresh_from_db()
        assert second.state == SelectionState.TIMED_OUT
        third = request.selections.get(sequence=3)
        assert third.is_top_up and third.state == SelectionState.NOTIFIED
        assert third.expert not in {first.expert, second.expert}

        # the last eligible expert declines: nobody is left
        services.selection_respond(actor=third.expert.user, selection=third, accept=False, reason="有事")
    request.refresh_from_db()
    assert request.status == DrawStatus.FAILED
    assert "已全部抽完" in request.failure_reason
    assert not request.selections.filter(state__in=[SelectionState.CONFIRMED, SelectionState.NOTIFIED]).exists()
    assert Notification.objects.filter(topic=f"experts.selection_released:{first.pk}").exists()
    with pytest.raises(ValidationError):
        services.selection_respond(actor=first.expert.user, selection=first, accept=True)


def test_an_answer_after_the_deadline_is_refused():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world(traveller, experts=2)
        request = request_draw(world["agent"], world["lot"], starts=EVALUATION, lines=[line("A01", 1)])
        run_draw(request, operator=world["operator"], witness=world["witness"])
        selection = request.selections.get()
        traveller.move_to(selection.respond_by + dt.timedelta(seconds=1))
        with pytest.raises(ValidationError, match="超过答复时限"):
            services.selection_respond(actor=selection.expert.user, selection=selection, accept=True)
        other = make_user(Role.EXPERT)
        with pytest.raises(PermissionDenied):
            services.selection_respond(actor=other, selection=selection, accept=True)


def _complete(world, traveller) -> DrawRequest:
    request = request_draw(world["agent"], world["lot"], starts=EVALUATION, lines=[line("A01", 2)])
    run_draw(request, operator=world["operator"], witness=world["witness"])
    for selection in request.selections.all():
        services.selection_respond(actor=selection.expert.user, selection=selection, accept=True)
    request.refresh_from_db()
    assert request.status == DrawStatus.COMPLETE
    return request


def test_the_seed_stays_secret_until_the_reveal_and_a_tampered_record_fails_the_replay(capsys):
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world(traveller, experts=4)
        request = _complete(world, traveller)
        assert not selectors.replays_public().filter(pk=request.pk).exists()
        services.draws_reveal_for_lot(lot=world["lot"])
    call_command("expert_draw_verify", str(request.pk))
    assert "confirmed" in capsys.readouterr().out

    # someone swaps a committee member in the database: the replay names the pick
    picked = set(request.selections.values_list("expert_id", flat=True))
    outsider = Expert.objects.exclude(pk__in=picked).first()
    Selection.objects.filter(request=request, sequence=2).update(expert=outsider)
    replay = selectors.replay_get(request.pk)
    assert any("pick 2" in problem for problem in replay.problems)
    with pytest.raises(CommandError):
        call_command("expert_draw_verify", str(request.pk))


def test_committee_members_see_each_other_only_from_the_evaluation_start():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world(traveller, experts=3)
        request = _complete(world, traveller)
        member = request.selections.first().expert.user
        with pytest.raises(PermissionDenied):
            services.committee_view(actor=member, request=request)
        traveller.move_to(EVALUATION)
        assert len(services.committee_view(actor=member, request=request)) == 2
        with pytest.raises(PermissionDenied):
            services.committee_view(actor=world["agent"], request=request)
    assert WitnessEvent.objects.filter(action="expert_draw.committee_view").count() == 1
