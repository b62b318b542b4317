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


class Subject(models.TextChoices):
    GOODS = "goods", _("货物")
    SERVICES = "services", _("服务")
    WORKS = "works", _("工程")


class TieBreak(models.TextChoices):
    """How the tender documents break a tie that total and price leave (87号令 arts. 65, 68;
    214号 art. 24): by the technical factors first, and in every case a random draw last."""

    DRAW = "draw", _("随机抽签")
    TECHNICAL_THEN_DRAW = "technical_then_draw", _("技术得分高者优先，仍相同的随机抽签")


class RejectionGround(models.TextChoices):
    """否决投标 (招标投标法实施条例 art. 51)."""

    UNSIGNED = "unsigned", _("投标文件未经投标单位盖章和单位负责人签字")
    CONSORTIUM = "consortium", _("投标联合体没有提交共同投标协议")
    QUALIFICATION = "qualification", _("投标人不符合国家或者招标文件规定的资格条件")
    TWO_PRICES = "two_prices", _("同一投标人提交两个以上不同的投标文件或者投标报价")
    PRICE_OUT_OF_RANGE = "price_out_of_range", _("投标报价低于成本或者高于招标文件设定的最高投标限价")
    NO_SUBSTANTIVE_RESPONSE = "no_substantive_response", _("投标文件没有对招标文件的实质性要求和条件作出响应")
    COLLUSION = "collusion", _("投标人有串通投标、弄虚作假、行贿等违法行为")


class ReportStatus(models.TextChoices):
    DRAFTED = "drafted", _("待签字")
    SIGNED = "signed", _("已签字")


class OutcomeStage(models.TextChoices):
    PUBLICITY = "publicity", _("中标候选人公示中")
    AWARDED = "awarded", _("已确定中标人")
