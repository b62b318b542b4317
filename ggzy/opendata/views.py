"""Pages of the open-data app: the open-data page and the bulk JSON-lines downloads (public)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from ggzy.accounts.decorators import public

from . import ocds, selectors

JSON_LINES = "application/x-ndjson; charset=utf-8"


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@public
def index(request: HttpRequest) -> HttpResponse:
    context = {
        "prefix": settings.OCDS_OCID_PREFIX,
        "version": ocds.VERSION,
        "extensions": ocds.EXTENSIONS,
        "count": len(selectors.processes()),
    }
    return render(request, "opendata/index.html", context)


def _download(request: HttpRequest, kind: str) -> StreamingHttpResponse:
    lines = selectors.package_lines(kind=kind, base_url=_base_url(request))
    response = StreamingHttpResponse(lines, content_type=JSON_LINES)
    response["Content-Disposition"] = f'attachment; filename="ocds-{kind}.jsonl"'
    return response


@public
def release_packages(request: HttpRequest) -> StreamingHttpResponse:
    """One OCDS release package per process and per line."""
    return _download(request, "releases")


@public
def record_packages(request: HttpRequest) -> StreamingHttpResponse:
    """One OCDS record package per process and per line."""
    return _download(request, "records")
