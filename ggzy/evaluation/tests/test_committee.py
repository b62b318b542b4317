"""The committee of a lot: formed from the completed draw (and the owner's representatives) within
the legal make-up; members check in at the evaluation and then see the decrypted bids of their lot
only, during the evaluation only."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from ggzy.accounts.choices import Role
from ggzy.core import clock
from ggzy.core.testing.parties import make_user
from ggzy.evaluation import selectors, services
from ggzy.evaluation.choices import CommitteeStatus, RejectionGround
from ggzy.experts import services as experts_services
from ggzy.experts.tests.helpers import closed_lot, make_expert, pool_manager, request_draw, run_draw
from ggzy.jobs import services as jobs_services
from ggzy.tendering import bids, opening
from ggzy.tendering.choices import LotStatus
from ggzy.tendering.models import TenderLot
from ggzy.tendering.tests.helpers import SealingBidder

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=clock.BEIJING)
DEADLINE = dt.datetime(2026, 11, 27, 10, 0, tzinfo=clock.BEIJING)
EVALUATION = dt.datetime(2026, 11, 30, 9, 0, tzinfo=clock.BEIJING)


def _opened_lot_with_draw(traveller, tmp_path, *, experts: int = 5, pool_extra: int = 0):
    manager = pool_manager()
    owner, agent = make_user(Role.OWNER), make_user(Role.AGENT)
    lot = closed_lot(owner=owner, agent=agent, deadline=DEADLINE)
    tender_lot = TenderLot.objects.get(lot=lot)
    pool = [make_expert(manager) for _ in range(experts + pool_extra)]
    traveller.shift(dt.timedelta(days=2))
    placed = []
    for n in range(3):
        bidder = SealingBidder.registered()
        sealed = bidder.seal(tmp_path / str(n), lot=tender_lot, opening_data={"price": 1_000_000 + n}, text=f"标书{n}")
        placed.append((bidder, bids.bid_submit(actor=bidder.user, tender_lot=tender_lot, envelope=sealed.path)))
    traveller.move_to(DEADLINE)
    jobs_services.run_due_jobs()
    for bidder, bid in placed:
        opening.bid_unseal(actor=bidder.user, bid=bid, content_key=bidder.content_key(bid))
    tender_lot.refresh_from_db()
    assert tender_lot.status == LotStatus.OPENED
    traveller.shift(dt.timedelta(hours=1))
    line = experts_services.LineInput(specialty_code="A01", count=experts)
    draw = request_draw(agent, lot, starts=EVALUATION, lines=[line])
    run_draw(draw, operator=make_user(Role.CENTER_STAFF), witness=make_user(Role.CENTER_STAFF))
    for selection in draw.selections.all():
        assert selection.expert.user is not None
        experts_services.selection_respond(actor=selection.expert.user, selection=selection, accept=True)
    return {"owner": owner, "agent": agent, "tender_lot": tender_lot, "draw": draw, "pool": pool, "bids": placed}


@pytest.mark.parametrize(
    ("drawn", "representatives", "problem"),
    [
        (5, 0, None),
        (5, 2, None),
        (4, 0, "至少5人"),
        (4, 2, "应为单数"),
        (3, 2, "不得少于成员总数的2/3"),
        (7, 0, None),
    ],
)
def test_the_make_up_of_a_construction_committee(tmp_path, drawn, representatives, problem):
    with time_machine.travel(NOW, tick=False):
        lot = closed_lot(owner=make_user(Role.OWNER), agent=make_user(Role.AGENT), deadline=DEADLINE)
        tender_lot = TenderLot.objects.get(lot=lot)
    if problem is None:
        services.composition_check(tender_lot=tender_lot, drawn=drawn, representatives=representatives)
        return
    with pytest.raises(ValidationError) as error:
        services.composition_check(tender_lot=tender_lot, drawn=drawn, representatives=representatives)
    message = " ".join(error.value.messages)
    assert problem in message and "招标投标法 第37条" in message


def test_form_check_in_and_see_only_the_own_lot_during_the_evaluation(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _opened_lot_with_draw(traveller, tmp_path)
        tender_lot = world["tender_lot"]
        with pytest.raises(PermissionDenied):
            services.committee_form(actor=make_user(Role.AGENT), tender_lot=tender_lot, representatives=[])
        outsider = make_user(Role.OWNER)
        with pytest.raises(ValidationError, match="招标人代表须为招标人"):
            services.committee_form(actor=world["agent"], tender_lot=tender_lot, representatives=[outsider])
        committee = services.committee_form(actor=world["agent"], tender_lot=tender_lot, representatives=[])
        assert committee.members.count() == 5
        with pytest.raises(ValidationError, match="已组建"):
            services.committee_form(actor=world["agent"], tender_lot=tender_lot, representatives=[])

        members = [expert.user for expert in world["pool"]]
        with pytest.raises(ValidationError, match="前不能签到"):
            services.member_check_in(actor=members[0], committee=committee)
        traveller.move_to(EVALUATION)
        for user in members[:4]:
            services.member_check_in(actor=user, committee=committee)
        committee.refresh_from_db()
        assert committee.status == CommitteeStatus.FORMED  # one member still missing
        with pytest.raises(PermissionDenied):
            selectors.workspace_bids(members[0], committee)
        services.member_check_in(actor=members[4], committee=committee)
        committee.refresh_from_db()
        assert committee.status == CommitteeStatus.EVALUATING

        workspace = selectors.workspace_bids(members[0], committee)
        assert len(workspace) == 3
        assert all(item.bid.opening_data["price"] >= 1_000_000 for item in workspace)
        assert all(item.files for item in workspace)
        for stranger in (world["agent"], world["owner"], make_user(Role.EXPERT), world["bids"][0][0].user):
            with pytest.raises(PermissionDenied):
                selectors.workspace_bids(stranger, committee)

        traveller.move_to(world["draw"].evaluation_ends_at + dt.timedelta(seconds=1))
        with pytest.raises(PermissionDenied, match="评审期间"):
            selectors.workspace_bids(members[0], committee)


def test_the_pages_form_check_in_show_the_bids_and_serve_the_files(tmp_path):
    from django.urls import reverse

    from ggzy.core.testing.parties import signed_in_client
    from ggzy.evaluation.models import Committee

    with time_machine.travel(NOW, tick=False) as traveller:
        world = _opened_lot_with_draw(traveller, tmp_path)
        tender_lot = world["tender_lot"]
        form_url = reverse(
            "evaluation:committee_form", kwargs={"code": tender_lot.tender.code, "lot_code": tender_lot.lot.code}
        )
        agent = signed_in_client(world["agent"])
        assert "组建评标委员会" in agent.get(form_url).content.decode()
        response = agent.post(form_url, {})
        assert response.status_code == 302
        committee = Committee.objects.get(tender_lot=tender_lot)
        page = agent.get(form_url).content.decode()
        assert "成员 5 人，已签到 0 人" in page
        assert all(expert.name not in page for expert in world["pool"])  # secret until the award

        traveller.move_to(EVALUATION)
        clients = [signed_in_client(expert.user) for expert in world["pool"]]
        url = reverse("evaluation:workspace", args=[committee.pk])
        assert "全体成员签到后" in clients[0].get(url).content.decode()
        for client in clients:
            client.post(reverse("evaluation:check_in", args=[committee.pk]))
        page = clients[0].get(url).content.decode()
        bidder, bid = world["bids"][0]
        assert bidder.user.organization.name in page and "technical.txt" in page
        file_url = reverse("evaluation:bid_file", args=[committee.pk, bid.pk, "technical.txt"])
        response = clients[0].get(file_url)
        assert response.status_code == 200 and b"".join(response.streaming_content).decode() == "标书0"
        assert clients[0].get(reverse("evaluation:bid_file", args=[committee.pk, bid.pk, "../x"])).status_code == 404
        assert signed_in_client(world["agent"]).get(url).status_code == 404  # not a member


def test_more_than_a_third_finding_the_time_insufficient_extends_the_evaluation(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _opened_lot_with_draw(traveller, tmp_path)
        committee = services.committee_form(actor=world["agent"], tender_lot=world["tender_lot"], representatives=[])
        traveller.move_to(EVALUATION)
        members = [expert.user for expert in world["pool"]]
        for user in members:
            services.member_check_in(actor=user, committee=committee)
        end = world["draw"].evaluation_ends_at
        services.time_insufficient(actor=members[0], committee=committee)
        committee.refresh_from_db()
        assert committee.extended_until is None  # 1 of 5 is not more than a third
        services.time_insufficient(actor=members[1], committee=committee)
        committee.refresh_from_db()
        assert committee.extended_until == end + dt.timedelta(hours=4)  # 2 of 5 is
        traveller.move_to(end + dt.timedelta(hours=1))
        assert len(selectors.workspace_bids(members[0], committee)) == 3  # still open after the drawn end


def test_written_clarification_through_the_platform(tmp_path):
    from django.urls import reverse

    from ggzy.core.testing.parties import signed_in_client
    from ggzy.evaluation.models import BidQuestion

    with time_machine.travel(NOW, tick=False) as traveller:
        world = _opened_lot_with_draw(traveller, tmp_path)
        committee = services.committee_form(actor=world["agent"], tender_lot=world["tender_lot"], representatives=[])
        traveller.move_to(EVALUATION)
        members = [expert.user for expert in world["pool"]]
        for user in members:
            services.member_check_in(actor=user, committee=committee)
        (bidder, bid), (other, _other_bid) = world["bids"][0], world["bids"][1]
        with pytest.raises(PermissionDenied):
            services.question_ask(actor=world["agent"], committee=committee, bid=bid, question="工期能否提前？")
        question = services.question_ask(actor=members[0], committee=committee, bid=bid, question="工期能否提前？")
        with pytest.raises(PermissionDenied):
            services.question_answer(actor=other.user, question=question, answer="可以")
        page = signed_in_client(bidder.user).get(reverse("evaluation:my_questions")).content.decode()
        assert "工期能否提前？" in page and all(expert.name not in page for expert in world["pool"])
        signed_in_client(bidder.user).post(
            reverse("evaluation:question_answer", args=[question.pk]), {"answer": "按投标文件工期执行"}
        )
        question.refresh_from_db()
        assert question.answer == "按投标文件工期执行"
        assert (
            "按投标文件工期执行"
            in signed_in_client(members[1]).get(reverse("evaluation:workspace", args=[committee.pk])).content.decode()
        )
        with pytest.raises(ValidationError, match="已答复"):
            services.question_answer(actor=bidder.user, question=question, answer="再补充")
    assert BidQuestion.objects.count() == 1


def test_a_replaced_members_work_is_void_and_the_replacement_starts_over(tmp_path):
    from ggzy.evaluation.models import Member
    from ggzy.experts.choices import DrawStatus, SelectionState

    with time_machine.travel(NOW, tick=False) as traveller:
        world = _opened_lot_with_draw(traveller, tmp_path)
        spare = make_expert(pool_manager())  # joins the pool after the draw: not a candidate of this draw
        committee = services.committee_form(actor=world["agent"], tender_lot=world["tender_lot"], representatives=[])
        traveller.move_to(EVALUATION)
        members = [expert.user for expert in world["pool"]]
        for user in members:
            services.member_check_in(actor=user, committee=committee)
        bid = world["bids"][0][1]
        for user in members[:3]:  # three of five reject: a majority, while all three count
            services.review_record(
                actor=user,
                committee=committee,
                bid=bid,
                compliant=False,
                ground=RejectionGround.QUALIFICATION,
                reason="资质不符",
            )
        assert next(row for row in selectors.results(committee).rows if row.bid == bid).rejected
        leaving = Member.objects.get(committee=committee, user=members[0])
        with pytest.raises(PermissionDenied):
            services.member_replace(actor=make_user(Role.AGENT), committee=committee, member=leaving, reason="回避")
        # the draw had exactly five candidates: no one is left to replace the member
        services.member_replace(
            actor=world["agent"], committee=committee, member=leaving, reason="与投标人存在利害关系"
        )
    draw = world["draw"]
    draw.refresh_from_db()
    assert draw.status == DrawStatus.FAILED and "已全部抽完" in draw.failure_reason
    leaving.refresh_from_db()
    assert not leaving.is_active and leaving.selection.state == SelectionState.REPLACED
    assert spare.selections.count() == 0
    # the replaced member's rejection no longer counts: two of the four serving members is no majority
    row = next(row for row in selectors.results(committee).rows if row.bid == bid)
    assert len(row.rejections) == 2 and not row.rejected


def test_a_replacement_drawn_from_the_same_ranking_joins_at_check_in(tmp_path):
    from ggzy.evaluation.models import Member, MemberReview
    from ggzy.experts.choices import SelectionState

    with time_machine.travel(NOW, tick=False) as traveller:
        world = _opened_lot_with_draw(traveller, tmp_path, experts=5, pool_extra=1)
        committee = services.committee_form(actor=world["agent"], tender_lot=world["tender_lot"], representatives=[])
        traveller.move_to(EVALUATION)
        members = [m.user for m in committee.members.all()]
        for user in members:
            services.member_check_in(actor=user, committee=committee)
        bid = world["bids"][0][1]
        services.review_record(actor=members[0], committee=committee, bid=bid, compliant=True)
        leaving = Member.objects.get(committee=committee, user=members[0])
        services.member_replace(actor=world["agent"], committee=committee, member=leaving, reason="身体不适离场")
        committee.refresh_from_db()
        assert committee.status == "formed"  # work stops until the replacement checks in
        newcomer = world["draw"].selections.get(state=SelectionState.NOTIFIED)
        assert newcomer.is_top_up
        experts_services.selection_respond(actor=newcomer.expert.user, selection=newcomer, accept=True)
        services.member_check_in(actor=newcomer.expert.user, committee=committee)
        committee.refresh_from_db()
        assert committee.status == "evaluating" and committee.members.filter(is_active=True).count() == 5
        # the replaced member's review no longer counts; the replacement starts over
        assert MemberReview.objects.filter(member__is_active=True).count() == 0


def test_the_owner_side_replaces_a_member_on_the_committee_page_without_seeing_names(tmp_path):
    from django.urls import reverse

    from ggzy.core.testing.parties import signed_in_client
    from ggzy.evaluation.models import Member

    with time_machine.travel(NOW, tick=False) as traveller:
        world = _opened_lot_with_draw(traveller, tmp_path, experts=5, pool_extra=1)
        committee = services.committee_form(actor=world["agent"], tender_lot=world["tender_lot"], representatives=[])
        traveller.move_to(EVALUATION)
        client = signed_in_client(world["agent"])
        tender_lot = world["tender_lot"]
        page_url = reverse("evaluation:committee_form", args=[tender_lot.tender.code, tender_lot.lot.code])
        page = client.get(page_url).content.decode()
        seats = list(committee.members.all())
        assert "更换" in page
        assert not any((m.user.full_name or m.user.username) in page for m in seats)  # secret until the award
        url = reverse("evaluation:member_replace", args=[tender_lot.tender.code, tender_lot.lot.code, seats[0].pk])
        client.post(url, {"reason": ""})
        assert Member.objects.get(pk=seats[0].pk).is_active  # no reason, no replacement
        client.post(url, {"reason": "与投标人存在利害关系，应当回避"})
    assert not Member.objects.get(pk=seats[0].pk).is_active


def test_an_experts_invitation_leads_to_the_workspace_while_the_expert_serves(tmp_path):
    from django.urls import reverse

    from ggzy.core.testing.parties import signed_in_client
    from ggzy.evaluation.models import Member

    with time_machine.travel(NOW, tick=False) as traveller:
        world = _opened_lot_with_draw(traveller, tmp_path)
        members = [expert.user for expert in world["pool"]]
        invitations = reverse("experts:invitations")
        assert "评标工作台" not in signed_in_client(members[0]).get(invitations).content.decode()
        committee = services.committee_form(actor=world["agent"], tender_lot=world["tender_lot"], representatives=[])
        workspace = reverse("evaluation:workspace", args=[committee.pk])
        for user in members[:2]:
            assert f'href="{workspace}"' in signed_in_client(user).get(invitations).content.decode()
        leaving = Member.objects.get(committee=committee, user=members[0])
        services.member_replace(actor=world["agent"], committee=committee, member=leaving, reason="回避")
        assert f'href="{workspace}"' not in signed_in_client(members[0]).get(invitations).content.decode()
        assert f'href="{workspace}"' in signed_in_client(members[1]).get(invitations).content.decode()
