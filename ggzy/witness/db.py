"""Database hooks of the witness app: the purge switch the append-only triggers consult."""

from __future__ import annotations

import threading
from typing import Any

from django.db import connections

_state = threading.local()


def _purge_allowed() -> int:
    return 1 if getattr(_state, "purge", False) else 0


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("ggzy_witness_purge_allowed", 0, _purge_allowed, deterministic=False)


def purge_set(*, allowed: bool) -> None:
    """Switch the purge permission of this thread's connections (test flushes only)."""
    _state.purge = allowed
    for connection in connections.all():
        if connection.vendor == "postgresql" and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("SET ggzy.witness_purge = 'on'" if allowed else "RESET ggzy.witness_purge")
