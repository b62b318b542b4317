"""`lock_with`: a locked row and the rows that refer to it, as the ORM would read them, in one
round trip on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ggzy.accounts.choices import Role
from ggzy.accounts.models import Organization, User
from ggzy.core.locks import lock_with, read_with
from ggzy.core.testing.parties import make_org, make_user

pytestmark = pytest.mark.django_db


def _fields(obj: object) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}  # type: ignore[attr-defined]


def test_the_row_and_its_children_are_read_as_the_orm_reads_them():
    org = make_org()
    users = [make_user(Role.BIDDER, org=org) for _ in range(3)]
    make_user(Role.BIDDER)  # another organisation's user is not a child
    with transaction.atomic():
        found, children = lock_with(Organization, org.pk, User, "organization")
        assert _fields(found) == _fields(Organization.objects.get(pk=org.pk))
        assert [_fields(u) for u in children] == [
            _fields(u) for u in User.objects.filter(organization=org).order_by("pk")
        ]
        assert [u.pk for u in children] == sorted(u.pk for u in users)
        with CaptureQueriesContext(connection) as reads:
            assert {u.organization.pk for u in children} == {org.pk}
        assert not reads.captured_queries  # the parent is set on each child


def test_both_reads_are_one_round_trip_on_postgresql():
    org = make_org()
    make_user(Role.BIDDER, org=org)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        lock_with(Organization, org.pk, User, "organization")
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == (1 if connection.vendor == "postgresql" else 2)
    if connection.vendor == "postgresql":
        assert "FOR UPDATE" in sql[0]


def test_a_missing_row_is_refused_as_the_orm_refuses_it():
    with transaction.atomic(), pytest.raises(Organization.DoesNotExist):
        lock_with(Organization, 987654, User, "organization")


def test_a_row_without_children_has_an_empty_list():
    org = make_org()
    with transaction.atomic():
        found, children = lock_with(Organization, org.pk, User, "organization")
    assert found.pk == org.pk and children == []


def test_read_with_takes_no_lock_and_needs_no_transaction():
    org = make_org()
    make_user(Role.BIDDER, org=org)
    with CaptureQueriesContext(connection) as queries:
        found, children = read_with(Organization, org.pk, User, "organization")
    assert found is not None and found.pk == org.pk and len(children) == 1
    assert not any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)
    assert len(queries.captured_queries) == (1 if connection.vendor == "postgresql" else 2)


def test_read_with_a_missing_row_gives_none():
    assert read_with(Organization, 987654, User, "organization") == (None, [])
