"""API endpoints of the projects app."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from ggzy.accounts import selectors as accounts_selectors
from ggzy.accounts.api_auth import HasCapability
from ggzy.accounts.models import Organization
from ggzy.accounts.policies import Capability
from ggzy.catalog import selectors as catalog_selectors

from . import selectors, services
from .schemas import ProjectIn, ProjectOut, project_out

router = Router(tags=["projects"])

can_view = HasCapability(Capability.PROJECT_VIEW_OWN, Capability.PROJECT_VIEW_ALL, Capability.SUPERVISE)


def _org(errors: dict[str, list[str]], field: str, uscc: str | None) -> Organization | None:
    if not uscc:
        return None
    org = accounts_selectors.organization_get_by_uscc(uscc)
    if org is None:
        errors.setdefault(field, []).append(_("未找到该统一社会信用代码对应的已注册主体。"))
    return org


@router.post("/", response={201: ProjectOut}, auth=HasCapability(Capability.PROJECT_REGISTER), summary="项目进场登记")
def project_create(request: HttpRequest, payload: ProjectIn) -> Status[ProjectOut]:
    errors: dict[str, list[str]] = {}
    owner = _org(errors, "owner_uscc", payload.owner_uscc)
    agent = _org(errors, "agent_uscc", payload.agent_uscc)
    supervisor = _org(errors, "supervisor_uscc", payload.supervisor_uscc)
    category = None
    if payload.catalog_category:
        category = catalog_selectors.category_get(payload.catalog_category)
        if category is None:
            errors.setdefault("catalog_category", []).append(_("交易目录中没有该类别。"))
    if errors:
        raise ValidationError(errors)
    assert owner is not None and supervisor is not None
    project = services.project_register(
        actor=request.user,  # type: ignore[arg-type]
        name=payload.name,
        trade_type=payload.trade_type,
        procurement_method=payload.procurement_method,
        catalog_category=category,
        owner=owner,
        agent=agent,
        supervisor=supervisor,
        region_code=payload.region_code,
        budget_fen=payload.budget_fen,
        funding_source=payload.funding_source,
        approval_number=payload.approval_number,
        description=payload.description,
        voluntary_entry=payload.voluntary_entry,
        lots=[
            services.LotInput(name=lot.name, budget_fen=lot.budget_fen, description=lot.description)
            for lot in payload.lots
        ],
    )
    return Status(201, project_out(selectors.project_get_for(request.user, project.deal_code)))


@router.get("/", response=list[ProjectOut], auth=can_view, summary="我可见的项目")
def project_list(request: HttpRequest) -> list[ProjectOut]:
    return [project_out(project) for project in selectors.projects_visible_to(request.user)[:500]]


@router.get("/{deal_code}", response=ProjectOut, auth=can_view, summary="项目详情")
def project_get(request: HttpRequest, deal_code: str) -> ProjectOut:
    return project_out(selectors.project_get_for(request.user, deal_code))
