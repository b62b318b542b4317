"""Separation of powers: the three administrators are disjoint; roles fit the organization."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ggzy.accounts import services
from ggzy.accounts.choices import OrganizationKind, Role
from ggzy.accounts.models import RoleAssignment
from ggzy.accounts.policies import ROLE_CAPABILITIES, SUPERVISORY_CAPABILITIES, Capability
from ggzy.core.testing.parties import make_org, make_user
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db

CENTER_ROLES = [Role.CENTER_STAFF, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN]


@pytest.mark.parametrize("role", CENTER_ROLES)
def test_no_trading_center_role_holds_a_supervisory_capability(role):
    assert not ROLE_CAPABILITIES[role] & SUPERVISORY_CAPABILITIES


def test_only_supervisors_hold_supervisory_capabilities():
    holders = {role for role, caps in ROLE_CAPABILITIES.items() if caps & SUPERVISORY_CAPABILITIES}
    assert holders == {Role.SUPERVISOR}
    assert {Capability.APPROVE, Capability.FILE, Capability.PENALISE, Capability.BLACKLIST} <= SUPERVISORY_CAPABILITIES


def test_admin_capabilities_are_disjoint_from_each_other_and_from_business():
    admins = [
        ROLE_CAPABILITIES[Role.SYSTEM_ADMIN],
        ROLE_CAPABILITIES[Role.SECURITY_ADMIN],
        ROLE_CAPABILITIES[Role.AUDIT_ADMIN],
    ]
    assert not admins[0] & admins[1] and not admins[1] & admins[2] and not admins[0] & admins[2]
    business = ROLE_CAPABILITIES[Role.OWNER] | ROLE_CAPABILITIES[Role.AGENT] | ROLE_CAPABILITIES[Role.CENTER_STAFF]
    for caps in admins:
        assert not caps & (business - {Capability.WITNESS_READ})


def test_an_administrator_cannot_take_a_second_admin_role():
    security = make_user(Role.SECURITY_ADMIN)
    sysadmin = make_user(Role.SYSTEM_ADMIN)
    events = WitnessEvent.objects.count()
    with pytest.raises(ValidationError):
        services.role_grant(actor=security, user=sysadmin, role=Role.AUDIT_ADMIN)
    assert sysadmin.role_codes() == ["system_admin"]
    assert WitnessEvent.objects.count() == events


def test_an_administrator_cannot_take_a_business_role():
    security = make_user(Role.SECURITY_ADMIN)
    center = make_org(kind=OrganizationKind.TRADING_CENTER)
    sysadmin = make_user(Role.SYSTEM_ADMIN, org=center)
    with pytest.raises(ValidationError):
        services.role_grant(actor=security, user=sysadmin, role=Role.CENTER_STAFF)


def test_security_admin_cannot_grant_itself():
    security = make_user(Role.SECURITY_ADMIN)
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=security, user=security, role=Role.AUDIT_ADMIN)


def test_only_the_security_admin_grants_roles():
    sysadmin = make_user(Role.SYSTEM_ADMIN)
    staff = make_user(Role.CENTER_STAFF)
    bidder = make_user(Role.BIDDER)
    for actor in (sysadmin, staff):
        with pytest.raises(PermissionDenied):
            services.role_grant(actor=actor, user=bidder, role=Role.OWNER)
    assert bidder.role_codes() == ["bidder"]


def test_a_market_entity_user_cannot_become_supervisor():
    security = make_user(Role.SECURITY_ADMIN)
    bidder = make_user(Role.BIDDER)
    count = RoleAssignment.objects.count()
    with pytest.raises(ValidationError):
        services.role_grant(actor=security, user=bidder, role=Role.SUPERVISOR)
    assert RoleAssignment.objects.count() == count
