"""Reads of the tendering app."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from . import policies
from .choices import TenderStatus
from .models import DocumentDownload, DocumentObjection, Tender, TenderDocument, TenderLot


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


def downloads_visible(*, user: Any, tender: Tender) -> QuerySet[DocumentDownload] | None:
    """The list of potential bidders stays secret until the bid deadline (招标投标法 art. 22),
    from everyone, the owner's side included."""
    if tender.status in (TenderStatus.DRAFT, TenderStatus.PUBLISHED) or not policies.can_manage(user, tender):
        return None
    return DocumentDownload.objects.filter(document__tender=tender).select_related("organization", "document")


def document_objections_visible(*, user: Any, tender: Tender) -> QuerySet[DocumentObjection]:
    """The owner side sees every objection (to answer it); a bidder sees its own; others none —
    an objector is a potential bidder, whose identity is secret before the deadline."""
    objections = DocumentObjection.objects.filter(tender=tender).select_related("objector")
    if policies.can_manage(user, tender):
        return objections
    organization_id = getattr(user, "organization_id", None) if getattr(user, "is_authenticated", False) else None
    return objections.filter(objector_id=organization_id) if organization_id else objections.none()
