"""A construction lot driven through the real services, stage by stage, so the exports can be
checked at every step: publication (with bids, a sealed reserve price and a document download),
the deadline, the opening, the evaluation, the report, the candidates' publicity and the award.

Modelled on evaluation/tests/test_results.py::_works_world, with parties whose names are easy to
look for in the exported documents."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import bidtool
from bidtool import public_key_to_pem
from ggzy.accounts.choices import OrganizationKind, Role, Sector
from ggzy.accounts.models import Organization, User
from ggzy.catalog import selectors as catalog_selectors
from ggzy.core import clock
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.core.testing.parties import make_org, make_user
from ggzy.evaluation import outcome
from ggzy.evaluation import services as evaluation_services
from ggzy.evaluation.models import Committee
from ggzy.experts import services as experts_services
from ggzy.experts.models import Expert
from ggzy.experts.tests.helpers import id_card, make_expert, pool_manager, request_draw, run_draw
from ggzy.jobs import services as jobs_services
from ggzy.projects import services as project_services
from ggzy.projects.models import Project
from ggzy.tendering import bids, opening, reserve
from ggzy.tendering import services as tendering_services
from ggzy.tendering.choices import DEFAULT_OPENING_FIELDS, EvaluationMethod, KeyKind
from ggzy.tendering.models import Bid, Tender, TenderLot
from ggzy.tendering.tests.helpers import SealingBidder

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=clock.BEIJING)
DEADLINE = dt.datetime(2026, 11, 27, 10, 0, tzinfo=clock.BEIJING)
EVALUATION = dt.datetime(2026, 11, 30, 9, 0, tzinfo=clock.BEIJING)

# The tender also reads out the project manager's ID number: the platform publishes it in its own
# opening record, but the national export never carries it.
OPENING_FIELDS = [*DEFAULT_OPENING_FIELDS, {"key": "pm_id_card", "label": "项目负责人身份证号", "kind": "text"}]
PM_ID = id_card(321, dt.date(1980, 3, 15))
RESERVE_FEN = 777_777_700
CEILING_FEN = 1_200_000_000
OFFERS = (
    ("甲建设集团有限公司", 987_654_300, "王建国"),
    ("乙路桥工程有限公司", 1_000_000_000, "李卫东"),
    ("丙市政建设有限公司", 1_100_000_000, "赵红梅"),
)
WORKS_CRITERIA = [{"key": "plan", "label": "施工组织设计", "max_points": 60}]


def bidder(name: str) -> SealingBidder:
    """A bidder organization with a recognisable name and its registered keys."""
    user = make_user(Role.BIDDER, org=make_org(name=name))
    sealer = SealingBidder(user=user)
    register_keys(sealer)
    return sealer


def register_keys(sealer: SealingBidder) -> None:
    for kind, key in ((KeyKind.SEALING, sealer.sealing), (KeyKind.SIGNING, sealer.signing)):
        bids.bidder_key_register(actor=sealer.user, kind=kind, public_key=public_key_to_pem(key).decode())


def published_project(
    *,
    agent: User | None = None,
    owner: User | None = None,
    name: str = "伊宁市<综合管廊>&配套道路工程",
    deadline: dt.datetime = DEADLINE,
    lots: int = 1,
) -> tuple[Project, Tender]:
    """A construction project registered by its agent (or its owner) with a published tender."""
    owner = owner or make_user(Role.OWNER, org=make_org(name="伊宁市城市建设投资有限公司"))
    supervisor = make_org(
        kind=OrganizationKind.SUPERVISORY_AUTHORITY, sector=Sector.HOUSING_CONSTRUCTION, name="伊宁市住房和城乡建设局"
    )
    registrant = agent or owner
    assert owner.organization is not None
    project = project_services.project_register(
        actor=registrant,
        name=name,
        trade_type=TradeType.CONSTRUCTION,
        procurement_method=ProcurementMethod.OPEN_TENDER,
        catalog_category=catalog_selectors.category_get("A01"),
        owner=owner.organization,
        agent=agent.organization if agent else None,
        supervisor=supervisor,
        region_code="654002",
        budget_fen=3_000_000_000,
        funding_source="财政资金",
        approval_number="伊发改审批〔2026〕12号",
        description="综合管廊2.4公里及配套道路",
        lots=[
            project_services.LotInput(name=f"{n}标段", budget_fen=1_500_000_000, description=f"管廊第{n}段施工")
            for n in range(1, lots + 1)
        ],
    )
    tender = tendering_services.tender_create(
        actor=registrant,
        project=project,
        lots=[tendering_services.LotTerms(lot=lot, ceiling_price_fen=CEILING_FEN) for lot in project.lots.all()],
        title="伊宁市综合管廊工程施工招标公告",
        notice_body="招标公告正文：投标人须具备市政公用工程施工总承包二级及以上资质。",
        evaluation_method=EvaluationMethod.WEIGHTED_SCORING,
        bid_deadline=deadline,
        bid_validity_days=90,
        opening_fields=OPENING_FIELDS,
    )
    evaluation_services.terms_set(
        actor=registrant,
        tender=tender,
        subject="works",
        price_weight_percent=Decimal(40),
        sme_deduction_percent=Decimal(0),
        criteria=WORKS_CRITERIA,
    )
    tendering_services.tender_document_add(actor=registrant, tender=tender, name="招标文件.pdf", content=b"%PDF-1.7")
    tendering_services.tender_publish(actor=registrant, tender=tender)
    tender.refresh_from_db()
    return project, tender


@dataclass
class Procedure:
    traveller: Any
    tmp_path: Path
    agent: User = field(init=False)
    project: Project = field(init=False)
    tender: Tender = field(init=False)
    tender_lot: TenderLot = field(init=False)
    bidders: list[SealingBidder] = field(default_factory=list)
    placed: list[Bid] = field(default_factory=list)
    reserve_sealer: SealingBidder = field(init=False)
    reserve_path: Path = field(init=False)
    downloader: Organization = field(init=False)
    pool: list[Expert] = field(default_factory=list)
    committee: Committee = field(init=False)
    members: list[User] = field(default_factory=list)

    def publish(self) -> None:
        """Published; three bids, a sealed reserve price and a document download before the deadline."""
        self.agent = make_user(Role.AGENT, org=make_org(name="新疆华信招标代理有限公司"))
        self.project, self.tender = published_project(agent=self.agent)
        self.tender_lot = self.tender.tender_lots.get()
        manager = pool_manager()
        self.pool = [make_expert(manager, name=f"评委{name}") for name in ("甲一", "乙二", "丙三", "丁四", "戊五")]
        self.traveller.shift(dt.timedelta(days=2))
        downloader = make_user(Role.BIDDER, org=make_org(name="丁工程咨询有限公司"))
        assert downloader.organization is not None
        self.downloader = downloader.organization
        tendering_services.document_download_record(user=downloader, document=self.tender.documents.get())
        self.reserve_sealer = SealingBidder(user=self.agent)
        register_keys(self.reserve_sealer)
        sealed = self.reserve_sealer.seal(
            self.tmp_path / "reserve", lot=self.tender_lot, opening_data={"price": RESERVE_FEN}
        )
        self.reserve_path = sealed.path
        reserve.reserve_price_submit(actor=self.agent, tender_lot=self.tender_lot, envelope=sealed.path)
        for n, (name, price, manager_name) in enumerate(OFFERS):
            sealer = bidder(name)
            data = {
                "price": price,
                "duration": 365,
                "quality": "合格",
                "project_manager": manager_name,
                "pm_id_card": PM_ID,
            }
            sealed = sealer.seal(self.tmp_path / str(n), lot=self.tender_lot, opening_data=data)
            self.bidders.append(sealer)
            self.placed.append(bids.bid_submit(actor=sealer.user, tender_lot=self.tender_lot, envelope=sealed.path))

    def close(self) -> None:
        """The deadline passes: submissions close, the decryption window opens."""
        self.traveller.move_to(DEADLINE)
        jobs_services.run_due_jobs()

    def open(self) -> None:
        """Every bidder and the agent release their content keys: the opening record is published."""
        for sealer, bid in zip(self.bidders, self.placed, strict=True):
            opening.bid_unseal(actor=sealer.user, bid=bid, content_key=sealer.content_key(bid))
        # The agent unwraps the reserve price's content key at home, like a bidder its bid's.
        raw = bidtool.unwrap_content_key(self.reserve_path, self.reserve_sealer.sealing)
        reserve.reserve_price_unseal(
            actor=self.agent,
            tender_lot=self.tender_lot,
            content_key=base64.urlsafe_b64encode(raw).decode().rstrip("="),
        )
        self.tender_lot.refresh_from_db()
        assert self.tender_lot.opened_at is not None

    def evaluate(self) -> None:
        """Experts drawn, the committee formed, checked in; reviews and scores recorded."""
        self.traveller.shift(dt.timedelta(hours=1))
        draw = request_draw(
            self.agent, self.tender_lot.lot, starts=EVALUATION, lines=[experts_services.LineInput("A01", 5)]
        )
        run_draw(draw, operator=make_user(Role.CENTER_STAFF), witness=make_user(Role.CENTER_STAFF))
        for selection in draw.selections.all():
            assert selection.expert.user is not None
            experts_services.selection_respond(actor=selection.expert.user, selection=selection, accept=True)
        self.committee = evaluation_services.committee_form(
            actor=self.agent, tender_lot=self.tender_lot, representatives=[]
        )
        self.traveller.move_to(EVALUATION)
        self.members = [expert.user for expert in self.pool if expert.user is not None]
        for user in self.members:
            evaluation_services.member_check_in(actor=user, committee=self.committee)
        for user in self.members:
            for bid in self.placed:
                evaluation_services.review_record(actor=user, committee=self.committee, bid=bid, compliant=True)
                evaluation_services.score_record(
                    actor=user, committee=self.committee, bid=bid, points={"plan": Decimal(50)}
                )

    def report(self) -> None:
        report = evaluation_services.report_draft(actor=self.members[0], committee=self.committee)
        for user in self.members:
            evaluation_services.report_sign(actor=user, report=report, agree=True)

    def publicise(self) -> None:
        self.publicity = outcome.publicity_start(actor=self.agent, tender_lot=self.tender_lot)

    def award(self) -> None:
        self.traveller.move_to(self.publicity.publicity_ends_at)
        outcome.award_decide(actor=self.agent, tender_lot=self.tender_lot)

    def secrets_before_opening(self) -> list[str]:
        """What nobody outside may learn before the opening record is published."""
        values = [RESERVE_FEN, *(price for _name, price, _pm in OFFERS)]
        amounts = [f"{fen / 100:,.2f}" for fen in values] + [str(fen) for fen in values]
        amounts += [f"{fen / 1_000_000:.6f}" for fen in values]
        parties = [s.user.organization.name for s in self.bidders if s.user.organization is not None]
        parties += [s.uscc for s in self.bidders]
        managers = [pm for _name, _price, pm in OFFERS]
        return parties + amounts + managers

    def secrets_always(self) -> list[str]:
        """What the national export never carries: experts, accounts, the downloader, ID numbers."""
        experts = [e.name for e in self.pool] + [e.id_card_number for e in self.pool] + [e.mobile for e in self.pool]
        return [*experts, "测试用户", self.downloader.name, self.downloader.uscc, PM_ID]
