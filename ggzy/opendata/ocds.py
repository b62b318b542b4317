"""OCDS 1.1 releases, records and packages (docs/open-data.md).

Pure: the input is a `ProcessState` that `selectors.process_state` reads from the other apps —
only what is already public — and the output is plain JSON-ready dicts. No query, no clock, no
translation happens here, so the same state always gives the same bytes.

One contracting process (one ocid) is one lot in one tender round. Each stage the domain
reaches gives one release, built from the state *as it stood at that stage* (`_at`): the
planning release knows nothing of the tender, the tender release nothing of the bids, and a
release once published never changes later (its id names its stage). Every release is a full
snapshot of what was public at its date. The compiled release of a record is merged from the
releases by `compile_releases` (later values override; arrays of objects with `id` merge by id).

Published text is the data itself, not user interface: it is Chinese for every reader
(`language` "zh") and never passes through gettext, or the same release would differ by the
reader's language.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ggzy.core.clock import BEIJING

VERSION = "1.1"
CURRENCY = "CNY"
SCHEME = "CN-USCI"  # org-id.guide: the unified social credit code (统一社会信用代码, GB 32100-2015)
LANGUAGE = "zh"
PUBLISHER_NAME = "伊犁州公共资源交易平台"
# Exactly the extension.json URLs that the offline validator serves (../shared/ocds/extensions).
EXTENSIONS = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
)

# Our procedure → OCDS method (closed codelist). This platform tenders open and selective only;
# the others are mapped for completeness of the vocabulary.
PROCUREMENT_METHODS = {
    "open_tender": "open",
    "selective_tender": "selective",
    "negotiation": "limited",
    "consultation": "limited",
    "request_for_quotation": "limited",
    "single_source": "direct",
}
# Our evaluation method → OCDS awardCriteria (open codelist, 1.1 codes that are not deprecated).
AWARD_CRITERIA = {
    "lowest_evaluated_price": "priceOnly",
    "weighted_scoring": "ratedCriteria",
}
CATEGORIES = {"goods", "works", "services"}  # procurementCategory.csv (closed)

# Stage → release tag (releaseTag.csv, closed). The stage also names the release id.
PLANNING, TENDER, AMENDMENT, OPENING, FAILURE, CANCELLATION, AWARD, CONTRACT = (
    "planning",
    "tender",
    "amendment",
    "opening",
    "failure",
    "cancellation",
    "award",
    "contract",
)
TAGS = {
    PLANNING: "planning",
    TENDER: "tender",
    AMENDMENT: "tenderAmendment",
    OPENING: "tenderUpdate",
    FAILURE: "tenderUpdate",
    CANCELLATION: "tenderCancellation",
    AWARD: "award",
    CONTRACT: "contract",
}


@dataclass(frozen=True)
class Party:
    uscc: str
    name: str

    @property
    def id(self) -> str:
        return f"{SCHEME}-{self.uscc}"


@dataclass(frozen=True)
class Document:
    id: str
    document_type: str  # documentType.csv (open)
    title: str
    path: str  # on this site; the package prefixes the site's address
    published_at: dt.datetime
    sha256: str = ""


@dataclass(frozen=True)
class Clarification:
    number: int
    issued_at: dt.datetime
    body: str
    deadline_before: dt.datetime
    deadline_after: dt.datetime


@dataclass(frozen=True)
class Tender:
    code: str
    title: str
    procurement_method: str
    method_label: str
    evaluation_method: str
    evaluation_label: str
    category: str  # goods / works / services, or "" when the documents do not say
    published_at: dt.datetime
    deadline: dt.datetime  # the current one, after every clarification
    value_fen: int | None  # the ceiling price, else the procurement budget; None when not public
    documents: tuple[Document, ...]
    clarifications: tuple[Clarification, ...] = ()


@dataclass(frozen=True)
class OpenedBid:
    number: int  # its place in the published opening record
    tenderer: Party
    received_at: dt.datetime
    decrypted: bool  # False: not decrypted at the opening (revoked or withdrawn), nothing read out
    price_fen: int | None


@dataclass(frozen=True)
class Opening:
    opened_at: dt.datetime
    bids: tuple[OpenedBid, ...]
    reserve_price_fen: int | None  # the reserve price (标底) as read out in the record, if any


@dataclass(frozen=True)
class Failure:
    at: dt.datetime


@dataclass(frozen=True)
class Cancellation:
    """The tender terminated (终止招标) with its published reason, before any award."""

    at: dt.datetime
    reason: str
    path: str


@dataclass(frozen=True)
class Award:
    awarded_at: dt.datetime
    supplier: Party
    value_fen: int
    bid_number: int | None
    candidate_numbers: tuple[int, ...]
    path: str


@dataclass(frozen=True)
class Contract:
    registered_at: dt.datetime
    signed_on: dt.date
    value_fen: int


@dataclass(frozen=True)
class ProcessState:
    """What is public about one process, read by `selectors.process_state`."""

    ocid: str
    local_id: str
    deal_code: str
    project_name: str
    registered_at: dt.datetime
    funding_source: str
    lot_code: str
    lot_name: str
    budget_fen: int | None  # published for government procurement only
    buyer: Party
    agent: Party | None
    supervisor: Party
    previous_ocid: str | None = None  # the failed round this one re-tenders
    tender: Tender | None = None
    opening: Opening | None = None
    failure: Failure | None = None
    cancellation: Cancellation | None = None
    award: Award | None = None
    contract: Contract | None = None


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def amount(fen: int) -> int | float:
    """Integer fen → a JSON number of yuan, exactly (Decimal), or an error rather than a rounding."""
    yuan = Decimal(int(fen)).scaleb(-2)
    if yuan == yuan.to_integral_value():
        return int(yuan)
    number = float(yuan)
    if Decimal(repr(number)) != yuan:
        raise ValueError(f"{fen} fen cannot be written exactly as a JSON number of yuan")
    return number


def value(fen: int) -> dict[str, Any]:
    return {"amount": amount(fen), "currency": CURRENCY}


def timestamp(moment: dt.datetime) -> str:
    """ISO 8601 in Beijing time, e.g. 2026-11-02T10:00:00+08:00."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every instant in GGZY carries its time zone")
    return moment.astimezone(BEIJING).isoformat(timespec="seconds")


