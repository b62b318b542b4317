"""API endpoints of the disclosure app (public)."""

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from . import selectors
from .models import Notice
from .schemas import NoticeOut

router = Router(tags=["notices"])


class NoticeFilter(Schema):
    trade_type: str = ""
    notice_type: str = ""
    q: str = ""


@router.get("/", response=list[NoticeOut], auth=None, summary="公告列表")
@paginate(PageNumberPagination, page_size=20)
def notice_list(request: HttpRequest, filters: Query[NoticeFilter]) -> QuerySet[Notice]:
    return selectors.notices_public(trade_type=filters.trade_type, notice_type=filters.notice_type, query=filters.q)


@router.get("/{notice_id}", response=NoticeOut, auth=None, summary="公告详情")
def notice_get(request: HttpRequest, notice_id: int) -> Notice:
    notice = selectors.notice_get_public(notice_id)
    if notice is None:
        raise Http404
    return notice
