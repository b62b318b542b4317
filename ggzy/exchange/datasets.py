"""Records of the national engineering-construction data sets (GCJS_*) built from the public state
of the platform (docs/national-data.md).

A record is (data set, natural key, ordered fields). Field names are the specification's uppercase
names as seen in real exchange code (rules-cn.md §7.2, 🟡); a field is left out when the platform
has no public source for it or its code list is unknown. Values are text:

- times: 14 digits `YYYYMMDDhhmmss`, Beijing time;
- amounts the specification gives in 万元: exact decimal with 6 places from integer fen
  (1 万元 = 1,000,000 fen), never a float;
- organisations: name, code type 97 (统一社会信用代码) and the USCC;
- the common fields PLATFORM_CODE, PUB_SERVICE_PLAT_CODE and DATA_TIMESTAMP on every record.

DATA_TIMESTAMP and NOTICE_NATURE are set when a version is stamped (`stamped`): they say when and
as what a version is sent, so they are not part of the content digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ggzy.accounts.models import Organization
from ggzy.core import clock
from ggzy.core.choices import ProcurementMethod
from ggzy.disclosure.choices import NoticeType
from ggzy.projects.models import Project
from ggzy.tendering.choices import OpeningOutcome
from ggzy.tendering.models import Tender, TenderLot

from . import selectors
from .choices import DataSet

TIME_FORMAT = "%Y%m%d%H%M%S"
# 主体机构代码类型 (technical specification table 3.19): 97 = 统一社会信用代码 (rules-cn.md §7.2).
CODE_TYPE_USCC = "97"
# 招标方式 (table 3.8): 1 公开招标, 2 邀请招标.
TENDER_MODE = {ProcurementMethod.OPEN_TENDER: "1", ProcurementMethod.SELECTIVE_TENDER: "2"}
# 招标组织形式: 1 自行招标, 2 委托招标.
ORGANIZE_SELF = "1"
ORGANIZE_DELEGATED = "2"
# 公告性质: 1 正常/首次公告, 2 更正公告.
NOTICE_FIRST = "1"
NOTICE_CORRECTION = "2"
# 公告类型: 1 招标公告.
BULLETIN_TENDER = "1"
# 标段（包）分类代码 (table 3.6, 7 characters, zero-padded; ⚠️ the table itself was not retrieved):
# the prefix letter by the catalog category (A 工程, B 货物, C 服务), padded with zeros.
CLASSIFY_PREFIX = {"A01": "A", "A02": "B", "A03": "C"}
CLASSIFY_LENGTH = 7

# Set when a version is stamped, not part of the content.
VOLATILE = frozenset({"DATA_TIMESTAMP", "NOTICE_NATURE"})
# Opening-record items that name a person's identity document are never exported.
PERSONAL_ITEM = re.compile(r"身份证|证件号|id_?card|id_?number", re.IGNORECASE)
# A mainland resident ID number (GB 11643: 6-digit region, birth date, sequence, check character).
ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])"
)
# Characters XML 1.0 cannot carry at all.
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Record:
    dataset: str
    key: str
    deal_code: str
    fields: dict[str, str]


@dataclass(frozen=True)
class Platform:
    """The platform's identity and addresses in the exchange (settings, see .env.example)."""

    platform_code: str
    pub_service_plat_code: str
    public_url: str
    notice_media: str

    @classmethod
    def from_settings(cls) -> Platform:
        return cls(
            platform_code=settings.EXCHANGE_PLATFORM_CODE,
            pub_service_plat_code=settings.EXCHANGE_PUB_SERVICE_PLAT_CODE,
            public_url=settings.EXCHANGE_PUBLIC_URL.rstrip("/"),
            notice_media=settings.EXCHANGE_NOTICE_MEDIA,
        )

    def url(self, name: str, **kwargs: Any) -> str:
        return self.public_url + reverse(name, kwargs=kwargs)

    def common(self) -> dict[str, str]:
        return {
            "PLATFORM_CODE": self.platform_code,
            "PUB_SERVICE_PLAT_CODE": self.pub_service_plat_code,
            "DATA_TIMESTAMP": "",
        }