def day_start(day: dt.date) -> str:
    return timestamp(dt.datetime.combine(day, dt.time.min, tzinfo=BEIJING))


def dumps(data: Any) -> str:
    """Compact JSON, Chinese kept as is."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------------------------
# Releases
# --------------------------------------------------------------------------------------------


def _reference(party: Party) -> dict[str, str]:
    return {"id": party.id, "name": party.name}


class _Parties:
    """The parties of a release: one entry per organization, its roles in first-seen order."""

    def __init__(self) -> None:
        self._items: dict[str, dict[str, Any]] = {}

    def add(self, party: Party, role: str) -> dict[str, str]:
        item = self._items.get(party.id)
        if item is None:
            item = {
                "id": party.id,
                "name": party.name,
                "identifier": {"scheme": SCHEME, "id": party.uscc, "legalName": party.name},
                "roles": [],
            }
            self._items[party.id] = item
        if role not in item["roles"]:
            item["roles"].append(role)
        return _reference(party)

    def as_list(self) -> list[dict[str, Any]]:
        return list(self._items.values())


def _document(document: Document, base_url: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": document.id,
        "documentType": document.document_type,
        "title": document.title,
        "url": base_url + document.path,
        "datePublished": timestamp(document.published_at),
    }
    if document.sha256:
        item["description"] = f"SHA-256: {document.sha256}"
    media_type, _encoding = mimetypes.guess_type(document.title)
    if media_type:
        item["format"] = media_type
    return item


def _tender_status(state: ProcessState) -> str:
    if state.tender is None:
        return "planning"
    if state.failure is not None:
        return "unsuccessful"
    if state.cancellation is not None:
        return "cancelled"
    if state.award is not None:
        return "complete"
    return "active"


def _tender(state: ProcessState, parties: _Parties, base_url: str) -> dict[str, Any]:
    status = _tender_status(state)
    procuring = parties.add(state.agent or state.buyer, "procuringEntity")
    lot: dict[str, Any] = {"id": state.lot_code, "title": state.lot_name, "status": status}
    tender: dict[str, Any] = {"id": state.local_id, "status": status, "procuringEntity": procuring}
    source = state.tender
    if source is None:
        tender["title"] = f"{state.project_name} {state.lot_name}"
        tender["lots"] = [lot]
        return tender
    tender["title"] = source.title
    if source.procurement_method in PROCUREMENT_METHODS:
        tender["procurementMethod"] = PROCUREMENT_METHODS[source.procurement_method]
    tender["procurementMethodDetails"] = source.method_label
    if source.category in CATEGORIES:
        tender["mainProcurementCategory"] = source.category
    if source.evaluation_method in AWARD_CRITERIA:
        tender["awardCriteria"] = AWARD_CRITERIA[source.evaluation_method]
    tender["awardCriteriaDetails"] = source.evaluation_label
    tender["submissionMethod"] = ["electronicSubmission"]
    tender["tenderPeriod"] = {"startDate": timestamp(source.published_at), "endDate": timestamp(source.deadline)}
    if source.value_fen is not None:
        tender["value"] = value(source.value_fen)
        lot["value"] = value(source.value_fen)
    tender["documents"] = [_document(document, base_url) for document in source.documents]
    if state.cancellation is not None:
        tender["documents"].append(
            {
                "id": "cancellationDetails",
                "documentType": "cancellationDetails",
                "description": state.cancellation.reason,
                "url": base_url + state.cancellation.path,
                "datePublished": timestamp(state.cancellation.at),
            }
        )
    if source.clarifications:
        amended = _release_id(state.ocid, TENDER)
        tender["amendments"] = []
        for item in source.clarifications:
            released = _release_id(state.ocid, AMENDMENT, item.number)
            tender["amendments"].append(
                {
                    "id": str(item.number),
                    "date": timestamp(item.issued_at),
                    "description": item.body,
                    "amendsReleaseID": amended,
                    "releaseID": released,
                }
            )
            amended = released
    opening = state.opening
    if opening is not None:
        tenderers = [parties.add(bid.tenderer, "tenderer") for bid in opening.bids]
        tender["numberOfTenderers"] = len(tenderers)
        tender["tenderers"] = list({item["id"]: item for item in tenderers}.values())
    tender["lots"] = [lot]
    return tender


def _bids(state: ProcessState) -> dict[str, Any]:
    opening = state.opening
    assert opening is not None
    valid = set(state.award.candidate_numbers) if state.award is not None else set()
    if state.award is not None and state.award.bid_number is not None:
        valid.add(state.award.bid_number)
    details = []
    for bid in opening.bids:
        status = "withdrawn" if not bid.decrypted else ("valid" if bid.number in valid else "pending")
        item: dict[str, Any] = {
            "id": f"bid-{bid.number}",
            "date": timestamp(bid.received_at),
            "status": status,
            "tenderers": [_reference(bid.tenderer)],
            "relatedLots": [state.lot_code],
        }
        if bid.decrypted and bid.price_fen is not None:
            item["value"] = value(bid.price_fen)
        details.append(item)
    statistics: list[dict[str, Any]] = [
        {
            "id": "bids",
            "measure": "bids",
            "value": len(opening.bids),
            "date": timestamp(opening.opened_at),
            "relatedLot": state.lot_code,
        }
    ]
    if opening.reserve_price_fen is not None:
        statistics.append(
            {
                "id": "reservePrice",
                "measure": "reservePrice",
                "value": amount(opening.reserve_price_fen),
                "currency": CURRENCY,
                "date": timestamp(opening.opened_at),
                "relatedLot": state.lot_code,
            }
        )
    return {"statistics": statistics, "details": details}


def _award(state: ProcessState, parties: _Parties, base_url: str) -> dict[str, Any]:
    award = state.award
    assert award is not None
    item: dict[str, Any] = {
        "id": "award-1",
        "status": "active",
        "date": timestamp(award.awarded_at),
        "value": value(award.value_fen),
        "suppliers": [parties.add(award.supplier, "supplier")],
        "relatedLots": [state.lot_code],
        "documents": [
            {
                "id": "awardNotice",
                "documentType": "awardNotice",
                "url": base_url + award.path,
                "datePublished": timestamp(award.awarded_at),
            }
        ],
    }
    if award.bid_number is not None:
        item["relatedBid"] = f"bid-{award.bid_number}"
    return item


def _contract(state: ProcessState) -> dict[str, Any]:
    contract = state.contract
    assert contract is not None
    return {
        "id": "contract-1",
        "awardID": "award-1",
        "status": "active",
        "value": value(contract.value_fen),
        "dateSigned": day_start(contract.signed_on),
    }


def _release_id(ocid: str, stage: str, number: int | None = None) -> str:
    return f"{ocid}-{stage}" if number is None else f"{ocid}-{stage}-{number}"


def _release(
    state: ProcessState, *, stage: str, date: dt.datetime, base_url: str, number: int | None = None
) -> dict[str, Any]:
    """One release: a full snapshot of `state`, which the caller has cut back to the stage."""
    parties = _Parties()  # the same order in every release: buyer, procuring entity, reviewer, bidders
    buyer = parties.add(state.buyer, "buyer")
    parties.add(state.agent or state.buyer, "procuringEntity")
    parties.add(state.supervisor, "reviewBody")
    release: dict[str, Any] = {
        "ocid": state.ocid,
        "id": _release_id(state.ocid, stage, number),
        "date": timestamp(date),
        "tag": [TAGS[stage]],
        "initiationType": "tender",
        "language": LANGUAGE,
        "buyer": buyer,
    }
    budget: dict[str, Any] = {
        "projectID": state.deal_code,
        "project": state.project_name,
        "description": state.funding_source,
    }
    if state.budget_fen is not None:
        budget["amount"] = value(state.budget_fen)
    release["planning"] = {"budget": budget}
    release["tender"] = _tender(state, parties, base_url)
    if state.opening is not None:
        release["bids"] = _bids(state)
    if state.award is not None:
        release["awards"] = [_award(state, parties, base_url)]
    if state.contract is not None:
        release["contracts"] = [_contract(state)]
    if state.previous_ocid:
        release["relatedProcesses"] = [
            {
                "id": "1",
                "relationship": ["unsuccessfulProcess"],
                "scheme": "ocid",
                "identifier": state.previous_ocid,
            }
        ]
    release["parties"] = parties.as_list()
    return release


def _at(state: ProcessState, stage: str, amendments: int = 0) -> ProcessState:
    """The state as it stood when the stage was reached: later facts are cut away."""
    keep = {
        PLANNING: set(),
        TENDER: {"tender"},
        AMENDMENT: {"tender"},
        OPENING: {"tender", "opening"},
        FAILURE: {"tender", "opening", "failure"},
        CANCELLATION: {"tender", "opening", "cancellation"},
        AWARD: {"tender", "opening", "award"},
        CONTRACT: {"tender", "opening", "award", "contract"},
    }[stage]
    stages = ("tender", "opening", "failure", "cancellation", "award", "contract")
    later = {name: None for name in stages if name not in keep}
    cut = dataclasses.replace(state, **later)  # type: ignore[arg-type]
    if cut.tender is not None and stage in (TENDER, AMENDMENT):
        clarifications = cut.tender.clarifications[:amendments]
        if clarifications:
            deadline = clarifications[-1].deadline_after
        elif cut.tender.clarifications:
            deadline = cut.tender.clarifications[0].deadline_before
        else:
            deadline = cut.tender.deadline
        cut = dataclasses.replace(
            cut, tender=dataclasses.replace(cut.tender, clarifications=clarifications, deadline=deadline)
        )
    return cut


def build_releases(state: ProcessState, *, base_url: str) -> list[dict[str, Any]]:
    """Every release of the process so far, oldest first."""
    releases = []
    if state.previous_ocid is None:  # a re-tender's planning stage is its first round's
        releases.append(_release(_at(state, PLANNING), stage=PLANNING, date=state.registered_at, base_url=base_url))
    tender = state.tender
    if tender is None:
        return releases
    releases.append(_release(_at(state, TENDER), stage=TENDER, date=tender.published_at, base_url=base_url))
    for index, item in enumerate(tender.clarifications, start=1):
        releases.append(
            _release(
                _at(state, AMENDMENT, index),
                stage=AMENDMENT,
                number=item.number,
                date=item.issued_at,
                base_url=base_url,
            )
        )
    if state.opening is not None:
        releases.append(_release(_at(state, OPENING), stage=OPENING, date=state.opening.opened_at, base_url=base_url))
    if state.failure is not None:
        releases.append(_release(_at(state, FAILURE), stage=FAILURE, date=state.failure.at, base_url=base_url))
    if state.cancellation is not None:
        releases.append(
            _release(_at(state, CANCELLATION), stage=CANCELLATION, date=state.cancellation.at, base_url=base_url)
        )
    if state.award is not None:
        releases.append(_release(_at(state, AWARD), stage=AWARD, date=state.award.awarded_at, base_url=base_url))
    if state.contract is not None:
        releases.append(
            _release(_at(state, CONTRACT), stage=CONTRACT, date=state.contract.registered_at, base_url=base_url)
        )
    return releases


# --------------------------------------------------------------------------------------------
# Records: the compiled release is merged from the releases
# --------------------------------------------------------------------------------------------


def _identified(items: Any) -> bool:
    return isinstance(items, list) and bool(items) and all(isinstance(i, dict) and "id" in i for i in items)


def _merge(target: dict[str, Any], source: dict[str, Any]) -> None:
    """OCDS merge, simplified: null removes a field, objects merge field by field, arrays of
    objects with `id` merge item by item (new ids appended in order), anything else is replaced."""
    for key, new in source.items():
        if new is None:
            target.pop(key, None)
        elif isinstance(new, dict):
            old = target.get(key)
            if not isinstance(old, dict):
                old = target[key] = {}
            _merge(old, new)
        elif _identified(new):
            old_items = target.get(key) if _identified(target.get(key)) else []
            assert isinstance(old_items, list)
            by_id = {str(item["id"]): item for item in old_items}
            for item in new:
                current = by_id.get(str(item["id"]))
                if current is None:
                    current = {}
                    old_items.append(current)
                    by_id[str(item["id"])] = current
                _merge(current, item)
            target[key] = old_items
        else:
            target[key] = copy.deepcopy(new)


def compile_releases(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release: the current state of every field, merged from the releases."""
    ordered = sorted(releases, key=lambda release: release["date"])  # stable: same-date stages keep order
    merged: dict[str, Any] = {}
    for release in ordered:
        _merge(merged, {key: item for key, item in release.items() if key not in ("id", "date", "tag")})
    latest = ordered[-1]
    return {
        "ocid": latest["ocid"],
        "id": f"{latest['ocid']}-{latest['date']}",
        "date": latest["date"],
        "tag": ["compiled"],
        **{key: item for key, item in merged.items() if key != "ocid"},
    }


