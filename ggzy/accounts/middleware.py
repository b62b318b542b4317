"""Session policy: idle timeout (shorter for privileged roles) and forced sign-out."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from ggzy.core import clock

from .choices import MFA_ROLES

GENERATION_KEY = "ggzy_generation"
LAST_SEEN_KEY = "ggzy_last_seen"
# Refresh the idle mark at most this often, so reading pages does not write a session row each time.
TOUCH_EVERY_SECONDS = 60


def idle_limit_seconds(user: object) -> int:
    roles = set(getattr(user, "role_codes", lambda: [])())
    if roles & MFA_ROLES:
        return settings.SESSION_IDLE_PRIVILEGED_SECONDS
    return settings.SESSION_IDLE_SECONDS


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = int(clock.now().timestamp())
            session = request.session
            last_seen = session.get(LAST_SEEN_KEY, now)
            expired = now - int(last_seen) > idle_limit_seconds(user)
            revoked = session.get(GENERATION_KEY) != user.session_generation or not user.is_active
            if expired or revoked:
                logout(request)
                messages.info(request, _("会话已过期或已被终止，请重新登录。"))
            elif now - int(last_seen) >= TOUCH_EVERY_SECONDS or LAST_SEEN_KEY not in session:
                session[LAST_SEEN_KEY] = now
        return self.get_response(request)
