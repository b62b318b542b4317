"""Tenders (招标/采购) of a registered project: the notice, its lots, the tender documents and who
fetched them (confidential until the bid deadline, 招标投标法 art. 22)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ggzy.core.choices import ProcurementMethod

from .choices import (
    LIVE_LOT_STATUSES,
    BidStatus,
    EvaluationMethod,
    KeyKind,
    LotStatus,
    OpeningOutcome,
    RefundReason,
    SecurityMethod,
    SecurityStatus,
    TenderStatus,
)


class Tender(models.Model):
    project = models.ForeignKey(
        "projects.Project", verbose_name=_("交易项目"), on_delete=models.PROTECT, related_name="tenders"
    )
    code = models.CharField(_("招标编号"), max_length=40, unique=True)
    title = models.CharField(_("公告标题"), max_length=300)
    procurement_method = models.CharField(_("招标方式"), max_length=32, choices=ProcurementMethod.choices)
    evaluation_method = models.CharField(_("评标办法"), max_length=32, choices=EvaluationMethod.choices)
    notice_body = models.TextField(_("公告正文"))
    bid_deadline = models.DateTimeField(_("投标截止时间"))
    opening_place = models.CharField(_("开标地点"), max_length=200, default="不见面开标（平台在线）")
    bid_validity_days = models.PositiveIntegerField(_("投标有效期（日）"))
    opening_fields = models.JSONField(_("开标记录读取项"), default=list)
    status = models.CharField(_("状态"), max_length=16, choices=TenderStatus.choices, default=TenderStatus.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("终止时间"), null=True, blank=True)
    cancellation_reason = models.TextField(_("终止原因"), blank=True)
    previous_round = models.ForeignKey(
        "self",
        verbose_name=_("上一轮招标"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_rounds",
    )
    invitees = models.ManyToManyField(
        "accounts.Organization", verbose_name=_("受邀投标人"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("招标")
        verbose_name_plural = _("招标")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(bid_validity_days__gt=0),
                name="tendering_validity_positive",
                violation_error_message=_("投标有效期必须大于零。"),
            ),
            # A termination is published with its reason (实施条例 art. 31; 87号令 art. 29).
            models.CheckConstraint(
                condition=~Q(status=TenderStatus.CANCELLED)
                | (Q(cancelled_at__isnull=False) & ~Q(cancellation_reason="")),
                name="tendering_cancel_has_reason",
                violation_error_message=_("终止招标须记录终止时间和原因。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def can_publish(self) -> bool:
        return self.status == TenderStatus.DRAFT

    def can_close(self) -> bool:
        return self.status == TenderStatus.PUBLISHED

    def can_cancel(self) -> bool:
        """Published, before or after the deadline; whether a lot is already awarded is checked by
        the service (the award is evaluation's fact)."""
        return self.status in (TenderStatus.PUBLISHED, TenderStatus.CLOSED)


class TenderLot(models.Model):
    tender = models.ForeignKey(Tender, verbose_name=_("招标"), on_delete=models.CASCADE, related_name="tender_lots")
    lot = models.ForeignKey("projects.Lot", verbose_name=_("标段（包）"), on_delete=models.PROTECT, related_name="+")
    bid_security_fen = models.BigIntegerField(_("投标保证金（分）"), default=0)
    ceiling_price_fen = models.BigIntegerField(_("最高投标限价（分）"), null=True, blank=True)
    status = models.CharField(_("标段状态"), max_length=16, choices=LotStatus.choices, default=LotStatus.OPEN)
    decryption_ends_at = models.DateTimeField(_("解密截止时间"), null=True, blank=True)
    opened_at = models.DateTimeField(_("开标记录发布时间"), null=True, blank=True)
    opening_record = models.JSONField(_("开标记录"), default=dict, blank=True)

    class Meta:
        verbose_name = _("招标标段")
        verbose_name_plural = _("招标标段")
        ordering = ["lot__number"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "lot"], name="tendering_lot_once"),
            models.CheckConstraint(
                condition=Q(bid_security_fen__gte=0),
                name="tendering_security_not_negative",
                violation_error_message=_("投标保证金不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return str(self.lot_id)

    def can_cancel(self) -> bool:
        return self.status in LIVE_LOT_STATUSES


class TenderDocument(models.Model):
    tender = models.ForeignKey(Tender, verbose_name=_("招标"), on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(_("文件名"), max_length=200)
    storage_name = models.CharField(_("存储名"), max_length=300)
    size = models.BigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("招标文件")
        verbose_name_plural = _("招标文件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class DocumentDownload(models.Model):
    """Who fetched the tender documents: never shown to anyone before the bid deadline."""

    document = models.ForeignKey(
        TenderDocument, verbose_name=_("招标文件"), on_delete=models.CASCADE, related_name="downloads"
    )
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("下载单位"), on_delete=models.PROTECT, related_name="+"
    )
    downloaded_at = models.DateTimeField(_("下载时间"))

    class Meta:
        verbose_name = _("招标文件下载记录")
        verbose_name_plural = _("招标文件下载记录")

    def __str__(self) -> str:
        return f"{self.document_id}:{self.organization_id}"


class BidderKey(models.Model):
    """A bidder's own public key. The private halves never reach the platform."""

    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("投标人"), on_delete=models.PROTECT, related_name="bid_keys"
    )
    kind = models.CharField(_("用途"), max_length=16, choices=KeyKind.choices)
    key_id = models.CharField(_("密钥标识"), max_length=64)
    public_key_pem = models.TextField(_("公钥（PEM）"))
    registered_at = models.DateTimeField(_("登记时间"))
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投标人公钥")
        verbose_name_plural = _("投标人公钥")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind"],
                condition=Q(retired_at__isnull=True),
                name="tendering_one_active_key_per_kind",
                violation_error_message=_("每种用途只能有一把在用的公钥。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.kind}:{self.key_id[:12]}"


class Bid(models.Model):
    """A sealed bid as the platform holds it: ciphertext, its digests and the bidder's signature.
    Nothing here reveals the price or the files before the opening."""

    tender_lot = models.ForeignKey(TenderLot, verbose_name=_("招标标段"), on_delete=models.PROTECT, related_name="bids")
    bidder = models.ForeignKey(
        "accounts.Organization", verbose_name=_("投标人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("递交人"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=16, choices=BidStatus.choices, default=BidStatus.SUBMITTED)
    received_at = models.DateTimeField(_("平台接收时间"))
    storage_name = models.CharField(_("存储名"), max_length=300)
    size = models.BigIntegerField(_("密文大小（字节）"))
    commitment = models.CharField(_("明文承诺值"), max_length=64)
    ciphertext_digest = models.CharField(_("密文摘要"), max_length=64)
    signature = models.CharField(_("投标人签名"), max_length=200)
    recipient_key_id = models.CharField(_("密封公钥标识"), max_length=64)
    signer_key_id = models.CharField(_("签名公钥标识"), max_length=64)
    client_address = models.CharField(_("上传地址"), max_length=64, blank=True)
    client_fingerprint = models.CharField(_("客户端特征码"), max_length=200, blank=True)
    receipt = models.JSONField(_("回执"), default=dict)
    receipt_signature = models.CharField(_("回执签名"), max_length=200)
    not_decrypted_reason = models.CharField(_("非投标人原因未解密的原因"), max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    opening_outcome = models.CharField(
        _("开标解密结果"), max_length=16, choices=OpeningOutcome.choices, default=OpeningOutcome.PENDING
    )
    opening_data = models.JSONField(_("开标数据（解密后）"), null=True, blank=True)
    decrypted_at = models.DateTimeField(_("解密时间"), null=True, blank=True)
    decrypted_via = models.CharField(_("解密方式"), max_length=16, blank=True)
    # Set by the job that re-hashes the opened files against the manifest after the opening.
    files_checked_at = models.DateTimeField(_("文件摘要核验时间"), null=True, blank=True)
    files_check_failure = models.TextField(_("文件摘要核验不符情况"), blank=True)

    class Meta:
        verbose_name = _("投标文件")
        verbose_name_plural = _("投标文件")
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tender_lot", "bidder"],
                condition=Q(status=BidStatus.SUBMITTED),
                name="tendering_one_live_bid",
                violation_error_message=_("每个投标人在每个标段只能有一份有效投标文件。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.tender_lot_id}:{self.bidder_id}:{self.ciphertext_digest[:12]}"

    @property
    def files_check_passed(self) -> bool | None:
        """None until the opened files have been re-hashed; then whether they match the manifest.
        False is a ground for rejection at the evaluation (only the bidder can cause it)."""
        if self.files_checked_at is None:
            return None
        return not self.files_check_failure


class OpeningObjection(models.Model):
    """A bidder's objection to the opening, answered on the record (招标投标法实施条例 art. 44)."""

    tender_lot = models.ForeignKey(
        TenderLot, verbose_name=_("招标标段"), on_delete=models.PROTECT, related_name="opening_objections"
    )
    bidder = models.ForeignKey(
        "accounts.Organization", verbose_name=_("异议人"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("异议内容"))
    raised_at = models.DateTimeField(_("提出时间"))
    answer = models.TextField(_("答复"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("开标异议")
        verbose_name_plural = _("开标异议")
        ordering = ["raised_at", "id"]

    def __str__(self) -> str:
        return f"{self.tender_lot_id}:{self.bidder_id}"


class OpeningConfirmation(models.Model):
    tender_lot = models.ForeignKey(
        TenderLot, verbose_name=_("招标标段"), on_delete=models.PROTECT, related_name="opening_confirmations"
    )
    bidder = models.ForeignKey(
        "accounts.Organization", verbose_name=_("确认人"), on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"))

    class Meta:
        verbose_name = _("开标记录确认")
        verbose_name_plural = _("开标记录确认")
        constraints = [models.UniqueConstraint(fields=["tender_lot", "bidder"], name="tendering_confirm_once")]

    def __str__(self) -> str:
        return f"{self.tender_lot_id}:{self.bidder_id}"


class Clarification(models.Model):
    """A clarification or amendment of the tender documents (澄清/修改), published to everyone."""

    tender = models.ForeignKey(Tender, verbose_name=_("招标"), on_delete=models.PROTECT, related_name="clarifications")
    number = models.PositiveIntegerField(_("序号"))
    body = models.TextField(_("澄清或修改内容"))
    issued_at = models.DateTimeField(_("发出时间"))
    deadline_before = models.DateTimeField(_("原投标截止时间"))
    deadline_after = models.DateTimeField(_("投标截止时间（发出后）"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发出人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("澄清或修改")
        verbose_name_plural = _("澄清或修改")
        ordering = ["tender", "number"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="tendering_clarification_once")]

    def __str__(self) -> str:
        return f"{self.tender_id}#{self.number}"


class DocumentObjection(models.Model):
    """An objection to the tender documents (异议; 质疑 in procurement). While one is unanswered the
    procedure is suspended: submissions do not close (招标投标法实施条例 art. 22)."""

    tender = models.ForeignKey(
        Tender, verbose_name=_("招标"), on_delete=models.PROTECT, related_name="document_objections"
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
        verbose_name = _("招标文件异议")
        verbose_name_plural = _("招标文件异议")
        ordering = ["raised_at", "id"]

    def __str__(self) -> str:
        return f"{self.tender_id}:{self.objector_id}"


class UploadSession(models.Model):
    """A resumable upload of a sealed bid: the client declares the size and the SHA-256 of every
    1 MiB piece first, so each chunk is checked on arrival and a broken upload resumes where it stopped."""

    token = models.CharField(_("上传令牌"), max_length=64, unique=True)
    tender_lot = models.ForeignKey(TenderLot, verbose_name=_("招标标段"), on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("投标人"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    size = models.BigIntegerField(_("文件大小（字节）"))
    leaf_digests = models.JSONField(_("分片摘要"))
    created_at = models.DateTimeField(_("开始时间"))
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    bid = models.ForeignKey(Bid, verbose_name=_("投标文件"), on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        verbose_name = _("分片上传")
        verbose_name_plural = _("分片上传")

    def __str__(self) -> str:
        return self.token[:12]


class UploadChunk(models.Model):
    session = models.ForeignKey(
        UploadSession, verbose_name=_("分片上传"), on_delete=models.CASCADE, related_name="chunks"
    )
    index = models.PositiveIntegerField(_("分片序号"))
    received_at = models.DateTimeField(_("接收时间"))

    class Meta:
        verbose_name = _("已接收分片")
        verbose_name_plural = _("已接收分片")
        constraints = [models.UniqueConstraint(fields=["session", "index"], name="tendering_chunk_once")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.index}"


class BidSecurity(models.Model):
    """Bid security (投标保证金) of one bidder for one lot, confirmed by the bank's signed callback."""

    tender_lot = models.ForeignKey(
        TenderLot, verbose_name=_("招标标段"), on_delete=models.PROTECT, related_name="securities"
    )
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("投标人"), on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(_("银行流水号/保函编号"), max_length=100, unique=True)
    method = models.CharField(_("缴纳方式"), max_length=16, choices=SecurityMethod.choices)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    payer_account = models.CharField(_("付款账户"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=SecurityStatus.choices, default=SecurityStatus.CONFIRMED
    )
    confirmed_at = models.DateTimeField(_("到账确认时间"))
    refund_reason = models.CharField(_("退还事由"), max_length=100, blank=True, choices=RefundReason.choices)
    refund_due = models.DateTimeField(_("退还期限"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("退还时间"), null=True, blank=True)
    refund_reference = models.CharField(_("退款流水号"), max_length=100, blank=True)
    # Set when the bank reports the refund (interest.py): what was owed besides the principal, how
    # it was counted, what the bank paid back, and what is missing.
    interest_due_fen = models.BigIntegerField(_("应付利息或资金占用费（分）"), null=True, blank=True)
    interest_detail = models.JSONField(_("计息明细"), default=list, blank=True)
    refunded_amount_fen = models.BigIntegerField(_("实际退还金额（分）"), null=True, blank=True)
    refund_shortfall_fen = models.BigIntegerField(_("少退金额（分）"), default=0)

    class Meta:
        verbose_name = _("投标保证金")
        verbose_name_plural = _("投标保证金")
        ordering = ["confirmed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0),
                name="tendering_security_positive",
                violation_error_message=_("保证金金额必须大于零。"),
            ),
            models.CheckConstraint(
                condition=Q(refund_shortfall_fen__gte=0)
                & (Q(interest_due_fen__isnull=True) | Q(interest_due_fen__gte=0)),
                name="tendering_security_interest_not_negative",
                violation_error_message=_("利息和少退金额不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ReservePrice(models.Model):
    """The sealed reserve price (标底) of a lot: sealed by the owner side with the same format as a
    bid, unreadable by anyone until it is opened with the bids (实施条例 arts. 27, 50)."""

    tender_lot = models.OneToOneField(
        TenderLot, verbose_name=_("招标标段"), on_delete=models.PROTECT, related_name="reserve_price"
    )
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("密封单位"), on_delete=models.PROTECT, related_name="+"
    )
    storage_name = models.CharField(_("存储名"), max_length=300)
    commitment = models.CharField(_("明文承诺值"), max_length=64)
    ciphertext_digest = models.CharField(_("密文摘要"), max_length=64)
    received_at = models.DateTimeField(_("平台接收时间"))
    opened_value = models.JSONField(_("开标时解密的标底"), null=True, blank=True)
    opened_at = models.DateTimeField(_("解密时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("标底")
        verbose_name_plural = _("标底")

    def __str__(self) -> str:
        return str(self.tender_lot_id)
