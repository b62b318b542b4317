"""Reads of the experts app. Nothing here returns a drawn expert's name to anyone who may not see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from ggzy.accounts.policies import Capability, has
from ggzy.projects.models import Lot

from . import draw
from .choices import ChangeStatus, DrawStatus, SelectionState
from .models import DrawLine, DrawRequest, Expert, ExpertChange, Selection, Specialty


def specialties_all() -> QuerySet[Specialty]:
    return Specialty.objects.filter(is_active=True).order_by("code")


def experts_for_manager(*, query: str = "", status: str = "", specialty: str = "") -> QuerySet[Expert]:
    experts = Expert.objects.prefetch_related("specialties").order_by("number")
    if query:
        experts = experts.filter(
            Q(number__icontains=query) | Q(name__icontains=query) | Q(employer_name__icontains=query)
        )
    if status:
        experts = experts.filter(status=status)
    if specialty:
        experts = experts.filter(specialties__code__startswith=specialty).distinct()
    return experts


def expert_of(user: Any) -> Expert | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Expert.objects.filter(user=user).prefetch_related("specialties", "conflicts").first()


def changes_pending() -> QuerySet[ExpertChange]:
    return ExpertChange.objects.filter(status=ChangeStatus.PENDING).select_related("expert").order_by("submitted_at")


def _request_base() -> QuerySet[DrawRequest]:
    lines = DrawLine.objects.select_related("specialty").annotate(
        confirmed=Count("selections", filter=Q(selections__state=SelectionState.CONFIRMED)),
        notified=Count("selections", filter=Q(selections__state=SelectionState.NOTIFIED)),
        declined=Count(
            "selections", filter=Q(selections__state__in=[SelectionState.DECLINED, SelectionState.TIMED_OUT])
        ),
    )
    return DrawRequest.objects.select_related(
        "lot__project__owner", "lot__project__agent", "lot__project__supervisor", "requested_by", "witness"
    ).prefetch_related(Prefetch("lines", queryset=lines.order_by("position")))


def requests_visible_to(user: Any) -> QuerySet[DrawRequest]:
    requests = _request_base().order_by("-requested_at")
    if has(user, Capability.EXPERT_DRAW_RUN) or (
        has(user, Capability.EXPERT_DRAW_WITNESS) and not has(user, Capability.SUPERVISE)
    ):
        return requests
    if has(user, Capability.SUPERVISE):
        return requests.filter(lot__project__supervisor_id=user.organization_id)
    if has(user, Capability.TENDER_MANAGE):
        return requests.filter(
            Q(lot__project__owner_id=user.organization_id) | Q(lot__project__agent_id=user.organization_id)
        )
    return requests.none()


def request_get_for(user: Any, pk: int) -> DrawRequest:
    request = requests_visible_to(user).filter(pk=pk).first()
    if request is None:
        raise Http404
    return request


def requests_for_lot(user: Any, lot: Lot) -> QuerySet[DrawRequest]:
    return requests_visible_to(user).filter(lot=lot)


def my_invitations(user: Any) -> QuerySet[Selection]:
    """An expert's own selections: time, place and state only (never the project or the bidders)."""
    return (
        Selection.objects.filter(expert__user=user)
        .exclude(state__in=[SelectionState.RESERVE])
        .select_related("request")
        .prefetch_related("ratings")
        .order_by("-request__evaluation_starts_at")
    )


def committee_for_member(user: Any, request: DrawRequest) -> list[Selection] | None:
    """Check-in at the evaluation reveals the committee to its members: confirmed members only,
    from the evaluation start on. Callers log the access (services.committee_view)."""
    from ggzy.core import clock

    if request.status != DrawStatus.COMPLETE or clock.now() < request.evaluation_starts_at:
        return None
    members = list(
        request.selections.filter(state=SelectionState.CONFIRMED).select_related("expert", "line__specialty")
    )
    if not any(selection.expert.user_id == user.pk for selection in members):
        return None
    return members


@dataclass(frozen=True)
class Replay:
    request: DrawRequest
    problems: list[str]
    picks: list[Selection]


def replays_public() -> QuerySet[DrawRequest]:
    return _request_base().filter(seed_revealed_at__isnull=False).order_by("-seed_revealed_at")


def replay_get(pk: int) -> Replay:
    """Re-run a revealed draw from its published record (the public replay page and the command)."""
    request = replays_public().filter(pk=pk).first()
    if request is None:
        raise Http404
    return replay_of(request)


def replay_of(request: DrawRequest) -> Replay:
    lines = list(request.lines.order_by("position"))
    picks = list(request.selections.select_related("expert", "line__specialty").order_by("sequence"))
    problems: list[str] = []
    if draw.candidates_digest([line.candidates for line in lines]) != request.candidates_digest:
        problems.append("the candidate lists differ from the digest published at the draw")
    problems += draw.replay(
        seed=bytes.fromhex(request.seed),
        commitment=request.seed_commitment,
        witness_text=request.witness_text,
        request_id=request.pk,
        candidates=[line.candidates for line in lines],
        picks=[draw.Pick(line=s.line.position, number=s.expert.number) for s in picks],
    )
    return Replay(request=request, problems=problems, picks=picks)


def request_get_any(pk: int) -> DrawRequest:
    """For building a response after a service already checked access."""
    return _request_base().get(pk=pk)


@dataclass(frozen=True)
class MemberToRate:
    selection: Selection
    label: str
    rating: Any


def members_to_rate(request: DrawRequest) -> list[MemberToRate]:
    """The committee for the requesting side's rating after the evaluation. Before the seed is
    revealed (the names may be public) members are shown by their place in the draw only."""
    from .choices import RatingKind
    from .models import Rating

    ratings = {r.selection_id: r for r in Rating.objects.filter(selection__request=request, kind=RatingKind.OF_EXPERT)}
    members = request.selections.filter(state=SelectionState.CONFIRMED).select_related("expert").order_by("sequence")
    revealed = request.seed_revealed_at is not None
    return [
        MemberToRate(
            selection=s,
            label=f"{s.expert.number} {s.expert.name}" if revealed else f"#{s.sequence}",
            rating=ratings.get(s.pk),
        )
        for s in members
    ]


@dataclass(frozen=True)
class RatingRecord:
    count: int
    average: float | None
    low: int


def expert_rating_record(expert: Expert) -> RatingRecord:
    """What the expert's record shows of the ratings received (for the pool and the supervisor)."""
    from django.db.models import Avg

    from .choices import RatingKind
    from .models import Rating

    ratings = Rating.objects.filter(selection__expert=expert, kind=RatingKind.OF_EXPERT)
    summary = ratings.aggregate(n=Count("pk"), avg=Avg("score"), low=Count("pk", filter=Q(score__lte=2)))
    average = round(float(summary["avg"]), 2) if summary["avg"] is not None else None
    return RatingRecord(count=summary["n"], average=average, low=summary["low"])


def complete_draw_for_lot(lot_id: int) -> DrawRequest | None:
    """The lot's completed draw (the committee's drawn members), the latest if there were several."""
    return (
        DrawRequest.objects.filter(lot_id=lot_id, status=DrawStatus.COMPLETE)
        .select_related("lot__project")
        .order_by("-completed_at")
        .first()
    )


def confirmed_selections(request: DrawRequest) -> list[Selection]:
    return list(
        request.selections.filter(state=SelectionState.CONFIRMED).select_related("expert__user").order_by("sequence")
    )
