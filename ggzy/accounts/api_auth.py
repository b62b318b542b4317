"""API authentication: the browser session (with CSRF) of a fully signed-in user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthorizationError
from ninja.security import SessionAuth

from .policies import Capability, has


class SignedIn(SessionAuth):
    """Any signed-in user."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


class HasCapability(SignedIn):
    """A signed-in user holding one of the capabilities; others get 403, anonymous 401."""

    def __init__(self, *capabilities: Capability) -> None:
        super().__init__()
        self.capabilities = capabilities

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        if not any(has(user, capability) for capability in self.capabilities):
            raise AuthorizationError
        return user


signed_in = SignedIn()
