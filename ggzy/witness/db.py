"""Database hooks of the witness app: the purge switch the append-only triggers consult."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections

_state = threading.local()


def _purge_allowed() -> int:
    return 1 if getattr(_state, "purge", False) else 0


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("ggzy_witness_purge_allowed", 0, _purge_allowed, deterministic=False)


@contextmanager
def purge_allowed(using: str = "default") -> Iterator[None]:
    """Let this thread's connection delete witness events (test flushes only)."""
    connection = connections[using]
    _state.purge = True
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET ggzy.witness_purge = 'on'")
        yield
    finally:
        _state.purge = False
        if connection.vendor == "postgresql" and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("RESET ggzy.witness_purge")
