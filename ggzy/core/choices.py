"""Vocabulary shared by several apps: trade types and procurement methods (GLOSSARY.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TradeType(models.TextChoices):
    CONSTRUCTION = "construction", _("工程建设")
    GOVERNMENT_PROCUREMENT = "government_procurement", _("政府采购")
    LAND_USE = "land_use", _("土地使用权")
    MINING_RIGHTS = "mining_rights", _("矿业权")
    STATE_PROPERTY = "state_property", _("国有产权")
    OTHER = "other", _("其他")


class ProcurementMethod(models.TextChoices):
    OPEN_TENDER = "open_tender", _("公开招标")
    SELECTIVE_TENDER = "selective_tender", _("邀请招标")
    NEGOTIATION = "negotiation", _("竞争性谈判")
    CONSULTATION = "consultation", _("竞争性磋商")
    REQUEST_FOR_QUOTATION = "request_for_quotation", _("询价")
    SINGLE_SOURCE = "single_source", _("单一来源")
    AUCTION = "auction", _("拍卖")
    LISTING = "listing", _("挂牌")
    ONLINE_BIDDING = "online_bidding", _("网络竞价")
    NEGOTIATED_TRANSFER = "negotiated_transfer", _("协议转让")


M = ProcurementMethod
# Which methods each trade type admits: 招标投标法 arts. 10-11; 政府采购法 art. 26;
# 国土资源部令第39号; 矿产资源法 (2024) art. 17; 企业国有资产法 art. 54 (rules-cn.md §2-5).
METHODS_BY_TRADE_TYPE: dict[str, tuple[str, ...]] = {
    TradeType.CONSTRUCTION: (M.OPEN_TENDER, M.SELECTIVE_TENDER),
    TradeType.GOVERNMENT_PROCUREMENT: (
        M.OPEN_TENDER,
        M.SELECTIVE_TENDER,
        M.NEGOTIATION,
        M.CONSULTATION,
        M.REQUEST_FOR_QUOTATION,
        M.SINGLE_SOURCE,
    ),
    TradeType.LAND_USE: (M.OPEN_TENDER, M.AUCTION, M.LISTING, M.ONLINE_BIDDING),
    TradeType.MINING_RIGHTS: (M.OPEN_TENDER, M.AUCTION, M.LISTING, M.ONLINE_BIDDING),
    TradeType.STATE_PROPERTY: (M.AUCTION, M.LISTING, M.ONLINE_BIDDING, M.NEGOTIATED_TRANSFER),
    TradeType.OTHER: tuple(M.values),
}

# Two-digit trade type codes used inside the unified deal code (统一交易标识码).
TRADE_TYPE_CODES: dict[str, str] = {
    TradeType.CONSTRUCTION: "01",
    TradeType.GOVERNMENT_PROCUREMENT: "02",
    TradeType.LAND_USE: "03",
    TradeType.MINING_RIGHTS: "04",
    TradeType.STATE_PROPERTY: "05",
    TradeType.OTHER: "99",
}
