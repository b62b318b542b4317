"""The permission matrix: every page and API endpoint × every role (anonymous, each role, the
same role in another organization) → allowed or denied.

A URL or API operation missing from the matrix fails the test, and so does a page that does
not declare who may open it. Later issues extend MATRIX and API_MATRIX.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from bidtool import public_key_to_pem
from ggzy.accounts.choices import OrganizationKind, Role, Sector
from ggzy.accounts.models import User
from ggzy.catalog import selectors as catalog_selectors
from ggzy.core import clock
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.core.testing.parties import make_org, make_user, signed_in_client
from ggzy.disclosure import services as disclosure_services
from ggzy.disclosure.choices import NoticeType
from ggzy.evaluation.models import Committee, Member
from ggzy.experts import services as experts_services
from ggzy.experts.choices import SelectionState
from ggzy.experts.models import Selection
from ggzy.experts.tests.helpers import expert_data
from ggzy.opendata import selectors as opendata_selectors
from ggzy.portal.models import GuideItem
from ggzy.projects import services as project_services
from ggzy.projects.models import Project
from ggzy.tendering import bids as tendering_bids
from ggzy.tendering import services as tendering_services
from ggzy.tendering import uploads as tendering_uploads
from ggzy.tendering.models import DocumentObjection, OpeningObjection
from ggzy.tendering.tests.helpers import SealingBidder

ACTORS = [
    "anonymous",
    "center_staff",
    "supervisor",
    "supervisor_other",
    "owner",
    "owner_other",
    "agent",
    "agent_other",
    "bidder",
    "expert",
    "system_admin",
    "security_admin",
    "audit_admin",
]
ALL = frozenset(ACTORS)
SIGNED_IN = ALL - {"anonymous"}
PROJECT_VIEWERS = frozenset(
    {"center_staff", "supervisor", "supervisor_other", "owner", "owner_other", "agent", "agent_other"}
)
PROJECT_PARTIES = frozenset({"center_staff", "supervisor", "owner", "agent"})
REGISTRANTS = frozenset({"owner", "owner_other", "agent", "agent_other"})
WITNESS_READERS = frozenset({"center_staff", "supervisor", "supervisor_other", "audit_admin"})


@dataclass
class World:
    users: dict[str, User]
    deal_code: str
    tender_code: str
    lot_code: str
    bid_id: int
    objection_id: int
    upload_token: str
    document_objection_id: int
    document_id: int
    notice_id: int
    guide_id: int
    target_user_id: int
    draw_id: int = 0
    selection_id: int = 0
    committee_id: int = 0
    auction_sale_id: int = 0
    auction_registration_id: int = 0
    property_lot_code: str = ""


def build_world() -> World:
    center = make_org(kind=OrganizationKind.TRADING_CENTER)
    supervisor_org = make_org(kind=OrganizationKind.SUPERVISORY_AUTHORITY, sector=Sector.HOUSING_CONSTRUCTION)
    other_supervisor_org = make_org(kind=OrganizationKind.SUPERVISORY_AUTHORITY, sector=Sector.HOUSING_CONSTRUCTION)
    users = {
        "center_staff": make_user(Role.CENTER_STAFF, org=center),
        "system_admin": make_user(Role.SYSTEM_ADMIN, org=center),
        "security_admin": make_user(Role.SECURITY_ADMIN, org=center),
        "audit_admin": make_user(Role.AUDIT_ADMIN, org=center),
        "supervisor": make_user(Role.SUPERVISOR, org=supervisor_org),
        "supervisor_other": make_user(Role.SUPERVISOR, org=other_supervisor_org),
        "owner": make_user(Role.OWNER),
        "owner_other": make_user(Role.OWNER),
        "agent": make_user(Role.AGENT),
        "agent_other": make_user(Role.AGENT),
        "bidder": make_user(Role.BIDDER),
        "expert": make_user(Role.EXPERT),
    }
    project = project_services.project_register(
        actor=users["agent"],
        name="矩阵测试道路工程",
        trade_type=TradeType.CONSTRUCTION,
        procurement_method=ProcurementMethod.OPEN_TENDER,
        catalog_category=catalog_selectors.category_get("A01"),
        owner=users["owner"].organization,
        agent=users["agent"].organization,
        supervisor=supervisor_org,
        region_code="654002",
        budget_fen=500_000_000,
        funding_source="财政资金",
        lots=[project_services.LotInput(name="一标段", budget_fen=500_000_000)],
    )
    tender = tendering_services.tender_create(
        actor=users["agent"],
        project=project,
        lots=[tendering_services.LotTerms(lot=project.lots.get())],
        title="矩阵测试招标公告",
        notice_body="正文",
        evaluation_method="weighted_scoring",
        bid_deadline=clock.now() + dt.timedelta(days=40),
        bid_validity_days=90,
    )
    document = tendering_services.tender_document_add(actor=users["agent"], tender=tender, name="a.pdf", content=b"x")
    tendering_services.tender_publish(actor=users["agent"], tender=tender)
    sealer = SealingBidder(user=users["bidder"])
    for kind, key in (("sealing", sealer.sealing), ("signing", sealer.signing)):
        tendering_bids.bidder_key_register(actor=sealer.user, kind=kind, public_key=public_key_to_pem(key).decode())
    with tempfile.TemporaryDirectory() as directory:
        lot = tender.tender_lots.get()
        sealed = sealer.seal(Path(directory), lot=lot, opening_data={"price": 1})
        bid = tendering_bids.bid_submit(actor=sealer.user, tender_lot=lot, envelope=sealed.path)
    # Matrix data only: an objection row, so the answer endpoints have an object to refuse or allow.
    document_objection = DocumentObjection.objects.create(
        tender=tender, objector=users["bidder"].organization, text="x", raised_at=clock.now(), answer_due=clock.now()
    )
    upload = tendering_uploads.upload_start(
        actor=users["bidder"], tender_lot=lot, size=1, leaf_digests=[hashlib.sha256(b"x").hexdigest()]
    )
    objection = OpeningObjection.objects.create(
        tender_lot=lot, bidder=users["bidder"].organization, text="x", raised_at=clock.now()
    )
    notice = disclosure_services.notice_publish(
        actor=None,
        title="矩阵测试公告",
        notice_type=NoticeType.PLATFORM,
        trade_type=TradeType.OTHER,
        region_code="654000",
        body="正文",
        system=True,
    )
    draw, selection, committee = _draw_data(users, project.lots.get())
    auction_sale_id, auction_registration_id = _auction_data(users)
    return World(
        property_lot_code=_property_lot(users),
        committee_id=committee.pk,
        auction_sale_id=auction_sale_id,
        auction_registration_id=auction_registration_id,
        draw_id=draw.pk,
        selection_id=selection.pk,
        users=users,
        deal_code=project.deal_code,
        tender_code=tender.code,
        lot_code=project.lots.get().code,
        bid_id=bid.pk,
        objection_id=objection.pk,
        upload_token=upload.token,
        document_objection_id=document_objection.pk,
        document_id=document.pk,
        notice_id=notice.pk,
        guide_id=GuideItem.objects.order_by("pk").values_list("pk", flat=True).first() or 0,
        target_user_id=users["bidder"].pk,
    )


def lot_of_tender(lot):  # type: ignore[no-untyped-def]
    from ggzy.tendering.models import TenderLot

    return TenderLot.objects.get(lot=lot)


def _draw_data(users: dict[str, User], lot):  # type: ignore[no-untyped-def]
    """A draw request of the lot, and (matrix data only) a revealed seed, one notified selection of
    the world's expert and a committee with that expert as member, so every draw and evaluation
    page has an object to refuse or allow."""
    draw = experts_services.draw_request_create(
        actor=users["agent"],
        lot=lot,
        evaluation_starts_at=clock.now() + dt.timedelta(hours=3),
        evaluation_ends_at=clock.now() + dt.timedelta(hours=8),
        place="评标室",
        region_scope="local",
        lines=[experts_services.LineInput(specialty_code="A01", count=1)],
    )
    expert = experts_services.expert_create(actor=users["center_staff"], data=expert_data(), user=users["expert"])
    selection = Selection.objects.create(
        request=draw,
        line=draw.lines.get(),
        sequence=1,
        expert=expert,
        state=SelectionState.NOTIFIED,
        notified_at=clock.now(),
        respond_by=clock.now() + dt.timedelta(hours=1),
    )
    type(draw).objects.filter(pk=draw.pk).update(seed_revealed_at=clock.now())
    committee = Committee.objects.create(
        tender_lot=lot_of_tender(lot), draw_request=draw, formed_by=users["agent"], formed_at=clock.now()
    )
    Member.objects.create(committee=committee, kind="drawn_expert", user=users["expert"], selection=selection)
    return draw, selection, committee


def _auction_data(users: dict[str, User]) -> tuple[int, int]:
    """A land-use listing sold by the owner through the agent, with the world's bidder approved and
    its deposit confirmed, so every auctions endpoint has a sale and a registration to refuse or allow."""
    from ggzy.auctions import services as auctions_services

    project = _sale_project(
        users,
        "矩阵测试国有建设用地使用权挂牌出让",
        TradeType.LAND_USE,
        "C",
        Sector.NATURAL_RESOURCES,
        "土地出让",
        "宗地一",
    )
    start_at = clock.now() + dt.timedelta(days=40)
    sale = auctions_services.sale_create(
        actor=users["agent"],
        lot=project.lots.get(),
        method="listing",
        start_price_fen=100_000_000,
        increment_fen=1_000_000,
        timed_increment_fen=500_000,
        start_at=start_at,
        listing_end=start_at + dt.timedelta(days=30),
    )
    registration = auctions_services.registration_apply(actor=users["bidder"], sale=sale)
    registration = auctions_services.registration_review(
        actor=users["center_staff"], registration=registration, approve=True
    )
    auctions_services.deposit_confirm(actor=users["center_staff"], registration=registration)
    return sale.pk, registration.pk


def _property_lot(users: dict[str, User]) -> str:
    """A state-property transfer through the agent, for its pre-disclosure page."""
    project = _sale_project(
        users, "矩阵测试国有股权转让", TradeType.STATE_PROPERTY, "E", Sector.STATE_ASSETS, "国有产权转让", "100%股权"
    )
    return project.lots.get().code


def _sale_project(
    users: dict[str, User], name: str, trade_type: str, category: str, sector: str, funding: str, lot: str
) -> Project:
    """A one-lot project sold by listing, the owner's through the agent."""
    return project_services.project_register(
        actor=users["agent"],
        name=name,
        trade_type=trade_type,
        procurement_method=ProcurementMethod.LISTING,
        catalog_category=catalog_selectors.category_get(category),
        owner=users["owner"].organization,
        agent=users["agent"].organization,
        supervisor=make_org(kind=OrganizationKind.SUPERVISORY_AUTHORITY, sector=sector),
        region_code="654002",
        budget_fen=100_000_000,
        funding_source=funding,
        lots=[project_services.LotInput(name=lot, budget_fen=100_000_000)],
    )


