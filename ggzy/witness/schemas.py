"""API schemas of the witness app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class HeadOut(Schema):
    seq: int
    hash: str


class CheckpointOut(Schema):
    seq: int
    hash: str
    created_at: dt.datetime


class EventOut(Schema):
    seq: int
    occurred_at: dt.datetime
    actor_id: int | None
    actor_name: str
    actor_roles: str
    organization_id: int | None
    action: str
    object_type: str
    object_id: str
    before: Any
    after: Any
    before_digest: str
    after_digest: str
    prev_hash: str
    hash: str
