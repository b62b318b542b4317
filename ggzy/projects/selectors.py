"""Reads of the projects app: what a user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from ggzy.accounts.policies import Capability, has

from . import policies
from .models import Project


def _base() -> QuerySet[Project]:
    return Project.objects.select_related("owner", "agent", "supervisor", "catalog_category").prefetch_related("lots")


def projects_visible_to(user: Any) -> QuerySet[Project]:
    queryset = _base()
    if has(user, Capability.PROJECT_VIEW_ALL):
        return queryset
    scope = Q(pk__in=[])
    if has(user, Capability.SUPERVISE):
        scope |= Q(supervisor_id=user.organization_id)
    if has(user, Capability.PROJECT_VIEW_OWN):
        scope |= Q(owner_id=user.organization_id) | Q(agent_id=user.organization_id)
    return queryset.filter(scope)


def project_get_for(user: Any, deal_code: str) -> Project:
    """The project, if the user may see it; otherwise 404 (existence is not revealed)."""
    project = _base().filter(deal_code=deal_code).first()
    if project is None or not policies.can_view(user, project):
        raise Http404
    return project