@dataclass(frozen=True)
class Page:
    name: str
    method: str
    allowed: frozenset[str]
    kwargs: Callable[[World], dict[str, object]] = lambda world: {}
    data: Callable[[World], dict[str, object]] = lambda world: {}


MATRIX: list[Page] = [
    Page("portal:home", "get", ALL),
    Page("portal:guide", "get", ALL),
    Page("portal:guide_create", "get", frozenset({"center_staff"})),
    Page("portal:guide_edit", "get", frozenset({"center_staff"}), lambda w: {"pk": w.guide_id}),
    Page("portal:workbench", "get", SIGNED_IN),
    Page("set_language", "post", ALL, data=lambda w: {"language": "en", "next": "/"}),
    Page("accounts:login", "get", ALL),
    Page("accounts:login_verify", "get", ALL),
    Page("accounts:login_enrol", "get", ALL),
    Page("accounts:logout", "post", ALL),
    Page("accounts:register", "get", ALL),
    Page("accounts:user_list", "get", frozenset({"security_admin"})),
    Page("accounts:user_detail", "get", frozenset({"security_admin"}), lambda w: {"pk": w.target_user_id}),
    Page("catalog:tree", "get", ALL),
    Page("catalog:create", "get", frozenset({"system_admin"})),
    Page("catalog:edit", "get", frozenset({"system_admin"}), lambda w: {"code": "A01"}),
    Page("catalog:retire", "post", frozenset({"system_admin"}), lambda w: {"code": "A01"}),
    Page("rules:list", "get", ALL),
    Page("rules:calendar", "get", ALL, lambda w: {"year": 2026}),
    Page("rules:calendar_day_edit", "get", frozenset({"center_staff"}), lambda w: {"date": "2026-10-08"}),
    Page("rules:rule_version_create", "get", frozenset({"system_admin"})),
    Page("projects:list", "get", PROJECT_VIEWERS),
    Page("projects:register", "get", REGISTRANTS),
    Page("projects:detail", "get", PROJECT_PARTIES, lambda w: {"deal_code": w.deal_code}),
    Page(
        "supervision:project_suspend",
        "post",
        frozenset({"supervisor"}),
        lambda w: {"deal_code": w.deal_code},
        lambda w: {"reason": "矩阵测试"},
    ),
    Page("supervision:project_resume", "post", frozenset({"supervisor"}), lambda w: {"deal_code": w.deal_code}),
    Page("tendering:list", "get", ALL),
    Page("tendering:create", "get", frozenset({"owner", "agent"}), lambda w: {"deal_code": w.deal_code}),
    Page("tendering:detail", "get", ALL, lambda w: {"code": w.tender_code}),
    Page("tendering:document_upload", "post", frozenset({"owner", "agent"}), lambda w: {"code": w.tender_code}),
    Page(
        "tendering:document_download",
        "get",
        ALL,
        lambda w: {"code": w.tender_code, "document_id": w.document_id},
    ),
    Page("tendering:publish", "post", frozenset({"owner", "agent"}), lambda w: {"code": w.tender_code}),
    Page(
        "tendering:cancel",
        "post",
        frozenset({"owner", "agent"}),
        lambda w: {"code": w.tender_code},
        lambda w: {"reason": "矩阵测试"},
    ),
    # The owner side registers its keys too: it seals the reserve price (标底) like a bid.
    Page("tendering:keys", "get", frozenset({"bidder"}) | REGISTRANTS),
    Page("tendering:clarify", "post", frozenset({"owner", "agent"}), lambda w: {"code": w.tender_code}),
    Page("tendering:document_objection", "post", frozenset({"bidder"}), lambda w: {"code": w.tender_code}),
    Page(
        "tendering:document_objection_answer",
        "post",
        frozenset({"owner", "agent"}),
        lambda w: {"code": w.tender_code, "pk": w.document_objection_id},
    ),
    Page("tendering:opening", "get", ALL, lambda w: {"code": w.tender_code, "lot_code": w.lot_code}),
    Page(
        "tendering:opening_respond",
        "post",
        frozenset({"bidder"}),
        lambda w: {"code": w.tender_code, "lot_code": w.lot_code},
        lambda w: {"action": "confirm"},
    ),
    Page(
        "tendering:opening_answer",
        "post",
        frozenset({"owner", "agent"}),
        lambda w: {"code": w.tender_code, "pk": w.objection_id},
    ),
    Page("tendering:bid_unseal", "post", frozenset({"bidder"}), lambda w: {"code": w.tender_code, "pk": w.bid_id}),
    Page(
        "tendering:bid_unseal_backup",
        "post",
        frozenset({"bidder"}),
        lambda w: {"code": w.tender_code, "pk": w.bid_id},
    ),
    Page(
        "tendering:bid_submit",
        "get",
        frozenset({"bidder"}),
        lambda w: {"code": w.tender_code, "lot_code": w.lot_code},
    ),
    Page("tendering:my_bids", "get", frozenset({"bidder"}), lambda w: {"code": w.tender_code}),
    Page("tendering:bid_withdraw", "post", frozenset({"bidder"}), lambda w: {"code": w.tender_code, "pk": w.bid_id}),
    Page("tendering:my_envelope", "get", frozenset({"bidder"}), lambda w: {"code": w.tender_code, "pk": w.bid_id}),
    Page("tendering:my_securities", "get", frozenset({"bidder"}), lambda w: {"code": w.tender_code}),
    Page("tendering:securities", "get", frozenset({"owner", "agent"}), lambda w: {"code": w.tender_code}),
    Page(
        "tendering:reserve_price",
        "get",
        frozenset({"owner", "agent"}),
        lambda w: {"code": w.tender_code, "lot_code": w.lot_code},
    ),
    Page(
        "tendering:reserve_price_unseal",
        "post",
        frozenset({"owner", "agent"}),
        lambda w: {"code": w.tender_code, "lot_code": w.lot_code},
        lambda w: {"content_key": "x"},
    ),
    Page(
        "tendering:bid_mark_not_decrypted",
        "post",
        frozenset({"owner", "agent"}),
        lambda w: {"code": w.tender_code, "pk": w.bid_id},
        lambda w: {"reason": "矩阵测试"},
    ),
    Page("disclosure:list", "get", ALL),
    Page("disclosure:create", "get", frozenset({"center_staff"})),
    Page("disclosure:detail", "get", ALL, lambda w: {"pk": w.notice_id}),
    Page("disclosure:correct", "get", frozenset({"center_staff"}), lambda w: {"pk": w.notice_id}),
    Page("disclosure:withdraw", "post", frozenset({"center_staff"}), lambda w: {"pk": w.notice_id}),
    Page("disclosure:atom", "get", ALL),
    Page("disclosure:sitemap_index", "get", ALL),
    Page("disclosure:sitemap", "get", ALL, lambda w: {"page": 1}),
    Page("disclosure:timeline", "get", ALL, lambda w: {"deal_code": w.deal_code}),
    Page("witness:public", "get", ALL),
    Page("witness:events", "get", WITNESS_READERS),
    # expert draw
    Page("experts:draw_list", "get", SIGNED_IN),
    Page("experts:draw_request_new", "get", frozenset({"owner", "agent"}), lambda w: {"lot_code": w.lot_code}),
    Page(
        "experts:draw_detail",
        "get",
        frozenset({"center_staff", "supervisor", "owner", "agent"}),
        lambda w: {"pk": w.draw_id},
    ),
    Page("experts:draw_witness", "post", frozenset({"center_staff", "supervisor"}), lambda w: {"pk": w.draw_id}),
    Page("experts:draw_run", "post", frozenset({"center_staff"}), lambda w: {"pk": w.draw_id}),
    Page("experts:draw_cancel", "post", frozenset({"owner", "agent"}), lambda w: {"pk": w.draw_id}),
    Page("experts:invitations", "get", frozenset({"expert"})),
    Page("experts:rating_of_expert", "post", frozenset({"owner", "agent"}), lambda w: {"pk": w.selection_id}),
    Page("experts:rating_of_requester", "post", frozenset({"expert"}), lambda w: {"pk": w.selection_id}),
    Page("experts:invitation_respond", "post", frozenset({"expert"}), lambda w: {"pk": w.selection_id}),
    Page("experts:replay_list", "get", ALL),
    # evaluation
    Page(
        "evaluation:committee_form",
        "get",
        frozenset({"owner", "agent"}),
        lambda w: {"code": w.tender_code, "lot_code": w.lot_code},
    ),
    Page("evaluation:workspace", "get", frozenset({"expert"}), lambda w: {"pk": w.committee_id}),
    Page("evaluation:terms", "get", frozenset({"owner", "agent"}), lambda w: {"code": w.tender_code}),
    # the world's lot has no report yet: closing one is a 404 for everyone; the others answer with a reason
    Page("evaluation:report_close", "post", frozenset(), lambda w: {"code": w.tender_code, "lot_code": w.lot_code}),
    Page(
        "evaluation:publicity",
        "post",
        frozenset({"owner", "agent"}),
        lambda w: {"code": w.tender_code, "lot_code": w.lot_code},
    ),
    # no signed report / no award in the world: both answer the owner side with a reason
    Page(
        "evaluation:candidate_exclude",
        "post",
        frozenset({"owner", "agent"}),
        lambda w: {"code": w.tender_code, "lot_code": w.lot_code, "bid_id": w.bid_id},
    ),
    Page(
        "evaluation:supervisor_report",
        "post",
        frozenset({"owner", "agent"}),
        lambda w: {"code": w.tender_code, "lot_code": w.lot_code},
    ),
    Page("evaluation:result", "get", ALL, lambda w: {"code": w.tender_code, "lot_code": w.lot_code}),
    Page(
        "evaluation:objection_raise",
        "post",
        frozenset({"bidder"}),
        lambda w: {"code": w.tender_code, "lot_code": w.lot_code},
    ),
    # no objection exists in the world: answering is a 404 for everyone
    Page(
        "evaluation:objection_answer",
        "post",
        frozenset(),
        lambda w: {"code": w.tender_code, "lot_code": w.lot_code, "pk": 999999},
    ),
    Page(
        "evaluation:award",
        "post",
        frozenset({"owner", "agent"}),
        lambda w: {"code": w.tender_code, "lot_code": w.lot_code},
    ),
    Page(
        "evaluation:contract",
        "post",
        frozenset({"owner", "agent"}),
        lambda w: {"code": w.tender_code, "lot_code": w.lot_code},
    ),
    Page("evaluation:check_in", "post", frozenset({"expert"}), lambda w: {"pk": w.committee_id}),
    # the world's bid is not decrypted and there is no report: nobody may act on them yet
    Page("evaluation:review", "post", frozenset(), lambda w: {"pk": w.committee_id, "bid_id": w.bid_id}),
    Page("evaluation:score", "post", frozenset(), lambda w: {"pk": w.committee_id, "bid_id": w.bid_id}),
    Page("evaluation:report_sign", "post", frozenset(), lambda w: {"pk": w.committee_id}),
    Page("evaluation:reject_all", "post", frozenset({"expert"}), lambda w: {"pk": w.committee_id}),
    Page("evaluation:more_time", "post", frozenset({"expert"}), lambda w: {"pk": w.committee_id}),
    # the world's bid is not decrypted: nobody may ask about it yet
    Page("evaluation:question_ask", "post", frozenset(), lambda w: {"pk": w.committee_id, "bid_id": w.bid_id}),
    Page("evaluation:my_questions", "get", frozenset({"bidder"})),
    Page("evaluation:question_answer", "post", frozenset(), lambda w: {"pk": 999999}),
    Page("evaluation:report_draft", "post", frozenset({"expert"}), lambda w: {"pk": w.committee_id}),
    Page("evaluation:tie_draw_request", "post", frozenset({"expert"}), lambda w: {"pk": w.committee_id}),
    Page("evaluation:tie_draw_run", "post", frozenset(), lambda w: {"pk": w.committee_id, "draw_id": 999999}),
    Page("evaluation:price_correction", "post", frozenset(), lambda w: {"pk": w.committee_id, "bid_id": w.bid_id}),
    Page("evaluation:correction_answer", "post", frozenset(), lambda w: {"pk": 999999}),
    Page(
        "evaluation:member_replace",
        "post",
        frozenset({"owner", "agent"}),
        lambda w: {
            "code": w.tender_code,
            "lot_code": w.lot_code,
            "member_id": Member.objects.filter(committee_id=w.committee_id)
            .order_by("pk")
            .values_list("pk", flat=True)[0],
        },
    ),
    # nobody before the member has checked in and the evaluation runs
    Page(
        "evaluation:bid_file",
        "get",
        frozenset(),
        lambda w: {"pk": w.committee_id, "bid_id": w.bid_id, "name": "technical.txt"},
    ),
    Page("experts:replay_detail", "get", ALL, lambda w: {"pk": w.draw_id}),
    # open data (OCDS): public, no sign-in
    Page("opendata:index", "get", ALL),
    Page("opendata:release_packages", "get", ALL),
    Page("opendata:record_packages", "get", ALL),
]

