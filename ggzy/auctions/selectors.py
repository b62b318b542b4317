"""Reads of the auctions app."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ggzy.projects.models import Lot

from .choices import SALE_TRADE_TYPES, SalePhase, SaleStatus
from .models import Predisclosure, Registration, Sale, SaleEvent, SaleReserve, TradeObject


def sale_get(pk: int) -> Sale:
    return Sale.objects.select_related("lot__project", "leader", "winner").get(pk=pk)


def sale_events_since(sale: Sale, after_seq: int) -> QuerySet[SaleEvent]:
    """What a watcher that last saw event `after_seq` receives next, in order (SSE will replay it)."""
    return SaleEvent.objects.filter(sale=sale, seq__gt=after_seq).order_by("seq")


def sales_public(*, trade_type: str = "", method: str = "", status: str = "") -> QuerySet[Sale]:
    """Every sale, newest first: sales are set up from a published notice, so all are public."""
    sales = Sale.objects.select_related("lot__project", "leader", "winner__organization").order_by("-created_at", "-pk")
    if trade_type:
        sales = sales.filter(lot__project__trade_type=trade_type)
    if method:
        sales = sales.filter(method=method)
    if status:
        sales = sales.filter(status=status)
    return sales


def sale_registrations(sale: Sale) -> QuerySet[Registration]:
    """The applications of a sale with their organizations: for the seller side and the center only."""
    return Registration.objects.filter(sale=sale).select_related("organization").order_by("applied_at", "pk")


def registration_of(*, sale: Sale, organization_id: int) -> Registration | None:
    return Registration.objects.filter(sale=sale, organization_id=organization_id).first()


def trade_object_of(lot: Lot) -> TradeObject | None:
    return TradeObject.objects.filter(lot=lot).first()


def predisclosure_of(lot: Lot) -> Predisclosure | None:
    return Predisclosure.objects.filter(lot=lot).first()


def sale_increments(sale: Sale) -> tuple[int, int]:
    """The listing and timed-round increments in force: as published, or as last adjusted
    (`services.sale_increments_adjust`)."""
    adjusted = SaleEvent.objects.filter(sale=sale, kind="increments_changed").order_by("-seq").first()
    if adjusted is None:
        return sale.increment_fen, sale.timed_increment_fen
    return adjusted.payload["increment_fen"], adjusted.payload["timed_increment_fen"]


def sale_minimum_bid_fen(sale: Sale, increments: tuple[int, int] | None = None) -> int | None:
    """The least the next bid may be, from the stored snapshot (engine `State.minimum_bid_fen`);
    None once bidding has closed. A frozen sale answers for the phase it will resume. `increments`:
    `sale_increments(sale)`, when the caller has read them already."""
    phase = sale.phase
    if phase == SalePhase.FROZEN:
        frozen = SaleEvent.objects.filter(sale=sale, kind="frozen").order_by("-seq").first()
        if frozen is not None:
            phase = frozen.payload["paused"]
    if phase == SalePhase.CLOSED or sale.status != SaleStatus.OPEN:
        return None
    if sale.price_fen is None:
        return sale.start_price_fen
    listing, timed = increments or sale_increments(sale)
    return sale.price_fen + (listing if phase == SalePhase.LISTING else timed)


# ---------------------------------------------------------------- pages


def sale_bid_history(sale: Sale) -> QuerySet[SaleEvent]:
    """The accepted bids as watchers saw them (bid numbers only, never an organization), newest first."""
    return SaleEvent.objects.filter(sale=sale, kind="bid_accepted").order_by("-seq")


def registrations_of_organization(organization_id: int) -> QuerySet[Registration]:
    """One bidder's own applications, newest first."""
    return (
        Registration.objects.filter(organization_id=organization_id)
        .select_related("sale__lot__project")
        .order_by("-applied_at", "-pk")
    )


def lots_for_sale(organization_id: int) -> QuerySet[Lot]:
    """The lots an organization may sell as the owner or the agent (land use, mining rights and
    state property projects)."""
    return (
        Lot.objects.filter(project__trade_type__in=SALE_TRADE_TYPES)
        .filter(Q(project__owner_id=organization_id) | Q(project__agent_id=organization_id))
        .select_related("project")
        .order_by("-project__registered_at", "project_id", "number")
    )


def sales_of_lots(lots: QuerySet[Lot]) -> QuerySet[Sale]:
    return Sale.objects.filter(lot__in=lots).select_related("lot__project").order_by("-created_at", "-pk")


def sale_lot_get(code: str) -> Lot | None:
    """A lot that may be sold by listing, auction or online bidding, with its project."""
    return Lot.objects.select_related("project").filter(code=code, project__trade_type__in=SALE_TRADE_TYPES).first()


def sale_reserve_get(sale: Sale) -> SaleReserve | None:
    return SaleReserve.objects.filter(sale=sale).first()


def sale_last_freeze(sale: Sale) -> SaleEvent | None:
    """The latest `frozen` event (its public reason), if the sale was ever frozen."""
    return SaleEvent.objects.filter(sale=sale, kind="frozen").order_by("-seq").first()
