"""Who may act on a sale: the seller side (the project's owner or its agent) sets it up, reviews
registrations and seals the reserve; market entities register and bid; the trading center
confirms deposits and freezes or resumes trading on a fault."""

from __future__ import annotations

from typing import Any

from ggzy.accounts.choices import Role
from ggzy.accounts.policies import Capability, has
from ggzy.projects.models import Project

from .models import Registration, Sale


def can_manage_project(user: Any, project: Project) -> bool:
    if not has(user, Capability.TENDER_MANAGE) or user.organization_id is None:
        return False
    return user.organization_id in {project.owner_id, project.agent_id}


def can_manage(user: Any, sale: Sale) -> bool:
    return can_manage_project(user, sale.lot.project)


def can_register(user: Any, sale: Sale) -> bool:
    """A market entity that bids, and not the seller side itself."""
    if not has(user, Capability.BID_SUBMIT) or user.organization_id is None:
        return False
    project = sale.lot.project
    return user.organization_id not in {project.owner_id, project.agent_id}


def can_bid(user: Any, registration: Registration) -> bool:
    return has(user, Capability.BID_SUBMIT) and user.organization_id == registration.organization_id


def can_operate(user: Any) -> bool:
    """Trading-center staff run the trading system (deposits, faults). The accounts app has no
    auction capability yet, so the role decides."""
    return bool(getattr(user, "is_authenticated", False)) and Role.CENTER_STAFF in user.role_codes()
