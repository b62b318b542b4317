"""Small helpers shared by the rules tests."""

from __future__ import annotations

import datetime as dt

from ggzy.witness import selectors as witness_selectors


def witness_seq() -> int:
    """The witness log's head sequence number: unchanged means no event was written."""
    return witness_selectors.head_get().seq


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
