"""Who may act on a sale, and who sees whom.

The seller side (the project's owner or its agent) sets the sale up and seals the reserve; market
entities register and bid; the trading center, the neutral operator, reviews registrations
(竞买资格审查), confirms deposits and freezes or resumes trading on a fault.

Issue 7: bidders' identities stay hidden from the seller and from each other until the close.
Before the result the seller side sees only anonymous facts about the applications (how many, in
which order, when, their status, whether the deposit arrived); the center sees who applied (it
reviews them and matches deposits) but not which bid number each got. Once the result is
announced (deal or no deal) both see the applicants with their bid numbers: the seller signs the
deal confirmation with the winner. A bidder sees its own application only."""

from __future__ import annotations

from typing import Any

from ggzy.accounts.choices import Role
from ggzy.accounts.policies import Capability, has
from ggzy.projects.models import Project

from .choices import SaleStatus
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
    """Trading-center staff run the trading system (reviews, deposits, faults). The accounts app
    has no auction capability yet, so the role decides."""
    return bool(getattr(user, "is_authenticated", False)) and Role.CENTER_STAFF in user.role_codes()


def can_review(user: Any) -> bool:
    """The qualification review is the center's: it may see identities, the seller side may not."""
    return can_operate(user)


def result_announced(sale: Sale) -> bool:
    """The close that lifts the anonymity: the result is out (awaiting the reserve is not yet)."""
    return sale.status in (SaleStatus.DEAL, SaleStatus.NO_DEAL)


def can_view_applications(user: Any, sale: Sale) -> bool:
    """The list of applications: the seller side of this sale and the center."""
    return can_manage(user, sale) or can_operate(user)


def sees_applicant_identities(user: Any, sale: Sale) -> bool:
    """Names and credit codes of the applicants: the center always, the seller side after the close."""
    return can_operate(user) or (result_announced(sale) and can_manage(user, sale))


def sees_bid_numbers(user: Any, sale: Sale) -> bool:
    """An applicant's bid number beside its name: nobody before the close (not even the center,
    whose deposit work does not need it), the seller side and the center after it."""
    return result_announced(sale) and can_view_applications(user, sale)
