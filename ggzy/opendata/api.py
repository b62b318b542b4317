"""API endpoints of the open-data app (public): OCDS 1.1 release and record packages."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router
from ninja.pagination import PageNumberPagination, paginate

from ggzy.core import clock

from . import ocds, selectors
from .schemas import ProcessOut, process_out

router = Router(tags=["ocds"])

OCDS_JSON = "application/json; charset=utf-8"


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _process(ocid: str) -> selectors.ProcessKey:
    key = selectors.process_get(ocid)
    if key is None:
        raise Http404
    return key


@router.get("/processes", response=list[ProcessOut], auth=None, summary="OCDS 交易过程（公开）")
@paginate(PageNumberPagination, page_size=100)
def ocds_process_list(request: HttpRequest) -> list[ProcessOut]:
    return [process_out(key) for key in selectors.processes()]


@router.get("/releases/{ocid}", response=dict[str, Any], auth=None, summary="OCDS 发布包（公开）")
def ocds_release_package(request: HttpRequest, ocid: str) -> HttpResponse:
    state = selectors.process_state(_process(ocid))
    package = ocds.release_package(
        [state], uri=request.build_absolute_uri(), base_url=_base_url(request), fallback=clock.now()
    )
    return HttpResponse(ocds.dumps(package), content_type=OCDS_JSON)


@router.get("/records/{ocid}", response=dict[str, Any], auth=None, summary="OCDS 记录包（公开）")
def ocds_record_package(request: HttpRequest, ocid: str) -> HttpResponse:
    state = selectors.process_state(_process(ocid))
    package = ocds.record_package(
        [state], uri=request.build_absolute_uri(), base_url=_base_url(request), fallback=clock.now()
    )
    return HttpResponse(ocds.dumps(package), content_type=OCDS_JSON)
