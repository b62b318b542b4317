"""Reads of the disclosure app."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ggzy.core import clock
from ggzy.witness import selectors as witness_selectors

from . import search
from .choices import NoticeStatus
from .models import Notice

PUBLIC_STATUSES = (NoticeStatus.PUBLISHED, NoticeStatus.SUPERSEDED, NoticeStatus.WITHDRAWN)
# What each public witness action means in the feed.
FEED_KINDS = {"notice.published": "published", "notice.corrected": "corrected", "notice.withdrawn": "withdrawn"}


def notices_public(
    *,
    trade_type: str = "",
    notice_type: str = "",
    query: str = "",
    region_code: str = "",
    status: str = "",
    published_from: dt.date | None = None,
    published_to: dt.date | None = None,
) -> QuerySet[Notice]:
    """Public notices, newest first. `query` finds any substring of the title or the body
    (Chinese has no word breaks, so this is substring search, not word search); a region code
    of 2 or 4 digits matches every place under that province or prefecture."""
    queryset = Notice.objects.filter(status__in=PUBLIC_STATUSES).select_related("project")
    if trade_type:
        queryset = queryset.filter(trade_type=trade_type)
    if notice_type:
        queryset = queryset.filter(notice_type=notice_type)
    if region_code:
        queryset = queryset.filter(region_code__startswith=region_prefix(region_code))
    if status:
        queryset = queryset.filter(status=status)
    if published_from:
        queryset = queryset.filter(published_at__gte=clock.start_of_day(published_from))
    if published_to:
        queryset = queryset.filter(published_at__lt=clock.start_of_day(published_to + dt.timedelta(days=1)))
    if query.strip():
        text = query.strip()[:100]
        needed = search.query_grams(text)
        if needed and connection.vendor == "postgresql":
            queryset = queryset.filter(search_grams__contains_all=needed)
        if search.caseless(text):
            queryset = queryset.filter(Q(title__contains=text) | Q(body__contains=text))
        else:
            queryset = queryset.filter(Q(title__icontains=text) | Q(body__icontains=text))
    return queryset.defer("search_grams").order_by("-published_at", "-id")


def region_prefix(code: str) -> str:
    """GB/T 2260: "650000" is the province, "654000" the prefecture, "654002" a county; a code
    ending in 00 covers every code under it."""
    code = code.strip()
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def notices_of_project(deal_code: str) -> QuerySet[Notice]:
    """A project's public timeline: every notice, oldest first."""
    return (
        Notice.objects.filter(status__in=PUBLIC_STATUSES, project__deal_code=deal_code)
        .select_related("project")
        .order_by("published_at", "id")
    )


def notice_get_public(pk: int) -> Notice | None:
    return notices_public().filter(pk=pk).first()


def notice_versions(notice: Notice) -> list[Notice]:
    """The chain of a notice from its first version to its latest correction or withdrawal."""
    first = notice
    while first.previous_id is not None:
        first = Notice.objects.get(pk=first.previous_id)
    chain = [first]
    while True:
        follower = Notice.objects.filter(previous=chain[-1]).order_by("version", "id").first()
        if follower is None:
            return chain
        chain.append(follower)


@dataclass(frozen=True)
class FeedItem:
    seq: int
    kind: str
    notice: Notice


@dataclass(frozen=True)
class FeedPage:
    items: list[FeedItem]
    cursor: str  # where the next page starts; the same cursor again later returns what came since


_CURSOR_PREFIX = "f1."


def cursor_encode(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError
        seq = int(text[len(_CURSOR_PREFIX) :])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationError({"cursor": _("游标无效。")}) from None
    if seq < 0:
        raise ValidationError({"cursor": _("游标无效。")})
    return seq


def feed_page(*, cursor: str = "", limit: int = 100) -> FeedPage:
    """Every public change in commit order after the cursor. The order is the witness log's
    sequence, which is assigned under the log's head lock held until commit: a reader that pages
    with the returned cursor, even while writers publish, never misses or repeats a change."""
    after = cursor_decode(cursor)
    events = witness_selectors.events_after(seq=after, actions=tuple(FEED_KINDS), limit=max(1, min(limit, 500)))
    notices = Notice.objects.select_related("project").in_bulk([int(e.object_id) for e in events])
    items = [FeedItem(seq=e.seq, kind=FEED_KINDS[e.action], notice=notices[int(e.object_id)]) for e in events]
    return FeedPage(items=items, cursor=cursor_encode(events[-1].seq if events else after))
