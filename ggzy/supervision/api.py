"""API endpoints of the supervision app."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from ggzy.accounts.api_auth import HasCapability
from ggzy.accounts.policies import Capability
from ggzy.projects import selectors as project_selectors
from ggzy.projects import services as project_services
from ggzy.projects.schemas import ProjectOut, SuspendIn, project_out

router = Router(tags=["supervision"])
supervisor = HasCapability(Capability.SUPERVISE)


@router.post("/projects/{deal_code}/suspend", response=ProjectOut, auth=supervisor, summary="责令暂停项目")
def project_suspend(request: HttpRequest, deal_code: str, payload: SuspendIn) -> ProjectOut:
    project = project_selectors.project_get_for(request.user, deal_code)
    project = project_services.project_suspend(actor=request.user, project=project, reason=payload.reason)  # type: ignore[arg-type]
    return project_out(project_selectors.project_get_for(request.user, deal_code))


@router.post("/projects/{deal_code}/resume", response=ProjectOut, auth=supervisor, summary="恢复项目交易")
def project_resume(request: HttpRequest, deal_code: str, payload: SuspendIn) -> ProjectOut:
    project = project_selectors.project_get_for(request.user, deal_code)
    project_services.project_resume(actor=request.user, project=project, reason=payload.reason)  # type: ignore[arg-type]
    return project_out(project_selectors.project_get_for(request.user, deal_code))
