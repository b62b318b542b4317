"""What the platform has sent of each national data-set record (数据交换), one row per (data set, key).

The row keeps the SHA-256 of the content last collected, its version and the XML document of that
version, so a record is pushed again only when its content changed, and then as a correction.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .choices import DataSet, PushStatus


class ExchangeRecord(models.Model):
    dataset = models.CharField(_("数据集"), max_length=40, choices=DataSet.choices)
    key = models.CharField(_("记录标识"), max_length=120)
    deal_code = models.CharField(_("统一交易标识码"), max_length=32, db_index=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    content_sha256 = models.CharField(_("内容摘要（SHA-256）"), max_length=64)
    document = models.TextField(_("XML文档"))
    is_correction = models.BooleanField(_("更正"), default=False)
    collected_at = models.DateTimeField(_("本版本生成时间"))
    status = models.CharField(_("推送状态"), max_length=16, choices=PushStatus.choices)
    attempts = models.PositiveIntegerField(_("本版本已推送次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    sent_at = models.DateTimeField(_("推送成功时间"), null=True, blank=True)
    sent_version = models.PositiveIntegerField(_("对方已接收的版本"), default=0)
    # Pushes queued so far: names each push job, so a stale job never sends over a newer one.
    enqueued = models.PositiveIntegerField(_("已排队推送次数"), default=0)

    class Meta:
        verbose_name = _("数据交换记录")
        verbose_name_plural = _("数据交换记录")
        ordering = ["-collected_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "key"],
                name="exchange_record_once",
                violation_error_message=_("同一数据集的同一记录只能有一行。"),
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1) & Q(sent_version__lte=F("version")),
                name="exchange_version_order",
                violation_error_message=_("版本号从1开始，已接收版本不能超过当前版本。"),
            ),
        ]
        indexes = [models.Index(fields=["dataset", "status"], name="exchange_dataset_status_idx")]

    def __str__(self) -> str:
        return f"{self.dataset}:{self.key}:v{self.version}"

    def can_retry(self) -> bool:
        return self.status == PushStatus.FAILED
