"""Reads of the tendering app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404

from ggzy.core import clock
from ggzy.witness import selectors as witness_selectors

from . import deposits, policies
from .choices import BidStatus, TenderStatus
from .models import (
    Bid,
    BidSecurity,
    DocumentDownload,
    DocumentObjection,
    ReservePrice,
    Tender,
    TenderDocument,
    TenderLot,
)


def _base() -> QuerySet[Tender]:
    return Tender.objects.select_related("project", "project__owner", "project__agent").prefetch_related(
        Prefetch("tender_lots", queryset=TenderLot.objects.select_related("lot")), "documents"
    )


def tenders_public() -> QuerySet[Tender]:
    return _base().exclude(status=TenderStatus.DRAFT).order_by("-published_at")


def tender_get_for(user: Any, code: str) -> Tender:
    """A published tender for anyone; a draft only for its owner side (others get 404)."""
    tender = _base().filter(code=code).first()
    if tender is None:
        raise Http404
    if tender.status == TenderStatus.DRAFT and not policies.can_manage(user, tender):
        raise Http404
    return tender


def tenders_managed_by(user: Any) -> QuerySet[Tender]:
    if user.organization_id is None:
        return Tender.objects.none()
    organization = user.organization_id
    return _base().filter(project__owner_id=organization) | _base().filter(project__agent_id=organization)


def document_get_public(*, tender: Tender, document_id: int) -> TenderDocument:
    document = tender.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404
    return document


def potential_bidders_secret(tender: Tender) -> bool:
    """Who may bid — and how many — stays secret until submissions close at the bid deadline
    (招标投标法 art. 22), from everyone, the owner's side included. A termination does not end the
    secret early: the project may be tendered again. Decided by the deadline itself, not by the
    status the closing job sets a moment later, so that it agrees with `lot_bidders_known` (the
    expert draw's recusal list) at every instant."""
    return tender.status == TenderStatus.DRAFT or clock.now() < tender.bid_deadline


# The award is the evaluation app's fact, and evaluation depends on tendering, never the reverse.
# The award writes this witness event on the lot in its own transaction (under the lot's lock),
# so tendering reads the fact from the log it already depends on.
AWARD_EVENT = "evaluation.awarded"


def lot_awarded(tender_lot: TenderLot) -> bool:
    """Whether a winner has been determined for the lot (the award letter binds, 招标投标法 art. 45)."""
    events = witness_selectors.events_for_object(object_type=TenderLot._meta.label_lower, object_id=str(tender_lot.pk))
    return events.filter(action=AWARD_EVENT).exists()


def downloads_visible(*, user: Any, tender: Tender) -> QuerySet[DocumentDownload] | None:
    if potential_bidders_secret(tender) or not policies.can_manage(user, tender):
        return None
    return DocumentDownload.objects.filter(document__tender=tender).select_related("organization", "document")


def _with_overdue(securities: QuerySet[BidSecurity]) -> QuerySet[BidSecurity]:
    """Each security marked `overdue` by the one definition of a late refund (deposits)."""
    late = deposits.securities_overdue().filter(pk=OuterRef("pk"))
    return securities.annotate(overdue=Exists(late)).select_related("tender_lot__lot", "organization")


def securities_visible(*, user: Any, tender: Tender) -> QuerySet[BidSecurity] | None:
    """The owner side's list of bid securities. Who paid is who may bid: like the download list it
    is shown to nobody before the deadline, not even as a count (None)."""
    if potential_bidders_secret(tender) or not policies.can_manage(user, tender):
        return None
    return _with_overdue(BidSecurity.objects.filter(tender_lot__tender=tender)).order_by(
        "tender_lot__lot__number", "confirmed_at", "id"
    )


def with_refund_statements(
    securities: QuerySet[BidSecurity],
) -> list[tuple[BidSecurity, deposits.RefundStatement]]:
    """Each security with its principal, the interest or fee owed (a projection to today while the
    refund is pending) and any shortfall, for the security pages."""
    today = clock.local(clock.now()).date()
    rows = securities.select_related("tender_lot__tender__project")
    return [(security, deposits.refund_statement(security, on=today)) for security in rows]


def securities_of(*, organization_id: int, tender: Tender) -> QuerySet[BidSecurity]:
    """A bidder's own securities for the lots of a tender, as the bank confirmed them."""
    return _with_overdue(BidSecurity.objects.filter(tender_lot__tender=tender, organization_id=organization_id))


def document_objections_visible(*, user: Any, tender: Tender) -> QuerySet[DocumentObjection]:
    """The owner side sees every objection (to answer it); a bidder sees its own; others none —
    an objector is a potential bidder, whose identity is secret before the deadline."""
    objections = DocumentObjection.objects.filter(tender=tender).select_related("objector")
    if policies.can_manage(user, tender):
        return objections
    organization_id = getattr(user, "organization_id", None) if getattr(user, "is_authenticated", False) else None
    return objections.filter(objector_id=organization_id) if organization_id else objections.none()


def lot_bidders_known(lot_id: int) -> list[Any] | None:
    """The organizations bidding on a project lot, once the bid deadline has passed; None before.

    Used by the expert draw's recusal filter: before the deadline the bidders are not known to
    anyone (and must not become known through the draw)."""
    tender_lot = (
        TenderLot.objects.filter(lot_id=lot_id, tender__published_at__isnull=False)
        .select_related("tender")
        .order_by("-tender__published_at")
        .first()
    )
    if tender_lot is None or tender_lot.tender.bid_deadline > clock.now():
        return None
    bids = Bid.objects.filter(tender_lot=tender_lot, status=BidStatus.SUBMITTED).select_related("bidder")
    return [bid.bidder for bid in bids]


def reserve_price_get(tender_lot: TenderLot) -> ReservePrice | None:
    return ReservePrice.objects.filter(tender_lot=tender_lot).select_related("organization").first()


def bids_files_check_failed(*, tender_lot: TenderLot) -> QuerySet[Bid]:
    """Opened bids whose files did not match the file digests their bidder signed in the manifest
    (re-hashed by a job after the opening): a ground for rejection at the evaluation."""
    return (
        Bid.objects.filter(tender_lot=tender_lot, status=BidStatus.SUBMITTED, files_checked_at__isnull=False)
        .exclude(files_check_failure="")
        .select_related("bidder")
    )


def decrypted_bids(tender_lot: TenderLot) -> list[Bid]:
    """The lot's bids that were decrypted at the opening (the evaluation works on these only)."""
    from .choices import OpeningOutcome

    return list(
        Bid.objects.filter(tender_lot=tender_lot, status=BidStatus.SUBMITTED, opening_outcome=OpeningOutcome.DECRYPTED)
        .select_related("bidder")
        .order_by("received_at")
    )


def opened_files(bid: Bid) -> list[Path]:
    """The files of a decrypted bid as the opening wrote them (relative paths, sorted)."""
    from .opening import opened_dir

    root = opened_dir(bid) / "files"
    if not root.is_dir():
        return []
    return sorted(path.relative_to(root) for path in root.rglob("*") if path.is_file())


def is_lot_bidder(user: Any, tender_lot: TenderLot) -> bool:
    return bool(
        getattr(user, "organization_id", None)
        and Bid.objects.filter(
            tender_lot=tender_lot, bidder_id=user.organization_id, status=BidStatus.SUBMITTED
        ).exists()
    )