# The expert pool: its pages act on the world's expert (users["expert"]'s entry, see _draw_data).
POOL_READERS = frozenset({"center_staff", "supervisor", "supervisor_other"})  # supervisors ban experts


def _pool_expert(world: World) -> dict[str, object]:
    return {"number": Selection.objects.get(pk=world.selection_id).expert.number}


def _pool_change(world: World) -> dict[str, object]:
    """Matrix data only: a pending change of the world's expert, for the review endpoint."""
    expert = Selection.objects.get(pk=world.selection_id).expert
    change = expert.changes.first() or expert.changes.create(changes={"title_name": "矩阵"}, submitted_at=clock.now())
    return {"pk": change.pk}


MATRIX += [
    Page("experts:pool_list", "get", POOL_READERS),
    Page("experts:pool_export", "get", POOL_READERS, lambda w: {"fmt": "csv"}),
    Page("experts:pool_detail", "get", POOL_READERS, _pool_expert),
    Page("experts:pool_create", "get", frozenset({"center_staff"})),
    Page("experts:pool_import", "get", frozenset({"center_staff"})),
    Page("experts:pool_changes", "get", frozenset({"center_staff"})),
    Page(
        "experts:pool_change_review",
        "post",
        frozenset({"center_staff"}),
        _pool_change,
        lambda w: {"approve": "0", "note": "矩阵测试"},
    ),
    Page("experts:pool_suspend", "post", frozenset({"center_staff"}), _pool_expert, lambda w: {"reason": "矩阵测试"}),
    Page("experts:pool_restore", "post", frozenset({"center_staff"}), _pool_expert),
    Page("experts:pool_account_link", "post", frozenset({"center_staff"}), _pool_expert, lambda w: {"username": "x"}),
    Page(
        "experts:pool_ban",
        "post",
        frozenset({"supervisor", "supervisor_other"}),
        _pool_expert,
        lambda w: {"reason": "矩阵测试", "until": "2099-12-31"},
    ),
    Page("experts:pool_unban", "post", frozenset({"supervisor", "supervisor_other"}), _pool_expert),
    # Each expert's own profile: no id in the address, so no account reaches another expert's.
    Page("experts:me", "get", frozenset({"expert"})),
    Page("experts:me_contact", "post", frozenset({"expert"}), data=lambda w: {"mobile": "13900000000"}),
    Page("experts:me_conflict", "post", frozenset({"expert"}), data=lambda w: {"person_name": "矩阵", "relation": "x"}),
    Page("experts:me_change", "post", frozenset({"expert"})),
]


