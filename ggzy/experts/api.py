"""API endpoints of the experts app: draw requests, the drawing room, invitations, public replays."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Status

from ggzy.accounts.api_auth import HasCapability
from ggzy.accounts.decorators import AuthedRequest
from ggzy.accounts.policies import Capability
from ggzy.projects.models import Lot

from . import selectors, services
from .models import DrawRequest, Selection
from .schemas import DrawOut, DrawRequestIn, InvitationOut, ReplayOut, RespondIn, WitnessIn

router = Router(tags=["experts"])
requester = HasCapability(Capability.TENDER_MANAGE)
operator = HasCapability(Capability.EXPERT_DRAW_RUN)
witness = HasCapability(Capability.EXPERT_DRAW_WITNESS)
expert = HasCapability(Capability.EXPERT_RESPOND)
draw_viewer = HasCapability(
    Capability.TENDER_MANAGE, Capability.EXPERT_DRAW_RUN, Capability.EXPERT_DRAW_WITNESS, Capability.SUPERVISE
)


def draw_out(request: DrawRequest) -> dict[str, Any]:
    request = selectors.request_get_any(request.pk)
    return {
        "id": request.pk,
        "lot_code": request.lot.code,
        "status": request.status,
        "evaluation_starts_at": request.evaluation_starts_at,
        "evaluation_ends_at": request.evaluation_ends_at,
        "place": request.place,
        "region_scope": request.region_scope,
        "seed_commitment": request.seed_commitment,
        "witness_text": request.witness_text,
        "candidates_digest": request.candidates_digest,
        "filter_report": request.filter_report,
        "failure_reason": request.failure_reason,
        "lines": [
            {
                "position": line.position,
                "specialty_code": line.specialty.code,
                "count": line.count,
                "reserves": line.reserves,
                "confirmed": line.confirmed,  # type: ignore[attr-defined]
                "notified": line.notified,  # type: ignore[attr-defined]
                "declined": line.declined,  # type: ignore[attr-defined]
            }
            for line in request.lines.all()
        ],
    }


@router.post("/draws", response={201: DrawOut}, auth=requester, summary="申请抽取评标专家")
def draw_request_create(request: AuthedRequest, payload: DrawRequestIn) -> Status[dict[str, Any]]:
    lot = get_object_or_404(Lot.objects.select_related("project"), code=payload.lot_code)
    created = services.draw_request_create(
        actor=request.user,
        lot=lot,
        evaluation_starts_at=payload.evaluation_starts_at,
        evaluation_ends_at=payload.evaluation_ends_at,
        place=payload.place,
        region_scope=payload.region_scope,
        lines=[
            services.LineInput(specialty_code=x.specialty_code, count=x.count, reserves=x.reserves)
            for x in payload.lines
        ],
    )
    return Status(201, draw_out(created))


@router.get("/draws/{draw_id}", response=DrawOut, auth=draw_viewer, summary="抽取状态（人数和状态，不含名单）")
def draw_get(request: AuthedRequest, draw_id: int) -> dict[str, Any]:
    return draw_out(selectors.request_get_for(request.user, draw_id))


@router.post("/draws/{draw_id}/witness", response=DrawOut, auth=witness, summary="现场监督人登记并输入随机数")
def draw_witness(request: AuthedRequest, draw_id: int, payload: WitnessIn) -> dict[str, Any]:
    draw_request = selectors.request_get_for(request.user, draw_id)
    return draw_out(
        services.draw_witness_join(actor=request.user, request=draw_request, witness_text=payload.witness_text)
    )


@router.post("/draws/{draw_id}/run", response=DrawOut, auth=operator, summary="执行抽取（抽取室）")
def draw_run(request: AuthedRequest, draw_id: int) -> dict[str, Any]:
    draw_request = selectors.request_get_for(request.user, draw_id)
    return draw_out(services.draw_run(actor=request.user, request=draw_request))


@router.get("/invitations", response=list[InvitationOut], auth=expert, summary="本人的评审邀请（仅时间和地点）")
def invitations(request: AuthedRequest) -> list[dict[str, Any]]:
    return [invitation_out(s) for s in selectors.my_invitations(request.user)]


def invitation_out(selection: Selection) -> dict[str, Any]:
    return {
        "id": selection.pk,
        "evaluation_starts_at": selection.request.evaluation_starts_at,
        "evaluation_ends_at": selection.request.evaluation_ends_at,
        "place": selection.request.place,
        "state": selection.state,
        "respond_by": selection.respond_by,
    }


@router.post(
    "/invitations/{selection_id}/respond", response=InvitationOut, auth=expert, summary="答复评审邀请（参加或不参加）"
)
def invitation_respond(request: AuthedRequest, selection_id: int, payload: RespondIn) -> dict[str, Any]:
    selection = get_object_or_404(
        Selection.objects.select_related("request"), pk=selection_id, expert__user=request.user
    )
    services.selection_respond(actor=request.user, selection=selection, accept=payload.accept, reason=payload.reason)
    selection.refresh_from_db()
    return invitation_out(selection)


@router.get("/replays/{draw_id}", response=ReplayOut, auth=None, summary="公开复核已公开种子的抽取")
def replay(request: Any, draw_id: int) -> dict[str, Any]:
    result = selectors.replay_get(draw_id)
    draw_request = result.request
    return {
        "id": draw_request.pk,
        "seed": draw_request.seed,
        "seed_commitment": draw_request.seed_commitment,
        "witness_text": draw_request.witness_text,
        "candidates_digest": draw_request.candidates_digest,
        "candidates": [line.candidates for line in draw_request.lines.all()],
        "picks": [
            {
                "sequence": s.sequence,
                "line": s.line.position,
                "expert_number": s.expert.number,
                "state": s.state,
                "is_top_up": s.is_top_up,
            }
            for s in result.picks
        ],
        "confirmed": not result.problems,
        "problems": result.problems,
    }
