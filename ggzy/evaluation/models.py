"""The evaluation committee (评标委员会/评审小组) of a lot and its members."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import CommitteeStatus, MemberKind, OutcomeStage, RejectionGround, ReportStatus, Subject, TieBreak


class Committee(models.Model):
    tender_lot = models.OneToOneField(
        "tendering.TenderLot", verbose_name=_("招标标段"), on_delete=models.PROTECT, related_name="committee"
    )
    draw_request = models.ForeignKey(
        "experts.DrawRequest", verbose_name=_("专家抽取"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=16, choices=CommitteeStatus.choices, default=CommitteeStatus.FORMED)
    formed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("组建人"), on_delete=models.PROTECT, related_name="+"
    )
    formed_at = models.DateTimeField(_("组建时间"))
    evaluation_started_at = models.DateTimeField(_("评审开始时间"), null=True, blank=True)
    extended_until = models.DateTimeField(_("评审时间延长至"), null=True, blank=True)

    class Meta:
        verbose_name = _("评标委员会")
        verbose_name_plural = _("评标委员会")

    def __str__(self) -> str:
        return str(self.tender_lot_id)

    @property
    def evaluation_ends_at(self) -> Any:
        """The end of the evaluation: as drawn, or later when the committee asked for more time."""
        return self.extended_until or self.draw_request.evaluation_ends_at


class Member(models.Model):
    committee = models.ForeignKey(
        Committee, verbose_name=_("评标委员会"), on_delete=models.CASCADE, related_name="members"
    )
    kind = models.CharField(_("成员类别"), max_length=32, choices=MemberKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.PROTECT, related_name="+"
    )
    selection = models.OneToOneField(
        "experts.Selection",
        verbose_name=_("抽取结果"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="committee_member",
    )
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    finds_time_insufficient = models.BooleanField(_("认为评标时间不够"), default=False)
    # A replaced member's work is void (实施条例 art. 48); the row stays for the record.
    is_active = models.BooleanField(_("在任"), default=True)

    class Meta:
        verbose_name = _("评标委员会成员")
        verbose_name_plural = _("评标委员会成员")
        ordering = ["committee", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "user"],
                condition=Q(is_active=True),
                name="evaluation_member_once",
                violation_error_message=_("同一人不能在同一评标委员会中担任两个席位。"),
            ),
            models.CheckConstraint(
                condition=Q(kind=MemberKind.OWNER_REPRESENTATIVE) | Q(selection__isnull=False),
                name="evaluation_drawn_member_has_selection",
                violation_error_message=_("抽取的专家成员须对应一条抽取结果。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee_id}:{self.pk}"


class EvaluationTerms(models.Model):
    """The evaluation method's parameters as the tender documents state them (fixed at publication)."""

    tender = models.OneToOneField(
        "tendering.Tender", verbose_name=_("招标"), on_delete=models.CASCADE, related_name="evaluation_terms"
    )
    subject = models.CharField(_("采购标的类别"), max_length=16, choices=Subject.choices)
    price_weight_percent = models.DecimalField(
        _("价格分值比重（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    sme_deduction_percent = models.DecimalField(
        _("小微企业价格扣除比例（%）"), max_digits=5, decimal_places=2, default=0
    )
    # Factors other than price: [{"key", "label", "max_points", "technical"}]; with the price weight
    # they make 100. The technical ones decide a tie when the documents say so.
    criteria = models.JSONField(_("评审因素"), default=list, blank=True)
    tie_break = models.CharField(_("并列时的排序方法"), max_length=32, choices=TieBreak.choices, default=TieBreak.DRAW)

    class Meta:
        verbose_name = _("评标办法参数")
        verbose_name_plural = _("评标办法参数")

    def __str__(self) -> str:
        return str(self.tender_id)


class MemberReview(models.Model):
    """A member's compliance review of one bid (资格性和符合性审查), with the ground of a rejection."""

    member = models.ForeignKey(Member, verbose_name=_("成员"), on_delete=models.CASCADE, related_name="reviews")
    bid = models.ForeignKey("tendering.Bid", verbose_name=_("投标文件"), on_delete=models.PROTECT, related_name="+")
    compliant = models.BooleanField(_("通过"))
    ground = models.CharField(_("否决依据"), max_length=32, choices=RejectionGround.choices, blank=True)
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("审查意见")
        verbose_name_plural = _("审查意见")
        constraints = [
            models.UniqueConstraint(fields=["member", "bid"], name="evaluation_review_once"),
            models.CheckConstraint(
                condition=Q(compliant=True) | (Q(ground__gt="") & Q(reason__gt="")),
                name="evaluation_rejection_has_ground",
                violation_error_message=_("否决投标须选择依据并写明理由。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.bid_id}"


class MemberScore(models.Model):
    member = models.ForeignKey(Member, verbose_name=_("成员"), on_delete=models.CASCADE, related_name="scores")
    bid = models.ForeignKey("tendering.Bid", verbose_name=_("投标文件"), on_delete=models.PROTECT, related_name="+")
    criterion = models.CharField(_("评审因素"), max_length=40)
    points = models.DecimalField(_("得分"), max_digits=7, decimal_places=2)
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [models.UniqueConstraint(fields=["member", "bid", "criterion"], name="evaluation_score_once")]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.bid_id}:{self.criterion}"


class Report(models.Model):
    """The evaluation report (评标报告): the computed results as drafted, then each member's signature."""

    committee = models.OneToOneField(
        Committee, verbose_name=_("评标委员会"), on_delete=models.CASCADE, related_name="report"
    )
    status = models.CharField(_("状态"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFTED)
    results = models.JSONField(_("评审结果"))
    drafted_at = models.DateTimeField(_("生成时间"))
    signed_at = models.DateTimeField(_("签字完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评标报告")
        verbose_name_plural = _("评标报告")

    def __str__(self) -> str:
        return str(self.committee_id)


class TieDraw(models.Model):
    """A random draw that orders bids the ranking leaves tied (87号令 art. 68). The seed stays
    secret until a person present has typed a text; both are then recorded for anyone to replay."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("评标委员会"), on_delete=models.CASCADE, related_name="tie_draws"
    )
    # The tied places as bid ids, e.g. [[12, 15]]: the draw applies only while they are the same.
    tied = models.JSONField(_("并列的投标"))
    seed = models.CharField(_("种子（抽签后公开）"), max_length=64)
    seed_commitment = models.CharField(_("种子承诺值"), max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("发起时间"))
    witness_text = models.CharField(_("现场输入的随机数"), max_length=64, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("抽签人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    drawn_at = models.DateTimeField(_("抽签时间"), null=True, blank=True)
    order = models.JSONField(_("抽签结果"), default=list, blank=True)

    class Meta:
        verbose_name = _("并列排序抽签")
        verbose_name_plural = _("并列排序抽签")
        ordering = ["committee", "-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.committee_id}:{self.pk}"


class Signature(models.Model):
    report = models.ForeignKey(Report, verbose_name=_("评标报告"), on_delete=models.CASCADE, related_name="signatures")
    member = models.ForeignKey(Member, verbose_name=_("成员"), on_delete=models.PROTECT, related_name="+")
    agreed = models.BooleanField(_("同意"))
    dissent = models.TextField(_("不同意见及理由"), blank=True)
    # 实施条例 art. 53: refusing to sign without written reasons counts as agreeing.
    deemed = models.BooleanField(_("视为同意"), default=False)
    signed_at = models.DateTimeField(_("签字时间"))

    class Meta:
        verbose_name = _("评标报告签字")
        verbose_name_plural = _("评标报告签字")
        constraints = [
            models.UniqueConstraint(fields=["report", "member"], name="evaluation_sign_once"),
            models.CheckConstraint(
                condition=Q(agreed=True) | Q(dissent__gt=""),
                name="evaluation_dissent_in_writing",
                violation_error_message=_("不同意评标结果的，须书面说明不同意见和理由。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.member_id}"


class Outcome(models.Model):
    """After the report: the candidates' publicity (construction) and the award."""

    tender_lot = models.OneToOneField(
        "tendering.TenderLot", verbose_name=_("招标标段"), on_delete=models.PROTECT, related_name="outcome"
    )
    stage = models.CharField(_("阶段"), max_length=16, choices=OutcomeStage.choices)
    publicity_started_at = models.DateTimeField(_("公示开始时间"), null=True, blank=True)
    publicity_ends_at = models.DateTimeField(_("公示截止时间"), null=True, blank=True)
    winner = models.ForeignKey(
        "tendering.Bid",
        verbose_name=_("中标投标文件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    awarded_at = models.DateTimeField(_("中标确定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评标结果与中标")
        verbose_name_plural = _("评标结果与中标")

    def __str__(self) -> str:
        return str(self.tender_lot_id)


class Contract(models.Model):
    """The contract signed with the winner, registered on the platform (and published for procurement)."""

    tender_lot = models.OneToOneField(
        "tendering.TenderLot", verbose_name=_("招标标段"), on_delete=models.PROTECT, related_name="contract"
    )
    amount_fen = models.BigIntegerField(_("合同金额（分）"))
    signed_on = models.DateField(_("签订日期"))
    registered_at = models.DateTimeField(_("登记时间"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    late = models.BooleanField(_("逾期签订"), default=False)

    class Meta:
        verbose_name = _("合同")
        verbose_name_plural = _("合同")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0),
                name="evaluation_contract_amount_positive",
                violation_error_message=_("合同金额必须大于零。"),
            )
        ]

    def __str__(self) -> str:
        return str(self.tender_lot_id)


class PublicityObjection(models.Model):
    """An objection to the evaluation result during the candidates' publicity (实施条例 art. 54)."""

    tender_lot = models.ForeignKey(
        "tendering.TenderLot", verbose_name=_("招标标段"), on_delete=models.PROTECT, related_name="publicity_objections"
    )
    objector = models.ForeignKey(
        "accounts.Organization", verbose_name=_("异议人"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("异议内容"))
    raised_at = models.DateTimeField(_("提出时间"))
    answer_due = models.DateTimeField(_("答复期限"))
    answer = models.TextField(_("答复"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评标结果异议")
        verbose_name_plural = _("评标结果异议")
        ordering = ["raised_at"]

    def __str__(self) -> str:
        return f"{self.tender_lot_id}:{self.pk}"


class CandidateExclusion(models.Model):
    """A candidate that withdrew, failed the pre-award review or broke the law before the award
    (实施条例 art. 55): the next candidate in the ranking may be awarded, or the owner re-tenders."""

    tender_lot = models.ForeignKey(
        "tendering.TenderLot", verbose_name=_("招标标段"), on_delete=models.PROTECT, related_name="+"
    )
    bid = models.OneToOneField("tendering.Bid", verbose_name=_("投标文件"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("原因"), max_length=500)
    excluded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("中标候选人变动")
        verbose_name_plural = _("中标候选人变动")

    def __str__(self) -> str:
        return f"{self.tender_lot_id}:{self.bid_id}"


class SupervisorReport(models.Model):
    """The written report to the supervisory authority after the award (招标投标法 art. 47)."""

    tender_lot = models.OneToOneField(
        "tendering.TenderLot", verbose_name=_("招标标段"), on_delete=models.PROTECT, related_name="supervisor_report"
    )
    filed_at = models.DateTimeField(_("提交时间"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField(_("报告内容"))
    late = models.BooleanField(_("逾期提交"), default=False)

    class Meta:
        verbose_name = _("招标投标情况书面报告")
        verbose_name_plural = _("招标投标情况书面报告")

    def __str__(self) -> str:
        return str(self.tender_lot_id)


class BidQuestion(models.Model):
    """A written clarification request to a bidder and its answer (实施条例 art. 52): the answer
    may not exceed the bid or change its substance; bidders cannot volunteer clarifications."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("评标委员会"), on_delete=models.CASCADE, related_name="questions"
    )
    bid = models.ForeignKey("tendering.Bid", verbose_name=_("投标文件"), on_delete=models.PROTECT, related_name="+")
    question = models.TextField(_("澄清问题"))
    asked_at = models.DateTimeField(_("提出时间"))
    answer = models.TextField(_("澄清答复"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("评标澄清")
        verbose_name_plural = _("评标澄清")
        ordering = ["asked_at"]

    def __str__(self) -> str:
        return f"{self.committee_id}:{self.pk}"


class PriceCorrection(models.Model):
    """The committee's arithmetic correction of a bid's price (87号令 art. 59). It binds the bidder
    only once confirmed in writing; a bid whose bidder declines, or does not answer before the
    evaluation ends, is rejected."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("评标委员会"), on_delete=models.CASCADE, related_name="price_corrections"
    )
    bid = models.OneToOneField(
        "tendering.Bid", verbose_name=_("投标文件"), on_delete=models.PROTECT, related_name="price_correction"
    )
    # What the committee read from the bid: words, figures, the price schedule's lines and total.
    price_data = models.JSONField(_("报价数据"))
    original_fen = models.BigIntegerField(_("原报价（分）"))
    corrected_fen = models.BigIntegerField(_("修正后报价（分）"))
    steps = models.JSONField(_("修正步骤"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"))
    confirmed = models.BooleanField(_("投标人确认"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("报价算术修正")
        verbose_name_plural = _("报价算术修正")
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(corrected_fen__gt=0),
                name="evaluation_correction_positive",
                violation_error_message=_("修正后的报价必须大于零。"),
            )
        ]

    def __str__(self) -> str:
        return str(self.bid_id)
