"""Reads of the evaluation app: a member's workspace shows the decrypted bids of that member's lot
only, and only while the evaluation runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from ggzy.core import clock
from ggzy.tendering import selectors as tendering_selectors
from ggzy.tendering.models import Bid, TenderLot

from .choices import CommitteeStatus
from .models import Committee, Member


def committee_of(tender_lot: TenderLot) -> Committee | None:
    return Committee.objects.filter(tender_lot=tender_lot).select_related("draw_request").first()


def member_of(user: Any, committee: Committee) -> Member | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(committee=committee, user=user, is_active=True).first()


@dataclass(frozen=True)
class WorkspaceBid:
    bid: Bid
    files: list[Path]


def workspace_bids(user: Any, committee: Committee) -> list[WorkspaceBid]:
    """The decrypted bids of the committee's lot, for a checked-in member during the evaluation."""
    member = member_of(user, committee)
    if member is None or member.checked_in_at is None:
        raise PermissionDenied(_("只有已签到的本评标委员会成员可以查看投标文件。"))
    draw = committee.draw_request
    now = clock.now()
    if (
        committee.status != CommitteeStatus.EVALUATING
        or not draw.evaluation_starts_at <= now <= draw.evaluation_ends_at
    ):
        raise PermissionDenied(_("只能在评审期间查看投标文件。"))
    return [
        WorkspaceBid(bid=bid, files=tendering_selectors.opened_files(bid))
        for bid in tendering_selectors.decrypted_bids(committee.tender_lot)
    ]
