"""Reads of the open-data app: which OCDS processes exist, and what is public about each.

This module is the secrecy gate of the open data (docs/open-data.md). It reads the other apps
read-only and only what they have already published:

- the registered project and its lots (procurement budgets only: the law publishes those);
- a tender once published (never a draft), its documents, clarifications and evaluation terms;
- bids only through the *published* opening record (`TenderLot.opened_at` set): no bid row, no
  bidder, no price and no reserve price (标底) is read before it, and never a document download,
  a security payment or an objection;
- the award once decided (winner, price and candidates as the result notice states them);
- the registered contract.
Nothing about experts or the evaluation committee is read at all, and no person's name or
contact: parties are organizations with their unified social credit code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from ggzy.accounts.models import Organization
from ggzy.core import clock
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.core.money import yuan_to_fen
from ggzy.evaluation.choices import OutcomeStage
from ggzy.evaluation.models import Contract, EvaluationTerms, Outcome, Report
from ggzy.projects.models import Lot
from ggzy.tendering.choices import (
    TENDER_METHODS,
    TENDER_TRADE_TYPES,
    EvaluationMethod,
    LotStatus,
    OpeningFieldKind,
    OpeningOutcome,
    TenderStatus,
)
from ggzy.tendering.models import Bid, TenderLot

from . import ocds


@dataclass(frozen=True)
class ProcessKey:
    """One OCDS contracting process: a lot in one tender round (or, before any tender is
    published, the lot's planned first round)."""

    ocid: str
    deal_code: str
    lot_id: int
    lot_code: str
    tender_lot_id: int | None
    tender_code: str | None
    previous_ocid: str | None


def _prefix() -> str:
    return str(settings.OCDS_OCID_PREFIX)


def ocid_for(*, deal_code: str, lot_number: int, tender_code: str | None = None) -> str:
    """A lot's first round is named by the unified deal code, so the ocid of its planning stage
    stays the ocid of its first tender; a re-tender round is named by its tender code."""
    return f"{_prefix()}-{tender_code or deal_code}-{lot_number:03d}"


def _in_scope() -> Any:
    """Lots of the projects this platform tenders (construction and government procurement,
    open and selective); auctions and transfers are not contracting processes of OCDS."""
    return Lot.objects.filter(
        project__trade_type__in=TENDER_TRADE_TYPES, project__procurement_method__in=TENDER_METHODS
    ).select_related("project")


def _keys_for(lots: list[Lot]) -> list[ProcessKey]:
    rounds: dict[int, list[tuple[int, str]]] = {}
    published = (
        TenderLot.objects.filter(lot__in=lots, tender__published_at__isnull=False)
        .exclude(tender__status=TenderStatus.DRAFT)
        .order_by("tender__published_at", "pk")
        .values_list("lot_id", "pk", "tender__code")
    )
    for lot_id, tender_lot_id, tender_code in published:
        rounds.setdefault(lot_id, []).append((tender_lot_id, tender_code))
    keys = []
    for lot in lots:
        deal_code = lot.project.deal_code
        first = ocid_for(deal_code=deal_code, lot_number=lot.number)
        lot_rounds = rounds.get(lot.pk)
        if not lot_rounds:
            keys.append(ProcessKey(first, deal_code, lot.pk, lot.code, None, None, None))
            continue
        previous: str | None = None
        for index, (tender_lot_id, tender_code) in enumerate(lot_rounds):
            ocid = (
                first if index == 0 else ocid_for(deal_code=deal_code, lot_number=lot.number, tender_code=tender_code)
            )
            keys.append(ProcessKey(ocid, deal_code, lot.pk, lot.code, tender_lot_id, tender_code, previous))
            previous = ocid
    return keys


def processes() -> list[ProcessKey]:
    """Every process, the oldest registration first (a stable order for paging)."""
    return _keys_for(list(_in_scope().order_by("project__registered_at", "project_id", "number")))


def process_get(ocid: str) -> ProcessKey | None:
    prefix = _prefix() + "-"
    if not ocid.startswith(prefix):
        return None
    head, _dash, number = ocid[len(prefix) :].rpartition("-")
    if not number.isdigit() or not head:
        return None
    deal_code = head.split("-T", 1)[0]
    lot = _in_scope().filter(project__deal_code=deal_code, number=int(number)).first()
    if lot is None:
        return None
    return next((key for key in _keys_for([lot]) if key.ocid == ocid), None)


# --------------------------------------------------------------------------------------------
# The public state of one process
# --------------------------------------------------------------------------------------------


def _party(organization: Organization) -> ocds.Party:
    return ocds.Party(uscc=organization.uscc, name=organization.name)


def _fen(text: object) -> int | None:
    """An amount as the opening record reads it out ("980,000.00"), in fen; None if not an amount."""
    if not isinstance(text, str):
        return None
    try:
        return yuan_to_fen(text)
    except ValidationError:
        return None


def _price_key(opening_fields: list[dict[str, str]]) -> str:
    for item in opening_fields:
        if item.get("kind") == OpeningFieldKind.MONEY:
            return str(item["key"])
    return "price"


def _tender(tender_lot: TenderLot, *, procurement: bool) -> ocds.Tender:
    tender = tender_lot.tender
    assert tender.published_at is not None
    subject = EvaluationTerms.objects.filter(tender=tender).values_list("subject", flat=True).first()
    if subject is None and tender.project.trade_type == TradeType.CONSTRUCTION:
        subject = "works"
    if tender_lot.ceiling_price_fen is not None:
        value_fen: int | None = tender_lot.ceiling_price_fen
    else:
        value_fen = tender_lot.lot.budget_fen if procurement else None
    code = tender.code
    documents = [
        ocds.Document(
            id="tenderNotice",
            document_type="tenderNotice",
            title=tender.title,
            path=reverse("tendering:detail", kwargs={"code": code}),
            published_at=tender.published_at,
        )
    ]
    documents += [
        ocds.Document(
            id=f"biddingDocuments-{document.pk}",
            document_type="biddingDocuments",
            title=document.name,
            path=reverse("tendering:document_download", kwargs={"code": code, "document_id": document.pk}),
            published_at=tender.published_at,  # issued with the notice, unchangeable after it
            sha256=document.sha256,
        )
        for document in tender.documents.order_by("uploaded_at", "pk")
    ]
    clarifications = tuple(
        ocds.Clarification(
            number=item.number,
            issued_at=item.issued_at,
            body=item.body,
            deadline_before=item.deadline_before,
            deadline_after=item.deadline_after,
        )
        for item in tender.clarifications.order_by("number")
    )
    with translation.override("zh-hans"):  # the published data is Chinese for every reader
        method_label = str(ProcurementMethod(tender.procurement_method).label)
        evaluation_label = str(EvaluationMethod(tender.evaluation_method).label)
    return ocds.Tender(
        code=code,
        title=tender.title,
        procurement_method=tender.procurement_method,
        method_label=method_label,
        evaluation_method=tender.evaluation_method,
        evaluation_label=evaluation_label,
        category=subject or "",
        published_at=tender.published_at,
        deadline=tender.bid_deadline,
        value_fen=value_fen,
        documents=tuple(documents),
        clarifications=clarifications,
    )


def _opening(tender_lot: TenderLot) -> ocds.Opening | None:
    """Only the published opening record: what was read out, as it was read out."""
    record = tender_lot.opening_record
    if tender_lot.opened_at is None or not record:
        return None
    price_key = _price_key(tender_lot.tender.opening_fields)
    bids = tuple(
        ocds.OpenedBid(
            number=number,
            tenderer=ocds.Party(uscc=row["bidder_uscc"], name=row["bidder"]),
            received_at=dt.datetime.fromisoformat(row["received_at"]),
            decrypted=row["outcome"] == OpeningOutcome.DECRYPTED,
            price_fen=_fen((row.get("values") or {}).get(price_key)),
        )
        for number, row in enumerate(record.get("bids", []), start=1)
    )
    return ocds.Opening(opened_at=tender_lot.opened_at, bids=bids, reserve_price_fen=_fen(record.get("reserve_price")))


def _award(tender_lot: TenderLot, opening: ocds.Opening | None) -> ocds.Award | None:
    outcome = (
        Outcome.objects.filter(tender_lot=tender_lot, stage=OutcomeStage.AWARDED, winner__isnull=False)
        .select_related("winner__bidder")
        .first()
    )
    if outcome is None or outcome.winner is None or outcome.awarded_at is None:
        return None
    winner = outcome.winner
    numbers = {bid.tenderer.uscc: bid.number for bid in (opening.bids if opening else ())}
    names = {bid.tenderer.uscc: bid.tenderer.name for bid in (opening.bids if opening else ())}
    results = Report.objects.filter(committee__tender_lot=tender_lot).values_list("results", flat=True).first() or {}
    # The price the result notice states (after any confirmed arithmetic correction).
    prices = {row["bid"]: row["price_fen"] for row in results.get("rows", [])}
    candidate_ids = [item["bid"] for item in results.get("candidates", [])]
    candidates = Bid.objects.filter(pk__in=candidate_ids).values_list("bidder__uscc", flat=True)
    uscc = winner.bidder.uscc
    price = prices.get(winner.pk)
    if price is None:
        price = next((bid.price_fen for bid in (opening.bids if opening else ()) if bid.tenderer.uscc == uscc), None)
    if price is None:
        return None
    return ocds.Award(
        awarded_at=outcome.awarded_at,
        supplier=ocds.Party(uscc=uscc, name=names.get(uscc, winner.bidder.name)),
        value_fen=int(price),
        bid_number=numbers.get(uscc),
        candidate_numbers=tuple(sorted(numbers[item] for item in candidates if item in numbers)),
        path=reverse("evaluation:result", kwargs={"code": tender_lot.tender.code, "lot_code": tender_lot.lot.code}),
    )


def _failure(tender_lot: TenderLot) -> ocds.Failure | None:
    """Fewer bids than the law's minimum at the deadline, or every bid rejected by the committee."""
    if tender_lot.status != LotStatus.FAILED:
        return None
    if tender_lot.opened_at is None:
        return ocds.Failure(at=tender_lot.tender.bid_deadline)
    signed = Report.objects.filter(committee__tender_lot=tender_lot).values_list("signed_at", flat=True).first()
    return ocds.Failure(at=signed or tender_lot.opened_at)


def _cancellation(tender_lot: TenderLot) -> ocds.Cancellation | None:
    """A running lot of a terminated tender (终止招标): its termination notice states the reason.
    A lot that had already failed keeps its failure."""
    tender = tender_lot.tender
    if tender_lot.status != LotStatus.CANCELLED or tender.cancelled_at is None:
        return None
    return ocds.Cancellation(
        at=tender.cancelled_at,
        reason=tender.cancellation_reason,
        path=reverse("tendering:detail", kwargs={"code": tender.code}),
    )


def process_state(key: ProcessKey) -> ocds.ProcessState:
    lot = Lot.objects.select_related("project__owner", "project__agent", "project__supervisor").get(pk=key.lot_id)
    project = lot.project
    procurement = project.trade_type == TradeType.GOVERNMENT_PROCUREMENT
    state = ocds.ProcessState(
        ocid=key.ocid,
        local_id=key.ocid.removeprefix(_prefix() + "-"),
        deal_code=project.deal_code,
        project_name=project.name,
        registered_at=project.registered_at,
        funding_source=project.funding_source,
        lot_code=lot.code,
        lot_name=lot.name,
        budget_fen=lot.budget_fen if procurement else None,
        buyer=_party(project.owner),
        agent=_party(project.agent) if project.agent else None,
        supervisor=_party(project.supervisor),
        previous_ocid=key.previous_ocid,
    )
    if key.tender_lot_id is None:
        return state
    tender_lot = TenderLot.objects.select_related("tender__project", "lot").get(pk=key.tender_lot_id)
    opening = _opening(tender_lot)
    award = _award(tender_lot, opening)
    contract_row = Contract.objects.filter(tender_lot=tender_lot).first() if award is not None else None
    contract = (
        ocds.Contract(
            registered_at=contract_row.registered_at,
            signed_on=contract_row.signed_on,
            value_fen=contract_row.amount_fen,
        )
        if contract_row is not None
        else None
    )
    return dataclasses.replace(
        state,
        tender=_tender(tender_lot, procurement=procurement),
        opening=opening,
        failure=_failure(tender_lot),
        cancellation=_cancellation(tender_lot),
        award=award,
        contract=contract,
    )


def package_lines(*, kind: str, base_url: str) -> Iterator[str]:
    """The bulk download: one release package (kind "releases") or one record package (kind
    "records") per process and per line, built one process at a time."""
    view = "api:ocds_release_package" if kind == "releases" else "api:ocds_record_package"
    build = ocds.release_package if kind == "releases" else ocds.record_package
    for key in processes():
        uri = base_url + reverse(view, kwargs={"ocid": key.ocid})
        yield ocds.dumps(build([process_state(key)], uri=uri, base_url=base_url, fallback=clock.now())) + "\n"
