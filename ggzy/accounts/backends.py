"""The authentication backend: Django's model backend, with the signed-in user's roles read in the
same round trip as the user on every request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from ggzy.core.locks import read_with

from .models import RoleAssignment, User


def user_with_roles(user_id: object) -> User | None:
    """The user and their role codes (cached on the instance, as `User.role_codes` caches them) in
    one round trip on PostgreSQL; None when there is no such user."""
    user, assignments = read_with(User, user_id, RoleAssignment, "user")
    if user is not None:
        user.__dict__["_role_codes"] = sorted(assignment.role for assignment in assignments)
    return user


class AccountBackend(ModelBackend):
    """Signs in as `ModelBackend` does (password, active users only); `get_user`, which runs on
    every request with a session, also reads the roles that the session policy, the menus and the
    permission checks ask for (docs/auction-engine.md, "Performance", session 9)."""

    def get_user(self, user_id: Any) -> User | None:
        user = user_with_roles(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
