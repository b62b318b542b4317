"""Choice sets of the experts app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExpertStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    SUSPENDED = "suspended", _("暂停")
    BANNED = "banned", _("禁止参加评标评审")


class TitleLevel(models.IntegerChoices):
    """Professional title (职称) as an ordered level, so rules can say "at least"."""

    NONE = 0, _("无职称")
    JUNIOR = 1, _("初级")
    INTERMEDIATE = 2, _("中级")
    ASSOCIATE_SENIOR = 3, _("副高级")
    SENIOR = 4, _("正高级")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")


class RegionScope(models.TextChoices):
    LOCAL = "local", _("本地（本州市）")
    REGION = "region", _("全区（本自治区）")
    CROSS_REGION = "cross_region", _("跨区域（远程异地评标）")


class DrawStatus(models.TextChoices):
    REQUESTED = "requested", _("已申请，待抽取")
    DRAWN = "drawn", _("已抽取，待专家确认")
    COMPLETE = "complete", _("专家已全部确认")
    FAILED = "failed", _("抽取失败")
    CANCELLED = "cancelled", _("已取消")


class SelectionState(models.TextChoices):
    RESERVE = "reserve", _("备选")
    NOTIFIED = "notified", _("已通知，待确认")
    CONFIRMED = "confirmed", _("已确认参加")
    DECLINED = "declined", _("已拒绝")
    TIMED_OUT = "timed_out", _("超时未答复")
    RELEASED = "released", _("已释放（未启用的备选）")
    REPLACED = "replaced", _("已被更换（评审意见无效）")


ACTIVE_SELECTION_STATES = (SelectionState.RESERVE, SelectionState.NOTIFIED, SelectionState.CONFIRMED)


class RecusalRule(models.TextChoices):
    """Each filter that removes experts from a draw, in the order the report shows them."""

    STATUS = "status", _("暂停或禁止参加评审")
    ELIGIBILITY = "eligibility", _("不符合专家条件（职称、从业年限、年龄、不良记录）")
    REGION = "region", _("不在抽取区域范围内")
    PARTY_EMPLOYEE = "party_employee", _("招标人、代理机构或投标人的工作人员")
    DECLARED_CONFLICT = "declared_conflict", _("申报的回避关系")
    SUPERVISOR_STAFF = "supervisor_staff", _("项目行政监督部门的工作人员")
    BOOKED = "booked", _("评审时间冲突（已被抽中）")
    FREQUENCY = "frequency", _("超过抽中次数上限")
    SAME_PARTY_FREQUENCY = "same_party_frequency", _("12个月内为同一招标人或代理机构评审次数超限")


class RatingKind(models.TextChoices):
    OF_EXPERT = "of_expert", _("招标人或代理机构评价专家")
    OF_REQUESTER = "of_requester", _("专家评价招标人或代理机构")
