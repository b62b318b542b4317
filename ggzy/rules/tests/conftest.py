"""Fixtures of the rules tests.

The session's test database already holds the reference data (the seeded rules and the
calendar 2020-2026, see the project conftest); fixtures here seed again, which is a no-op
there and makes each test state what it relies on.
"""

from __future__ import annotations

from typing import Any

import pytest

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.core.testing.parties import make_user
from ggzy.rules import services


@pytest.fixture
def calendar_2026(db: Any) -> None:
    services.calendar_seed(years=[2026])


@pytest.fixture
def calendar_2025_2026(db: Any) -> None:
    services.calendar_seed(years=[2025, 2026])


@pytest.fixture
def seeded_rules(db: Any) -> None:
    services.rules_seed()


@pytest.fixture
def system_admin(db: Any) -> User:
    return make_user(Role.SYSTEM_ADMIN)


@pytest.fixture
def center_staff(db: Any) -> User:
    return make_user(Role.CENTER_STAFF)


@pytest.fixture
def bidder(db: Any) -> User:
    return make_user(Role.BIDDER)
