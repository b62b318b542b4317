"""Request helpers."""

from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    # Behind the platform's own reverse proxy the address arrives in X-Real-IP; set by the proxy only.
    return str(request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR") or "")[:64]
