"""Fixtures of the 交易目录 tests: the three kinds of user the permission matrix needs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
import pytest
from django.test import Client

from ggzy.accounts import services as account_services
from ggzy.accounts.choices import OrganizationKind, Role
from ggzy.accounts.middleware import GENERATION_KEY
from ggzy.accounts.uscc import make_uscc
from ggzy.catalog import services
from ggzy.catalog.choices import Entry
from ggzy.catalog.models import CatalogCategory
from ggzy.core.choices import TradeType

PASSWORD = "Catalog-Test-Pass-2026"
REGULATION_DATE = dt.date(2023, 10, 20)


class CatalogCategoryFactory(factory.django.DjangoModelFactory):
    """Rows for read tests only; writes under test go through the services."""

    class Meta:
        model = CatalogCategory

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"测试类别{n}")
    parent = None
    trade_type = TradeType.OTHER
    entry = Entry.VOLUNTARY
    threshold_fen = None
    source = "测试依据"
    effective_from = REGULATION_DATE


def _user(org: Any, username: str, role: str) -> Any:
    return account_services.user_create(
        actor=None, organization=org, username=username, password=PASSWORD, full_name=username, roles=[role]
    )


@pytest.fixture
def center(db: Any) -> Any:
    return account_services.organization_create(
        actor=None,
        uscc=make_uscc("91654000MA77CATLG"),
        name="伊犁州公共资源交易中心",
        kind=OrganizationKind.TRADING_CENTER,
        region_code="654000",
    )


@pytest.fixture
def market_entity(db: Any) -> Any:
    return account_services.organization_create(
        actor=None,
        uscc=make_uscc("91654002MA7BDRWX1"),
        name="伊宁市某建设有限公司",
        kind=OrganizationKind.MARKET_ENTITY,
        region_code="654002",
    )


@pytest.fixture
def system_admin(center: Any) -> Any:
    return _user(center, "sysadmin", Role.SYSTEM_ADMIN)


@pytest.fixture
def center_staff(center: Any) -> Any:
    return _user(center, "staff", Role.CENTER_STAFF)


@pytest.fixture
def owner(market_entity: Any) -> Any:
    return _user(market_entity, "owner", Role.OWNER)


@pytest.fixture
def seeded(db: Any) -> dict[str, CatalogCategory]:
    services.catalog_seed()
    return {category.code: category for category in CatalogCategory.objects.all()}


def signed_in(client: Client, user: Any) -> Client:
    """A client with a complete session (the session policy also checks the session generation)."""
    client.force_login(user)
    session = client.session
    session[GENERATION_KEY] = user.session_generation
    session.save()
    return client
