"""Build organizations and users for tests through the real services."""

from __future__ import annotations

import itertools

import pyotp
from django.test import Client

from ggzy.accounts import services as accounts_services
from ggzy.accounts.choices import OrganizationKind, Role, Sector
from ggzy.accounts.middleware import GENERATION_KEY, LAST_SEEN_KEY
from ggzy.accounts.models import Organization, TotpDevice, User
from ggzy.accounts.uscc import make_uscc
from ggzy.core import clock

PASSWORD = "Test-password-2026"
_counter = itertools.count(1)

ROLE_ORG_KIND: dict[str, str] = {
    Role.CENTER_STAFF: OrganizationKind.TRADING_CENTER,
    Role.SYSTEM_ADMIN: OrganizationKind.TRADING_CENTER,
    Role.SECURITY_ADMIN: OrganizationKind.TRADING_CENTER,
    Role.AUDIT_ADMIN: OrganizationKind.TRADING_CENTER,
    Role.SUPERVISOR: OrganizationKind.SUPERVISORY_AUTHORITY,
    Role.OWNER: OrganizationKind.MARKET_ENTITY,
    Role.AGENT: OrganizationKind.MARKET_ENTITY,
    Role.BIDDER: OrganizationKind.MARKET_ENTITY,
    Role.EXPERT: OrganizationKind.MARKET_ENTITY,
}


def make_org(
    *, kind: str = OrganizationKind.MARKET_ENTITY, sector: str = "", region: str = "654002", name: str = ""
) -> Organization:
    n = next(_counter)
    if kind == OrganizationKind.SUPERVISORY_AUTHORITY and not sector:
        sector = Sector.HOUSING_CONSTRUCTION
    return accounts_services.organization_create(
        actor=None,
        uscc=make_uscc(f"91{region}MA{n:07d}"),
        name=name or f"测试单位{n}",
        kind=kind,
        region_code=region,
        sector=sector,
    )


def make_user(role: str, *, org: Organization | None = None, username: str = "") -> User:
    n = next(_counter)
    if org is None:
        org = make_org(kind=ROLE_ORG_KIND[role])
    user = accounts_services.user_create(
        actor=None,
        organization=org,
        username=username or f"{role}{n}",
        password=PASSWORD,
        full_name=f"测试用户{n}",
        roles=[role],
    )
    if accounts_services.mfa_required(user):
        TotpDevice.objects.create(user=user, secret=pyotp.random_base32(), confirmed_at=clock.now())
    return user


def signed_in_client(user: User) -> Client:
    """A client with a fully signed-in session (both factors already passed)."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[GENERATION_KEY] = user.session_generation
    session[LAST_SEEN_KEY] = int(clock.now().timestamp())
    session.save()
    return client
