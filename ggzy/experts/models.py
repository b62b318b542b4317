"""The expert pool (综合评标评审专家库) and the verifiable expert draw (专家抽取)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import validate_region_code

from .choices import ChangeStatus, DrawStatus, ExpertStatus, RatingKind, RegionScope, SelectionState, TitleLevel


class Specialty(models.Model):
    """A node of the specialty classification (专业分类); codes nest by prefix (A01 ⊃ A0101)."""

    code = models.CharField(_("专业代码"), max_length=16, unique=True)
    name = models.CharField(_("专业名称"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级专业"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("专业分类")
        verbose_name_plural = _("专业分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Expert(models.Model):
    number = models.CharField(_("专家编号"), max_length=16, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expert_profile",
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_card_number = models.CharField(_("身份证号"), max_length=18, unique=True)
    birth_date = models.DateField(_("出生日期"))
    mobile = models.CharField(_("手机号"), max_length=20)
    email = models.EmailField(_("电子邮箱"), blank=True)
    employer_name = models.CharField(_("工作单位"), max_length=200)
    employer_uscc = models.CharField(_("工作单位统一社会信用代码"), max_length=18, blank=True, db_index=True)
    region_code = models.CharField(_("所在地行政区划代码"), max_length=6, validators=[validate_region_code])
    title_level = models.PositiveSmallIntegerField(_("职称等级"), choices=TitleLevel.choices)
    title_name = models.CharField(_("职称名称"), max_length=100, blank=True)
    practice_since = models.DateField(_("从事相关专业工作起始日期"))
    status = models.CharField(_("状态"), max_length=16, choices=ExpertStatus.choices, default=ExpertStatus.ACTIVE)
    status_until = models.DateField(_("暂停或禁止至"), null=True, blank=True)
    status_reason = models.CharField(_("暂停或禁止原因"), max_length=300, blank=True)
    last_bad_record_on = models.DateField(_("最近不良记录日期"), null=True, blank=True)
    specialties = models.ManyToManyField(Specialty, verbose_name=_("评标专业"), related_name="experts")
    created_at = models.DateTimeField(_("入库时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("评标评审专家")
        verbose_name_plural = _("评标评审专家")
        ordering = ["number"]
        indexes = [models.Index(fields=["status", "region_code"], name="experts_status_region")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ExpertStatus.ACTIVE) | Q(status_reason__gt=""),
                name="experts_status_has_reason",
                violation_error_message=_("暂停或禁止专家须写明原因。"),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ExpertConflict(models.Model):
    """A declared relationship (申报的回避关系): an organization or a person the expert must not judge."""

    expert = models.ForeignKey(Expert, verbose_name=_("专家"), on_delete=models.CASCADE, related_name="conflicts")
    organization_uscc = models.CharField(_("单位统一社会信用代码"), max_length=18, blank=True, db_index=True)
    person_name = models.CharField(_("人员姓名"), max_length=50, blank=True)
    relation = models.CharField(_("关系说明"), max_length=200)
    declared_at = models.DateTimeField(_("申报时间"))

    class Meta:
        verbose_name = _("回避关系")
        verbose_name_plural = _("回避关系")
        ordering = ["expert", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organization_uscc__gt="") | Q(person_name__gt=""),
                name="experts_conflict_names_someone",
                violation_error_message=_("回避关系须填写单位或人员。"),
            ),
        ]

    def __str__(self) -> str:
        return self.organization_uscc or self.person_name


class ExpertChange(models.Model):
    """A change of eligibility facts asked by the expert; it takes effect when approved."""

    expert = models.ForeignKey(Expert, verbose_name=_("专家"), on_delete=models.CASCADE, related_name="changes")
    changes = models.JSONField(_("变更内容"))
    status = models.CharField(_("状态"), max_length=16, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)
    submitted_at = models.DateTimeField(_("提交时间"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("专家信息变更")
        verbose_name_plural = _("专家信息变更")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["expert"],
                condition=Q(status=ChangeStatus.PENDING),
                name="experts_one_pending_change",
                violation_error_message=_("已有待审核的变更，请等待审核后再提交。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert_id}:{self.pk}"


class DrawRequest(models.Model):
    lot = models.ForeignKey("projects.Lot", verbose_name=_("标段（包）"), on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    evaluation_starts_at = models.DateTimeField(_("评标开始时间"))
    evaluation_ends_at = models.DateTimeField(_("评标预计结束时间"))
    place = models.CharField(_("评标地点"), max_length=200)
    region_scope = models.CharField(_("抽取区域"), max_length=16, choices=RegionScope.choices)
    status = models.CharField(_("状态"), max_length=16, choices=DrawStatus.choices, default=DrawStatus.REQUESTED)
    seed_commitment = models.CharField(_("随机种子承诺值"), max_length=64)
    # The seed stays secret until the reveal: readable only by the draw services, never by a page.
    seed = models.CharField(_("随机种子"), max_length=64)
    seed_revealed_at = models.DateTimeField(_("种子公开时间"), null=True, blank=True)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("在场监督人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    witness_text = models.CharField(_("在场监督人输入的随机数"), max_length=64, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("抽取操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    drawn_at = models.DateTimeField(_("抽取时间"), null=True, blank=True)
    candidates_digest = models.CharField(_("候选名单摘要"), max_length=64, blank=True)
    filter_report = models.JSONField(_("回避筛选说明"), default=dict, blank=True)
    failure_reason = models.CharField(_("失败原因"), max_length=300, blank=True)
    completed_at = models.DateTimeField(_("组建完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("专家抽取申请")
        verbose_name_plural = _("专家抽取申请")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(evaluation_ends_at__gt=models.F("evaluation_starts_at")),
                name="experts_evaluation_has_length",
                violation_error_message=_("评标结束时间应晚于开始时间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk}"

    def can_draw(self) -> bool:
        return self.status == DrawStatus.REQUESTED

    def can_reveal(self) -> bool:
        return self.status == DrawStatus.COMPLETE and self.seed_revealed_at is None


class DrawLine(models.Model):
    request = models.ForeignKey(DrawRequest, verbose_name=_("抽取申请"), on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("序号"))
    specialty = models.ForeignKey(Specialty, verbose_name=_("专业"), on_delete=models.PROTECT, related_name="+")
    count = models.PositiveSmallIntegerField(_("抽取人数"))
    reserves = models.PositiveSmallIntegerField(_("备选人数"), default=0)
    # Expert numbers that passed every filter at the draw, sorted: the input of the public replay.
    candidates = models.JSONField(_("候选专家编号"), default=list, blank=True)

    class Meta:
        verbose_name = _("抽取专业及人数")
        verbose_name_plural = _("抽取专业及人数")
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="experts_line_position_once"),
            models.CheckConstraint(
                condition=Q(count__gte=1),
                name="experts_line_count_positive",
                violation_error_message=_("每个专业至少抽取1人。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}:{self.position}"


class Selection(models.Model):
    """One expert picked by a draw, in pick order (sequence), with the expert's answer."""

    request = models.ForeignKey(
        DrawRequest, verbose_name=_("抽取申请"), on_delete=models.CASCADE, related_name="selections"
    )
    line = models.ForeignKey(DrawLine, verbose_name=_("抽取专业"), on_delete=models.CASCADE, related_name="selections")
    sequence = models.PositiveIntegerField(_("抽取顺序"))
    expert = models.ForeignKey(Expert, verbose_name=_("专家"), on_delete=models.PROTECT, related_name="selections")
    state = models.CharField(_("状态"), max_length=16, choices=SelectionState.choices)
    is_top_up = models.BooleanField(_("补抽"), default=False)
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    respond_by = models.DateTimeField(_("答复截止时间"), null=True, blank=True)
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    decline_reason = models.CharField(_("拒绝原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("抽取结果")
        verbose_name_plural = _("抽取结果")
        ordering = ["request", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["request", "sequence"], name="experts_selection_sequence_once"),
            models.UniqueConstraint(fields=["request", "expert"], name="experts_selection_expert_once"),
        ]
        indexes = [models.Index(fields=["expert", "state"], name="experts_selection_expert_state")]

    def __str__(self) -> str:
        return f"{self.request_id}:{self.sequence}"


class Rating(models.Model):
    """After the evaluation: the requesting side rates each member, each member rates the
    requesting side (198号 art. 21-22). Ratings feed the expert's record."""

    selection = models.ForeignKey(
        Selection, verbose_name=_("抽取结果"), on_delete=models.CASCADE, related_name="ratings"
    )
    kind = models.CharField(_("评价方向"), max_length=16, choices=RatingKind.choices)
    score = models.PositiveSmallIntegerField(_("评分（1—5）"))
    comment = models.CharField(_("评价说明"), max_length=500, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评价人"), on_delete=models.PROTECT, related_name="+"
    )
    rated_at = models.DateTimeField(_("评价时间"))

    class Meta:
        verbose_name = _("履职评价")
        verbose_name_plural = _("履职评价")
        ordering = ["-rated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["selection", "kind"],
                name="experts_rating_once",
                violation_error_message=_("已评价，不能重复评价。"),
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5),
                name="experts_rating_score_range",
                violation_error_message=_("评分应为1至5分。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.selection_id}:{self.kind}"
