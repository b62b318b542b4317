"""Projects registered for trading (进场登记) and their lots (标段/包)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ggzy.core.choices import ProcurementMethod, TradeType

from .choices import EntryBasis, ProjectStatus


class Project(models.Model):
    deal_code = models.CharField(_("统一交易标识码"), max_length=32, unique=True)
    name = models.CharField(_("项目名称"), max_length=200)
    trade_type = models.CharField(_("交易类型"), max_length=32, choices=TradeType.choices)
    procurement_method = models.CharField(_("交易方式"), max_length=32, choices=ProcurementMethod.choices)
    catalog_category = models.ForeignKey(
        "catalog.CatalogCategory",
        verbose_name=_("交易目录类别"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
    )
    entry_basis = models.CharField(_("进场依据"), max_length=16, choices=EntryBasis.choices)
    entry_reason = models.CharField(_("进场依据说明"), max_length=300)
    owner = models.ForeignKey(
        "accounts.Organization", verbose_name=_("招标人/采购人/出让人"), on_delete=models.PROTECT, related_name="+"
    )
    agent = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("代理机构"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    supervisor = models.ForeignKey(
        "accounts.Organization", verbose_name=_("行政监督部门"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("项目所在地行政区划代码"), max_length=6)
    budget_fen = models.BigIntegerField(_("预算/估算金额（分）"))
    funding_source = models.CharField(_("资金来源"), max_length=200)
    approval_number = models.CharField(_("项目审批/核准/备案文号"), max_length=100, blank=True)
    description = models.TextField(_("项目概况"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.REGISTERED)
    suspended_reason = models.CharField(_("暂停原因"), max_length=300, blank=True)
    registered_at = models.DateTimeField(_("登记时间"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    rules_date = models.DateField(_("适用规则日期"), help_text=_("项目适用登记之日有效的交易规则。"))

    class Meta:
        verbose_name = _("交易项目")
        verbose_name_plural = _("交易项目")
        ordering = ["-registered_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_fen__gt=0),
                name="projects_budget_positive",
                violation_error_message=_("预算/估算金额必须大于零。"),
            ),
            models.CheckConstraint(
                condition=~Q(agent=models.F("owner")),
                name="projects_agent_not_owner",
                violation_error_message=_("代理机构不能是招标人本身。"),
            ),
        ]
        indexes = [models.Index(fields=["owner", "registered_at"]), models.Index(fields=["agent", "registered_at"])]

    def __str__(self) -> str:
        return f"{self.deal_code} {self.name}"

    def can_suspend(self) -> bool:
        return self.status == ProjectStatus.REGISTERED

    def can_resume(self) -> bool:
        return self.status == ProjectStatus.SUSPENDED


class Lot(models.Model):
    project = models.ForeignKey(Project, verbose_name=_("交易项目"), on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveIntegerField(_("标段序号"))
    code = models.CharField(_("标段（包）编号"), max_length=40, unique=True)
    name = models.CharField(_("标段（包）名称"), max_length=200)
    budget_fen = models.BigIntegerField(_("标段预算/估算金额（分）"))
    description = models.TextField(_("标段内容"), blank=True)

    class Meta:
        verbose_name = _("标段（包）")
        verbose_name_plural = _("标段（包）")
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"],
                name="projects_lot_number_once",
                violation_error_message=_("标段序号重复。"),
            ),
            models.CheckConstraint(
                condition=Q(budget_fen__gt=0),
                name="projects_lot_budget_positive",
                violation_error_message=_("标段金额必须大于零。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class DealCodeCounter(models.Model):
    """Next sequence number per (region, year, trade type), taken under a row lock."""

    prefix = models.CharField(_("前缀"), max_length=16, unique=True)
    last = models.PositiveIntegerField(_("已用序号"), default=0)

    class Meta:
        verbose_name = _("交易标识码计数器")
        verbose_name_plural = _("交易标识码计数器")

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"
