"""Pages of the experts app: draw requests, the drawing room, experts' invitations, public replays."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.accounts.decorators import AuthedRequest, capability_required, login_required, public
from ggzy.accounts.policies import Capability
from ggzy.core import clock
from ggzy.core.forms import form_submit
from ggzy.projects.models import Lot

from . import links, policies, selectors, services
from .choices import DrawStatus, RatingKind, SelectionState
from .forms import DrawRequestForm, RatingForm, ReasonForm, RespondForm, WitnessForm
from .models import Selection


def _beijing(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=clock.BEIJING)


@login_required
def draw_list(request: AuthedRequest) -> HttpResponse:
    requests = selectors.requests_visible_to(request.user)[:200]
    return render(request, "experts/draw_list.html", {"requests": requests})


@capability_required(Capability.TENDER_MANAGE)
def draw_request_new(request: AuthedRequest, lot_code: str) -> HttpResponse:
    lot = get_object_or_404(Lot.objects.select_related("project"), code=lot_code)
    if not policies.can_request(request.user, lot.project):
        raise PermissionDenied
    form = DrawRequestForm(request.POST if request.method == "POST" else None)

    def create(data: dict[str, Any]) -> Any:
        return services.draw_request_create(
            actor=request.user,
            lot=lot,
            evaluation_starts_at=_beijing(data["evaluation_starts_at"]),
            evaluation_ends_at=_beijing(data["evaluation_ends_at"]),
            place=data["place"],
            region_scope=data["region_scope"],
            lines=[services.LineInput(specialty_code=c, count=n, reserves=r) for c, n, r in data["lines"]],
        )

    if request.method == "POST":
        created = form_submit(request, form, create, success=_("抽取申请已提交，随机种子的承诺值已记入见证日志。"))
        if created is not None:
            return redirect("experts:draw_detail", pk=created.pk)
    context = {"lot": lot, "form": form, "specialties": selectors.specialties_all()}
    return render(request, "experts/draw_request_form.html", context)


@login_required
def draw_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    draw_request = selectors.request_get_for(request.user, pk)
    context = {
        "draw": draw_request,
        "can_witness": draw_request.can_draw() and policies.can_witness(request.user, draw_request),
        "can_run": draw_request.can_draw() and policies.can_run(request.user),
        "can_cancel": policies.can_request(request.user, draw_request.lot.project)
        and draw_request.status in ("requested", "drawn"),
        "witness_form": WitnessForm(),
        "reason_form": ReasonForm(),
        "members_to_rate": _members_to_rate(request.user, draw_request),
        "rating_form": RatingForm(),
        "rating_deadline": services.rating_deadline(draw_request),
    }
    return render(request, "experts/draw_detail.html", context)


def _members_to_rate(user: Any, draw_request: Any) -> list[Any] | None:
    if not policies.can_request(user, draw_request.lot.project):
        return None
    if draw_request.status != DrawStatus.COMPLETE or clock.now() < draw_request.evaluation_ends_at:
        return None
    return selectors.members_to_rate(draw_request)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def rating_of_expert(request: AuthedRequest, pk: int) -> HttpResponse:
    selection = get_object_or_404(Selection.objects.select_related("request__lot__project"), pk=pk)
    if not policies.can_request(request.user, selection.request.lot.project):
        raise PermissionDenied
    form_submit(
        request,
        RatingForm(request.POST),
        lambda data: services.rating_record(
            actor=request.user,
            selection=selection,
            kind=RatingKind.OF_EXPERT,
            score=data["score"],
            comment=data["comment"],
        ),
        success=_("评价已记录。"),
        invalid=_("请选择评分。"),
    )
    return redirect("experts:draw_detail", pk=selection.request_id)


@capability_required(Capability.EXPERT_RESPOND)
@require_POST
def rating_of_requester(request: AuthedRequest, pk: int) -> HttpResponse:
    selection = get_object_or_404(Selection, pk=pk, expert__user=request.user)
    form_submit(
        request,
        RatingForm(request.POST),
        lambda data: services.rating_record(
            actor=request.user,
            selection=selection,
            kind=RatingKind.OF_REQUESTER,
            score=data["score"],
            comment=data["comment"],
        ),
        success=_("评价已记录。"),
        invalid=_("请选择评分。"),
    )
    return redirect("experts:invitations")


@capability_required(Capability.EXPERT_DRAW_WITNESS)
@require_POST
def draw_witness(request: AuthedRequest, pk: int) -> HttpResponse:
    draw_request = selectors.request_get_for(request.user, pk)
    form_submit(
        request,
        WitnessForm(request.POST),
        lambda data: services.draw_witness_join(
            actor=request.user, request=draw_request, witness_text=data["witness_text"]
        ),
        success=_("已登记为抽取现场监督人。"),
        invalid=_("请输入随机数。"),
    )
    return redirect("experts:draw_detail", pk=pk)


@capability_required(Capability.EXPERT_DRAW_RUN)
@require_POST
def draw_run(request: AuthedRequest, pk: int) -> HttpResponse:
    draw_request = selectors.request_get_for(request.user, pk)
    form_submit(
        request, None, lambda _data: services.draw_run(actor=request.user, request=draw_request), success=_("已抽取。")
    )
    return redirect("experts:draw_detail", pk=pk)


@capability_required(Capability.TENDER_MANAGE)
@require_POST
def draw_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    draw_request = selectors.request_get_for(request.user, pk)
    form_submit(
        request,
        ReasonForm(request.POST),
        lambda data: services.draw_cancel(actor=request.user, request=draw_request, reason=data["reason"]),
        success=_("抽取申请已取消。"),
        invalid=_("请说明取消原因。"),
    )
    return redirect("experts:draw_detail", pk=pk)


@capability_required(Capability.EXPERT_RESPOND)
def invitations(request: AuthedRequest) -> HttpResponse:
    now = clock.now()
    rows = []
    selections = list(selectors.my_invitations(request.user))
    workspaces = links.workspace_links([selection.pk for selection in selections])
    for selection in selections:
        rateable = (
            selection.state == SelectionState.CONFIRMED
            and selection.request.status == DrawStatus.COMPLETE
            and now >= selection.request.evaluation_ends_at
            and not any(rating.kind == RatingKind.OF_REQUESTER for rating in selection.ratings.all())
        )
        rows.append({"selection": selection, "rateable": rateable, "workspace": workspaces.get(selection.pk)})
    context = {"invitations": rows, "form": RespondForm(), "rating_form": RatingForm()}
    return render(request, "experts/invitations.html", context)


@capability_required(Capability.EXPERT_RESPOND)
@require_POST
def invitation_respond(request: AuthedRequest, pk: int) -> HttpResponse:
    selection = get_object_or_404(Selection, pk=pk, expert__user=request.user)
    form_submit(
        request,
        RespondForm(request.POST),
        lambda data: services.selection_respond(
            actor=request.user, selection=selection, accept=data["accept"], reason=data["reason"]
        ),
        success=_("已答复。"),
        invalid=_("请选择是否参加。"),
    )
    return redirect("experts:invitations")


@public
def replay_list(request: HttpRequest) -> HttpResponse:
    return render(request, "experts/replay_list.html", {"requests": selectors.replays_public()[:200]})


@public
def replay_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "experts/replay_detail.html", {"replay": selectors.replay_get(pk)})
