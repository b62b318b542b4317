"""Who may see and act on a project."""

from __future__ import annotations

from typing import Any

from ggzy.accounts.choices import Role
from ggzy.accounts.policies import Capability, has

from .models import Project


def can_view(user: Any, project: Project) -> bool:
    if has(user, Capability.PROJECT_VIEW_ALL):
        return True
    if has(user, Capability.SUPERVISE) and user.organization_id == project.supervisor_id:
        return True
    if has(user, Capability.PROJECT_VIEW_OWN):
        return user.organization_id in {project.owner_id, project.agent_id}
    return False


def can_supervise(user: Any, project: Project) -> bool:
    """Only the supervisory authority the project names: never the trading center (art. 22 (一))."""
    return has(user, Capability.SUPERVISE) and user.organization_id == project.supervisor_id


def registering_role(user: Any, *, owner_id: int | None, agent_id: int | None) -> str | None:
    """In which capacity a user registers: as the owner itself or as the owner's agent."""
    if not has(user, Capability.PROJECT_REGISTER) or user.organization_id is None:
        return None
    roles = set(user.role_codes())
    if Role.AGENT in roles and agent_id is not None and agent_id == user.organization_id:
        return Role.AGENT
    if Role.OWNER in roles and owner_id == user.organization_id:
        return Role.OWNER
    return None
