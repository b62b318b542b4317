"""Reads of the accounts app."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .choices import OrganizationKind
from .models import Organization, RoleAssignment, User


def organization_get_by_uscc(uscc: str) -> Organization | None:
    return Organization.objects.filter(uscc=uscc.strip().upper(), is_active=True).first()


def supervisory_authorities() -> QuerySet[Organization]:
    return Organization.objects.filter(kind=OrganizationKind.SUPERVISORY_AUTHORITY, is_active=True).order_by(
        "region_code", "sector", "name"
    )


def market_entities() -> QuerySet[Organization]:
    return Organization.objects.filter(kind=OrganizationKind.MARKET_ENTITY, is_active=True).order_by("name")


def users_with_roles() -> QuerySet[User]:
    return (
        User.objects.select_related("organization")
        .prefetch_related(Prefetch("role_assignments", queryset=RoleAssignment.objects.order_by("role")))
        .order_by("organization__name", "username")
    )


def users_of_organizations(organization_ids: list[int]) -> QuerySet[User]:
    """The active accounts of these organizations (to notify them), in a stable order."""
    return User.objects.filter(organization_id__in=organization_ids, is_active=True).order_by("organization_id", "pk")
