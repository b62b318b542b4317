"""Choice sets of the exchange app: the national data sets (docs/national-data.md) and push states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataSet(models.TextChoices):
    """Engineering-construction data sets of the national data specification (rules-cn.md §7.2, 🟡).
    The value is the XML element name of the record."""

    PROJECT = "GCJS_PROJECT", _("项目")
    TENDER_PROJECT = "GCJS_TENDER_PROJECT", _("招标项目")
    SECTION = "GCJS_SECTION", _("标段（包）")
    NOTICE = "GCJS_NOTICE", _("招标公告")
    OPENING_RECORD = "GCJS_OPENING_RECORD", _("开标记录")
    WIN_CANDIDATE = "GCJS_WIN_CANDIDATE", _("中标候选人公示")
    RESULT_NOTICE = "GCJS_RESULT_NOTICE", _("中标结果公告")


class PushStatus(models.TextChoices):
    PENDING = "pending", _("待推送")
    SENT = "sent", _("已推送")
    FAILED = "failed", _("推送失败")
    # Collected while the exchange is disabled (the demo default); queued once it is enabled.
    NOT_SENT = "not_sent", _("未推送（数据交换未启用）")
