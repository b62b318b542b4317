"""Lock what you decide on: one place that takes row locks (STYLE rule 9).

On PostgreSQL `select_for_update` takes row locks. On SQLite every write transaction already
runs as BEGIN IMMEDIATE (settings), so writers are serialised and the lock is implied.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models, transaction

M = TypeVar("M", bound=models.Model)


def lock(model: type[M], **lookup: object) -> M:
    """Fetch one row for update inside the current transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock() must run inside transaction.atomic()")
    return model._default_manager.select_for_update().get(**lookup)


def lock_instance(instance: M) -> M:
    """Re-read a model instance under a row lock; returns the fresh copy."""
    return lock(type(instance), pk=instance.pk)
