"""Pages of the witness app: the public head and checkpoints; event details for auditors."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ggzy.accounts.decorators import capability_required, public
from ggzy.accounts.policies import Capability

from . import selectors
from .models import WitnessEvent


@public
def public_head(request: HttpRequest) -> HttpResponse:
    context = {"head": selectors.head_get(), "checkpoints": selectors.checkpoints_latest()}
    return render(request, "witness/public.html", context)


@capability_required(Capability.WITNESS_READ, Capability.AUDIT_READ)
def event_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(WitnessEvent.objects.order_by("-seq"), 50).get_page(request.GET.get("page"))
    return render(request, "witness/events.html", {"page": page})