# --------------------------------------------------------------------------------------------
# Value formats
# --------------------------------------------------------------------------------------------


def timestamp(value: dt.datetime | None) -> str:
    """An instant as 14 digits in Beijing time; empty when there is none."""
    return clock.local(value).strftime(TIME_FORMAT) if value is not None else ""


def wan_yuan(fen: int | None) -> str:
    """Integer fen as 万元 with 6 decimals, exactly (1 万元 = 1,000,000 fen)."""
    if fen is None:
        return ""
    return f"{Decimal(int(fen)).scaleb(-6):.6f}"


def yuan(fen: int) -> str:
    return f"{Decimal(int(fen)).scaleb(-2):.2f}"


def _text(name: str, value: str, *, own_code: str = "") -> str:
    """What may travel: one newline convention, no character XML cannot carry, and no ID number
    in any free text (codes are left as they are)."""
    value = NOT_XML.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if not (name.endswith("_CODE") or name.endswith("_CODES")):
        value = ID_NUMBER.sub(lambda match: _mask_id_number(match.group(0), own_code), value)
    return value


def _mask_id_number(text: str, own_code: str) -> str:
    """Mask an ID number whose check character is right (GB 11643 mod 11). The platform's own
    unified deal code (18 digits, e.g. inside a URL) can look like one and is kept; anything
    else that does is masked, even a code of another kind: better hidden than leaked."""
    if text == own_code:
        return text
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(c) * w for c, w in zip(text[:17], weights, strict=True)) % 11]
    return "******" if text[17].upper() == check else text


def _record(dataset: str, key: str, deal_code: str, fields: dict[str, str]) -> Record:
    cleaned = {name: _text(name, value, own_code=deal_code) for name, value in fields.items()}
    return Record(dataset, key, deal_code, cleaned)


