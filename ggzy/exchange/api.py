"""API endpoints of the exchange app (trading-center staff only). No `from __future__ import
annotations` here: django-ninja reads the parameter annotations at import time."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import PageNumberPagination, paginate

from ggzy.accounts.api_auth import HasCapability

from . import policies, selectors
from .models import ExchangeRecord
from .schemas import RecordFilter, RecordOut

router = Router(tags=["exchange"])


@router.get("/records", response=list[RecordOut], auth=HasCapability(policies.OPERATE), summary="数据交换记录")
@paginate(PageNumberPagination, page_size=100)
def record_list(request: HttpRequest, filters: Query[RecordFilter]) -> QuerySet[ExchangeRecord]:
    return selectors.records(dataset=filters.dataset, status=filters.status)
