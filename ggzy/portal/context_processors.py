"""Values every page shows: the witness log head (so history cannot be rewritten unnoticed)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ggzy.witness import selectors as witness_selectors


def portal(request: HttpRequest) -> dict[str, Any]:
    return {"witness_head": witness_selectors.head_get()}
