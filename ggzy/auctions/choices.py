"""Vocabulary of the auctions app (GLOSSARY.md: listing, auction, bidder, bid number, reserve)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .engine import Method, NoDealReason, Phase, TimedEligibility


class SaleMethod(models.TextChoices):
    LISTING = Method.LISTING.value, _("挂牌")
    AUCTION = Method.AUCTION.value, _("拍卖")
    ONLINE_BIDDING = Method.ONLINE_BIDDING.value, _("网络竞价")


class SaleStatus(models.TextChoices):
    OPEN = "open", _("进行中")  # scheduled or bidding
    AWAITING_RESERVE = "awaiting_reserve", _("竞价结束，待开启保留价")
    DEAL = "deal", _("成交")
    NO_DEAL = "no_deal", _("未成交")


class SalePhase(models.TextChoices):
    SCHEDULED = Phase.SCHEDULED.value, _("未开始")
    LISTING = Phase.LISTING.value, _("挂牌期")
    PREPARATION = Phase.PREPARATION.value, _("限时竞价准备")
    TIMED = Phase.TIMED.value, _("限时竞价")
    CLOSED = Phase.CLOSED.value, _("竞价结束")
    FROZEN = Phase.FROZEN.value, _("冻结")


class LandUse(models.TextChoices):
    """The parcel's planned use (土地利用现状分类 GB/T 21010, the classes sold by tender, auction or listing)."""

    RESIDENTIAL = "residential", _("城镇住宅用地")
    COMMERCIAL = "commercial", _("商服用地")
    INDUSTRIAL = "industrial", _("工业用地")
    WAREHOUSE = "warehouse", _("仓储用地")
    PUBLIC = "public", _("公共管理与公共服务用地")
    OTHER = "other", _("其他用地")


class MiningRightKind(models.TextChoices):
    EXPLORATION = "exploration", _("探矿权")
    MINING = "mining", _("采矿权")


class Eligibility(models.TextChoices):
    QUALIFIED = TimedEligibility.QUALIFIED.value, _("所有竞买人")
    LISTING_BIDDERS = TimedEligibility.LISTING_BIDDERS.value, _("挂牌期有有效报价的竞买人")


class NoDeal(models.TextChoices):
    NO_BID = NoDealReason.NO_BID.value, _("无人报价")
    BELOW_RESERVE = NoDealReason.BELOW_RESERVE.value, _("最高报价低于保留价")
    TOO_FEW_BIDDERS = NoDealReason.TOO_FEW_BIDDERS.value, _("竞买人不足法定人数，竞价终止")


class RegistrationStatus(models.TextChoices):
    APPLIED = "applied", _("已申请")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")


# Trade types that sell by listing, auction or online bidding (rules-cn.md §4–5).
SALE_TRADE_TYPES = ("land_use", "mining_rights", "state_property")

# The rule that fixes the least time between the notice (at setup) and the start, per trade type.
NOTICE_RULE_BY_TRADE_TYPE = {
    "land_use": "land.notice_min_days_before_start",
    "mining_rights": "mining.notice_min_working_days_before_grant",
    "state_property": "property.formal_disclosure_min_working_days",
}
