"""The authentication backend reads the signed-in user's roles with the user, once per request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ggzy.accounts.backends import AccountBackend
from ggzy.accounts.choices import Role
from ggzy.accounts.models import RoleAssignment
from ggzy.core import clock
from ggzy.core.testing.parties import make_user, signed_in_client

pytestmark = pytest.mark.django_db


def test_the_user_comes_with_their_roles_and_asks_no_more():
    user = make_user(Role.BIDDER)
    RoleAssignment.objects.create(user=user, role=Role.AGENT, granted_at=clock.now())
    with CaptureQueriesContext(connection) as queries:
        found = AccountBackend().get_user(user.pk)
        assert found is not None
        assert found.role_codes() == sorted([Role.BIDDER, Role.AGENT])
        assert found.username == user.username
    assert len(queries.captured_queries) == (1 if connection.vendor == "postgresql" else 2)


def test_a_user_without_roles_has_none():
    user = make_user(Role.BIDDER)
    user.role_assignments.all().delete()
    found = AccountBackend().get_user(user.pk)
    assert found is not None and found.role_codes() == []


def test_a_disabled_or_missing_user_is_nobody():
    user = make_user(Role.BIDDER)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert AccountBackend().get_user(user.pk) is None
    assert AccountBackend().get_user(987654) is None


def test_a_signed_in_page_reads_the_roles_with_the_user():
    user = make_user(Role.BIDDER)
    client = signed_in_client(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("portal:workbench"))
    assert response.status_code == 200
    role_reads = [q["sql"] for q in queries.captured_queries if "accounts_roleassignment" in q["sql"]]
    assert len(role_reads) == 1
