"""API endpoints of the witness app."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import PageNumberPagination, paginate

from ggzy.accounts.api_auth import HasCapability
from ggzy.accounts.policies import Capability

from . import selectors
from .models import WitnessCheckpoint, WitnessEvent
from .schemas import CheckpointOut, EventOut, HeadOut

router = Router(tags=["witness"])


@router.get("/head", response=HeadOut, auth=None, summary="见证日志头（公开）")
def head(request: HttpRequest) -> HeadOut:
    current = selectors.head_get()
    return HeadOut(seq=current.seq, hash=current.hash)


@router.get("/checkpoints", response=list[CheckpointOut], auth=None, summary="已发布的检查点（公开）")
def checkpoints(request: HttpRequest) -> QuerySet[WitnessCheckpoint]:
    return selectors.checkpoints_latest(limit=100)


@router.get(
    "/events",
    response=list[EventOut],
    auth=HasCapability(Capability.WITNESS_READ, Capability.AUDIT_READ),
    summary="见证事件明细",
)
@paginate(PageNumberPagination, page_size=100)
def events(request: HttpRequest) -> QuerySet[WitnessEvent]:
    return WitnessEvent.objects.order_by("seq")
