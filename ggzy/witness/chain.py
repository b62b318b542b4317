"""Canonical encoding and hashing of witness events, shared by the writer and the verifier."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from decimal import Decimal
from typing import Any

from .models import GENESIS_HASH


def to_canonical(value: Any) -> Any:
    """Turn a snapshot into plain JSON values that survive a database round trip unchanged."""
    if isinstance(value, dict):
        return {str(k): to_canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_canonical(v) for v in value]
        return sorted(items, key=canonical_json) if isinstance(value, set | frozenset) else items
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, float):
        raise TypeError("floats are not allowed in witness snapshots; use Decimal or integer fen")
    if hasattr(value, "value") and isinstance(value.value, str):  # TextChoices members
        return value.value
    raise TypeError(f"cannot put {type(value).__name__} into a witness snapshot")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(snapshot: Any) -> str:
    if snapshot is None:
        return ""
    return hashlib.sha256(canonical_json(snapshot).encode("utf-8")).hexdigest()


def instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    seq: int,
    occurred_at: dt.datetime,
    actor_id: int | None,
    actor_name: str,
    actor_roles: str,
    organization_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    before_digest: str,
    after_digest: str,
    prev_hash: str,
) -> str:
    body = canonical_json(
        {
            "seq": seq,
            "occurred_at": instant(occurred_at),
            "actor_id": actor_id,
            "actor_name": actor_name,
            "actor_roles": actor_roles,
            "organization_id": organization_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "before_digest": before_digest,
            "after_digest": after_digest,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


__all__ = ["GENESIS_HASH", "canonical_json", "digest", "event_hash", "to_canonical"]
