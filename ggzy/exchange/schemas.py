"""API schemas of the exchange app."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class RecordFilter(Schema):
    dataset: str = ""
    status: str = ""


class RecordOut(Schema):
    id: int
    dataset: str
    key: str
    deal_code: str
    version: int
    is_correction: bool
    content_sha256: str
    status: str
    attempts: int
    last_error: str
    collected_at: dt.datetime
    sent_at: dt.datetime | None
    sent_version: int