def build_record(state: ProcessState, *, base_url: str) -> dict[str, Any]:
    releases = build_releases(state, base_url=base_url)
    return {"ocid": state.ocid, "releases": releases, "compiledRelease": compile_releases(releases)}


# --------------------------------------------------------------------------------------------
# Packages
# --------------------------------------------------------------------------------------------


def _package(*, uri: str, base_url: str, dates: Iterable[str], fallback: dt.datetime | None) -> dict[str, Any]:
    """Package metadata. publishedDate is the last change of the content (the newest release), so
    a package built on request is the same bytes until the process moves on."""
    newest = max(dates, default=None)
    if newest is None:
        if fallback is None:
            raise ValueError("an empty package needs a publishedDate")
        newest = timestamp(fallback)
    return {
        "uri": uri,
        "version": VERSION,
        "extensions": list(EXTENSIONS),
        "publishedDate": newest,
        "publisher": {"name": PUBLISHER_NAME, "uri": base_url + "/"},
    }


def release_package(
    states: Iterable[ProcessState], *, uri: str, base_url: str, fallback: dt.datetime | None = None
) -> dict[str, Any]:
    releases = [release for state in states for release in build_releases(state, base_url=base_url)]
    package = _package(uri=uri, base_url=base_url, dates=(r["date"] for r in releases), fallback=fallback)
    package["releases"] = releases
    return package


def record_package(
    states: Iterable[ProcessState], *, uri: str, base_url: str, fallback: dt.datetime | None = None
) -> dict[str, Any]:
    records = [build_record(state, base_url=base_url) for state in states]
    dates = (release["date"] for record in records for release in record["releases"])
    package = _package(uri=uri, base_url=base_url, dates=dates, fallback=fallback)
    package["records"] = records
    return package
