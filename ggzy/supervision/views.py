"""Pages of the supervision app: acts that belong to supervisors only (regulation art. 22 (一))."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.accounts.decorators import AuthedRequest, capability_required
from ggzy.accounts.policies import Capability
from ggzy.projects import selectors as project_selectors
from ggzy.projects import services as project_services


@capability_required(Capability.SUPERVISE)
@require_POST
def project_suspend(request: AuthedRequest, deal_code: str) -> HttpResponse:
    project = project_selectors.project_get_for(request.user, deal_code)
    try:
        project_services.project_suspend(actor=request.user, project=project, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已责令暂停该项目的交易活动。"))
    return redirect("projects:detail", deal_code=deal_code)


@capability_required(Capability.SUPERVISE)
@require_POST
def project_resume(request: AuthedRequest, deal_code: str) -> HttpResponse:
    project = project_selectors.project_get_for(request.user, deal_code)
    try:
        project_services.project_resume(actor=request.user, project=project, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("项目已恢复交易。"))
    return redirect("projects:detail", deal_code=deal_code)
