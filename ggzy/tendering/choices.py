"""Choice sets of the tendering app."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ggzy.core.choices import ProcurementMethod, TradeType

# This app runs open and invitation tendering for construction and government procurement.
TENDER_METHODS = (ProcurementMethod.OPEN_TENDER, ProcurementMethod.SELECTIVE_TENDER)
TENDER_TRADE_TYPES = (TradeType.CONSTRUCTION, TradeType.GOVERNMENT_PROCUREMENT)


class TenderStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布（投标中）")
    CLOSED = "closed", _("投标已截止")
    CANCELLED = "cancelled", _("已终止")


class EvaluationMethod(models.TextChoices):
    LOWEST_EVALUATED_PRICE = "lowest_evaluated_price", _("经评审的最低投标价法")
    WEIGHTED_SCORING = "weighted_scoring", _("综合评估法/综合评分法")


class OpeningFieldKind(models.TextChoices):
    MONEY = "money", _("金额（元）")
    DAYS = "days", _("天数")
    TEXT = "text", _("文字")


# What an opening record reads out unless the tender documents say otherwise
# (招标投标法 art. 36; rules-cn.md §2.4 opening-room state machine: name, price, duration, quality …).
DEFAULT_OPENING_FIELDS: list[dict[str, str]] = [
    {"key": "price", "label": "投标报价", "kind": OpeningFieldKind.MONEY},
    {"key": "duration", "label": "工期/交货期", "kind": OpeningFieldKind.DAYS},
    {"key": "quality", "label": "质量标准", "kind": OpeningFieldKind.TEXT},
    {"key": "project_manager", "label": "项目负责人", "kind": OpeningFieldKind.TEXT},
]


class KeyKind(models.TextChoices):
    SEALING = "sealing", _("密封（加密）公钥")
    SIGNING = "signing", _("签名公钥")


class BidStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已递交")
    REPLACED = "replaced", _("已被替换")
    WITHDRAWN = "withdrawn", _("已撤回（截止前）")


class LotStatus(models.TextChoices):
    OPEN = "open", _("投标中")
    CLOSED = "closed", _("已截止，待开标")
    DECRYPTING = "decrypting", _("开标解密中")
    OPENED = "opened", _("已开标")
    FAILED = "failed", _("流标")
    CANCELLED = "cancelled", _("已终止")


# Lots that a termination (终止招标) still affects: not failed, not yet cancelled.
LIVE_LOT_STATUSES = (LotStatus.OPEN, LotStatus.CLOSED, LotStatus.DECRYPTING, LotStatus.OPENED)


class OpeningOutcome(models.TextChoices):
    PENDING = "pending", _("待解密")
    DECRYPTED = "decrypted", _("解密成功")
    # 电子招标投标办法 art. 31: not decrypted through the bidder's fault counts as revoked (撤销);
    # through any other fault as withdrawn (撤回); the opening goes on for the other bids.
    REVOKED = "revoked", _("撤销（投标人原因未解密）")
    NOT_DECRYPTED = "not_decrypted", _("撤回（非投标人原因未解密）")


class SecurityMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("银行转账")
    GUARANTEE = "guarantee", _("保函")


class SecurityStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已到账")
    REFUND_DUE = "refund_due", _("待退还")
    REFUNDED = "refunded", _("已退还")


class RefundReason(models.TextChoices):
    """Why a bid security falls due for refund; with the trade type it decides what interest is owed
    (interest.py)."""

    WITHDRAWAL = "withdrawal", _("截止前撤回投标")
    UNSUCCESSFUL = "unsuccessful", _("未中标")
    CONTRACT = "contract", _("合同已签订")
    CANCELLATION = "cancellation", _("终止招标")
    FAILED = "failed", _("流标")


class InterestKind(models.TextChoices):
    # 实施条例 arts. 31, 57 (construction); 87号令 art. 29 “孳息” (procurement, termination).
    DEPOSIT_INTEREST = "deposit_interest", _("银行同期存款利息")
    # 政府采购法实施条例 art. 33; 87号令 art. 38: a late refund in procurement.
    OVERDUE_FEE = "overdue_fee", _("超期资金占用费")
