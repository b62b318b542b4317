"""The numbered scenario of tendering part 2 (issue 5), a construction lot from opening to refunds:

1. the tender states its evaluation terms and is published; three bidders pay security and bid;
2. the deadline passes and the bids are opened;
3. experts are drawn and confirm; the committee is formed and checks in;
4. the members review (one bid rejected by a majority, with its ground) and score;
5. the platform computes the report; one member dissents in writing, the others sign;
6. the candidates are published; a bidder objects and the owner side answers;
7. after the publicity the first-ranked candidate is awarded; every bidder hears at once;
   the expert draw's seed is revealed and the replay confirms it;
8. the contract is registered and every security falls due for refund within the legal time;
9. every witness event is present, in order, and the chain verifies.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from ggzy.accounts.choices import Role
from ggzy.core import clock
from ggzy.core.testing.parties import make_user
from ggzy.evaluation import outcome, services
from ggzy.evaluation.choices import RejectionGround, ReportStatus
from ggzy.experts import selectors as experts_selectors
from ggzy.experts import services as experts_services
from ggzy.experts.tests.helpers import closed_lot, make_expert, pool_manager, request_draw, run_draw
from ggzy.jobs import services as jobs_services
from ggzy.notifications.models import Notification
from ggzy.tendering import bids, opening
from ggzy.tendering.models import BidSecurity, TenderLot
from ggzy.tendering.tests.helpers import SealingBidder, pay_security
from ggzy.witness import selectors as witness_selectors
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=clock.BEIJING)
DEADLINE = dt.datetime(2026, 11, 27, 10, 0, tzinfo=clock.BEIJING)
EVALUATION = dt.datetime(2026, 11, 30, 9, 0, tzinfo=clock.BEIJING)


def test_opening_to_refunds(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        # 1. terms, publication, security and bids
        manager = pool_manager()
        owner, agent = make_user(Role.OWNER), make_user(Role.AGENT)

        def terms(tender):
            services.terms_set(
                actor=agent,
                tender=tender,
                subject="works",
                price_weight_percent=Decimal(40),
                sme_deduction_percent=Decimal(0),
                criteria=[
                    {"key": "plan", "label": "施工组织设计", "max_points": 40},
                    {"key": "team", "label": "项目管理机构", "max_points": 20},
                ],
            )

        lot = closed_lot(owner=owner, agent=agent, deadline=DEADLINE, before_publish=terms)
        tender_lot = TenderLot.objects.get(lot=lot)
        pool = [make_expert(manager) for _ in range(5)]
        traveller.shift(dt.timedelta(days=3))
        bidders, placed = [], []
        for n, price in enumerate((98_000_000, 95_000_000, 130_000_000)):
            bidder = SealingBidder.registered(name=f"scenario-{n}")
            bidder.user.email = f"scenario-{n}@example.cn"
            bidder.user.save(update_fields=["email"])
            pay_security(tender_lot, bidder, f"BK-{n}")
            sealed = bidder.seal(tmp_path / str(n), lot=tender_lot, opening_data={"price": price})
            bidders.append(bidder)
            placed.append(bids.bid_submit(actor=bidder.user, tender_lot=tender_lot, envelope=sealed.path))

        # 2. deadline and opening
        traveller.move_to(DEADLINE)
        jobs_services.run_due_jobs()
        for bidder, bid in zip(bidders, placed, strict=True):
            opening.bid_unseal(actor=bidder.user, bid=bid, content_key=bidder.content_key(bid))
        jobs_services.run_due_jobs()  # the file checks after the opening

        # 3. draw, committee, check-in
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

        # 4. reviews and scores: the 1,300,000 bid is above the ceiling for three of five members
        for number, user in enumerate(members):
            for index, bid in enumerate(placed):
                rejects = index == 2 and number < 3
                services.review_record(
                    actor=user,
                    committee=committee,
                    bid=bid,
                    compliant=not rejects,
                    ground=RejectionGround.PRICE_OUT_OF_RANGE if rejects else "",
                    reason="报价高于最高投标限价" if rejects else "",
                )
            services.score_record(
                actor=user, committee=committee, bid=placed[0], points={"plan": Decimal(38), "team": Decimal(18)}
            )
            services.score_record(
                actor=user, committee=committee, bid=placed[1], points={"plan": Decimal(30), "team": Decimal(15)}
            )
            services.score_record(
                actor=user, committee=committee, bid=placed[2], points={"plan": Decimal(39), "team": Decimal(19)}
            )

        # 5. the report: bidder 0 (94.78 = 95/98 × 40 + 56) beats bidder 1 (85 = 40 + 45)
        report = services.report_draft(actor=members[0], committee=committee)
        assert [c["bid"] for c in report.results["candidates"]] == [placed[0].pk, placed[1].pk]
        rejected = next(row for row in report.results["rows"] if row["bid"] == placed[2].pk)
        assert rejected["rejected"] and rejected["grounds"] == [RejectionGround.PRICE_OUT_OF_RANGE]
        services.report_sign(actor=members[4], report=report, agree=False, dissent="第三名报价未超限价，不应否决")
        for user in members[:4]:
            services.report_sign(actor=user, report=report, agree=True)
        report.refresh_from_db()
        assert report.status == ReportStatus.SIGNED

        # 6. publicity, an objection and its answer
        started = outcome.publicity_start(actor=agent, tender_lot=tender_lot)
        objection = outcome.publicity_objection_raise(
            actor=bidders[1].user, tender_lot=tender_lot, text="第一名的技术得分过高"
        )
        outcome.publicity_objection_answer(actor=agent, objection=objection, answer="经复核，评分符合评标办法")

        # 7. award after the publicity; the draw becomes replayable
        traveller.move_to(started.publicity_ends_at)
        assert not experts_selectors.replays_public().filter(pk=draw.pk).exists()
        decided = outcome.award_decide(actor=agent, tender_lot=tender_lot)
        assert decided.winner == placed[0]
        assert experts_selectors.replay_get(draw.pk).problems == []
        letters = Notification.objects.filter(topic__startswith=f"evaluation.award:{tender_lot.pk}:")
        assert {n.created_at for n in letters} == {clock.now()}  # every bidder told at the same time
        assert letters.count() == 3

        # 8. contract and refunds (实施条例 art. 57: within 5 days of the contract)
        traveller.shift(dt.timedelta(days=2))
        outcome.contract_register(
            actor=agent, tender_lot=tender_lot, signed_on=clock.local(clock.now()).date(), amount_fen=98_000_000
        )
    securities = BidSecurity.objects.filter(tender_lot=tender_lot)
    assert {s.status for s in securities} == {"refund_due"}
    assert all(clock.local(s.refund_due).date() <= dt.date(2026, 12, 11) for s in securities)

    # 9. the witness log tells the whole story, in order
    actions = list(WitnessEvent.objects.filter(seq__gt=0).order_by("seq").values_list("action", flat=True))
    expected = [
        "evaluation.terms_set",
        "tender.published",
        "security.confirmed",
        "bid.received",
        "tender.submissions_closed",
        "bid.decrypted",
        "opening.record_published",
        "bid.files_checked",
        "expert_draw.request",
        "expert_draw.witness_join",
        "expert_draw.run",
        "expert_draw.respond",
        "committee.formed",
        "committee.check_in",
        "evaluation.review",
        "evaluation.score",
        "evaluation.report_drafted",
        "evaluation.report_signed",
        "evaluation.publicity_started",
        "evaluation.objection_raised",
        "evaluation.objection_answered",
        "expert_draw.reveal",  # in the award's transaction, before its own event (always the last step)
        "evaluation.awarded",
        "security.refund_scheduled",  # in the contract's transaction, before its own event
        "evaluation.contract_registered",
    ]
    missing = [action for action in expected if action not in actions]
    assert not missing, missing
    firsts = [actions.index(action) for action in expected]
    assert firsts == sorted(firsts), [a for a, _ in sorted(zip(expected, firsts, strict=True), key=lambda p: p[1])]
    assert witness_selectors.chain_verify().ok
