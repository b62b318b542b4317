"""Reads of the auctions app."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Sale, SaleEvent


def sale_get(pk: int) -> Sale:
    return Sale.objects.select_related("lot__project", "leader", "winner").get(pk=pk)


def sale_events_since(sale: Sale, after_seq: int) -> QuerySet[SaleEvent]:
    """What a watcher that last saw event `after_seq` receives next, in order (SSE will replay it)."""
    return SaleEvent.objects.filter(sale=sale, seq__gt=after_seq).order_by("seq")
