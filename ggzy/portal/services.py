"""Writes of the portal app: the service guide."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ggzy.accounts.policies import Capability, has
from ggzy.core import clock
from ggzy.witness.services import event_record

from .models import GuideItem


def _snapshot(item: GuideItem) -> dict[str, Any]:
    return {"section": item.section, "title": item.title, "body": item.body, "sort_order": item.sort_order}


@transaction.atomic
def guide_item_save(
    *, actor: Any, item: GuideItem | None, section: str, title: str, body: str, sort_order: int = 0
) -> GuideItem:
    """Create (item=None) or change a service guide entry. Seeding passes actor=None."""
    if actor is not None and not has(actor, Capability.GUIDE_MANAGE):
        raise PermissionDenied(_("您无权编辑服务指南。"))
    before = _snapshot(item) if item is not None else None
    item = item or GuideItem()
    item.section = section
    item.title = title.strip()
    item.body = body.strip()
    item.sort_order = sort_order
    item.updated_at = clock.now()
    item.full_clean()
    item.save()
    event_record(action="guide.saved", actor=actor, obj=item, before=before, after=_snapshot(item))
    return item
