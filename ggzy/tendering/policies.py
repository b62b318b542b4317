"""Who may act on a tender: the project's owner or its agent (never the trading center)."""

from __future__ import annotations

from typing import Any

from ggzy.accounts.policies import Capability, has
from ggzy.projects.models import Project

from .choices import TENDER_METHODS, TENDER_TRADE_TYPES
from .models import Tender


def can_manage_project(user: Any, project: Project) -> bool:
    if not has(user, Capability.TENDER_MANAGE) or user.organization_id is None:
        return False
    return user.organization_id in {project.owner_id, project.agent_id}


def can_start(user: Any, project: Project) -> bool:
    """A tender can be drafted for this project by this user (construction or procurement, open or
    invitation tendering)."""
    return (
        project.trade_type in TENDER_TRADE_TYPES
        and project.procurement_method in TENDER_METHODS
        and can_manage_project(user, project)
    )


def can_manage(user: Any, tender: Tender) -> bool:
    return can_manage_project(user, tender.project)
