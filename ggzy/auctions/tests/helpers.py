"""Test helpers for the auctions app: a land-use listing with approved, paid-up bidders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ggzy.accounts.choices import OrganizationKind, Role, Sector
from ggzy.auctions import services
from ggzy.auctions.models import Registration, Sale
from ggzy.catalog import selectors as catalog_selectors
from ggzy.core import clock
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.core.testing.parties import make_org, make_user
from ggzy.jobs import services as jobs_services
from ggzy.projects import services as project_services

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=clock.BEIJING)  # a Monday
START = dt.datetime(2026, 3, 23, 9, 0, tzinfo=clock.BEIJING)  # 21 days after the notice
LISTING_END = dt.datetime(2026, 4, 14, 15, 0, tzinfo=clock.BEIJING)  # > 10 working days
START_PRICE = 100_000_000  # 100万元
INCREMENT = 1_000_000
TIMED_INCREMENT = 500_000


@dataclass
class World:
    seller: Any
    staff: Any
    lot: Any
    sale: Sale | None = None
    bidders: list[Any] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)


def sale_world(
    *,
    trade_type: str = TradeType.LAND_USE,
    name: str = "国有建设用地使用权挂牌出让",
    sector: str = Sector.NATURAL_RESOURCES,
    category: str = "C",
    budget_fen: int = START_PRICE,
    funding_source: str = "土地出让",
    lot_name: str = "宗地一",
) -> World:
    """A seller's project of one lot of `trade_type`, its supervisor and a trading-center clerk."""
    owner = make_user(Role.OWNER)
    assert owner.organization is not None
    supervisor = make_org(kind=OrganizationKind.SUPERVISORY_AUTHORITY, sector=sector)
    project = project_services.project_register(
        actor=owner,
        name=name,
        trade_type=trade_type,
        procurement_method=ProcurementMethod.LISTING,
        catalog_category=catalog_selectors.category_get(category),
        owner=owner.organization,
        agent=None,
        supervisor=supervisor,
        region_code="654002",
        budget_fen=budget_fen,
        funding_source=funding_source,
        lots=[project_services.LotInput(name=lot_name, budget_fen=budget_fen)],
    )
    return World(seller=owner, staff=make_user(Role.CENTER_STAFF), lot=project.lots.get())


def land_world() -> World:
    return sale_world()


def create_listing(world: World, **overrides: Any) -> Sale:
    arguments: dict[str, Any] = {
        "actor": world.seller,
        "lot": world.lot,
        "method": "listing",
        "start_price_fen": START_PRICE,
        "increment_fen": INCREMENT,
        "timed_increment_fen": TIMED_INCREMENT,
        "start_at": START,
        "listing_end": LISTING_END,
    } | overrides
    world.sale = services.sale_create(**arguments)
    return world.sale


def qualified_bidders(world: World, count: int) -> None:
    """Bidders apply, the center approves them (bid numbers) and confirms their deposits."""
    assert world.sale is not None
    for _n in range(count):
        user = make_user(Role.BIDDER)
        registration = services.registration_apply(actor=user, sale=world.sale)
        registration = services.registration_review(actor=world.staff, registration=registration, approve=True)
        registration = services.deposit_confirm(actor=world.staff, registration=registration)
        world.bidders.append(user)
        world.registrations.append(registration)


def sale(world: World) -> Sale:
    assert world.sale is not None
    world.sale.refresh_from_db()
    return world.sale


def listing_under_way(traveller: Any, bidders: int = 2) -> tuple[World, Sale]:
    """A land listing with `bidders` qualified bidders, an hour into its listing period (the
    worker has started it); `traveller` is the test's time_machine traveller, at NOW."""
    world = land_world()
    listing = create_listing(world)
    qualified_bidders(world, bidders)
    traveller.move_to(START + dt.timedelta(hours=1))
    jobs_services.run_due_jobs()
    return world, listing


def listing_with_unpaid_applicant(deposit_fen: int) -> World:
    """A land listing with a deposit and one applicant approved, its deposit not yet paid."""
    world = land_world()
    listing = create_listing(world, deposit_fen=deposit_fen)
    bidder = make_user(Role.BIDDER)
    registration = services.registration_apply(actor=bidder, sale=listing)
    registration = services.registration_review(actor=world.staff, registration=registration, approve=True)
    world.bidders.append(bidder)
    world.registrations.append(registration)
    return world
