"""Sales by listing (挂牌), auction (拍卖) or online bidding (网络竞价) of a project lot: the
engine's parameters, its phase as columns for queries, the bidders' registrations with their
anonymous bid numbers, the accepted bids, the event log watchers replay, and the sealed reserve.

The engine (`engine.py`) decides; these rows record its inputs and what it said. The engine
`State` is rebuilt from them under the sale's row lock (`services._state`)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    Eligibility,
    LandUse,
    MiningRightKind,
    NoDeal,
    RegistrationStatus,
    SaleMethod,
    SalePhase,
    SaleStatus,
)


def new_state_token() -> str:
    """A `Sale.state_token`: random, so that no two operations of any sale share one."""
    return secrets.token_hex(8)


class Sale(models.Model):
    lot = models.ForeignKey("projects.Lot", verbose_name=_("标段（包）"), on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("交易方式"), max_length=32, choices=SaleMethod.choices)
    # The engine's Parameters: sale-specific values from the seller, legal ones from the rule table.
    start_price_fen = models.BigIntegerField(_("起始价（分）"))
    increment_fen = models.BigIntegerField(_("加价幅度（分）"))
    timed_increment_fen = models.BigIntegerField(_("限时竞价加价幅度（分）"))
    start_at = models.DateTimeField(_("开始时间"))
    listing_end = models.DateTimeField(_("挂牌截止时间"), null=True, blank=True)
    last_window_seconds = models.PositiveIntegerField(_("最后报价时段（秒）"), null=True, blank=True)
    timed_min_bidders = models.PositiveIntegerField(_("转入限时竞价的最后时段最少报价人数"), null=True, blank=True)
    # Fewer qualified bidders at the start of an auction → terminated (mining rights: 3).
    min_bidders = models.PositiveIntegerField(_("开始竞价的最少竞买人数"), null=True, blank=True)
    preparation_seconds = models.PositiveIntegerField(_("限时竞价准备时间（秒）"))
    countdown_seconds = models.PositiveIntegerField(_("限时竞价倒计时（秒）"))
    timed_eligibility = models.CharField(_("可参加限时竞价的竞买人"), max_length=32, choices=Eligibility.choices)
    freeze_extension_cap_seconds = models.PositiveIntegerField(
        _("最后时段内冻结时挂牌期延长上限（秒）"), null=True, blank=True
    )
    quick_fix_seconds = models.PositiveIntegerField(_("可直接恢复的冻结时长（秒）"))
    resume_notice_seconds = models.PositiveIntegerField(_("恢复交易提前通知时间（秒）"))
    # The engine's state, persisted after every operation so pages and jobs can query it.
    status = models.CharField(_("状态"), max_length=20, choices=SaleStatus.choices, default=SaleStatus.OPEN)
    phase = models.CharField(_("阶段"), max_length=16, choices=SalePhase.choices, default=SalePhase.SCHEDULED)
    ends_at = models.DateTimeField(_("本阶段结束时间"), null=True, blank=True)
    price_fen = models.BigIntegerField(_("当前最高报价（分）"), null=True, blank=True)
    leader = models.ForeignKey(
        "Registration",
        verbose_name=_("当前最高报价人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    last_seq = models.PositiveIntegerField(_("最后事件序号"), default=0)
    tick_job_key = models.CharField(_("计时任务键"), max_length=200, blank=True)
    # A new random value with every persisted engine operation: a process's remembered engine
    # state is used only while it matches (services.py, "Rebuilding the engine state").
    state_token = models.CharField(_("状态版本"), max_length=32, default=new_state_token)
    # The result, after the close.
    winner = models.ForeignKey(
        "Registration", verbose_name=_("竞得人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deal_price_fen = models.BigIntegerField(_("成交价（分）"), null=True, blank=True)
    no_deal_reason = models.CharField(_("未成交原因"), max_length=32, choices=NoDeal.choices, blank=True)
    reserve_fen = models.BigIntegerField(_("保留价（分）"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结果时间"), null=True, blank=True)
    # Disclosed terms and, for state property, the valuation the floor rests on (企业国有资产法
    # art. 55) with the approval a floor below the rule-table ratio of it needs (results.py).
    deposit_fen = models.BigIntegerField(_("竞买保证金（分）"), null=True, blank=True)
    valuation_fen = models.BigIntegerField(_("评估值（分）"), null=True, blank=True)
    floor_approved_by = models.CharField(_("底价批准单位"), max_length=200, blank=True)
    floor_approval_reference = models.CharField(_("底价批准文件文号"), max_length=100, blank=True)
    # State property: the transfer moves the actual control of the enterprise, so the formal
    # disclosure (this sale's notice) followed a pre-disclosure (`Predisclosure`, 32号令).
    control_change = models.BooleanField(_("转让导致标的企业实际控制权转移"), default=False)
    # Recorded with the result (results.py): the premium rate, and the end of the result publicity
    # where the rule table sets one.
    premium_rate_percent = models.DecimalField(_("溢价率（%）"), max_digits=12, decimal_places=2, null=True, blank=True)
    publicity_ends_at = models.DateTimeField(_("结果公示截止时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("竞价交易")
        verbose_name_plural = _("竞价交易")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_price_fen__gt=0) & Q(increment_fen__gt=0) & Q(timed_increment_fen__gt=0),
                name="auctions_sale_amounts_positive",
                violation_error_message=_("起始价和加价幅度必须大于零。"),
            ),
            models.CheckConstraint(
                condition=Q(countdown_seconds__gt=0),
                name="auctions_sale_countdown_positive",
                violation_error_message=_("限时竞价倒计时必须大于零。"),
            ),
            models.CheckConstraint(
                condition=~Q(method=SaleMethod.LISTING)
                | (
                    Q(listing_end__isnull=False)
                    & Q(listing_end__gt=models.F("start_at"))
                    & Q(last_window_seconds__isnull=False)
                    & Q(timed_min_bidders__isnull=False)
                ),
                name="auctions_sale_listing_period",
                violation_error_message=_("挂牌交易须有晚于开始时间的挂牌截止时间和最后报价时段。"),
            ),
            models.CheckConstraint(
                condition=~Q(method=SaleMethod.AUCTION) | Q(listing_end__isnull=True),
                name="auctions_sale_auction_no_listing",
                violation_error_message=_("拍卖没有挂牌期。"),
            ),
            models.CheckConstraint(
                condition=~Q(status=SaleStatus.DEAL)
                | (Q(winner__isnull=False) & Q(deal_price_fen__isnull=False) & Q(closed_at__isnull=False)),
                name="auctions_sale_deal_recorded",
                violation_error_message=_("成交须记录竞得人、成交价和结果时间。"),
            ),
            models.CheckConstraint(
                condition=~Q(status=SaleStatus.NO_DEAL) | (~Q(no_deal_reason="") & Q(closed_at__isnull=False)),
                name="auctions_sale_no_deal_recorded",
                violation_error_message=_("未成交须记录原因和结果时间。"),
            ),
            models.CheckConstraint(
                condition=(Q(deposit_fen__isnull=True) | Q(deposit_fen__gt=0))
                & (Q(valuation_fen__isnull=True) | Q(valuation_fen__gt=0)),
                name="auctions_sale_deposit_valuation_positive",
                violation_error_message=_("保证金和评估值必须大于零。"),
            ),
            models.CheckConstraint(
                condition=(Q(floor_approved_by="") & Q(floor_approval_reference=""))
                | (~Q(floor_approved_by="") & ~Q(floor_approval_reference="")),
                name="auctions_sale_floor_approval_complete",
                violation_error_message=_("底价批准须同时记录批准单位和批准文件文号。"),
            ),
            models.CheckConstraint(
                condition=Q(premium_rate_percent__isnull=True) | Q(status=SaleStatus.DEAL),
                name="auctions_sale_premium_only_for_deal",
                violation_error_message=_("只有成交的交易才有溢价率。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} {self.get_method_display()}"

    def can_bid(self) -> bool:
        return self.status == SaleStatus.OPEN

    @property
    def negotiated(self) -> bool:
        """A deal by agreement with the single qualified transferee: a deal without any bid."""
        return self.status == SaleStatus.DEAL and self.price_fen is None

    def can_close(self) -> bool:
        return self.status in (SaleStatus.OPEN, SaleStatus.AWAITING_RESERVE)


_SALE_DIGITS = 8
_REGISTRATION_DIGITS = 10


class TradeObject(models.Model):
    """What a lot of land use, mining rights or state property is (issue 7 item 1: the parcel's
    area, use, term and planning indicators; the mining right; the equity or asset). Registered by
    the seller side before the sale; the listing notice and the sale's page show it. Which fields a
    trade type needs: `services.trade_object_register`."""

    lot = models.OneToOneField("projects.Lot", verbose_name=_("标段（包）"), on_delete=models.PROTECT, related_name="+")
    location = models.CharField(_("坐落"), max_length=300, blank=True)
    # Land use (宗地)
    area_m2 = models.DecimalField(_("出让面积（平方米）"), max_digits=14, decimal_places=2, null=True, blank=True)
    land_use = models.CharField(_("土地用途"), max_length=32, choices=LandUse.choices, blank=True)
    term_years = models.PositiveSmallIntegerField(_("出让年限（年）"), null=True, blank=True)
    plot_ratio_max = models.DecimalField(_("容积率上限"), max_digits=6, decimal_places=2, null=True, blank=True)
    plot_ratio_min = models.DecimalField(_("容积率下限"), max_digits=6, decimal_places=2, null=True, blank=True)
    density_max_percent = models.DecimalField(
        _("建筑密度上限（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    green_min_percent = models.DecimalField(_("绿地率下限（%）"), max_digits=5, decimal_places=2, null=True, blank=True)
    height_max_m = models.DecimalField(_("建筑限高（米）"), max_digits=7, decimal_places=2, null=True, blank=True)
    # Mining right (矿业权)
    right_kind = models.CharField(_("矿业权类别"), max_length=16, choices=MiningRightKind.choices, blank=True)
    mineral = models.CharField(_("矿种"), max_length=100, blank=True)
    area_km2 = models.DecimalField(_("矿区面积（平方千米）"), max_digits=12, decimal_places=4, null=True, blank=True)
    resources = models.CharField(_("资源储量"), max_length=300, blank=True)
    # State property (国有产权)
    enterprise = models.CharField(_("标的企业（资产）名称"), max_length=200, blank=True)
    share_percent = models.DecimalField(_("转让比例（%）"), max_digits=7, decimal_places=4, null=True, blank=True)
    registered_at = models.DateTimeField(_("登记时间"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("交易标的")
        verbose_name_plural = _("交易标的")
        constraints = [
            models.CheckConstraint(
                condition=(Q(area_m2__isnull=True) | Q(area_m2__gt=0))
                & (Q(area_km2__isnull=True) | Q(area_km2__gt=0))
                & (Q(term_years__isnull=True) | Q(term_years__gt=0))
                & (Q(share_percent__isnull=True) | (Q(share_percent__gt=0) & Q(share_percent__lte=100))),
                name="auctions_object_positive",
                violation_error_message=_("面积、年限须大于零，转让比例须在0到100%之间。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} {self.location or self.enterprise}"


class Predisclosure(models.Model):
    """信息预披露 of a state-property transfer (32号令; rules-cn.md §5): published within the
    rule-table working days after the transfer was approved, for at least the rule-table working
    days before the formal disclosure (the sale's listing notice). One per lot."""

    lot = models.OneToOneField("projects.Lot", verbose_name=_("标段（包）"), on_delete=models.PROTECT, related_name="+")
    approved_on = models.DateField(_("转让行为批准日期"))
    approval_reference = models.CharField(_("批准文件文号"), max_length=100)
    summary = models.TextField(_("预披露内容"))
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("信息预披露")
        verbose_name_plural = _("信息预披露")

    def __str__(self) -> str:
        return f"{self.lot_id} {self.approval_reference}"


class Registration(models.Model):
    """A bidder's application (竞买申请); approved, it carries the anonymous bid number (竞买号)."""

    sale = models.ForeignKey(Sale, verbose_name=_("竞价交易"), on_delete=models.PROTECT, related_name="registrations")
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("竞买人"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("审核状态"), max_length=16, choices=RegistrationStatus.choices, default=RegistrationStatus.APPLIED
    )
    bid_number = models.CharField(_("竞买号"), max_length=16, blank=True)
    applied_at = models.DateTimeField(_("申请时间"))
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deposit_confirmed_at = models.DateTimeField(_("保证金到账确认时间"), null=True, blank=True)
    # Set when the bank reported the payment (deposits.py); empty when the center confirmed by hand.
    deposit_transaction = models.CharField(_("保证金到账银行流水号"), max_length=100, blank=True)
    # After the result (results.py): the winner's deposit becomes earnest money (定金); every other
    # deposit is owed back by `refund_due`, and `refunded_at` records that it went back.
    earnest_money_at = models.DateTimeField(_("保证金转为定金时间"), null=True, blank=True)
    refund_due = models.DateTimeField(_("保证金退还期限"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("保证金退还时间"), null=True, blank=True)
    refund_reference = models.CharField(_("退款凭证号"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("竞买申请")
        verbose_name_plural = _("竞买申请")
        ordering = ["applied_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sale", "organization"],
                name="auctions_registration_once",
                violation_error_message=_("本单位已申请参加本次竞价。"),
            ),
            models.UniqueConstraint(
                fields=["sale", "bid_number"],
                condition=~Q(bid_number=""),
                name="auctions_bid_number_unique",
                violation_error_message=_("竞买号在本次竞价中已被使用。"),
            ),
            models.CheckConstraint(
                condition=(Q(status=RegistrationStatus.APPROVED) & ~Q(bid_number=""))
                | (~Q(status=RegistrationStatus.APPROVED) & Q(bid_number="")),
                name="auctions_bid_number_when_approved",
                violation_error_message=_("竞买号在审核通过时分配，且只分配给审核通过的竞买人。"),
            ),
            models.UniqueConstraint(
                fields=["deposit_transaction"],
                condition=~Q(deposit_transaction=""),
                name="auctions_deposit_transaction_once",
                violation_error_message=_("该银行流水已用于确认另一笔竞买保证金。"),
            ),
            models.CheckConstraint(
                condition=Q(earnest_money_at__isnull=True) | Q(refund_due__isnull=True),
                name="auctions_deposit_earnest_or_refund",
                violation_error_message=_("保证金转为定金后不再退还。"),
            ),
            models.CheckConstraint(
                condition=Q(deposit_confirmed_at__isnull=False)
                | (Q(earnest_money_at__isnull=True) & Q(refund_due__isnull=True)),
                name="auctions_deposit_settled_when_paid",
                violation_error_message=_("保证金到账后才能转为定金或退还。"),
            ),
            models.CheckConstraint(
                condition=Q(refunded_at__isnull=True) | Q(refund_due__isnull=False),
                name="auctions_deposit_refunded_when_due",
                violation_error_message=_("保证金须先确定退还期限再登记退还。"),
            ),
        ]

    def __str__(self) -> str:
        return self.bid_number or f"#{self.pk}"

    @property
    def payment_reference(self) -> str:
        """What the bidder writes on its transfer so the bank's notice finds this registration
        (缴款识别码): the sale, the registration and two ISO 7064 MOD 97-10 check digits, so a
        mistyped reference matches nothing instead of another bidder."""
        body = f"{self.sale_id:0{_SALE_DIGITS}d}{self.pk:0{_REGISTRATION_DIGITS}d}"
        return f"{body}{98 - int(body + '00') % 97:02d}"

    @staticmethod
    def payment_reference_ids(reference: str) -> tuple[int, int] | None:
        """(sale id, registration id) of a well-formed reference, else None."""
        size = _SALE_DIGITS + _REGISTRATION_DIGITS + 2
        if len(reference) != size or not reference.isascii() or not reference.isdigit() or int(reference) % 97 != 1:
            return None
        return int(reference[:_SALE_DIGITS]), int(reference[_SALE_DIGITS:-2])

    @property
    def deposit_refunded(self) -> bool:
        return self.refunded_at is not None

    def can_refund(self) -> bool:
        return self.refund_due is not None and self.refunded_at is None

    @property
    def qualified(self) -> bool:
        """Approved and deposit paid: the engine lets this bid number bid."""
        return self.status == RegistrationStatus.APPROVED and self.deposit_confirmed_at is not None

    def can_review(self) -> bool:
        return self.status == RegistrationStatus.APPLIED


class SaleBid(models.Model):
    """An accepted bid. Refused bids are answered and never stored."""

    sale = models.ForeignKey(Sale, verbose_name=_("竞价交易"), on_delete=models.PROTECT, related_name="bids")
    registration = models.ForeignKey(
        Registration, verbose_name=_("竞买申请"), on_delete=models.PROTECT, related_name="bids"
    )
    amount_fen = models.BigIntegerField(_("报价（分）"))
    key = models.CharField(_("幂等键"), max_length=100)
    seq = models.PositiveIntegerField(_("事件序号"))
    phase = models.CharField(_("报价阶段"), max_length=16, choices=SalePhase.choices)
    accepted_at = models.DateTimeField(_("受理时间（服务器时间）"))

    class Meta:
        verbose_name = _("竞价报价")
        verbose_name_plural = _("竞价报价")
        ordering = ["sale", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["sale", "key"], name="auctions_bid_key_once", violation_error_message=_("幂等键已使用。")
            ),
            models.UniqueConstraint(
                fields=["sale", "seq"], name="auctions_bid_seq_once", violation_error_message=_("事件序号重复。")
            ),
            models.UniqueConstraint(
                fields=["sale", "amount_fen"],
                name="auctions_bid_amount_once",
                violation_error_message=_("报价金额必须高于当前最高报价。"),
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0),
                name="auctions_bid_amount_positive",
                violation_error_message=_("报价必须大于零。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sale_id}#{self.seq}"


class SaleEvent(models.Model):
    """One engine event, in order, without gaps: what watchers see and replay (bid numbers only)."""

    sale = models.ForeignKey(Sale, verbose_name=_("竞价交易"), on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("事件序号"))
    kind = models.CharField(_("事件类型"), max_length=32)
    payload = models.JSONField(_("事件内容"))
    occurred_at = models.DateTimeField(_("发生时间"))

    class Meta:
        verbose_name = _("竞价事件")
        verbose_name_plural = _("竞价事件")
        ordering = ["sale", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["sale", "seq"], name="auctions_event_seq_once", violation_error_message=_("事件序号重复。")
            ),
            models.CheckConstraint(
                condition=Q(seq__gt=0),
                name="auctions_event_seq_positive",
                violation_error_message=_("事件序号从1开始。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sale_id}#{self.seq} {self.kind}"


class SaleReserve(models.Model):
    """The reserve price (保留价), sealed by the seller with the bid tool to its own sealing key: the
    platform holds ciphertext and the commitment only, and reads it after bidding has closed, when
    the seller releases the envelope's content key."""

    sale = models.OneToOneField(Sale, verbose_name=_("竞价交易"), on_delete=models.PROTECT, related_name="reserve")
    storage_name = models.CharField(_("密封文件"), max_length=100)
    commitment = models.CharField(_("明文承诺值"), max_length=100)
    ciphertext_digest = models.CharField(_("密文摘要"), max_length=100)
    submitted_at = models.DateTimeField(_("递交时间"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("递交人"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("开启时间"), null=True, blank=True)
    reserve_fen = models.BigIntegerField(_("保留价（分）"), null=True, blank=True)

    class Meta:
        verbose_name = _("保留价")
        verbose_name_plural = _("保留价")
        constraints = [
            models.CheckConstraint(
                condition=(Q(opened_at__isnull=True) & Q(reserve_fen__isnull=True))
                | (Q(opened_at__isnull=False) & Q(reserve_fen__gt=0)),
                name="auctions_reserve_opened_value",
                violation_error_message=_("保留价开启后须为大于零的金额。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sale_id} {self.commitment[:12]}"


class ConfirmationParty(models.TextChoices):
    # Kept beside the model it serves while choices.py is being edited elsewhere.
    SELLER = "seller", _("出让人（转让方）")
    WINNER = "winner", _("竞得人（受让方）")


class DealConfirmation(models.Model):
    """The deal confirmation (成交确认书) issued at a deal: one fixed text, signed online by the
    seller side and the winner (results.py). `signed_at` is set when both have signed."""

    sale = models.OneToOneField(Sale, verbose_name=_("竞价交易"), on_delete=models.PROTECT, related_name="confirmation")
    text = models.TextField(_("成交确认书正文"))
    digest = models.CharField(_("正文摘要（SHA-256）"), max_length=64)
    issued_at = models.DateTimeField(_("出具时间"))
    sign_due = models.DateTimeField(_("签署期限"), null=True, blank=True)
    signed_at = models.DateTimeField(_("双方签署完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("成交确认书")
        verbose_name_plural = _("成交确认书")

    def __str__(self) -> str:
        return f"{self.sale_id} {self.digest[:12]}"

    def can_sign(self) -> bool:
        return self.signed_at is None


class ConfirmationSignature(models.Model):
    """One party's online signature of the confirmation: the signer signed in, the text digest
    they signed, and the platform's signature over both (a receipt anyone can check)."""

    confirmation = models.ForeignKey(
        DealConfirmation, verbose_name=_("成交确认书"), on_delete=models.PROTECT, related_name="signatures"
    )
    party = models.CharField(_("签署方"), max_length=16, choices=ConfirmationParty.choices)
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("签署单位"), on_delete=models.PROTECT, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("签署人"), on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("签署时间"))
    digest = models.CharField(_("所签正文摘要"), max_length=64)
    platform_signature = models.CharField(_("平台签名"), max_length=200)
    late = models.BooleanField(_("逾期签署"), default=False)

    class Meta:
        verbose_name = _("成交确认书签署")
        verbose_name_plural = _("成交确认书签署")
        ordering = ["confirmation", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["confirmation", "party"],
                name="auctions_confirmation_sign_once",
                violation_error_message=_("该方已签署成交确认书。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.confirmation_id}:{self.party}"
