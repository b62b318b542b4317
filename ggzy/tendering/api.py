"""API endpoints of the tendering app."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from . import selectors
from .schemas import TenderOut, tender_out

router = Router(tags=["tendering"])


@router.get("/", response=list[TenderOut], auth=None, summary="已发布的招标")
def tender_list(request: HttpRequest) -> list[TenderOut]:
    return [tender_out(tender) for tender in selectors.tenders_public()[:200]]


@router.get("/{code}", response=TenderOut, auth=None, summary="招标详情（草稿仅招标人一方可见）")
def tender_get(request: HttpRequest, code: str) -> TenderOut:
    return tender_out(selectors.tender_get_for(request.user, code))