def content_digest(record: Record) -> str:
    """SHA-256 of what the record says: data set, key and fields, without the volatile ones."""
    stable = [[name, value] for name, value in record.fields.items() if name not in VOLATILE]
    payload = json.dumps([record.dataset, record.key, stable], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def stamped(record: Record, *, at: dt.datetime, correction: bool) -> Record:
    """The record as one version is sent: its data timestamp, and for a notice its nature."""
    fields = dict(record.fields)
    fields["DATA_TIMESTAMP"] = timestamp(at)
    if "NOTICE_NATURE" in fields:
        fields["NOTICE_NATURE"] = NOTICE_CORRECTION if correction else NOTICE_FIRST
    return replace(record, fields=fields)


def _organization(prefix: str, organization: Organization | None, *, address: bool = False) -> dict[str, str]:
    fields = {
        f"{prefix}_NAME": organization.name if organization else "",
        f"{prefix}_CODE_TYPE": CODE_TYPE_USCC if organization else "",
        f"{prefix}_CODE": organization.uscc if organization else "",
    }
    if address:
        fields[f"{prefix}_ADDRESS"] = organization.address if organization else ""
    return fields


def classify_code(project: Project) -> str:
    """标段（包）分类代码 ⚠️: the category's prefix letter, zero-padded to 7 characters."""
    category = project.catalog_category.code if project.catalog_category else ""
    prefix = CLASSIFY_PREFIX.get(category[:3], "A")
    return prefix.ljust(CLASSIFY_LENGTH, "0")


# --------------------------------------------------------------------------------------------
# The data sets
# --------------------------------------------------------------------------------------------


def project_record(project: Project, platform: Platform) -> Record:
    fields = {
        "PROJECT_CODE": project.deal_code,
        "PROJECT_NAME": project.name,
        "REGION_CODE": project.region_code,
        "LEGAL_PERSON": project.owner.name,
        "FUND_SOURCE": project.funding_source,
        "APPROVAL_NUMBER": project.approval_number,
        "CREATE_TIME": timestamp(project.registered_at),
        **platform.common(),
    }
    return _record(DataSet.PROJECT, project.deal_code, project.deal_code, fields)


def tender_project_record(project: Project, platform: Platform) -> Record:
    fields = {
        "PROJECT_CODE": project.deal_code,
        "TENDER_PROJECT_CODE": project.deal_code,
        "UNIFIED_DEAL_CODE": project.deal_code,
        "TENDER_PROJECT_NAME": project.name,
        "TENDER_PROJECT_CLASSIFY_CODE": classify_code(project),
        "REGION_CODE": project.region_code,
        "TENDER_CONTENT": project.description,
        "OWNER_NAME": project.owner.name,
        **_organization("TENDERER", project.owner),
        **_organization("TENDER_AGENCY", project.agent),
        "TENDER_MODE": TENDER_MODE[ProcurementMethod(project.procurement_method)],
        "TENDER_ORGANIZE_FORM": ORGANIZE_DELEGATED if project.agent is not None else ORGANIZE_SELF,
        "CREATE_TIME": timestamp(project.registered_at),
        "SUPERVISE_DEPT_NAME": project.supervisor.name,
        "SUPERVISE_DEPT_CODE": project.supervisor.uscc,
        **platform.common(),
    }
    return _record(DataSet.TENDER_PROJECT, project.deal_code, project.deal_code, fields)


def section_record(project: Project, tender_lot: TenderLot, platform: Platform) -> Record:
    """A lot as its latest published tender states it. The contract estimate of a construction
    lot is not public; the amount given is the ceiling price (最高投标限价), which the tender
    documents publish, or nothing."""
    lot = tender_lot.lot
    fields = {
        "PROJECT_CODE": project.deal_code,
        "TENDER_PROJECT_CODE": project.deal_code,
        "BID_SECTION_CODE": lot.code,
        "UNIFIED_DEAL_CODE": project.deal_code,
        "BID_SECTION_NAME": lot.name,
        "BID_SECTION_CONTENT": lot.description,
        "TENDER_PROJECT_CLASSIFY_CODE": classify_code(project),
        "CONTRACT_RECKON_PRICE": wan_yuan(tender_lot.ceiling_price_fen),
        **platform.common(),
        "CREATE_TIME": timestamp(project.registered_at),
    }
    return _record(DataSet.SECTION, lot.code, project.deal_code, fields)


def _notice_content(tender: Tender) -> str:
    parts = [tender.notice_body]
    for item in tender.clarifications.all():
        heading = _("第{n}号澄清/修改（{time}）：").format(
            n=item.number, time=clock.local(item.issued_at).strftime("%Y-%m-%d %H:%M")
        )
        parts.append(heading + "\n" + item.body)
    return "\n\n".join(parts)


def notice_record(project: Project, tender: Tender, platform: Platform) -> Record:
    """The tender notice; a clarification or a moved deadline changes it (sent as a correction)."""
    lots = list(tender.tender_lots.all())
    postponed = any(item.deadline_after > item.deadline_before for item in tender.clarifications.all())
    fields = {
        "PROJECT_CODE": project.deal_code,
        "TENDER_PROJECT_CODE": project.deal_code,
        "BID_SECTION_CODES": ",".join(item.lot.code for item in lots),
        "UNIFIED_DEAL_CODES": project.deal_code,
        "NOTICE_NAME": tender.title,
        "NOTICE_CONTENT": _notice_content(tender),
        "NOTICE_SEND_TIME": timestamp(tender.published_at),
        "NOTICE_MEDIA": platform.notice_media,
        "URL": platform.url("tendering:detail", code=tender.code),
        "NOTICE_NATURE": NOTICE_FIRST,
        "BULLETIN_TYPE": BULLETIN_TENDER,
        # The documents are issued with the notice, free of charge, until the deadline.
        "DOC_GET_START_TIME": timestamp(tender.published_at),
        "DOC_GET_END_TIME": timestamp(tender.bid_deadline),
        "TENDER_DOC_GET_METHOD": _("在本平台网上免费下载招标文件"),
        "BID_DOC_REFER_END_TIME": timestamp(tender.bid_deadline),
        "BID_OPEN_TIME": timestamp(tender.bid_deadline),
        "DOC_PRICE": yuan(0),
        "BID_DOC_REFER_METHOD": _("在本平台网上递交加密投标文件"),
        **platform.common(),
        "TENDER_CODE": tender.code,
        "IS_POSTPONE": "1" if postponed else "0",
        **_organization("TENDERER", project.owner, address=True),
        **_organization("TENDER_AGENCY", project.agent, address=True),
    }
    return _record(DataSet.NOTICE, tender.code, project.deal_code, fields)


def _opening_items(record: dict[str, Any]) -> list[dict[str, str]]:
    """The items the record read out, without any that names an identity document."""
    return [
        item
        for item in record.get("fields", [])
        if not PERSONAL_ITEM.search(str(item.get("key", ""))) and not PERSONAL_ITEM.search(str(item.get("label", "")))
    ]


def _opening_content(record: dict[str, Any]) -> str:
    outcomes = dict(OpeningOutcome.choices)
    items = _opening_items(record)
    lines = [_("标段：{code} {name}").format(code=record.get("lot", ""), name=record.get("lot_name", ""))]
    if record.get("reserve_price"):
        lines.append(_("标底：{price}").format(price=record["reserve_price"]))
    for number, row in enumerate(record.get("bids", []), start=1):
        parts = [
            _("{n}. {bidder}（统一社会信用代码：{uscc}）").format(
                n=number, bidder=row.get("bidder", ""), uscc=row.get("bidder_uscc", "")
            ),
            str(outcomes.get(row.get("outcome", ""), row.get("outcome", ""))),
        ]
        if row.get("reason"):
            parts.append(_("原因：{reason}").format(reason=row["reason"]))
        values = row.get("values") or {}
        parts += [f"{item['label']}：{values[item['key']]}" for item in items if item["key"] in values]
        lines.append("；".join(parts))
    return "\n".join(lines)


def opening_record(project: Project, tender: Tender, tender_lot: TenderLot, platform: Platform) -> Record:
    """The opening record as published (only once `opened_at` is set)."""
    lot = tender_lot.lot
    notice = selectors.notice_published(
        project=project,
        notice_type=NoticeType.OPENING_RECORD,
        since=tender_lot.opened_at or tender.bid_deadline,
        words=[tender.title, lot.name],
    )
    fields = {
        "PROJECT_CODE": project.deal_code,
        "TENDER_PROJECT_CODE": project.deal_code,
        "BID_SECTION_CODES": lot.code,
        "UNIFIED_DEAL_CODES": project.deal_code,
        "BID_OPENING_CONTENT": _opening_content(tender_lot.opening_record),
        "BID_OPENING_ADDRESS": tender.opening_place,
        "BID_OPENING_TIME": timestamp(tender.bid_deadline),
        **platform.common(),
        "NOTICE_NAME": notice.title if notice else _("{title} {lot} 开标记录").format(title=tender.title, lot=lot.name),
        "URL": platform.url("tendering:opening", code=tender.code, lot_code=lot.code),
    }
    return _record(DataSet.OPENING_RECORD, f"{tender.code}/{lot.code}", project.deal_code, fields)


def _read_out(tender_lot: TenderLot, uscc: str) -> dict[str, str]:
    """What the published opening record read out for one bidder, by item key."""
    allowed = {item["key"] for item in _opening_items(tender_lot.opening_record)}
    for row in tender_lot.opening_record.get("bids", []):
        if row.get("bidder_uscc") == uscc:
            return {key: str(value) for key, value in (row.get("values") or {}).items() if key in allowed}
    return {}


def candidate_records(
    project: Project,
    tender: Tender,
    tender_lot: TenderLot,
    candidates: Iterable[selectors.Candidate],
    platform: Platform,
) -> list[Record]:
    """One record per candidate once the publicity has started. Construction has no price
    deduction, so the evaluation price is the bid price (after a confirmed arithmetic correction)."""
    lot = tender_lot.lot
    records = []
    for candidate in candidates:
        read_out = _read_out(tender_lot, candidate.uscc)
        fields = {
            "PROJECT_CODE": project.deal_code,
            "TENDER_PROJECT_CODE": project.deal_code,
            "BID_SECTION_CODE": lot.code,
            "UNIFIED_DEAL_CODE": project.deal_code,
            "WIN_CANDIDATE_NAME": candidate.name,
            "WIN_CANDIDATE_CODE_TYPE": CODE_TYPE_USCC,
            "WIN_CANDIDATE_CODE": candidate.uscc,
            "WIN_CANDIDATE_ORDER": str(candidate.place),
            "EVALUATION_RESULT": candidate.total or "",
            "BID_PRICE": wan_yuan(candidate.price_fen),
            "EVALUATION_PRICE": wan_yuan(candidate.price_fen),
            "WIN_PRICE": wan_yuan(candidate.price_fen),
            **platform.common(),
            "QUALITY": read_out.get("quality", ""),
            "PM_NAME": read_out.get("project_manager", ""),
            "TIME_LIMIT": read_out.get("duration", ""),
        }
        key = f"{tender.code}/{lot.code}/{candidate.place}"
        records.append(_record(DataSet.WIN_CANDIDATE, key, project.deal_code, fields))
    return records


def result_notice_record(
    project: Project, tender: Tender, tender_lot: TenderLot, award: selectors.Award, platform: Platform
) -> Record:
    lot = tender_lot.lot
    notice = selectors.notice_published(
        project=project, notice_type=NoticeType.AWARD, since=award.awarded_at, words=[tender.title, lot.name]
    )
    fields = {
        "PROJECT_CODE": project.deal_code,
        "TENDER_PROJECT_CODE": project.deal_code,
        "BID_SECTION_CODE": lot.code,
        "UNIFIED_DEAL_CODE": project.deal_code,
        "NOTICE_NAME": notice.title
        if notice
        else _("{title} {lot} 中标结果公告").format(title=tender.title, lot=lot.name),
        "NOTICE_CONTENT": notice.body if notice else "",
        "NOTICE_SEND_TIME": timestamp(notice.published_at if notice else award.awarded_at),
        "NOTICE_MEDIA": platform.notice_media,
        "URL": platform.url("disclosure:detail", pk=notice.pk)
        if notice
        else platform.url("evaluation:result", code=tender.code, lot_code=lot.code),
        "NOTICE_NATURE": NOTICE_FIRST,
        "WIN_BIDDER_NAME": award.name,
        "BIDDER_CODE_TYPE": CODE_TYPE_USCC,
        "WIN_BIDDER_CODE": award.uscc,
        "BID_AMOUNT": wan_yuan(award.price_fen),
        **platform.common(),
        "TENDER_CODE": tender.code,
    }
    return _record(DataSet.RESULT_NOTICE, f"{tender.code}/{lot.code}", project.deal_code, fields)


def project_records(project: Project, platform: Platform) -> list[Record]:
    """Every record of one project that is public now, parents before children."""
    tenders = selectors.tenders_published(project)
    records = [project_record(project, platform), tender_project_record(project, platform)]
    latest: dict[int, TenderLot] = {}
    for tender in tenders:
        for tender_lot in tender.tender_lots.all():
            latest[tender_lot.lot_id] = tender_lot  # tenders come oldest first: the last round wins
    records += [section_record(project, item, platform) for item in sorted(latest.values(), key=_lot_number)]
    for tender in tenders:
        records.append(notice_record(project, tender, platform))
        for tender_lot in tender.tender_lots.all():
            if tender_lot.opened_at is None:
                continue  # nothing about the bids before the opening record is published
            records.append(opening_record(project, tender, tender_lot, platform))
            _outcome, candidates = selectors.candidates_public(tender_lot)
            records += candidate_records(project, tender, tender_lot, candidates, platform)
            award = selectors.award_public(tender_lot)
            if award is not None:
                records.append(result_notice_record(project, tender, tender_lot, award, platform))
    return records


def _lot_number(tender_lot: TenderLot) -> int:
    return int(tender_lot.lot.number)


def records_build(platform: Platform | None = None) -> list[Record]:
    """Every record of every construction project that is public now. The published data is
    Chinese for every receiver, whatever language the caller's request uses."""
    platform = platform or Platform.from_settings()
    with translation.override("zh-hans"):
        return [record for project in selectors.projects_in_scope() for record in project_records(project, platform)]
