"""Nothing secret leaks into the open data, at any stage of a procedure:

- before the opening record is published: no bidder's name or USCC, no bid price, no count of bids;
- no reserve price (标底) before it is read out in the opening record;
- never a committee member's or expert's name, nor anyone's name, telephone or e-mail;
- never the organizations that downloaded the tender documents, nor the invitees of a
  selective tender before the opening;
- never a bid that was not read out (the lone bid of a failed lot);
- a draft tender is not published at all.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from ggzy.accounts.choices import OrganizationKind, Role, Sector
from ggzy.accounts.models import User
from ggzy.catalog import selectors as catalog_selectors
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.core.testing.parties import make_org, make_user
from ggzy.experts.models import Expert
from ggzy.opendata import ocds
from ggzy.projects import services as project_services
from ggzy.tendering import services as tendering_services
from ggzy.tendering.choices import EvaluationMethod
from ggzy.tendering.tests.helpers import SealingBidder

from .helpers import NOW, PRICES, packages, price_texts, procedure, reserve_texts

pytestmark = pytest.mark.django_db

BEFORE_THE_RECORD = {"registered", "published", "clarified", "bids_submitted", "closed", "decrypted"}


def _output() -> str:
    release_package, record_package = packages()
    return ocds.dumps(release_package) + ocds.dumps(record_package)


def _people() -> list[str]:
    """Every natural person the platform knows: users and experts, with their contacts."""
    texts: list[str] = []
    for user in User.objects.all():
        texts += [user.full_name, user.phone, user.email]
    for expert in Expert.objects.all():
        texts += [expert.name, expert.mobile, expert.email, expert.id_card_number]
    return [text for text in texts if text and len(text) > 2]


def test_nothing_secret_appears_at_any_stage(tmp_path):
    downloader = None
    seen: set[str] = set()
    for stage in procedure(tmp_path):
        if stage.stage == "published":
            # someone fetches the tender documents: who did is confidential (招标投标法 art. 22)
            downloader = make_user(Role.BIDDER)
            document = stage.tender.documents.get()
            tendering_services.document_download_record(user=downloader, document=document)
        text = _output()
        seen.add(stage.stage)
        lot_bidders = stage.bidder_identities()[:6]  # the three bidders of lot 1: name and USCC each
        lone_bidder = stage.bidder_identities()[6:]
        if stage.stage in BEFORE_THE_RECORD:
            assert not [item for item in lot_bidders if item in text], stage.stage
            assert not [price for price in price_texts() if price in text], stage.stage
            assert not [price for price in reserve_texts() if price in text], stage.stage
            assert '"bids"' not in text and "numberOfTenderers" not in text and "tenderers" not in text
        else:
            assert all(item in text for item in lot_bidders), stage.stage
            assert all(price in text for price in price_texts()[:3]), stage.stage
            assert reserve_texts()[0] in text, stage.stage  # read out with the bids
        if stage.stage == "registered":
            assert stage.tender.title not in text  # a draft is not public
            assert '"tag":["tender"]' not in text
        assert not [item for item in lone_bidder if item in text], stage.stage
        assert price_texts()[3] not in text
        assert not [name for name in stage.expert_names() if name in text], stage.stage
        assert not [person for person in _people() if person in text], stage.stage
        if downloader is not None:
            organization = downloader.organization
            assert organization is not None
            assert organization.name not in text and organization.uscc not in text
    assert "contract" in seen and "committee_formed" in seen
    assert PRICES


def test_invitees_of_a_selective_tender_stay_secret_until_the_opening():
    with time_machine.travel(NOW, tick=False):
        owner, agent = make_user(Role.OWNER), make_user(Role.AGENT)
        project = project_services.project_register(
            actor=agent,
            name="邀请招标工程",
            trade_type=TradeType.CONSTRUCTION,
            procurement_method=ProcurementMethod.SELECTIVE_TENDER,
            catalog_category=catalog_selectors.category_get("A01"),
            owner=owner.organization,
            agent=agent.organization,
            supervisor=make_org(kind=OrganizationKind.SUPERVISORY_AUTHORITY, sector=Sector.WATER),
            region_code="654002",
            budget_fen=600_000_000,
            funding_source="财政资金",
            lots=[project_services.LotInput(name="一标段", budget_fen=600_000_000)],
        )
        invited = [SealingBidder.registered() for _ in range(3)]
        tender = tendering_services.tender_create(
            actor=agent,
            project=project,
            lots=[tendering_services.LotTerms(lot=project.lots.get())],
            title="邀请招标",
            notice_body="投标邀请书",
            evaluation_method=EvaluationMethod.LOWEST_EVALUATED_PRICE,
            bid_deadline=NOW + dt.timedelta(days=25),
            bid_validity_days=60,
            invitees=[bidder.user.organization for bidder in invited],
        )
        tendering_services.tender_document_add(actor=agent, tender=tender, name="招标文件.pdf", content=b"docs")
        tendering_services.tender_publish(actor=agent, tender=tender)
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        text = _output()
    assert '"tag":["tender"]' in text and '"procurementMethod":"selective"' in text
    assert '"awardCriteria":"priceOnly"' in text
    for bidder in invited:
        assert bidder.user.organization is not None
        assert bidder.user.organization.name not in text and bidder.uscc not in text


def test_a_procurement_award_names_no_expert_in_the_open_data(tmp_path):
    """Government procurement publishes the committee's names in the result notice (87号令 art. 69);
    the open data still carries none of them, and the package validates."""
    from decimal import Decimal

    from ggzy.disclosure.models import Notice
    from ggzy.evaluation import outcome
    from ggzy.evaluation import services as evaluation_services
    from ggzy.experts import services as experts_services
    from ggzy.experts.tests.helpers import closed_lot, make_expert, pool_manager, request_draw, run_draw
    from ggzy.jobs import services as jobs_services
    from ggzy.tendering import bids, opening
    from ggzy.tendering.models import TenderLot

    from .helpers import DEADLINE, EVALUATION, validate

    with time_machine.travel(NOW, tick=False) as traveller:
        agent = make_user(Role.AGENT)

        def terms(tender):
            evaluation_services.terms_set(
                actor=agent,
                tender=tender,
                subject="goods",
                price_weight_percent=Decimal(30),
                sme_deduction_percent=Decimal(0),
                criteria=[{"key": "tech", "label": "技术", "max_points": 70}],
            )

        lot = closed_lot(
            owner=make_user(Role.OWNER),
            agent=agent,
            deadline=DEADLINE,
            trade_type=TradeType.GOVERNMENT_PROCUREMENT,
            before_publish=terms,
        )
        tender_lot = TenderLot.objects.get(lot=lot)
        manager = pool_manager()
        pool = [make_expert(manager) for _ in range(7)]
        traveller.shift(dt.timedelta(days=2))
        placed = []
        for n, price in enumerate((101_234_567, 99_876_543, 110_000_001)):
            bidder = SealingBidder.registered(name=f"gp-{n}")
            sealed = bidder.seal(tmp_path / str(n), lot=tender_lot, opening_data={"price": price})
            placed.append((bidder, bids.bid_submit(actor=bidder.user, tender_lot=tender_lot, envelope=sealed.path)))
        traveller.move_to(DEADLINE)
        jobs_services.run_due_jobs()
        for bidder, bid in placed:
            opening.bid_unseal(actor=bidder.user, bid=bid, content_key=bidder.content_key(bid))
        traveller.shift(dt.timedelta(hours=1))
        draw = request_draw(agent, lot, starts=EVALUATION, lines=[experts_services.LineInput("A01", 7)])
        run_draw(draw, operator=make_user(Role.CENTER_STAFF), witness=make_user(Role.CENTER_STAFF))
        for selection in draw.selections.all():
            experts_services.selection_respond(actor=selection.expert.user, selection=selection, accept=True)
        committee = evaluation_services.committee_form(actor=agent, tender_lot=tender_lot, representatives=[])
        traveller.move_to(EVALUATION)
        members = [expert.user for expert in pool]
        for user in members:
            evaluation_services.member_check_in(actor=user, committee=committee)
        for user in members:
            for _bidder, bid in placed:
                evaluation_services.review_record(actor=user, committee=committee, bid=bid, compliant=True)
                evaluation_services.score_record(actor=user, committee=committee, bid=bid, points={"tech": Decimal(60)})
        report = evaluation_services.report_draft(actor=members[0], committee=committee)
        for user in members:
            evaluation_services.report_sign(actor=user, report=report, agree=True)
        traveller.shift(dt.timedelta(hours=2))
        outcome.award_decide(actor=agent, tender_lot=tender_lot)
        names = [name for expert in pool for name in (expert.name, expert.user.full_name) if name]
        award_notice = Notice.objects.get(notice_type="award", project=tender_lot.tender.project)
        assert all(expert.user.full_name in award_notice.body for expert in pool)  # the notice names them
        release_package, record_package = packages()
    text = ocds.dumps(release_package) + ocds.dumps(record_package)
    assert not [name for name in names if name in text]
    assert not [person for person in _people() if person in text]
    compiled = record_package["records"][0]["compiledRelease"]
    assert compiled["planning"]["budget"]["amount"] == {"amount": 10000000, "currency": "CNY"}  # published in GP
    assert compiled["tender"]["value"] == {"amount": 10000000, "currency": "CNY"}
    assert compiled["tender"]["mainProcurementCategory"] == "goods"
    assert compiled["awards"][0]["value"]["amount"] == 998765.43  # the lowest price wins on equal scores
    validate(release_package, tmp_path, "gp-releases")
    validate(record_package, tmp_path, "gp-records")
