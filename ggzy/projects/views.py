"""Pages of the projects app."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ggzy.accounts import selectors as accounts_selectors
from ggzy.accounts.decorators import AuthedRequest, capability_required
from ggzy.accounts.policies import Capability
from ggzy.core.forms import apply_errors
from ggzy.tendering import policies as tendering_policies
from ggzy.witness import selectors as witness_selectors

from . import policies, selectors, services
from .forms import LotFormSet, ProjectForm


@capability_required(Capability.PROJECT_VIEW_OWN, Capability.PROJECT_VIEW_ALL, Capability.SUPERVISE)
def project_list(request: HttpRequest) -> HttpResponse:
    projects = selectors.projects_visible_to(request.user)[:200]
    return render(request, "projects/project_list.html", {"projects": projects})


@capability_required(Capability.PROJECT_REGISTER)
def project_register(request: AuthedRequest) -> HttpResponse:
    form = ProjectForm(request.POST or None)
    lots = LotFormSet(request.POST or None, prefix="lots")
    if request.method == "POST" and form.is_valid() and lots.is_valid():
        data = form.cleaned_data
        owner = accounts_selectors.organization_get_by_uscc(data["owner_uscc"])
        if owner is None:
            form.add_error("owner_uscc", _("未找到该统一社会信用代码对应的已注册主体。"))
        else:
            user = request.user
            agent = user.organization if user.organization_id != owner.pk else None
            try:
                project = services.project_register(
                    actor=user,
                    name=data["name"],
                    trade_type=data["trade_type"],
                    procurement_method=data["procurement_method"],
                    catalog_category=data["catalog_category"],
                    owner=owner,
                    agent=agent,
                    supervisor=data["supervisor"],
                    region_code=data["region_code"],
                    budget_fen=data["budget"],
                    funding_source=data["funding_source"],
                    approval_number=data["approval_number"],
                    description=data["description"],
                    voluntary_entry=data["voluntary_entry"],
                    lots=[
                        services.LotInput(name=lot["name"], budget_fen=lot["budget"], description=lot["description"])
                        for lot in lots.cleaned_data
                        if lot
                    ],
                )
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                lot_errors = exc.message_dict.get("lots", []) if hasattr(exc, "error_dict") else []
                for message in lot_errors:
                    form.add_error(None, message)
                apply_errors(form, exc)
            else:
                messages.success(request, _("项目已登记，统一交易标识码：{code}").format(code=project.deal_code))
                return redirect("projects:detail", deal_code=project.deal_code)
    return render(request, "projects/project_register.html", {"form": form, "lots": lots})


@capability_required(Capability.PROJECT_VIEW_OWN, Capability.PROJECT_VIEW_ALL, Capability.SUPERVISE)
def project_detail(request: HttpRequest, deal_code: str) -> HttpResponse:
    project = selectors.project_get_for(request.user, deal_code)
    events = witness_selectors.events_for_object(object_type="projects.project", object_id=str(project.pk))
    context = {
        "project": project,
        "events": events,
        "can_supervise": policies.can_supervise(request.user, project),
        "can_tender": tendering_policies.can_start(request.user, project),
    }
    return render(request, "projects/project_detail.html", context)
