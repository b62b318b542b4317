"""Public notices (公告). Later issues produce them from domain events; the shell publishes them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ggzy.core.choices import TradeType

from .choices import NoticeNature, NoticeStatus, NoticeType
from .search import GramsField


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
    # A correction or a withdrawal is a notice of its own that names the one it corrects or
    # withdraws; that one stays readable, marked superseded or withdrawn.
    nature = models.CharField(_("公告性质"), max_length=16, choices=NoticeNature.choices, default=NoticeNature.FIRST)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("所更正或撤回的公告"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followers",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    # The domain fact the notice reports (e.g. "tender:12"), so a system notice is published once.
    source = models.CharField(_("来源"), max_length=80, blank=True)
    # The character bigrams of title and body, for substring search (search.py).
    search_grams = GramsField(_("检索二元组"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("公告")
        verbose_name_plural = _("公告")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["trade_type", "notice_type", "published_at"], name="notice_list_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["source"],
                condition=~models.Q(source="") & models.Q(nature=NoticeNature.FIRST),
                name="disclosure_notice_source_once",
                violation_error_message=_("该事项的公告已经发布。"),
            ),
            models.CheckConstraint(
                condition=models.Q(nature=NoticeNature.FIRST) | models.Q(previous__isnull=False),
                name="disclosure_follower_names_previous",
                violation_error_message=_("更正或撤回公告须指明原公告。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NoticeAttachment(models.Model):
    """A file published with a notice, with its SHA-256 so anyone can check the copy they hold."""

    notice = models.ForeignKey(Notice, verbose_name=_("公告"), on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.BigIntegerField(_("大小（字节）"))
    url = models.CharField(_("下载地址"), max_length=500)

    class Meta:
        verbose_name = _("公告附件")
        verbose_name_plural = _("公告附件")
        ordering = ["notice", "id"]

    def __str__(self) -> str:
        return self.name