EXCHANGE_OPERATORS = frozenset({"center_staff"})


def _exchange_record(world: World) -> dict[str, object]:
    """Matrix data only: the national data-set records of the world's published tender."""
    from ggzy.exchange import services as exchange_services
    from ggzy.exchange.models import ExchangeRecord

    exchange_services.exchange_collect()
    return {"pk": ExchangeRecord.objects.order_by("pk").values_list("pk", flat=True)[0]}


# National data exchange (docs/national-data.md): the trading center's staff only.
MATRIX += [
    Page("exchange:records", "get", EXCHANGE_OPERATORS),
    Page("exchange:record_xml", "get", EXCHANGE_OPERATORS, _exchange_record),
    Page("exchange:record_retry", "post", EXCHANGE_OPERATORS, _exchange_record),
]


def _auction_sale(world: World) -> dict[str, object]:
    return {"pk": world.auction_sale_id}


def _auction_registration(world: World) -> dict[str, object]:
    return {"pk": world.auction_sale_id, "registration_id": world.auction_registration_id}


def _auction_lot(world: World) -> dict[str, object]:
    from ggzy.auctions.models import Sale

    return {"lot_code": Sale.objects.select_related("lot").get(pk=world.auction_sale_id).lot.code}


# Auction pages (issue 7) on the world's sale (_auction_data): the owner's lot through the agent,
# not started yet; the world's bidder is approved with its deposit confirmed. Acts the clock or the
# state refuses (a bid before the start, a second application, a review already done, a freeze
# before the start, a wrong key) answer the allowed users with a reason, not a denial.
MATRIX += [
    Page("auctions:list", "get", ALL),
    Page("auctions:detail", "get", ALL, _auction_sale),
    # The room's event stream reads on a thread and connection of its own, which this test's open
    # transaction would lock; a malformed resume point is answered (400) before any read, which is
    # enough to show that nobody is turned away.
    Page("auctions:live", "get", ALL, _auction_sale, lambda w: {"after": "x"}),
    Page("auctions:mine", "get", frozenset({"bidder"})),
    Page("auctions:apply", "post", frozenset({"bidder"}), _auction_sale),
    Page("auctions:bid", "post", frozenset({"bidder"}), _auction_sale, lambda w: {"amount": "1000000", "key": "m"}),
    Page("auctions:manage", "get", REGISTRANTS),
    Page("auctions:create", "get", frozenset({"owner", "agent"}), _auction_lot),
    Page("auctions:object", "get", frozenset({"owner", "agent"}), _auction_lot),
    Page("auctions:predisclosure", "get", frozenset({"owner", "agent"}), lambda w: {"lot_code": w.property_lot_code}),
    # The seller side sees the applications (anonymous until the result); the center reviews them.
    Page("auctions:registrations", "get", frozenset({"owner", "agent"}), _auction_sale),
    Page(
        "auctions:registration_review",
        "post",
        frozenset({"center_staff"}),
        _auction_registration,
        lambda w: {"approve": "1"},
    ),
    Page("auctions:reserve", "get", frozenset({"owner", "agent"}), _auction_sale),
    Page("auctions:reserve_open", "post", frozenset({"owner", "agent"}), _auction_sale, lambda w: {"content_key": "x"}),
    Page("auctions:operate", "get", frozenset({"center_staff"}), _auction_sale),
    Page("auctions:deposit_confirm", "post", frozenset({"center_staff"}), _auction_registration),
    Page("auctions:increments", "post", frozenset({"center_staff"}), _auction_sale, lambda w: {"increment": "3000"}),
    Page("auctions:freeze", "post", frozenset({"center_staff"}), _auction_sale),
    Page("auctions:resume", "post", frozenset({"center_staff"}), _auction_sale),
    # A land sale: the center is answered "not negotiable" (a message), everyone else is refused.
    Page("auctions:negotiate", "post", frozenset({"center_staff"}), _auction_sale, lambda w: {"amount": "1000000"}),
]


