"""Reads of the disclosure app."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .choices import NoticeStatus
from .models import Notice


def notices_public(
    *, trade_type: str = "", notice_type: str = "", query: str = "", region_code: str = ""
) -> QuerySet[Notice]:
    queryset = Notice.objects.filter(status__in=[NoticeStatus.PUBLISHED, NoticeStatus.SUPERSEDED]).select_related(
        "project"
    )
    if trade_type:
        queryset = queryset.filter(trade_type=trade_type)
    if notice_type:
        queryset = queryset.filter(notice_type=notice_type)
    if region_code:
        queryset = queryset.filter(region_code=region_code)
    if query.strip():
        text = query.strip()[:100]
        queryset = queryset.filter(Q(title__icontains=text) | Q(body__icontains=text))
    return queryset.order_by("-published_at", "-id")


def notice_get_public(pk: int) -> Notice | None:
    return notices_public().filter(pk=pk).first()
