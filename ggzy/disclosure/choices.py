"""Choice sets of the disclosure app: the notice types of GLOSSARY.md."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeType(models.TextChoices):
    TENDER = "tender", _("招标公告")
    OPENING_RECORD = "opening_record", _("开标记录")
    AMENDMENT = "amendment", _("变更/澄清公告")
    CANDIDATE_PUBLICITY = "candidate_publicity", _("中标候选人公示")
    AWARD = "award", _("中标结果公告")
    CONTRACT = "contract", _("合同公示")
    FAILURE = "failure", _("流标/终止公告")
    PREDISCLOSURE = "predisclosure", _("信息预披露")
    LISTING = "listing", _("出让/挂牌公告")
    DEAL = "deal", _("成交公示")
    PLATFORM = "platform", _("平台公告")
    WITHDRAWAL = "withdrawal", _("撤回公告")


class NoticeStatus(models.TextChoices):
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已更正")
    WITHDRAWN = "withdrawn", _("已撤回")


class NoticeNature(models.TextChoices):
    """What a notice is to the one before it (the national data sets' NOTICE_NATURE)."""

    FIRST = "first", _("首次公告")
    CORRECTION = "correction", _("更正公告")
    WITHDRAWAL = "withdrawal", _("撤回公告")