@dataclass(frozen=True)
class ApiOp:
    method: str
    path: str  # OpenAPI path with {params}
    allowed: frozenset[str]
    body: Callable[[World], dict[str, object]] = lambda world: {}


API_MATRIX: list[ApiOp] = [
    ApiOp("post", "/api/v1/accounts/registrations", ALL),
    ApiOp("get", "/api/v1/accounts/uscc/{code}", ALL),
    ApiOp("get", "/api/v1/accounts/me", SIGNED_IN),
    ApiOp("get", "/api/v1/catalog/", ALL),
    ApiOp("post", "/api/v1/catalog/", frozenset({"system_admin"})),
    ApiOp("get", "/api/v1/catalog/{code}", ALL),
    ApiOp("patch", "/api/v1/catalog/{code}", frozenset({"system_admin"})),
    ApiOp("post", "/api/v1/catalog/{code}/retire", frozenset({"system_admin"})),
    ApiOp("post", "/api/v1/projects/", REGISTRANTS),
    ApiOp("get", "/api/v1/projects/", PROJECT_VIEWERS),
    ApiOp("get", "/api/v1/projects/{deal_code}", PROJECT_PARTIES),
    ApiOp("get", "/api/v1/witness/head", ALL),
    ApiOp("get", "/api/v1/witness/checkpoints", ALL),
    ApiOp("get", "/api/v1/witness/events", WITNESS_READERS),
    ApiOp(
        "post", "/api/v1/supervision/projects/{deal_code}/suspend", frozenset({"supervisor"}), lambda w: {"reason": "x"}
    ),
    ApiOp(
        "post", "/api/v1/supervision/projects/{deal_code}/resume", frozenset({"supervisor"}), lambda w: {"reason": "x"}
    ),
    ApiOp("get", "/api/v1/tenders/", ALL),
    ApiOp("get", "/api/v1/tenders/{code}", ALL),
    ApiOp(
        "post",
        "/api/v1/tenders/keys",
        frozenset({"bidder"}) | REGISTRANTS,
        lambda w: {"kind": "sealing", "public_key": "x"},
    ),
    ApiOp("post", "/api/v1/tenders/{code}/lots/{lot_code}/bids", frozenset({"bidder"})),
    ApiOp("get", "/api/v1/tenders/{code}/my-bids", frozenset({"bidder"})),
    ApiOp(
        "post",
        "/api/v1/tenders/{code}/my-bids/{bid_id}/content-key",
        frozenset({"bidder"}),
        lambda w: {"content_key": "x"},
    ),
    ApiOp("get", "/api/v1/tenders/{code}/lots/{lot_code}/opening", ALL),
    ApiOp(
        "post",
        "/api/v1/tenders/{code}/bids/{bid_id}/not-decrypted",
        frozenset({"owner", "agent"}),
        lambda w: {"reason": "x"},
    ),
    ApiOp("post", "/api/v1/tenders/{code}/lots/{lot_code}/reserve-price", frozenset({"owner", "agent"})),
    ApiOp(
        "post",
        "/api/v1/tenders/{code}/lots/{lot_code}/reserve-price/content-key",
        frozenset({"owner", "agent"}),
        lambda w: {"content_key": "x"},
    ),
    # Authenticated by the bank's signature, not by a role: without it everyone is refused.
    ApiOp("post", "/api/v1/tenders/bank/callback", frozenset()),
    ApiOp(
        "post",
        "/api/v1/tenders/{code}/lots/{lot_code}/uploads",
        frozenset({"bidder"}),
        lambda w: {"size": 1, "leaf_digests": []},
    ),
    ApiOp("get", "/api/v1/tenders/uploads/{token}", frozenset({"bidder"})),
    ApiOp("put", "/api/v1/tenders/uploads/{token}/chunks/{index}", frozenset({"bidder"})),
    ApiOp("post", "/api/v1/tenders/uploads/{token}/complete", frozenset({"bidder"})),
    ApiOp("post", "/api/v1/tenders/{code}/clarifications", frozenset({"owner", "agent"}), lambda w: {"body": ""}),
    ApiOp("post", "/api/v1/tenders/{code}/document-objections", frozenset({"bidder"}), lambda w: {"text": ""}),
    ApiOp(
        "post",
        "/api/v1/tenders/{code}/document-objections/{document_objection_id}/answer",
        frozenset({"owner", "agent"}),
        lambda w: {"text": ""},
    ),
    ApiOp("post", "/api/v1/tenders/{code}/lots/{lot_code}/opening/confirm", frozenset({"bidder"})),
    ApiOp(
        "post",
        "/api/v1/tenders/{code}/lots/{lot_code}/opening/objections",
        frozenset({"bidder"}),
        lambda w: {"text": "x"},
    ),
    ApiOp(
        "post",
        "/api/v1/tenders/{code}/objections/{objection_id}/answer",
        frozenset({"owner", "agent"}),
        lambda w: {"text": "x"},
    ),
    ApiOp("post", "/api/v1/tenders/{code}/my-bids/{bid_id}/withdraw", frozenset({"bidder"})),
    ApiOp("post", "/api/v1/tenders/{code}/cancel", frozenset({"owner", "agent"}), lambda w: {"reason": "矩阵测试"}),
    ApiOp("get", "/api/v1/notices/", ALL),
    ApiOp("get", "/api/v1/notices/{notice_id}", ALL),
    ApiOp("get", "/api/v1/feed", ALL),
    ApiOp("get", "/api/v1/rules/", ALL),
    ApiOp("get", "/api/v1/rules/periods/deadline", ALL),
    ApiOp("get", "/api/v1/rules/calendar/{year}", ALL),
    ApiOp(
        "post",
        "/api/v1/experts/draws",
        frozenset({"owner", "agent"}),
        lambda w: {
            "lot_code": w.lot_code,
            "evaluation_starts_at": (clock.now() + dt.timedelta(hours=3)).isoformat(),
            "evaluation_ends_at": (clock.now() + dt.timedelta(hours=8)).isoformat(),
            "place": "评标室",
            "region_scope": "local",
            "lines": [{"specialty_code": "A01", "count": 1}],
        },
    ),
    ApiOp("get", "/api/v1/experts/draws/{draw_id}", frozenset({"center_staff", "supervisor", "owner", "agent"})),
    ApiOp(
        "post",
        "/api/v1/experts/draws/{draw_id}/witness",
        frozenset({"center_staff", "supervisor"}),
        lambda w: {"witness_text": "123456"},
    ),
    ApiOp("post", "/api/v1/experts/draws/{draw_id}/run", frozenset({"center_staff"})),
    ApiOp("get", "/api/v1/experts/invitations", frozenset({"expert"})),
    ApiOp(
        "post", "/api/v1/experts/invitations/{selection_id}/respond", frozenset({"expert"}), lambda w: {"accept": True}
    ),
    ApiOp("get", "/api/v1/experts/replays/{draw_id}", ALL),
    ApiOp("get", "/api/v1/exchange/records", EXCHANGE_OPERATORS),
    ApiOp("get", "/api/v1/ocds/processes", ALL),
    ApiOp("get", "/api/v1/ocds/releases/{ocid}", ALL),
    ApiOp("get", "/api/v1/ocds/records/{ocid}", ALL),
]

