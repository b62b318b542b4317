"""Structured API errors: every refusal says which field and why, in the request's language."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.errors import ValidationError as NinjaValidationError


def validation_error_items(error: ValidationError) -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for item in errors:
                items.append(_item(None if field == NON_FIELD_ERRORS else field, item))
    else:
        for item in error.error_list:
            items.append(_item(None, item))
    return items


def _item(field: str | None, error: ValidationError) -> dict[str, str]:
    message = error.message % error.params if error.params else error.message
    return {"field": field or "", "code": error.code or "invalid", "message": str(message)}


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return api.create_response(
            request,
            {"error": "validation_error", "detail": validation_error_items(exc)},
            status=422,
        )

    @api.exception_handler(NinjaValidationError)
    def _schema(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        detail = []
        for err in exc.errors:
            loc = [str(part) for part in err.get("loc", []) if part not in ("body", "payload", "query", "path")]
            detail.append({"field": ".".join(loc), "code": err.get("type", "invalid"), "message": err.get("msg", "")})
        return api.create_response(request, {"error": "validation_error", "detail": detail}, status=422)

    @api.exception_handler(PermissionDenied)
    def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(
            request, {"error": "permission_denied", "detail": str(exc) or _("无权执行此操作。")}, status=403
        )

    @api.exception_handler(AuthorizationError)
    def _forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return api.create_response(
            request, {"error": "permission_denied", "detail": str(exc) or _("无权执行此操作。")}, status=403
        )

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(request, {"error": "not_authenticated", "detail": _("请先登录。")}, status=401)

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, {"error": "not_found", "detail": _("对象不存在。")}, status=404)
