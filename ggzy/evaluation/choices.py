"""Choice sets of the evaluation app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CommitteeStatus(models.TextChoices):
    FORMED = "formed", _("已组建，待签到")
    EVALUATING = "evaluating", _("评审中")
    REPORTED = "reported", _("已提交评标报告")


class MemberKind(models.TextChoices):
    DRAWN_EXPERT = "drawn_expert", _("随机抽取的专家")
    OWNER_REPRESENTATIVE = "owner_representative", _("招标人（采购人）代表")