AUCTION_SELLER = frozenset({"owner", "agent"})  # the world's sale: the owner's lot, through the agent
AUCTION_CENTER = frozenset({"center_staff"})
AUCTIONS = "/api/v1/auctions/sales"

# Listing, auction and online bidding (issue 7). Public reads show bid numbers only; the world's
# bidder is approved with its deposit confirmed, so its bid is refused by the clock (409), not denied.
API_MATRIX += [
    ApiOp("get", AUCTIONS, ALL),
    ApiOp("get", AUCTIONS + "/{sale_id}", ALL),
    ApiOp("get", AUCTIONS + "/{sale_id}/events", ALL),
    ApiOp("post", AUCTIONS + "/{sale_id}/bids", frozenset({"bidder"}), lambda w: {"amount_fen": 1, "key": "m"}),
    ApiOp("post", AUCTIONS + "/{sale_id}/registrations", frozenset({"bidder"})),
    ApiOp("get", AUCTIONS + "/{sale_id}/registration", frozenset({"bidder"})),
    ApiOp("get", AUCTIONS + "/{sale_id}/registrations", AUCTION_SELLER | AUCTION_CENTER),
    ApiOp(
        "post",
        AUCTIONS + "/{sale_id}/registrations/{registration_id}/review",
        AUCTION_CENTER,
        lambda w: {"approve": True},
    ),
    ApiOp("post", AUCTIONS + "/{sale_id}/registrations/{registration_id}/deposit", AUCTION_CENTER),
    # Authenticated by the bank's signature, not by a role: without it everyone is refused.
    ApiOp("post", "/api/v1/auctions/bank/callback", frozenset()),
    ApiOp("post", AUCTIONS + "/{sale_id}/increments", AUCTION_CENTER, lambda w: {"increment_fen": 300_000}),
    ApiOp("post", AUCTIONS + "/{sale_id}/freeze", AUCTION_CENTER),
    ApiOp("post", AUCTIONS + "/{sale_id}/resume", AUCTION_CENTER),
    ApiOp("post", AUCTIONS + "/{sale_id}/negotiate", AUCTION_CENTER, lambda w: {"amount_fen": 100_000_000}),
    ApiOp("post", AUCTIONS + "/{sale_id}/reserve", AUCTION_SELLER),
    ApiOp("post", AUCTIONS + "/{sale_id}/reserve/content-key", AUCTION_SELLER, lambda w: {"content_key": "x"}),
]

