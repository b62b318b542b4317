"""API endpoints of the 门户 app."""

from ninja import Router

router = Router(tags=["portal"])
