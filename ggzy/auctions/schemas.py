"""API schemas of the auctions app. Money is integer fen; instants are shown in Beijing time
(ISO 8601 with +08:00), like the event payloads. Public reads name bidders by bid number (竞买号)
only; who sees applicants' names is decided in `policies` (see `ApplicantOut`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, Field

from ggzy.core import clock

from .choices import RegistrationStatus
from .models import Registration, Sale

Instant = Annotated[dt.datetime, AfterValidator(clock.local)]
MAX_FEN = 2**63 - 1  # the bigint column


class SaleFields(Schema):
    id: int
    lot_code: str
    lot_name: str
    trade_type: str
    method: str
    status: str
    phase: str
    start_price_fen: int
    increment_fen: int = Field(description="加价幅度（分）：列表中为公告的；详情中为现行的（挂牌期内可调整）")
    timed_increment_fen: int = Field(description="限时竞价加价幅度（分）：列表中为公告的；详情中为现行的")
    price_fen: int | None = Field(description="当前最高报价（分）；无人报价时为空")
    start_at: Instant
    listing_end: Instant | None = Field(description="挂牌截止时间；拍卖、网络竞价无挂牌期时为空")
    ends_at: Instant | None = Field(description="本阶段按时钟结束的时间（限时竞价中为倒计时截止时间）")


class SaleOut(SaleFields):
    """A sale read from its row (the list; the base of the detail)."""

    @staticmethod
    def resolve_lot_code(obj: Sale) -> str:
        return obj.lot.code

    @staticmethod
    def resolve_lot_name(obj: Sale) -> str:
        return obj.lot.name

    @staticmethod
    def resolve_trade_type(obj: Sale) -> str:
        return obj.lot.project.trade_type


class ResultOut(Schema):
    closed_at: Instant
    deal: bool
    deal_price_fen: int | None
    winner_bid_number: str | None
    winner_name: str | None = Field(description="竞得人名称，成交后公布")
    no_deal_reason: str | None
    reserve_fen: int | None = Field(description="保留价（分），竞价结束后公布；未设保留价时为空")


class SaleDetailOut(SaleFields):
    server_now: Instant = Field(description="服务器时间（以此为准）")
    last_seq: int = Field(description="最后一个事件的序号，用于从事件日志续读")
    leader_bid_number: str | None = Field(description="当前最高报价人的竞买号")
    minimum_bid_fen: int | None = Field(description="下一次报价的最低金额（分）；竞价结束后为空")
    countdown_seconds: int
    result: ResultOut | None = Field(description="竞价结果，公布后才有")


class EventQuery(Schema):
    after: int = Field(0, ge=0, description="已收到的最后一个事件序号")
    limit: int = Field(100, ge=1, le=1000)


class EventOut(Schema):
    seq: int
    kind: str
    payload: dict[str, Any]
    occurred_at: Instant


class BidIn(Schema):
    amount_fen: int = Field(strict=True, gt=0, le=MAX_FEN, description="报价（分，整数）")
    key: str = Field(min_length=1, max_length=100, description="幂等键：同一笔报价重试时使用同一个键")


class BidAckOut(Schema):
    bid_number: str
    amount_fen: int
    seq: int
    accepted_at: Instant
    duplicate: bool = Field(description="该键此前已受理，本次返回原回执")


class ErrorItemOut(Schema):
    field: str
    code: str
    message: str


class RefusalOut(Schema):
    error: str
    detail: list[ErrorItemOut]


class RegistrationOut(Schema):
    """A bidder's own application: the bid number is shown to that bidder only."""

    status: str
    bid_number: str | None = Field(description="竞买号，审核通过后分配")
    deposit_confirmed: bool
    qualified: bool = Field(description="审核通过且保证金已到账，可以报价")
    applied_at: Instant
    reviewed_at: Instant | None
    deposit_confirmed_at: Instant | None
    payment_reference: str | None = Field(
        description="缴款识别码：交纳保证金时填入银行转账附言，银行据此确认到账；审核通过后只告知竞买人本人"
    )

    @staticmethod
    def resolve_bid_number(obj: Registration) -> str | None:
        return obj.bid_number or None

    @staticmethod
    def resolve_payment_reference(obj: Registration) -> str | None:
        return obj.payment_reference if obj.status == RegistrationStatus.APPROVED else None

    @staticmethod
    def resolve_deposit_confirmed(obj: Registration) -> bool:
        return obj.deposit_confirmed_at is not None


class ApplicantOut(Schema):
    """An application as the seller side and the center see it (`policies`: who sees whom). Before
    the close the seller side gets the anonymous facts only (the identity fields are empty), the
    center the applicant's name and credit code without its bid number; after the result both get
    the name with the bid number."""

    id: int
    organization_name: str | None = Field(description="竞买人名称；出让人一方在竞价结果公布后才可见")
    organization_uscc: str | None = Field(description="竞买人统一社会信用代码；同上")
    bid_number: str | None = Field(description="竞买号；竞价结果公布后才与竞买人名称一同显示")
    status: str
    deposit_confirmed: bool
    applied_at: Instant
    reviewed_at: Instant | None
    deposit_confirmed_at: Instant | None

    @classmethod
    def of(cls, registration: Registration, *, identity: bool, bid_number: bool) -> ApplicantOut:
        organization = registration.organization
        return cls(
            id=registration.pk,
            organization_name=organization.name if identity else None,
            organization_uscc=organization.uscc if identity else None,
            bid_number=(registration.bid_number or None) if identity and bid_number else None,
            status=registration.status,
            deposit_confirmed=registration.deposit_confirmed_at is not None,
            applied_at=registration.applied_at,
            reviewed_at=registration.reviewed_at,
            deposit_confirmed_at=registration.deposit_confirmed_at,
        )


class ReviewIn(Schema):
    approve: bool


class IncrementsIn(Schema):
    increment_fen: int = Field(gt=0, description="新的加价幅度（分）")
    timed_increment_fen: int | None = Field(None, gt=0, description="新的限时竞价加价幅度（分）；为空则与加价幅度相同")


class FreezeIn(Schema):
    reason: str = Field("system_fault", min_length=1, max_length=200, description="冻结原因（公开）")


class ResumeIn(Schema):
    resume_at: AwareDatetime | None = Field(None, description="恢复时间；为空表示立即恢复")


class NegotiateIn(Schema):
    amount_fen: int = Field(strict=True, gt=0, le=MAX_FEN, description="协议成交价（分，整数），不得低于转让底价")


class ContentKeyIn(Schema):
    content_key: str


class ReserveOut(Schema):
    commitment: str
    ciphertext_digest: str
    submitted_at: Instant


class BankNoticeOut(Schema):
    """The answer to the bank: the deposit's state, without the bidder's name or bid number."""

    reference: str
    deposit_confirmed_at: Instant | None
    refunded_at: Instant | None

    @staticmethod
    def resolve_reference(obj: Registration) -> str:
        return obj.payment_reference