# Served by django-ninja itself, public by design (the OpenAPI document and its viewer).
API_SELF_DESCRIPTION = {"api:openapi-json", "api:openapi-view", "api:api-root"}


def _walk(patterns, namespace=""):  # type: ignore[no-untyped-def]
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else (pattern.namespace or namespace)
            )
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
            yield name, pattern


def _client(world: World, actor: str) -> Client:
    if actor == "anonymous":
        return Client()
    return signed_in_client(world.users[actor])


def _denied(response) -> bool:  # type: ignore[no-untyped-def]
    if response.status_code in (401, 403, 404):
        return True
    location = response.get("Location", "") if response.status_code == 302 else ""
    return "/accounts/login/" in location and "next=" in location


def _fill(path: str, world: World) -> str:
    return (
        path.replace("{deal_code}", world.deal_code)
        .replace("{notice_id}", str(world.notice_id))
        .replace("/tenders/{code}", "/tenders/" + world.tender_code)
        .replace("{lot_code}", world.lot_code)
        .replace("{bid_id}", str(world.bid_id))
        .replace("{objection_id}", str(world.objection_id))
        .replace("{token}", world.upload_token)
        .replace("{index}", "0")
        .replace("{document_objection_id}", str(world.document_objection_id))
        .replace("{draw_id}", str(world.draw_id))
        .replace("{selection_id}", str(world.selection_id))
        .replace("{ocid}", opendata_selectors.ocid_for(deal_code=world.deal_code, lot_number=1))
        .replace("{code}", "A01")
        .replace("{year}", "2026")
        .replace("{sale_id}", str(world.auction_sale_id))
        .replace("{registration_id}", str(world.auction_registration_id))
    )


