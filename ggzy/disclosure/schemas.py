"""API schemas of the disclosure app."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from .models import Notice


class NoticeOut(Schema):
    id: int
    title: str
    notice_type: str
    trade_type: str
    region_code: str
    deal_code: str | None
    status: str
    published_at: dt.datetime
    body: str

    @staticmethod
    def resolve_deal_code(obj: Notice) -> str | None:
        return obj.project.deal_code if obj.project else None
