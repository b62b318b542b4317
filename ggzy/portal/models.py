"""The service guide (服务指南, regulation art. 14): published service items, processes, norms and
supervision channels, edited by the trading center."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import GuideSection


class GuideItem(models.Model):
    section = models.CharField(_("栏目"), max_length=32, choices=GuideSection.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("服务指南条目")
        verbose_name_plural = _("服务指南条目")
        ordering = ["section", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "title"],
                name="portal_guide_title_once",
                violation_error_message=_("同一栏目下已有同名条目。"),
            )
        ]

    def __str__(self) -> str:
        return self.title
