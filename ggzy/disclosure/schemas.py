"""API schemas of the disclosure app."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from ninja import Schema

from .models import Notice, NoticeAttachment


class AttachmentOut(Schema):
    name: str
    sha256: str
    size: int
    url: str


class NoticeOut(Schema):
    id: int
    title: str
    notice_type: str
    trade_type: str
    region_code: str
    deal_code: str | None
    status: str
    nature: str
    previous_id: int | None
    version: int
    published_at: dt.datetime
    body: str
    url: str
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_deal_code(obj: Notice) -> str | None:
        return obj.project.deal_code if obj.project else None

    @staticmethod
    def resolve_url(obj: Notice) -> str:
        return reverse("disclosure:detail", args=[obj.pk])

    @staticmethod
    def resolve_attachments(obj: Notice) -> list[NoticeAttachment]:
        return list(obj.attachments.all())


class FeedItemOut(Schema):
    change_id: int
    kind: str
    notice: NoticeOut


class FeedOut(Schema):
    items: list[FeedItemOut]
    next_cursor: str