def test_every_page_is_in_the_matrix_and_declares_its_access():
    names = {page.name for page in MATRIX}
    missing, undeclared = [], []
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith("api:"):
            continue
        if name not in names:
            missing.append(name)
        if name != "set_language" and not hasattr(pattern.callback, "ggzy_access"):
            undeclared.append(name)
    assert not missing, f"pages missing from the permission matrix: {missing}"
    assert not undeclared, f"views that do not declare who may open them: {undeclared}"


def test_every_api_operation_is_in_the_matrix():
    from config.api import api

    schema = api.get_openapi_schema()
    operations = {(method, path) for path, ops in schema["paths"].items() for method in ops}
    covered = {(op.method, op.path) for op in API_MATRIX}
    assert operations - covered == set(), f"API operations missing from the matrix: {operations - covered}"
    assert covered - operations == set(), f"matrix lists operations that do not exist: {covered - operations}"
    api_names = {name for name, _pattern in _walk(get_resolver().url_patterns) if name.startswith("api:")}
    assert api_names >= API_SELF_DESCRIPTION


def _run(world: World, actor: str, method: str, url: str, **kwargs: object):  # type: ignore[no-untyped-def]
    # Each request is rolled back, so one actor's successful act does not change the next one's case.
    sid = transaction.savepoint()
    try:
        return getattr(_client(world, actor), method)(url, **kwargs)
    finally:
        transaction.savepoint_rollback(sid)


@pytest.mark.django_db
@pytest.mark.parametrize("page", MATRIX, ids=lambda page: f"{page.method}:{page.name}")
def test_page_access(page: Page):
    world = build_world()
    url = reverse(page.name, kwargs=page.kwargs(world))
    wrong = []
    for actor in ACTORS:
        response = _run(world, actor, page.method, url, data=page.data(world))
        if _denied(response) == (actor in page.allowed):
            wrong.append(f"{actor}: {response.status_code} {response.get('Location', '')}")
    assert not wrong, f"{page.method.upper()} {url}: " + "; ".join(wrong)


@pytest.mark.django_db
@pytest.mark.parametrize("op", API_MATRIX, ids=lambda op: f"{op.method}:{op.path}")
def test_api_access(op: ApiOp):
    world = build_world()
    url = _fill(op.path, world)
    wrong = []
    for actor in ACTORS:
        kwargs: dict[str, object] = {}
        if op.method != "get":
            kwargs = {"data": op.body(world), "content_type": "application/json"}
        response = _run(world, actor, op.method, url, **kwargs)
        denied = response.status_code in (401, 403, 404)
        if denied == (actor in op.allowed):
            wrong.append(f"{actor}: {response.status_code}")
        if actor == "anonymous" and denied:
            assert response.status_code == 401, f"anonymous should get 401 on {url}"
    assert not wrong, f"{op.method.upper()} {url}: " + "; ".join(wrong)


@pytest.mark.django_db
def test_no_trading_center_account_can_suspend_a_project():
    world = build_world()
    for actor in ("center_staff", "system_admin", "security_admin", "audit_admin"):
        client = _client(world, actor)
        page = client.post(
            reverse("supervision:project_suspend", kwargs={"deal_code": world.deal_code}), {"reason": "x"}
        )
        api = client.post(
            f"/api/v1/supervision/projects/{world.deal_code}/suspend", {"reason": "x"}, content_type="application/json"
        )
        assert page.status_code == 403 and api.status_code == 403
    from ggzy.projects.models import Project

    assert Project.objects.get(deal_code=world.deal_code).status == "registered"


@pytest.mark.django_db
def test_api_session_writes_need_the_csrf_token():
    world = build_world()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["supervisor"])
    session = client.session
    from ggzy.accounts.middleware import GENERATION_KEY

    session[GENERATION_KEY] = world.users["supervisor"].session_generation
    session.save()
    response = client.post(
        f"/api/v1/supervision/projects/{world.deal_code}/suspend", {"reason": "x"}, content_type="application/json"
    )
    assert response.status_code in (401, 403)


@pytest.mark.django_db
def test_a_bidder_downloads_only_its_own_envelope():
    world = build_world()
    url = reverse("tendering:my_envelope", kwargs={"code": world.tender_code, "pk": world.bid_id})
    assert signed_in_client(make_user(Role.BIDDER)).get(url).status_code == 404
    response = signed_in_client(world.users["bidder"]).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"GGZYBID\x01")
