"""API endpoints of the 基础设施 app."""

from ninja import Router

router = Router(tags=["core"])
