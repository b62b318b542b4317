"""Public portal pages and the back-office workbench."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ggzy.accounts.choices import Role
from ggzy.accounts.decorators import AuthedRequest, capability_required, login_required, public
from ggzy.accounts.policies import Capability, capabilities_of
from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.core.forms import apply_errors
from ggzy.disclosure import selectors as disclosure_selectors
from ggzy.witness import selectors as witness_selectors

from . import selectors, services
from .forms import GuideItemForm
from .models import GuideItem


@public
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "notices": disclosure_selectors.notices_public()[:10],
        "trade_types": TradeType.choices,
        "checkpoint": witness_selectors.checkpoint_latest(),
    }
    return render(request, "portal/home.html", context)


@public
def guide(request: HttpRequest) -> HttpResponse:
    context = {
        "sections": selectors.guide_sections(),
        "can_edit": Capability.GUIDE_MANAGE in capabilities_of(request.user),
    }
    return render(request, "portal/guide.html", context)


@capability_required(Capability.GUIDE_MANAGE)
def guide_item_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    item = get_object_or_404(GuideItem, pk=pk) if pk is not None else None
    initial = (
        {"section": item.section, "title": item.title, "body": item.body, "sort_order": item.sort_order}
        if item
        else None
    )
    form = GuideItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.guide_item_save(actor=request.user, item=item, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("服务指南已更新。"))
            return redirect("portal:guide")
    return render(request, "portal/guide_form.html", {"form": form, "item": item})


@login_required
def workbench(request: AuthedRequest) -> HttpResponse:
    capabilities = capabilities_of(request.user)
    context = {
        "caps": {capability.name: capability in capabilities for capability in Capability},
        "roles": [Role(code).label for code in request.user.role_codes()],
        "notices": disclosure_selectors.notices_public()[:5],
        "year": clock.today().year,
    }
    return render(request, "portal/workbench.html", context)
