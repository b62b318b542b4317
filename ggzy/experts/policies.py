"""Who may act on the expert pool and on draws, and who may see drawn experts' names."""

from __future__ import annotations

from typing import Any

from ggzy.accounts.policies import Capability, has
from ggzy.projects.models import Project

from .models import DrawRequest, Expert


def can_manage_pool(user: Any) -> bool:
    return has(user, Capability.EXPERT_POOL_MANAGE)


def can_ban(user: Any) -> bool:
    """Bans are penalties: supervisors only (实施条例 art. 71; the center records, it does not punish)."""
    return has(user, Capability.PENALISE)


def can_edit_profile(user: Any, expert: Expert) -> bool:
    return (has(user, Capability.EXPERT_RESPOND) and expert.user_id == user.pk) or can_manage_pool(user)


def can_request(user: Any, project: Project) -> bool:
    return has(user, Capability.TENDER_MANAGE) and user.organization_id in {project.owner_id, project.agent_id}


def can_view_request(user: Any, request: DrawRequest) -> bool:
    """Counts and states, never names: the requesting side, the center, the project's supervisor."""
    project = request.lot.project
    if has(user, Capability.EXPERT_DRAW_RUN) or (
        has(user, Capability.EXPERT_DRAW_WITNESS)
        and (not has(user, Capability.SUPERVISE) or user.organization_id == project.supervisor_id)
    ):
        return True
    return can_request(user, project)


def can_run(user: Any) -> bool:
    return has(user, Capability.EXPERT_DRAW_RUN)


def can_witness(user: Any, request: DrawRequest) -> bool:
    """A witness in the drawing room: center witness staff, or a supervisor of this project."""
    if not has(user, Capability.EXPERT_DRAW_WITNESS):
        return False
    if has(user, Capability.SUPERVISE):
        return bool(user.organization_id == request.lot.project.supervisor_id)
    return True
