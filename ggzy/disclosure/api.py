"""API endpoints of the disclosure app (public)."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from . import search, selectors
from .models import Notice
from .schemas import FeedOut, NoticeOut

router = Router(tags=["notices"])
feed_router = Router(tags=["feed"])


class NoticeFilter(Schema):
    trade_type: str = ""
    notice_type: str = ""
    q: str = ""


class SearchPagination(PageNumberPagination):
    """Pages of a search, computed under the search time limit (422 `search_too_broad` past it)."""

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: PageNumberPagination.Input, request: HttpRequest, **params: Any
    ) -> Any:
        with search.time_limit():
            page = super().paginate_queryset(queryset, pagination, request, **params)
            page[self.items_attribute] = list(page[self.items_attribute])  # evaluated under the limit
            return page


@router.get("/", response=list[NoticeOut], auth=None, summary="公告列表")
@paginate(SearchPagination, page_size=20)
def notice_list(request: HttpRequest, filters: Query[NoticeFilter]) -> QuerySet[Notice]:
    return selectors.notices_public(trade_type=filters.trade_type, notice_type=filters.notice_type, query=filters.q)


@router.get("/{notice_id}", response=NoticeOut, auth=None, summary="公告详情")
def notice_get(request: HttpRequest, notice_id: int) -> Notice:
    notice = selectors.notice_get_public(notice_id)
    if notice is None:
        raise Http404
    return notice


class FeedQuery(Schema):
    cursor: str = ""
    limit: int = 100


@feed_router.get(
    "",
    response=FeedOut,
    auth=None,
    summary="公开变更流",
    description=(
        "按提交顺序返回全部公开变更（公告发布、更正、撤回）。用上一页返回的 next_cursor 请求下一页；"
        "与写入并发翻页时不漏、不重。没有新变更时返回空列表和原游标。"
    ),
)
def feed(request: HttpRequest, query: Query[FeedQuery]) -> dict[str, Any]:
    page = selectors.feed_page(cursor=query.cursor, limit=query.limit)
    return {
        "items": [{"change_id": item.seq, "kind": item.kind, "notice": item.notice} for item in page.items],
        "next_cursor": page.cursor,
    }
