"""Tenders (招标/采购) of a registered project: the notice, its lots, the tender documents and who
fetched them (confidential until the bid deadline, 招标投标法 art. 22)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ggzy.core.choices import ProcurementMethod

from .choices import EvaluationMethod, TenderStatus


class Tender(models.Model):
    project = models.ForeignKey(
        "projects.Project", verbose_name=_("交易项目"), on_delete=models.PROTECT, related_name="tenders"
    )
    code = models.CharField(_("招标编号"), max_length=40, unique=True)
    title = models.CharField(_("公告标题"), max_length=300)
    procurement_method = models.CharField(_("招标方式"), max_length=32, choices=ProcurementMethod.choices)
    evaluation_method = models.CharField(_("评标办法"), max_length=32, choices=EvaluationMethod.choices)
    notice_body = models.TextField(_("公告正文"))
    bid_deadline = models.DateTimeField(_("投标截止时间"))
    opening_place = models.CharField(_("开标地点"), max_length=200, default="不见面开标（平台在线）")
    bid_validity_days = models.PositiveIntegerField(_("投标有效期（日）"))
    opening_fields = models.JSONField(_("开标记录读取项"), default=list)
    status = models.CharField(_("状态"), max_length=16, choices=TenderStatus.choices, default=TenderStatus.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("招标")
        verbose_name_plural = _("招标")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(bid_validity_days__gt=0),
                name="tendering_validity_positive",
                violation_error_message=_("投标有效期必须大于零。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def can_publish(self) -> bool:
        return self.status == TenderStatus.DRAFT

    def can_close(self) -> bool:
        return self.status == TenderStatus.PUBLISHED


class TenderLot(models.Model):
    tender = models.ForeignKey(Tender, verbose_name=_("招标"), on_delete=models.CASCADE, related_name="tender_lots")
    lot = models.ForeignKey("projects.Lot", verbose_name=_("标段（包）"), on_delete=models.PROTECT, related_name="+")
    bid_security_fen = models.BigIntegerField(_("投标保证金（分）"), default=0)
    ceiling_price_fen = models.BigIntegerField(_("最高投标限价（分）"), null=True, blank=True)

    class Meta:
        verbose_name = _("招标标段")
        verbose_name_plural = _("招标标段")
        ordering = ["lot__number"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "lot"], name="tendering_lot_once"),
            models.CheckConstraint(
                condition=Q(bid_security_fen__gte=0),
                name="tendering_security_not_negative",
                violation_error_message=_("投标保证金不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return str(self.lot_id)


class TenderDocument(models.Model):
    tender = models.ForeignKey(Tender, verbose_name=_("招标"), on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(_("文件名"), max_length=200)
    storage_name = models.CharField(_("存储名"), max_length=300)
    size = models.BigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("招标文件")
        verbose_name_plural = _("招标文件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class DocumentDownload(models.Model):
    """Who fetched the tender documents: never shown to anyone before the bid deadline."""

    document = models.ForeignKey(
        TenderDocument, verbose_name=_("招标文件"), on_delete=models.CASCADE, related_name="downloads"
    )
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("下载单位"), on_delete=models.PROTECT, related_name="+"
    )
    downloaded_at = models.DateTimeField(_("下载时间"))

    class Meta:
        verbose_name = _("招标文件下载记录")
        verbose_name_plural = _("招标文件下载记录")

    def __str__(self) -> str:
        return f"{self.document_id}:{self.organization_id}"
