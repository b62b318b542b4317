"""Every page declares who may open it; a page without a declaration fails the matrix test."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from .models import User
from .policies import Capability, has

View = Callable[..., HttpResponseBase]


class AuthedRequest(HttpRequest):
    """The request a protected view receives: its user is signed in."""

    user: User


def public(view: View) -> View:
    """Anyone, signed in or not."""
    view.ggzy_access = "public"  # type: ignore[attr-defined]
    return view


def login_required(view: View) -> View:
    """Any signed-in user; object rules are checked inside the view."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapped.ggzy_access = "authenticated"  # type: ignore[attr-defined]
    return wrapped


def capability_required(*capabilities: Capability) -> Callable[[View], View]:
    """Signed in and holding at least one of the capabilities."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(has(request.user, capability) for capability in capabilities):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.ggzy_access = tuple(capabilities)  # type: ignore[attr-defined]
        return wrapped

    return decorate
