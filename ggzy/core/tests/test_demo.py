"""The demo loads a coherent world, and loading it twice changes nothing."""

from __future__ import annotations

import pytest

from ggzy.accounts.choices import OrganizationKind, Role
from ggzy.accounts.models import Organization, User
from ggzy.core import demo
from ggzy.disclosure.models import Notice
from ggzy.projects.models import Project
from ggzy.witness import selectors as witness_selectors
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db


def _state():
    return (
        Organization.objects.count(),
        User.objects.count(),
        Project.objects.count(),
        Notice.objects.count(),
        WitnessEvent.objects.count(),
    )


def test_demo_is_coherent_and_idempotent():
    created = demo.load()
    assert created["projects"] == 5  # four here, the land listing's in ggzy.auctions.demo
    first = _state()
    again = demo.load()
    assert set(again.values()) == {0}
    assert _state() == first
    bidders = Organization.objects.filter(users__role_assignments__role=Role.BIDDER).distinct()
    assert bidders.count() == 12
    assert bidders.exclude(region_code__startswith="65").count() >= 4  # from outside Xinjiang
    supervisors = Organization.objects.filter(kind=OrganizationKind.SUPERVISORY_AUTHORITY)
    assert supervisors.values("sector").distinct().count() >= 5
    assert User.objects.filter(role_assignments__role=Role.EXPERT).count() >= 6
    assert witness_selectors.chain_verify().ok
