"""From the members' reviews and scores to the ranked candidates, with no manual arithmetic: a
government-procurement goods tender scored by 87号令 art. 55 with a small-firm price deduction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from ggzy.accounts.choices import Role
from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.core.testing.parties import make_user
from ggzy.evaluation import selectors, services
from ggzy.evaluation.choices import RejectionGround
from ggzy.experts import services as experts_services
from ggzy.experts.tests.helpers import closed_lot, make_expert, pool_manager, request_draw, run_draw
from ggzy.jobs import services as jobs_services
from ggzy.tendering import bids, opening
from ggzy.tendering.models import TenderLot
from ggzy.tendering.tests.helpers import SealingBidder, pay_security

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=clock.BEIJING)
DEADLINE = dt.datetime(2026, 11, 27, 10, 0, tzinfo=clock.BEIJING)
EVALUATION = dt.datetime(2026, 11, 30, 9, 0, tzinfo=clock.BEIJING)
CRITERIA = [{"key": "tech", "label": "技术", "max_points": 50}, {"key": "service", "label": "服务", "max_points": 20}]


def _terms(agent):
    def set_terms(tender):
        services.terms_set(
            actor=agent,
            tender=tender,
            subject="goods",
            price_weight_percent=Decimal(30),
            sme_deduction_percent=Decimal(10),
            criteria=CRITERIA,
        )

    return set_terms


def test_terms_are_checked_and_fixed_at_publication():
    with time_machine.travel(NOW, tick=False):
        agent = make_user(Role.AGENT)
        refusals = []

        def try_terms(tender):
            for weight, deduction, criteria in (
                (Decimal(25), Decimal(10), [{"key": "tech", "label": "技术", "max_points": 75}]),  # below 30%
                (Decimal(30), Decimal(10), [{"key": "tech", "label": "技术", "max_points": 60}]),  # sum 90
                (Decimal(30), Decimal(5), CRITERIA),  # deduction below the 2022 range
            ):
                with pytest.raises(ValidationError) as error:
                    services.terms_set(
                        actor=agent,
                        tender=tender,
                        subject="goods",
                        price_weight_percent=weight,
                        sme_deduction_percent=deduction,
                        criteria=criteria,
                    )
                refusals.append(" ".join(error.value.messages))
            _terms(agent)(tender)

        lot = closed_lot(
            owner=make_user(Role.OWNER),
            agent=agent,
            deadline=DEADLINE,
            trade_type=TradeType.GOVERNMENT_PROCUREMENT,
            before_publish=try_terms,
        )
        assert "不得低于30%" in refusals[0] and "之和应为100" in refusals[1] and "扣除比例应在" in refusals[2]
        tender = TenderLot.objects.get(lot=lot).tender
        with pytest.raises(ValidationError, match="发布后"):
            _terms(agent)(tender)


def test_reviews_and_scores_rank_the_candidates_with_the_sme_deduction(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        manager = pool_manager()
        owner, agent = make_user(Role.OWNER), make_user(Role.AGENT)
        lot = closed_lot(
            owner=owner,
            agent=agent,
            deadline=DEADLINE,
            trade_type=TradeType.GOVERNMENT_PROCUREMENT,
            before_publish=_terms(agent),
        )
        tender_lot = TenderLot.objects.get(lot=lot)
        pool = [make_expert(manager) for _ in range(7)]  # a large project: 7 members (87号令 art. 47)
        traveller.shift(dt.timedelta(days=2))
        offers = {"A": {"price": 100_000_000}, "B": {"price": 105_000_000, "sme": True}, "C": {"price": 120_000_000}}
        placed = {}
        for name, data in offers.items():
            bidder = SealingBidder.registered(name=f"bidder-{name}")
            bidder.user.email = f"bidder-{name}@example.cn"
            bidder.user.save(update_fields=["email"])
            sealed = bidder.seal(tmp_path / name, lot=tender_lot, opening_data=data)
            placed[name] = (bidder, bids.bid_submit(actor=bidder.user, tender_lot=tender_lot, envelope=sealed.path))
            pay_security(tender_lot, bidder, f"BK-{name}")
        traveller.move_to(DEADLINE)
        jobs_services.run_due_jobs()
        for bidder, bid in placed.values():
            opening.bid_unseal(actor=bidder.user, bid=bid, content_key=bidder.content_key(bid))
        traveller.shift(dt.timedelta(hours=1))
        draw = request_draw(agent, lot, starts=EVALUATION, lines=[experts_services.LineInput("A01", 7)])
        run_draw(draw, operator=make_user(Role.CENTER_STAFF), witness=make_user(Role.CENTER_STAFF))
        for selection in draw.selections.all():
            assert selection.expert.user is not None
            experts_services.selection_respond(actor=selection.expert.user, selection=selection, accept=True)
        committee = services.committee_form(actor=agent, tender_lot=tender_lot, representatives=[])
        traveller.move_to(EVALUATION)
        members = [expert.user for expert in pool]
        for user in members:
            services.member_check_in(actor=user, committee=committee)

        bid_a, bid_b, bid_c = (placed[n][1] for n in "ABC")
        with pytest.raises(ValidationError, match="否决投标须选择依据"):
            services.review_record(actor=members[0], committee=committee, bid=bid_c, compliant=False)
        with pytest.raises(PermissionDenied):
            services.review_record(actor=agent, committee=committee, bid=bid_a, compliant=True)
        for number, user in enumerate(members):
            services.review_record(actor=user, committee=committee, bid=bid_a, compliant=True)
            services.review_record(actor=user, committee=committee, bid=bid_b, compliant=True)
            rejects = number < 4  # four of seven: a majority rejects C
            services.review_record(
                actor=user,
                committee=committee,
                bid=bid_c,
                compliant=not rejects,
                ground=RejectionGround.PRICE_OUT_OF_RANGE if rejects else "",
                reason="报价高于最高限价" if rejects else "",
            )
        early = selectors.results(committee)
        assert not early.complete and any("未完成评分" in m for m in early.missing)
        with pytest.raises(ValidationError, match="应在0至50"):
            services.score_record(
                actor=members[0], committee=committee, bid=bid_a, points={"tech": Decimal(51), "service": Decimal(1)}
            )
        for user in members:
            for bid in (bid_a, bid_b):
                services.score_record(
                    actor=user, committee=committee, bid=bid, points={"tech": Decimal(40), "service": Decimal(15)}
                )

    result = selectors.results(committee)
    assert result.complete
    rows = {row.bid.pk: row for row in result.rows}
    assert rows[bid_c.pk].rejected and len(rows[bid_c.pk].rejections) == 4
    # B: evaluation price 945,000 (10% small-firm deduction) is the base: 100 × 30% + 55 = 85
    assert rows[bid_b.pk].total == 85
    # A: 945,000 / 1,000,000 × 100 = 94.5 → 28.35 + 55 = 83.35
    assert rows[bid_a.pk].total == Fraction(8335, 100)
    assert [row.bid.pk for row in result.candidates] == [bid_b.pk, bid_a.pk]
    assert rows[bid_b.pk].price_fen == 105_000_000  # the contract price stays the bid price

    # the report: drafted by the platform, signed by every member, one dissent in writing
    from ggzy.disclosure.models import Notice
    from ggzy.evaluation import outcome
    from ggzy.evaluation.choices import ReportStatus
    from ggzy.experts import selectors as experts_selectors
    from ggzy.notifications.models import Notification

    with time_machine.travel(EVALUATION + dt.timedelta(hours=2), tick=False) as traveller:
        report = services.report_draft(actor=members[0], committee=committee)
        assert [c["bid"] for c in report.results["candidates"]] == [bid_b.pk, bid_a.pk]
        assert report.results["rows"][0]["total"] in {"83.35", "85.00"}
        with pytest.raises(ValidationError, match="不能再修改"):
            services.review_record(actor=members[0], committee=committee, bid=bid_a, compliant=True)
        with pytest.raises(ValidationError, match="书面说明"):
            services.report_sign(actor=members[6], report=report, agree=False)
        for user in members[:6]:
            services.report_sign(actor=user, report=report, agree=True)
        report.refresh_from_db()
        assert report.status == ReportStatus.DRAFTED
        services.report_sign(actor=members[6], report=report, agree=False, dissent="C的报价未超限价，不应否决")
        report.refresh_from_db()
        assert report.status == ReportStatus.SIGNED

        # government procurement: the result notice names the committee; the seed is revealed
        with pytest.raises(ValidationError, match="不公示中标候选人"):
            outcome.publicity_start(actor=agent, tender_lot=tender_lot)
        traveller.shift(dt.timedelta(days=1))
        assert experts_selectors.replays_public().filter(pk=draw.pk).count() == 0
        decided = outcome.award_decide(actor=agent, tender_lot=tender_lot)
    assert decided.winner == bid_b
    notice = Notice.objects.get(notice_type="award", project=tender_lot.tender.project)
    assert placed["B"][0].user.organization.name in notice.body and "1,050,000.00" in notice.body
    assert all((expert.user.full_name or expert.user.username) in notice.body for expert in pool)
    letters = Notification.objects.filter(topic__startswith=f"evaluation.award:{tender_lot.pk}:")
    assert {n.subject for n in letters if n.recipient.organization_id == bid_b.bidder_id} == {"中标通知书"}
    assert {n.subject for n in letters if n.recipient.organization_id == bid_a.bidder_id} == {"中标结果通知"}
    assert experts_selectors.replay_get(draw.pk).problems == []

    # refunds: the unsuccessful bidders' security at once after the award (5 working days)
    from ggzy.tendering.models import BidSecurity

    securities = {s.reference: s for s in BidSecurity.objects.filter(tender_lot=tender_lot)}
    assert securities["BK-B"].status == "confirmed"
    assert {securities["BK-A"].status, securities["BK-C"].status} == {"refund_due"}
    assert clock.local(securities["BK-A"].refund_due).date() == dt.date(2026, 12, 8)  # Tue 1 Dec + 5 working days

    # the contract: registered, published, and the winner's security falls due
    with time_machine.travel(EVALUATION + dt.timedelta(days=3), tick=False):
        with pytest.raises(ValidationError, match="签订日期"):
            outcome.contract_register(
                actor=agent, tender_lot=tender_lot, signed_on=dt.date(2026, 11, 1), amount_fen=105_000_000
            )
        outcome.contract_register(
            actor=agent, tender_lot=tender_lot, signed_on=dt.date(2026, 12, 3), amount_fen=105_000_000
        )
    securities["BK-B"].refresh_from_db()
    assert securities["BK-B"].status == "refund_due"
    contract_notice = Notice.objects.get(notice_type="contract", project=tender_lot.tender.project)
    assert "1,050,000.00" in contract_notice.body


WORKS_CRITERIA = [{"key": "plan", "label": "施工组织设计", "max_points": 60}]


def _works_world(
    traveller, tmp_path, *, prices=(90_000_000, 100_000_000, 110_000_000), criteria=None, tie_break="draw"
):
    manager = pool_manager()
    owner, agent = make_user(Role.OWNER), make_user(Role.AGENT)

    def works_terms(tender):
        services.terms_set(
            actor=agent,
            tender=tender,
            subject="works",
            price_weight_percent=Decimal(40),
            sme_deduction_percent=Decimal(0),
            criteria=criteria or WORKS_CRITERIA,
            tie_break=tie_break,
        )

    lot = closed_lot(owner=owner, agent=agent, deadline=DEADLINE, before_publish=works_terms)
    tender_lot = TenderLot.objects.get(lot=lot)
    pool = [make_expert(manager) for _ in range(5)]
    traveller.shift(dt.timedelta(days=2))
    placed = []
    for n, price in enumerate(prices):
        bidder = SealingBidder.registered(name=f"works-{n}")
        data = {"price": price, "duration": 180 + n, "project_manager": f"项目经理{n}"}
        sealed = bidder.seal(tmp_path / str(n), lot=tender_lot, opening_data=data)
        placed.append((bidder, bids.bid_submit(actor=bidder.user, tender_lot=tender_lot, envelope=sealed.path)))
    traveller.move_to(DEADLINE)
    jobs_services.run_due_jobs()
    for bidder, bid in placed:
        opening.bid_unseal(actor=bidder.user, bid=bid, content_key=bidder.content_key(bid))
    traveller.shift(dt.timedelta(hours=1))
    draw = request_draw(agent, lot, starts=EVALUATION, lines=[experts_services.LineInput("A01", 5)])
    run_draw(draw, operator=make_user(Role.CENTER_STAFF), witness=make_user(Role.CENTER_STAFF))
    for selection in draw.selections.all():
        assert selection.expert.user is not None
        experts_services.selection_respond(actor=selection.expert.user, selection=selection, accept=True)
    committee = services.committee_form(actor=agent, tender_lot=tender_lot, representatives=[])
    traveller.move_to(EVALUATION)
    members = [expert.user for expert in pool]
    for user in members:
        services.member_check_in(actor=user, committee=committee)
    return agent, tender_lot, pool, placed, draw, committee, members


def _review_and_score(committee, members, placed):
    """Every member passes every bid and gives it 50 points on the one factor."""
    for user in members:
        for _bidder, bid in placed:
            services.review_record(actor=user, committee=committee, bid=bid, compliant=True)
            services.score_record(actor=user, committee=committee, bid=bid, points={"plan": Decimal(50)})


def _signed_report(committee, members, placed):
    _review_and_score(committee, members, placed)
    report = services.report_draft(actor=members[0], committee=committee)
    for user in members:
        services.report_sign(actor=user, report=report, agree=True)
    report.refresh_from_db()
    return report


def test_construction_publishes_the_candidates_for_three_days_before_the_award(tmp_path):
    from ggzy.disclosure.models import Notice
    from ggzy.evaluation import outcome

    with time_machine.travel(NOW, tick=False) as traveller:
        agent, tender_lot, pool, placed, draw, committee, members = _works_world(traveller, tmp_path)
        _review_and_score(committee, members, placed)
        report = services.report_draft(actor=members[0], committee=committee)
        for user in members[:3]:
            services.report_sign(actor=user, report=report, agree=True)
        with pytest.raises(ValidationError, match="评审结束后"):
            services.report_close(actor=agent, report=report)
        traveller.move_to(draw.evaluation_ends_at)
        services.report_close(actor=agent, report=report)  # two silent members count as agreeing
        assert report.signatures.filter(deemed=True).count() == 2

        with pytest.raises(ValidationError, match="公示后才能确定中标人"):
            outcome.award_decide(actor=agent, tender_lot=tender_lot)
        started = outcome.publicity_start(actor=agent, tender_lot=tender_lot)
        # started Monday 30 Nov 17:00; at least 3 days: until the end of Thursday 3 Dec
        assert clock.local(started.publicity_ends_at).date() == dt.date(2026, 12, 3)
        publicity = Notice.objects.get(notice_type="candidate_publicity", project=tender_lot.tender.project)
        assert "第1名：" in publicity.body and placed[0][0].user.organization.name in publicity.body
        # the items read out at the opening: duration and the committed project manager (发改 2017 No. 10 art. 6)
        assert "项目经理0" in publicity.body and "180" in publicity.body and "异议" in publicity.body
        assert all((expert.user.full_name or expert.user.username) not in publicity.body for expert in pool)
        traveller.move_to(started.publicity_ends_at - dt.timedelta(seconds=1))
        with pytest.raises(ValidationError, match="公示期满后"):
            outcome.award_decide(actor=agent, tender_lot=tender_lot)
        objection = outcome.publicity_objection_raise(
            actor=placed[1][0].user, tender_lot=tender_lot, text="第一名的项目经理有在建工程"
        )
        with pytest.raises(PermissionDenied):
            outcome.publicity_objection_raise(actor=make_user(Role.BIDDER), tender_lot=tender_lot, text="x")
        traveller.move_to(started.publicity_ends_at)
        with pytest.raises(ValidationError, match="未答复的异议"):
            outcome.award_decide(actor=agent, tender_lot=tender_lot)
        traveller.shift(dt.timedelta(seconds=1))
        with pytest.raises(ValidationError, match="公示期间提出"):
            outcome.publicity_objection_raise(actor=placed[2][0].user, tender_lot=tender_lot, text="迟到的异议")
        outcome.publicity_objection_answer(actor=agent, objection=objection, answer="经核查，该项目经理已完成交工")
        decided = outcome.award_decide(actor=agent, tender_lot=tender_lot)
    assert decided.winner == placed[0][1]  # lowest price: 100 × 40% + 50 = 90, the best total
    # no contract within 30 days: the owner side and the supervisor are alerted
    from ggzy.jobs import services as job_runner
    from ggzy.notifications.models import Notification
    from ggzy.witness.models import WitnessEvent

    agent.email = "agent@example.cn"
    agent.save(update_fields=["email"])
    due = outcome.contract_due(tender_lot, decided.awarded_at)
    with time_machine.travel(due - dt.timedelta(seconds=1), tick=False):
        job_runner.run_due_jobs()
    assert not WitnessEvent.objects.filter(action="evaluation.contract_overdue").exists()
    with time_machine.travel(due, tick=False):
        job_runner.run_due_jobs()
    assert WitnessEvent.objects.filter(action="evaluation.contract_overdue").count() == 1
    assert Notification.objects.filter(topic=f"evaluation.contract_overdue:{tender_lot.pk}:{agent.pk}").exists()
    award = Notice.objects.get(notice_type="award", project=tender_lot.tender.project)
    assert "评审专家名单" not in award.body  # construction does not publish the names


def test_members_review_score_and_sign_on_the_workspace_page(tmp_path):
    from django.urls import reverse

    from ggzy.core.testing.parties import signed_in_client
    from ggzy.evaluation.choices import ReportStatus
    from ggzy.evaluation.models import MemberReview, MemberScore, Report

    with time_machine.travel(NOW, tick=False) as traveller:
        _agent, _tender_lot, _pool, placed, _draw, committee, members = _works_world(traveller, tmp_path)
        clients = [signed_in_client(user) for user in members]
        workspace = reverse("evaluation:workspace", args=[committee.pk])
        page = clients[0].get(workspace).content.decode()
        assert "提交审查意见" in page and "施工组织设计" in page
        bid = placed[0][1]
        review_url = reverse("evaluation:review", args=[committee.pk, bid.pk])
        clients[0].post(review_url, {"compliant": "0", "ground": "", "reason": ""})
        assert not MemberReview.objects.exists()  # a rejection without ground and reason is refused
        score_url = reverse("evaluation:score", args=[committee.pk, bid.pk])
        clients[0].post(score_url, {"plan": "61"})
        assert not MemberScore.objects.exists()  # above the maximum
        for client in clients:
            for _bidder, each in placed:
                client.post(reverse("evaluation:review", args=[committee.pk, each.pk]), {"compliant": "1"})
                client.post(reverse("evaluation:score", args=[committee.pk, each.pk]), {"plan": "48.5"})
        assert MemberReview.objects.count() == 15 and MemberScore.objects.count() == 15
        clients[0].post(reverse("evaluation:report_draft", args=[committee.pk]))
        report = Report.objects.get(committee=committee)
        assert "评标报告" in clients[1].get(workspace).content.decode()
        for client in clients[:4]:
            client.post(reverse("evaluation:report_sign", args=[committee.pk]), {"agree": "1"})
        clients[4].post(reverse("evaluation:report_sign", args=[committee.pk]), {"agree": "0", "dissent": "评分偏高"})
        report.refresh_from_db()
        assert report.status == ReportStatus.SIGNED
        assert report.signatures.get(agreed=False).dissent == "评分偏高"


def test_the_owner_side_closes_the_report_publishes_awards_and_registers_the_contract_on_pages(tmp_path):
    from django.test import Client
    from django.urls import reverse

    from ggzy.core.testing.parties import signed_in_client
    from ggzy.evaluation.models import Contract, Outcome, PublicityObjection, Report

    with time_machine.travel(NOW, tick=False) as traveller:
        agent, tender_lot, _pool, placed, draw, committee, members = _works_world(traveller, tmp_path)
        _review_and_score(committee, members, placed)
        services.report_draft(actor=members[0], committee=committee)
        traveller.move_to(draw.evaluation_ends_at)
        client = signed_in_client(agent)
        args = {"code": tender_lot.tender.code, "lot_code": tender_lot.lot.code}
        page_url = reverse("evaluation:committee_form", kwargs=args)
        assert "完成评标报告" in client.get(page_url).content.decode()
        client.post(reverse("evaluation:report_close", kwargs=args))
        assert Report.objects.get(committee=committee).status == "signed"
        client.post(reverse("evaluation:award", kwargs=args))  # refused: not published yet
        assert not Outcome.objects.exists()
        client.post(reverse("evaluation:publicity", kwargs=args))
        outcome_row = Outcome.objects.get(tender_lot=tender_lot)
        result_url = reverse("evaluation:result", kwargs=args)
        public_page = Client().get(result_url).content.decode()
        assert placed[0][0].user.organization.name in public_page and "对评标结果提出异议" not in public_page
        objector = signed_in_client(placed[1][0].user)
        assert "对评标结果提出异议" in objector.get(result_url).content.decode()
        objector.post(reverse("evaluation:objection_raise", kwargs=args), {"text": "第一名资格存疑"})
        objection = PublicityObjection.objects.get(tender_lot=tender_lot)
        traveller.move_to(outcome_row.publicity_ends_at)
        client = signed_in_client(agent)
        client.post(reverse("evaluation:award", kwargs=args))
        outcome_row.refresh_from_db()
        assert outcome_row.winner is None  # suspended until the objection is answered
        client.post(
            reverse("evaluation:objection_answer", kwargs={**args, "pk": objection.pk}), {"answer": "经核查资格合格"}
        )
        client = signed_in_client(agent)
        client.post(reverse("evaluation:award", kwargs=args))
        outcome_row.refresh_from_db()
        assert outcome_row.winner == placed[0][1]
        response = client.post(
            reverse("evaluation:contract", kwargs=args), {"signed_on": "2026-12-03", "amount": "900000.00"}
        )
        assert response.status_code == 302
        contract = Contract.objects.get(tender_lot=tender_lot)
        assert contract.amount_fen == 90_000_000 and not contract.late
        assert "合同已登记" in client.get(page_url).content.decode()


def test_a_withdrawn_candidate_gives_way_to_the_next_and_the_report_to_the_supervisor_is_watched(tmp_path):
    from ggzy.evaluation import outcome
    from ggzy.witness.models import WitnessEvent

    with time_machine.travel(NOW, tick=False) as traveller:
        agent, tender_lot, _pool, placed, _draw, committee, members = _works_world(traveller, tmp_path)
        _signed_report(committee, members, placed)
        started = outcome.publicity_start(actor=agent, tender_lot=tender_lot)
        with pytest.raises(ValidationError, match="请写明原因"):
            outcome.candidate_exclude(actor=agent, tender_lot=tender_lot, bid=placed[0][1], reason=" ")
        outcome.candidate_exclude(actor=agent, tender_lot=tender_lot, bid=placed[0][1], reason="第一名放弃中标")
        traveller.move_to(started.publicity_ends_at)
        with pytest.raises(ValidationError, match="确定中标人后"):
            outcome.supervisor_report_file(actor=agent, tender_lot=tender_lot, summary="情况")
        decided = outcome.award_decide(actor=agent, tender_lot=tender_lot)
        assert decided.winner == placed[1][1]  # the next candidate in the ranking

        due = outcome.supervisor_report_due(tender_lot, decided.awarded_at)
        assert clock.local(due).date() == dt.date(2026, 12, 18)  # 15 days after Thursday 3 December
        traveller.move_to(due)
        jobs_services.run_due_jobs()
        assert WitnessEvent.objects.filter(action="evaluation.supervisor_report_overdue").count() == 1
        traveller.shift(dt.timedelta(days=1))
        filed = outcome.supervisor_report_file(actor=agent, tender_lot=tender_lot, summary="本项目依法招标，情况如下……")
    assert filed.late


def test_with_too_few_valid_bids_the_committee_rejects_all_and_the_lot_fails(tmp_path):
    from ggzy.disclosure.models import Notice
    from ggzy.tendering import services as tendering_services
    from ggzy.tendering.choices import LotStatus

    with time_machine.travel(NOW, tick=False) as traveller:
        agent, tender_lot, _pool, placed, _draw, committee, members = _works_world(traveller, tmp_path)
        for user in members:
            services.review_record(actor=user, committee=committee, bid=placed[0][1], compliant=True)
            services.review_record(actor=user, committee=committee, bid=placed[1][1], compliant=True)
        with pytest.raises(ValidationError, match="尚有"):
            services.committee_reject_all(actor=members[0], committee=committee, reason="有效投标不足")
        for user in members:
            services.review_record(actor=user, committee=committee, bid=placed[2][1], compliant=True)
        with pytest.raises(ValidationError, match="不能否决全部投标"):
            services.committee_reject_all(actor=members[0], committee=committee, reason="有效投标不足")
        for user in members[:3]:  # a majority now rejects two bids: one valid bid is left
            for _bidder, bid in placed[1:]:
                services.review_record(
                    actor=user,
                    committee=committee,
                    bid=bid,
                    compliant=False,
                    ground=RejectionGround.NO_SUBSTANTIVE_RESPONSE,
                    reason="未响应工期要求",
                )
        report = services.committee_reject_all(
            actor=members[0], committee=committee, reason="有效投标只有1个，缺乏竞争。"
        )
        for user in members:
            services.report_sign(actor=user, report=report, agree=True)
    tender_lot.refresh_from_db()
    assert tender_lot.status == LotStatus.FAILED
    notice = Notice.objects.get(notice_type="failure", project=tender_lot.tender.project)
    assert "缺乏竞争" in notice.body
    with time_machine.travel(EVALUATION + dt.timedelta(days=1), tick=False):
        again = tendering_services.tender_retender(
            actor=agent, tender=tender_lot.tender, bid_deadline=EVALUATION + dt.timedelta(days=40)
        )
    assert again.previous_round == tender_lot.tender


def test_the_owner_side_sets_the_evaluation_terms_on_a_page_until_publication():
    from django.urls import reverse

    from ggzy.core.testing.parties import signed_in_client
    from ggzy.evaluation.models import EvaluationTerms

    with time_machine.travel(NOW, tick=False):
        agent = make_user(Role.AGENT)
        client = signed_in_client(agent)
        seen = {}

        def on_page(tender):
            url = reverse("evaluation:terms", args=[tender.code])
            seen["url"] = url
            assert "评审因素" in client.get(url).content.decode()
            data = {
                "subject": "goods",
                "price_weight_percent": "30",
                "sme_deduction_percent": "10",
                "tie_break": "draw",
            }
            page = client.post(url, {**data, "criteria": "tech,技术,60,是"}).content.decode()
            assert "之和应为100" in page and not EvaluationTerms.objects.exists()
            page = client.post(url, {**data, "criteria": "tech,技术"}).content.decode()
            assert "第1行" in page and not EvaluationTerms.objects.exists()
            client.post(
                url, {**data, "tie_break": "technical_then_draw", "criteria": "tech,技术,50,是\nsvc,服务,20,否"}
            )
            saved = EvaluationTerms.objects.get(tender=tender)
            assert [c["technical"] for c in saved.criteria] == [True, False]
            assert saved.tie_break == "technical_then_draw"

        closed_lot(
            owner=make_user(Role.OWNER),
            agent=agent,
            deadline=DEADLINE,
            trade_type=TradeType.GOVERNMENT_PROCUREMENT,
            before_publish=on_page,
        )
        page = client.get(seen["url"]).content.decode()
        assert "发布后不能修改" not in page and "技术因素" in page  # read-only after publication
        client.post(seen["url"], {"subject": "goods", "price_weight_percent": "40", "criteria": "tech,技术,60,是"})
    assert EvaluationTerms.objects.get().price_weight_percent == 30
    assert signed_in_client(make_user(Role.AGENT)).get(seen["url"]).status_code in {403, 404}


def test_a_cancelled_tender_cannot_be_publicised_or_awarded(tmp_path):
    from ggzy.evaluation import outcome
    from ggzy.tendering import services as tendering_services

    with time_machine.travel(NOW, tick=False) as traveller:
        agent, tender_lot, _pool, _placed, _draw, _committee, _members = _works_world(traveller, tmp_path)
        tendering_services.tender_cancel(actor=agent, tender=tender_lot.tender, reason="项目因重大变故取消")
        tender_lot.refresh_from_db()
        with pytest.raises(ValidationError, match="已终止"):
            outcome.publicity_start(actor=agent, tender_lot=tender_lot)
        with pytest.raises(ValidationError, match="已终止"):
            outcome.award_decide(actor=agent, tender_lot=tender_lot)


def test_when_every_candidate_is_excluded_the_lot_fails_and_can_be_re_tendered(tmp_path):
    from ggzy.disclosure.models import Notice
    from ggzy.evaluation import outcome
    from ggzy.tendering import services as tendering_services
    from ggzy.tendering.choices import LotStatus

    with time_machine.travel(NOW, tick=False) as traveller:
        agent, tender_lot, _pool, placed, _draw, committee, members = _works_world(traveller, tmp_path)
        _signed_report(committee, members, placed)
        outcome.publicity_start(actor=agent, tender_lot=tender_lot)
        for number, (_bidder, bid) in enumerate(placed):
            outcome.candidate_exclude(actor=agent, tender_lot=tender_lot, bid=bid, reason=f"第{number + 1}名放弃中标")
            tender_lot.refresh_from_db()
            assert (tender_lot.status == LotStatus.FAILED) == (number == len(placed) - 1)
        notice = Notice.objects.get(notice_type="failure", project=tender_lot.tender.project)
        assert "均已放弃中标" in notice.body
        again = tendering_services.tender_retender(
            actor=agent, tender=tender_lot.tender, bid_deadline=tender_lot.tender.bid_deadline + dt.timedelta(days=60)
        )
    assert again.tender_lots.get().lot == tender_lot.lot


BANDED = [
    {
        "key": "plan",
        "label": "施工组织设计",
        "max_points": 60,
        "technical": True,
        "bands": [{"label": "优", "min": 50, "max": 60}, {"label": "良", "min": 30, "max": 45}],
    }
]


def test_banded_factors_take_only_scores_inside_a_band(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        _agent, _lot, _pool, placed, _draw, committee, members = _works_world(traveller, tmp_path, criteria=BANDED)
        bid = placed[0][1]
        with pytest.raises(ValidationError, match="不在任何一档内"):
            services.score_record(actor=members[0], committee=committee, bid=bid, points={"plan": Decimal(48)})
        services.score_record(actor=members[0], committee=committee, bid=bid, points={"plan": Decimal("45")})
        services.score_record(actor=members[0], committee=committee, bid=bid, points={"plan": Decimal("50.5")})


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([{"label": "优", "min": 50, "max": 61}], "0至满分之间"),
        ([{"label": "优", "min": 40, "max": 60}, {"label": "良", "min": 30, "max": 40}], "相互重叠"),
        ([{"label": "优", "min": "x", "max": 60}], "分档不正确"),
    ],
)
def test_bands_must_lie_within_the_factor_and_not_overlap(tmp_path, bands, message):
    criteria = [{**BANDED[0], "bands": bands}]
    with time_machine.travel(NOW, tick=False) as traveller, pytest.raises(ValidationError, match=message):
        _works_world(traveller, tmp_path, criteria=criteria)


def test_the_terms_page_reads_and_writes_bands():
    from ggzy.evaluation.forms import TermsForm

    form = TermsForm(
        {
            "subject": "works",
            "price_weight_percent": "40",
            "sme_deduction_percent": "0",
            "tie_break": "draw",
            "criteria": "plan,施工组织设计,60,是,优:50-60/良：30-45",
        }
    )
    assert form.is_valid(), form.errors
    bands = form.cleaned_data["criteria"][0]["bands"]
    assert bands == [{"label": "优", "min": "50", "max": "60"}, {"label": "良", "min": "30", "max": "45"}]
    assert TermsForm.criteria_text(BANDED) == "plan,施工组织设计,60,是,优:50-60/良:30-45"
    assert not TermsForm({"subject": "works", "tie_break": "draw", "criteria": "p,设计,60,是,优50"}).is_valid()


def test_unpublished_candidates_raise_an_alert_at_the_legal_deadline(tmp_path):
    from ggzy.evaluation import outcome
    from ggzy.witness.models import WitnessEvent

    with time_machine.travel(NOW, tick=False) as traveller:
        agent, tender_lot, _pool, placed, _draw, committee, members = _works_world(traveller, tmp_path)
        report = _signed_report(committee, members, placed)
        report.refresh_from_db()
        due = outcome.publicity_due(tender_lot, report.signed_at)
        assert clock.local(due).date() == dt.date(2026, 12, 3)  # 3 days after Monday 30 November
        traveller.move_to(due - dt.timedelta(minutes=1))
        jobs_services.run_due_jobs()
        assert not WitnessEvent.objects.filter(action="evaluation.publicity_overdue").exists()
        traveller.move_to(due)
        jobs_services.run_due_jobs()
        alert = WitnessEvent.objects.get(action="evaluation.publicity_overdue")
        assert alert.object_id == str(tender_lot.pk)
        outcome.publicity_start(actor=agent, tender_lot=tender_lot)  # late, but published
    assert outcome.publicity_deadline_check(tender_lot_id=tender_lot.pk) is False  # nothing to alert now
