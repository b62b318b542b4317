"""The auctions' part of the demo (`ggzy.core.demo.load` calls `load` with the demo accounts).

- A land-use listing under way: noticed weeks ago, three demo bidders reviewed by the center with
  their deposits confirmed, two bids in the listing period, closing some days from now.
- A state-property listing still taking applications (a demo bidder can apply), one application
  approved and waiting for its deposit, which `manage.py auction_bank_demo` can report paid.

Every row is written by the services, in the order of the real procedure. A listing under way was
noticed the legal period before its start (`services.sale_create` checks it against the clock),
and no service publishes a notice in the past. So that listing's history is played through the
services with `clock.now()` answering the instants it would have happened (`_clock_at`), as
bench/bench_auction.py moves the clock back with time_machine (a test dependency the platform
does not install). Nothing is checked less, only the time is chosen; the witness events of that
history therefore carry those instants, after the events of the load itself.
Loading it again changes nothing: a sale is found by its lot, a project by its name and owner.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from django.conf import settings

from ggzy.accounts.models import User
from ggzy.catalog import selectors as catalog_selectors
from ggzy.core import clock
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.projects import services as project_services
from ggzy.projects.models import Lot, Project
from ggzy.rules import periods
from ggzy.rules import selectors as rules_selectors

from . import results, services
from .choices import NOTICE_RULE_BY_TRADE_TYPE, SaleMethod
from .models import Sale

LAND_PROJECT = "伊宁市城北新区2026-05号宗地国有建设用地使用权挂牌出让"
LAND_LOT = "2026-05号宗地"
LAND_LOT_DESCRIPTION = "位于伊宁市城北新区，城镇住宅用地，出让年限70年，出让面积23,700平方米，容积率不大于2.5。"
# The parcel as its seller registers it (`services.trade_object_register`).
LAND_PARCEL = {
    "location": "伊宁市城北新区北京路以北、上海路以西",
    "area_m2": Decimal("23700.00"),
    "land_use": "residential",
    "term_years": 70,
    "plot_ratio_max": Decimal("2.5"),
    "plot_ratio_min": Decimal("1.0"),
    "density_max_percent": Decimal("25"),
    "green_min_percent": Decimal("35"),
    "height_max_m": Decimal("54"),
}
LAND_START_PRICE = 2_860_000_000  # 2,860万元
LAND_INCREMENT = 10_000_000
LAND_TIMED_INCREMENT = 5_000_000
LAND_DEPOSIT = 572_000_000  # 20 % of the start price
LAND_BIDDERS = ("bidder01", "bidder02", "bidder03")
# (bidder, amount, after the start): two bids, the second one increment above the first.
LAND_BIDS = (
    ("bidder01", LAND_START_PRICE, dt.timedelta(hours=1, minutes=30)),
    ("bidder02", LAND_START_PRICE + LAND_INCREMENT, dt.timedelta(days=1, hours=5)),
)
LAND_STARTED_DAYS_AGO = 3
LAND_OPEN_AT_LEAST_DAYS = 7  # from today, or longer if the legal listing period asks

# A project of `ggzy.core.demo.PROJECTS`: the state-property transfer by listing.
PROPERTY_PROJECT = "伊犁州国投公司所持某商贸公司40%股权转让"
PROPERTY_OWNER = "guotou"
PROPERTY_START_PRICE = 1_250_000_000  # the valuation: 1,250万元
PROPERTY_INCREMENT = 5_000_000
PROPERTY_TIMED_INCREMENT = 2_000_000
PROPERTY_DEPOSIT = 250_000_000
PROPERTY_ENTERPRISE = "伊犁某商贸有限公司"
PROPERTY_SHARE_PERCENT = Decimal("40")
PROPERTY_APPLICANT = "bidder11"  # approved, deposit still to pay

CENTER_STAFF = "center"
LAND_SELLER = "tudi"
LAND_SUPERVISOR = "ziran"


@contextlib.contextmanager
def _clock_at(instant: dt.datetime) -> Iterator[None]:
    """`clock.now()` answers `instant` inside the block (module doc: the listing's history)."""
    real = clock.now
    clock.now = lambda: instant
    try:
        yield
    finally:
        clock.now = real


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return clock.start_of_day(day) + dt.timedelta(hours=hour, minutes=minute)


def load(*, users: dict[str, User]) -> dict[str, int]:
    """Create what is missing; the counts of what was created. `users`: the demo accounts by name."""
    if settings.PRODUCTION:
        raise RuntimeError("demo data is never loaded in production")
    created = {"projects": 0, "sales": 0, "registrations": 0, "bids": 0}
    _land_listing(users, created)
    _property_listing(users, created)
    return created


def _land_listing(users: dict[str, User], created: dict[str, int]) -> None:
    seller, staff = users[LAND_SELLER], users[CENTER_STAFF]
    supervisor = users[LAND_SUPERVISOR].organization
    assert seller.organization is not None and supervisor is not None
    if Project.objects.filter(name=LAND_PROJECT, owner=seller.organization).exists():
        return
    today = clock.today()
    start_day = today - dt.timedelta(days=LAND_STARTED_DAYS_AGO)
    start = _at(start_day, 9)
    notice_rule = rules_selectors.rule_get(
        NOTICE_RULE_BY_TRADE_TYPE[TradeType.LAND_USE],
        trade_type=TradeType.LAND_USE,
        method=SaleMethod.LISTING,
        on=today,
    )
    # The last day the notice may be published for this start; the project is registered then too.
    notice_day = periods.latest_day_before(start_day, notice_rule)
    with _clock_at(_at(notice_day, 9)):
        project = project_services.project_register(
            actor=seller,
            name=LAND_PROJECT,
            trade_type=TradeType.LAND_USE,
            procurement_method=ProcurementMethod.LISTING,
            catalog_category=catalog_selectors.category_get("C"),
            owner=seller.organization,
            agent=None,
            supervisor=supervisor,
            region_code="654002",
            budget_fen=LAND_START_PRICE,
            funding_source="土地出让",
            lots=[
                project_services.LotInput(name=LAND_LOT, budget_fen=LAND_START_PRICE, description=LAND_LOT_DESCRIPTION)
            ],
        )
    created["projects"] += 1
    lot = project.lots.get()
    minimum = results.sale_rule("listing.min_days", lot=lot, method=SaleMethod.LISTING)
    end_day = max(periods.earliest_day_after(start_day, minimum), today + dt.timedelta(days=LAND_OPEN_AT_LEAST_DAYS))
    with _clock_at(_at(notice_day, 9)):
        services.trade_object_register(actor=seller, lot=lot, **LAND_PARCEL)
    with _clock_at(_at(notice_day, 10)):
        sale = services.sale_create(
            actor=seller,
            lot=lot,
            method=SaleMethod.LISTING,
            start_price_fen=LAND_START_PRICE,
            increment_fen=LAND_INCREMENT,
            timed_increment_fen=LAND_TIMED_INCREMENT,
            start_at=start,
            listing_end=_at(end_day, 15),
            deposit_fen=LAND_DEPOSIT,
        )
    created["sales"] += 1
    # Applications the day after the notice, reviewed the next day (within the review period),
    # deposits confirmed the day after: all before the start, as the notice period is weeks.
    applied_day = notice_day + dt.timedelta(days=1)
    for n, username in enumerate(LAND_BIDDERS):
        with _clock_at(_at(applied_day, 10, 20 * n)):
            registration = services.registration_apply(actor=users[username], sale=sale)
        with _clock_at(_at(applied_day + dt.timedelta(days=1), 9, 30 + 10 * n)):
            registration = services.registration_review(actor=staff, registration=registration, approve=True)
        with _clock_at(_at(applied_day + dt.timedelta(days=2), 15, 10 * n)):
            services.deposit_confirm(actor=staff, registration=registration)
        created["registrations"] += 1
    for n, (username, amount, after_start) in enumerate(LAND_BIDS, start=1):
        with _clock_at(start + after_start):
            services.sale_bid(actor=users[username], sale=sale, amount_fen=amount, key=f"demo-land-{n}")
        created["bids"] += 1


def _property_listing(users: dict[str, User], created: dict[str, int]) -> None:
    """Set up now, as a seller would today: the start is the first day the disclosure period allows."""
    owner = users[PROPERTY_OWNER]
    lot = Lot.objects.filter(project__name=PROPERTY_PROJECT, project__owner=owner.organization).first()
    if lot is None or Sale.objects.filter(lot=lot).exists():
        return
    today = clock.today()
    disclosure = results.sale_rule(
        NOTICE_RULE_BY_TRADE_TYPE[TradeType.STATE_PROPERTY], lot=lot, method=SaleMethod.LISTING
    )
    start_day = periods.earliest_day_after(today, disclosure)
    minimum = results.sale_rule("listing.min_days", lot=lot, method=SaleMethod.LISTING)
    services.trade_object_register(
        actor=owner, lot=lot, enterprise=PROPERTY_ENTERPRISE, share_percent=PROPERTY_SHARE_PERCENT
    )
    sale = services.sale_create(
        actor=owner,
        lot=lot,
        method=SaleMethod.LISTING,
        start_price_fen=PROPERTY_START_PRICE,
        increment_fen=PROPERTY_INCREMENT,
        timed_increment_fen=PROPERTY_TIMED_INCREMENT,
        start_at=_at(start_day, 9),
        listing_end=_at(periods.earliest_day_after(start_day, minimum), 15),
        deposit_fen=PROPERTY_DEPOSIT,
        valuation_fen=PROPERTY_START_PRICE,
    )
    created["sales"] += 1
    registration = services.registration_apply(actor=users[PROPERTY_APPLICANT], sale=sale)
    services.registration_review(actor=users[CENTER_STAFF], registration=registration, approve=True)
    created["registrations"] += 1
