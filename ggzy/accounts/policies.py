"""Who may do what: roles grant capabilities; object rules live in each app's policies.py.

Separation of powers (regulation art. 22 (一)): trading-center roles never hold a
supervisory capability (approve, file, supervise, penalise, blacklist). The three
administrators (三权分立) hold disjoint capabilities and no business ones.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .choices import Role


class Capability(StrEnum):
    # market entities
    PROJECT_REGISTER = "project.register"
    PROJECT_VIEW_OWN = "project.view_own"
    TENDER_MANAGE = "tender.manage"
    BID_SUBMIT = "bid.submit"
    # trading center: witness, venue, information, archive and expert-draw services
    PROJECT_VIEW_ALL = "project.view_all"
    CALENDAR_MANAGE = "calendar.manage"
    GUIDE_MANAGE = "guide.manage"
    NOTICE_PUBLISH = "notice.publish"
    WITNESS_READ = "witness.read"
    EXPERT_POOL_MANAGE = "expert.pool_manage"
    EXPERT_DRAW_RUN = "expert.draw_run"
    # present in the drawing room as witness: center witness staff or a supervisor
    EXPERT_DRAW_WITNESS = "expert.draw_witness"
    # experts
    EXPERT_RESPOND = "expert.respond"
    # system administrator
    CATALOG_MANAGE = "catalog.manage"
    RULES_MANAGE = "rules.manage"
    # security administrator
    ROLES_MANAGE = "roles.manage"
    # audit administrator
    AUDIT_READ = "audit.read"
    # supervisors only
    SUPERVISE = "supervision.supervise"
    APPROVE = "supervision.approve"
    FILE = "supervision.file"
    PENALISE = "supervision.penalise"
    BLACKLIST = "supervision.blacklist"


C = Capability

SUPERVISORY_CAPABILITIES = frozenset({C.SUPERVISE, C.APPROVE, C.FILE, C.PENALISE, C.BLACKLIST})

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.OWNER: frozenset({C.PROJECT_REGISTER, C.PROJECT_VIEW_OWN, C.TENDER_MANAGE}),
    Role.AGENT: frozenset({C.PROJECT_REGISTER, C.PROJECT_VIEW_OWN, C.TENDER_MANAGE}),
    Role.BIDDER: frozenset({C.BID_SUBMIT}),
    Role.EXPERT: frozenset({C.EXPERT_RESPOND}),
    Role.CENTER_STAFF: frozenset(
        {
            C.PROJECT_VIEW_ALL,
            C.CALENDAR_MANAGE,
            C.GUIDE_MANAGE,
            C.NOTICE_PUBLISH,
            C.WITNESS_READ,
            C.EXPERT_POOL_MANAGE,
            C.EXPERT_DRAW_RUN,
            C.EXPERT_DRAW_WITNESS,
        }
    ),
    Role.SUPERVISOR: SUPERVISORY_CAPABILITIES | frozenset({C.WITNESS_READ, C.EXPERT_DRAW_WITNESS}),
    Role.SYSTEM_ADMIN: frozenset({C.CATALOG_MANAGE, C.RULES_MANAGE}),
    Role.SECURITY_ADMIN: frozenset({C.ROLES_MANAGE}),
    Role.AUDIT_ADMIN: frozenset({C.AUDIT_READ, C.WITNESS_READ}),
}


def capabilities_of(user: Any) -> frozenset[Capability]:
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    granted: set[Capability] = set()
    for role in user.role_codes():
        granted |= ROLE_CAPABILITIES.get(role, frozenset())
    return frozenset(granted)


def has(user: Any, capability: Capability) -> bool:
    try:
        return capability in capabilities_of(user)
    except Exception:  # noqa: BLE001 - a failing check denies (fail closed)
        return False


def require(user: Any, capability: Capability) -> None:
    if not has(user, capability):
        raise PermissionDenied(_("您的角色无权执行此操作。"))


def can_grant_role(*, granter: Any, user: Any, role: str) -> bool:
    # The security administrator never changes its own roles; which roles combine is checked by
    # the service (三权分立), so the refusal can say why.
    return has(granter, C.ROLES_MANAGE) and user.pk != granter.pk
