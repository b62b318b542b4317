"""The trading catalog (交易目录, regulation arts. 7-8): which kinds of project must, or may,
trade on the platform.

A category is in force on a day D when it is active, `effective_from <= D` and either it has no
`effective_to` or `D < effective_to` (the end date is the first day it no longer applies).
Categories are never deleted: a category is retired by giving it an end date, so the catalog of
any past day can still be read.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ggzy.core.choices import TradeType
from ggzy.core.models import TimeStampedModel
from ggzy.core.money import format_yuan

from .choices import Entry

FEN_PER_WAN_YUAN = 1_000_000  # 1万元 = 10,000 元 = 1,000,000 分

code_validator = RegexValidator(
    r"^[A-Z0-9]{1,20}$",
    _("编码只能由大写字母和数字组成（1至20位），例如 A 或 A01。"),
    code="catalog_code",
)


def amount_display(fen: int | None) -> str:
    """An amount as people write thresholds: whole 万元 when exact, otherwise yuan and fen."""
    if fen is None:
        return ""
    if fen and fen % FEN_PER_WAN_YUAN == 0:
        return gettext("{amount}万元").format(amount=f"{fen // FEN_PER_WAN_YUAN:,}")
    return gettext("{amount}元").format(amount=format_yuan(fen))


class CatalogCategoryQuerySet(models.QuerySet["CatalogCategory"]):
    def in_force(self, on: dt.date) -> CatalogCategoryQuerySet:
        return self.filter(is_active=True, effective_from__lte=on).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gt=on)
        )


class CatalogCategory(TimeStampedModel):
    code = models.CharField(
        _("编码"),
        max_length=20,
        unique=True,
        validators=[code_validator],
        error_messages={"unique": _("该编码已被使用。")},
        help_text=_("一经创建不得修改，交易项目以此编码引用目录类别。"),
    )
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级类别"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    trade_type = models.CharField(_("交易类型"), max_length=32, choices=TradeType.choices)
    entry = models.CharField(_("进场要求"), max_length=16, choices=Entry.choices)
    threshold_fen = models.BigIntegerField(
        _("进场限额（分）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0, _("进场限额不能为负数。"))],
        help_text=_("应当进场类别：估算金额达到此数额（含本数）时应当进场；留空表示不论金额均应进场。"),
    )
    threshold_note = models.CharField(_("限额说明"), max_length=500, blank=True)
    source = models.CharField(_("依据"), max_length=500)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(
        _("失效日期"),
        null=True,
        blank=True,
        help_text=_("自该日起不再适用；留空表示长期有效。"),
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(
        _("启用"),
        default=True,
        help_text=_("仅用于停用误录的类别；类别到期请设置失效日期。"),
    )

    objects = CatalogCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("交易目录类别")
        verbose_name_plural = _("交易目录类别")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=F("effective_from")),
                name="catalog_category_effective_to_after_from",
                violation_error_message=_("失效日期必须晚于生效日期。"),
            ),
            models.CheckConstraint(
                condition=Q(threshold_fen__isnull=True) | Q(threshold_fen__gte=0),
                name="catalog_category_threshold_non_negative",
                violation_error_message=_("进场限额不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(entry=Entry.MANDATORY) | Q(threshold_fen__isnull=True),
                name="catalog_category_threshold_only_mandatory",
                violation_error_message=_("鼓励进场的类别不设进场限额。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def threshold_display(self) -> str:
        return amount_display(self.threshold_fen)

    def is_in_force(self, on: dt.date) -> bool:
        return self.is_active and self.effective_from <= on and (self.effective_to is None or on < self.effective_to)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}

        def add(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        if self.effective_from and self.effective_to and self.effective_to <= self.effective_from:
            add("effective_to", gettext("失效日期必须晚于生效日期。"))
        if self.entry == Entry.VOLUNTARY and self.threshold_fen is not None:
            add("threshold_fen", gettext("鼓励进场的类别不设进场限额。"))

        parent = self.parent if self.parent_id else None
        if parent is not None:
            if self.pk is not None and self._has_ancestor(self.pk):
                add("parent", gettext("上级类别不能是本类别或其下级类别。"))
            if self.trade_type and parent.trade_type != self.trade_type:
                add(
                    "trade_type",
                    gettext("下级类别的交易类型必须与上级类别“{parent}”一致（{trade_type}）。").format(
                        parent=parent.name, trade_type=parent.get_trade_type_display()
                    ),
                )
            if self.effective_from and self.effective_from < parent.effective_from:
                add(
                    "effective_from",
                    gettext("生效日期不得早于上级类别的生效日期（{date}）。").format(
                        date=parent.effective_from.isoformat()
                    ),
                )
            if parent.effective_to is not None and (
                self.effective_to is None or self.effective_to > parent.effective_to
            ):
                add(
                    "effective_to",
                    gettext("上级类别于{date}失效，下级类别的失效日期不得晚于该日。").format(
                        date=parent.effective_to.isoformat()
                    ),
                )

        if self.pk is not None:
            children = CatalogCategory.objects.filter(parent_id=self.pk)
            if self.trade_type and children.exclude(trade_type=self.trade_type).exists():
                add("trade_type", gettext("本类别已有下级类别，交易类型须与下级类别一致。"))
            if self.effective_from and children.filter(effective_from__lt=self.effective_from).exists():
                add("effective_from", gettext("有下级类别的生效日期早于该日期。"))
            if (
                self.effective_to is not None
                and children.filter(Q(effective_to__isnull=True) | Q(effective_to__gt=self.effective_to)).exists()
            ):
                add("effective_to", gettext("有下级类别在该日期之后仍然有效，请先使其失效。"))

        if errors:
            raise ValidationError(errors)

    def _has_ancestor(self, pk: int) -> bool:
        """Whether `pk` is this category's parent, grandparent, ... (a cycle if it is itself)."""
        seen: set[int] = set()
        node = self.parent if self.parent_id else None
        while node is not None and node.pk not in seen:
            if node.pk == pk:
                return True
            seen.add(node.pk)
            node = node.parent if node.parent_id else None
        return False
