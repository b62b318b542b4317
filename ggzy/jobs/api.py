"""API endpoints of the 后台任务 app."""

from ninja import Router

router = Router(tags=["jobs"])
