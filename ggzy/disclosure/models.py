"""Public notices (公告). Later issues produce them from domain events; the shell publishes them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ggzy.core.choices import TradeType

from .choices import NoticeStatus, NoticeType


class Notice(models.Model):
    title = models.CharField(_("标题"), max_length=300)
    notice_type = models.CharField(_("公告类型"), max_length=32, choices=NoticeType.choices)
    trade_type = models.CharField(_("交易类型"), max_length=32, choices=TradeType.choices)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("交易项目"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
    )
    region_code = models.CharField(_("行政区划代码"), max_length=6)
    body = models.TextField(_("正文"))
    status = models.CharField(_("状态"), max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.PUBLISHED)
    published_at = models.DateTimeField(_("发布时间"), db_index=True)
    publisher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("公告")
        verbose_name_plural = _("公告")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["trade_type", "notice_type", "published_at"], name="notice_list_idx")]

    def __str__(self) -> str:
        return self.title
