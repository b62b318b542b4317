"""Writes of the disclosure app."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ggzy.accounts.models import User
from ggzy.accounts.policies import Capability, has
from ggzy.core import clock
from ggzy.projects.models import Project
from ggzy.witness.services import event_record

from .models import Notice


@transaction.atomic
def notice_publish(
    *,
    actor: User | None,
    title: str,
    notice_type: str,
    trade_type: str,
    region_code: str,
    body: str,
    project: Project | None = None,
    system: bool = False,
) -> Notice:
    """Publish a notice at once. `system=True` is for notices produced by the platform's own
    domain events (later issues); people need the NOTICE_PUBLISH capability."""
    if not system and not has(actor, Capability.NOTICE_PUBLISH):
        raise PermissionDenied(_("您无权发布公告。"))
    notice = Notice(
        title=title.strip(),
        notice_type=notice_type,
        trade_type=trade_type,
        project=project,
        region_code=region_code.strip(),
        body=body.strip(),
        published_at=clock.now(),
        publisher=actor,
    )
    notice.full_clean()
    notice.save()
    event_record(
        action="notice.published",
        actor=actor,
        obj=notice,
        after={"title": notice.title, "notice_type": notice.notice_type, "project_id": notice.project_id},
    )
    return notice
