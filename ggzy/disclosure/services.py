"""Writes of the disclosure app: publishing a notice, correcting it, withdrawing it.

A notice is never edited. A correction (更正公告) is a new notice naming the one it corrects, which
stays readable and is marked superseded; a withdrawal is itself a published notice, and the notice
it withdraws stays readable, marked withdrawn. Each of these is a witness event, which is what the
change feed (`selectors.feed_page`) reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ggzy.accounts.models import User
from ggzy.accounts.policies import Capability, has
from ggzy.core import clock
from ggzy.core.locks import lock_instance
from ggzy.projects.models import Project
from ggzy.witness.services import event_record

from . import search
from .choices import NoticeNature, NoticeStatus, NoticeType
from .models import Notice, NoticeAttachment

# The witness actions that change what the public sees: the change feed is made of these.
PUBLIC_ACTIONS = ("notice.published", "notice.corrected", "notice.withdrawn")


@dataclass(frozen=True)
class Attachment:
    name: str
    sha256: str
    size: int
    url: str


def _may_publish(actor: User | None, system: bool) -> None:
    if not system and not has(actor, Capability.NOTICE_PUBLISH):
        raise PermissionDenied(_("您无权发布公告。"))


def _save(notice: Notice, attachments: Sequence[Attachment]) -> Notice:
    notice.search_grams = search.grams(notice.title, notice.body)
    notice.full_clean()
    notice.save()
    for item in attachments:
        attachment = NoticeAttachment(notice=notice, name=item.name, sha256=item.sha256, size=item.size, url=item.url)
        attachment.full_clean()
        attachment.save()
    return notice


def _summary(notice: Notice) -> dict[str, object]:
    return {
        "title": notice.title,
        "notice_type": notice.notice_type,
        "project_id": notice.project_id,
        "nature": notice.nature,
        "previous": notice.previous_id,
        "version": notice.version,
    }


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
    source: str = "",
    attachments: Sequence[Attachment] = (),
) -> Notice:
    """Publish a notice at once. `system=True` is for notices the platform produces from its own
    domain events (`source` names the fact, so it is published once); people need the
    NOTICE_PUBLISH capability."""
    _may_publish(actor, system)
    if source and Notice.objects.filter(source=source, nature=NoticeNature.FIRST).exists():
        raise ValidationError(_("该事项的公告已经发布。"))
    notice = Notice(
        title=title.strip(),
        notice_type=notice_type,
        trade_type=trade_type,
        project=project,
        region_code=region_code.strip(),
        body=body.strip(),
        published_at=clock.now(),
        publisher=actor,
        source=source,
    )
    _save(notice, attachments)
    event_record(action="notice.published", actor=actor, obj=notice, after=_summary(notice))
    return notice


def current_for(source: str) -> Notice | None:
    """The current version of the notice first published for `source` (None if none was)."""
    first = Notice.objects.filter(source=source, nature=NoticeNature.FIRST).first()
    return current_version(first) if first is not None else None


def current_version(notice: Notice) -> Notice:
    """The newest correction of a notice (the notice itself when it was never corrected)."""
    while True:
        follower = notice.followers.filter(nature=NoticeNature.CORRECTION).order_by("-version").first()
        if follower is None:
            return notice
        notice = follower


def _follow(notice: Notice) -> Notice:
    notice = lock_instance(notice)
    if notice.status != NoticeStatus.PUBLISHED or notice.nature == NoticeNature.WITHDRAWAL:
        raise ValidationError(_("只能更正或撤回现行有效的公告。"))
    return notice


@transaction.atomic
def notice_correct(
    *,
    actor: User | None,
    notice: Notice,
    body: str,
    title: str = "",
    notice_type: str = "",
    system: bool = False,
    attachments: Sequence[Attachment] = (),
) -> Notice:
    """Publish a correction (更正公告) of a notice: a new version linked to it; the old version
    stays readable, marked superseded."""
    _may_publish(actor, system)
    notice = _follow(notice)
    if not body.strip():
        raise ValidationError({"body": _("请填写更正内容。")})
    correction = Notice(
        title=title.strip() or _("{title}（更正公告）").format(title=notice.title),
        notice_type=notice_type or notice.notice_type,
        trade_type=notice.trade_type,
        project=notice.project,
        region_code=notice.region_code,
        body=body.strip(),
        published_at=clock.now(),
        publisher=actor,
        nature=NoticeNature.CORRECTION,
        previous=notice,
        version=notice.version + 1,
        source=notice.source,
    )
    _save(correction, attachments)
    notice.status = NoticeStatus.SUPERSEDED
    notice.save(update_fields=["status"])
    event_record(action="notice.corrected", actor=actor, obj=correction, after=_summary(correction))
    return correction


@transaction.atomic
def notice_withdraw(*, actor: User | None, notice: Notice, reason: str, system: bool = False) -> Notice:
    """Withdraw a notice by publishing a withdrawal notice (撤回公告) with the reason; the withdrawn
    notice stays readable, marked withdrawn."""
    _may_publish(actor, system)
    notice = _follow(notice)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写撤回理由。")})
    withdrawal = Notice(
        title=_("关于撤回《{title}》的公告").format(title=notice.title),
        notice_type=NoticeType.WITHDRAWAL,
        trade_type=notice.trade_type,
        project=notice.project,
        region_code=notice.region_code,
        body=reason.strip(),
        published_at=clock.now(),
        publisher=actor,
        nature=NoticeNature.WITHDRAWAL,
        previous=notice,
        version=notice.version + 1,
    )
    _save(withdrawal, ())
    notice.status = NoticeStatus.WITHDRAWN
    notice.save(update_fields=["status"])
    event_record(action="notice.withdrawn", actor=actor, obj=withdrawal, after=_summary(withdrawal))
    return withdrawal
