"""API schemas of the tendering app."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from .models import Bid, BidSecurity, Tender


class TenderLotOut(Schema):
    lot_code: str
    lot_name: str
    status: str
    bid_security_fen: int
    ceiling_price_fen: int | None


class TenderDocumentOut(Schema):
    id: int
    name: str
    size: int
    sha256: str


class TenderOut(Schema):
    code: str
    deal_code: str
    title: str
    procurement_method: str
    evaluation_method: str
    status: str
    bid_deadline: dt.datetime
    published_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancellation_reason: str
    opening_fields: list[dict[str, str]]
    lots: list[TenderLotOut]
    documents: list[TenderDocumentOut]


def tender_out(tender: Tender) -> TenderOut:
    return TenderOut(
        code=tender.code,
        deal_code=tender.project.deal_code,
        title=tender.title,
        procurement_method=tender.procurement_method,
        evaluation_method=tender.evaluation_method,
        status=tender.status,
        bid_deadline=tender.bid_deadline,
        published_at=tender.published_at,
        cancelled_at=tender.cancelled_at,
        cancellation_reason=tender.cancellation_reason,
        opening_fields=tender.opening_fields,
        lots=[
            TenderLotOut(
                lot_code=item.lot.code,
                lot_name=item.lot.name,
                status=item.status,
                bid_security_fen=item.bid_security_fen,
                ceiling_price_fen=item.ceiling_price_fen,
            )
            for item in tender.tender_lots.all()
        ],
        documents=[
            TenderDocumentOut(id=d.pk, name=d.name, size=d.size, sha256=d.sha256) for d in tender.documents.all()
        ],
    )


class BidderKeyIn(Schema):
    kind: str
    public_key: str


class BidderKeyOut(Schema):
    kind: str
    key_id: str
    registered_at: dt.datetime


class BidOut(Schema):
    id: int
    lot_code: str
    status: str
    received_at: dt.datetime
    commitment: str
    ciphertext_digest: str
    receipt: dict[str, object]
    receipt_signature: str

    @staticmethod
    def resolve_lot_code(obj: Bid) -> str:
        return obj.tender_lot.lot.code


class ContentKeyIn(Schema):
    content_key: str


class OpeningOut(Schema):
    lot_code: str
    status: str
    decryption_ends_at: dt.datetime | None
    opened_at: dt.datetime | None
    record: dict[str, object]


class TextIn(Schema):
    text: str


class ObjectionOut(Schema):
    id: int
    text: str
    raised_at: dt.datetime
    answer: str
    answered_at: dt.datetime | None


class ClarificationIn(Schema):
    body: str
    new_deadline: dt.datetime | None = None


class ClarificationOut(Schema):
    number: int
    body: str
    issued_at: dt.datetime
    deadline_before: dt.datetime
    deadline_after: dt.datetime


class DocumentObjectionOut(Schema):
    id: int
    text: str
    raised_at: dt.datetime
    answer_due: dt.datetime
    answer: str
    answered_at: dt.datetime | None


class UploadStartIn(Schema):
    size: int
    leaf_digests: list[str]


class UploadOut(Schema):
    token: str
    size: int
    chunk_size: int
    chunks: int
    received: list[int]


class SecurityOut(Schema):
    reference: str
    lot_code: str
    amount_fen: int
    status: str
    confirmed_at: dt.datetime
    refund_reason: str
    refund_due: dt.datetime | None
    refunded_at: dt.datetime | None
    refunded_amount_fen: int | None
    interest_due_fen: int | None
    interest_detail: list[dict[str, object]]
    refund_shortfall_fen: int

    @staticmethod
    def resolve_lot_code(obj: BidSecurity) -> str:
        return obj.tender_lot.lot.code


class ReasonIn(Schema):
    reason: str
