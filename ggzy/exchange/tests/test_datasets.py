"""Field mapping and code lists of each data set (docs/national-data.md, "Field mapping")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from ggzy.accounts.models import Organization
from ggzy.catalog.models import CatalogCategory
from ggzy.core import clock
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.exchange import datasets, envelope, services
from ggzy.exchange.choices import DataSet
from ggzy.exchange.models import ExchangeRecord
from ggzy.projects.models import Project

from .helpers import DEADLINE, NOW, OFFERS, Procedure

PLATFORM = datasets.Platform(
    platform_code="P-TEST", pub_service_plat_code="PS-TEST", public_url="https://ggzy.example.cn", notice_media="M"
)
REGISTERED = dt.datetime(2026, 3, 1, 8, 30, 5, tzinfo=clock.BEIJING)


def _project(*, method: str = ProcurementMethod.OPEN_TENDER, agent: bool = True, category: str = "A01") -> Project:
    """A project in memory: the code-list mappings need no database."""
    return Project(
        deal_code="654002202601000009",
        name="测试工程",
        trade_type=TradeType.CONSTRUCTION,
        procurement_method=method,
        catalog_category=CatalogCategory(code=category) if category else None,
        owner=Organization(name="业主单位", uscc="91654002MA0000001X", address="伊宁市"),
        agent=Organization(name="代理机构", uscc="91654002MA0000002X") if agent else None,
        supervisor=Organization(name="住建局", uscc="11654002MA0000003X"),
        region_code="654002",
        funding_source="财政资金",
        description="概况",
        registered_at=REGISTERED,
    )


@pytest.mark.parametrize(
    ("method", "agent", "mode", "form"),
    [
        (ProcurementMethod.OPEN_TENDER, True, "1", "2"),
        (ProcurementMethod.OPEN_TENDER, False, "1", "1"),
        (ProcurementMethod.SELECTIVE_TENDER, True, "2", "2"),
        (ProcurementMethod.SELECTIVE_TENDER, False, "2", "1"),
    ],
)
def test_tender_mode_and_organize_form(method, agent, mode, form):
    fields = datasets.tender_project_record(_project(method=method, agent=agent), PLATFORM).fields
    assert (fields["TENDER_MODE"], fields["TENDER_ORGANIZE_FORM"]) == (mode, form)
    assert fields["TENDERER_CODE_TYPE"] == "97"
    assert fields["TENDER_AGENCY_CODE_TYPE"] == ("97" if agent else "")
    assert fields["TENDER_AGENCY_NAME"] == ("代理机构" if agent else "")


@pytest.mark.parametrize(
    ("category", "code"), [("A01", "A000000"), ("A02", "B000000"), ("A03", "C000000"), ("", "A000000")]
)
def test_classify_code_is_seven_characters(category, code):
    assert datasets.classify_code(_project(category=category)) == code


def test_project_record_fields_in_order():
    record = datasets.project_record(_project(), PLATFORM)
    assert (record.dataset, record.key, record.deal_code) == (
        "GCJS_PROJECT",
        "654002202601000009",
        "654002202601000009",
    )
    assert record.fields == {
        "PROJECT_CODE": "654002202601000009",
        "PROJECT_NAME": "测试工程",
        "REGION_CODE": "654002",
        "LEGAL_PERSON": "业主单位",
        "FUND_SOURCE": "财政资金",
        "APPROVAL_NUMBER": "",
        "CREATE_TIME": "20260301083005",
        "PLATFORM_CODE": "P-TEST",
        "PUB_SERVICE_PLAT_CODE": "PS-TEST",
        "DATA_TIMESTAMP": "",
    }
    assert list(record.fields)[-3:] == ["PLATFORM_CODE", "PUB_SERVICE_PLAT_CODE", "DATA_TIMESTAMP"]


# --------------------------------------------------------------------------------------------
# The whole procedure: every data set, field by field
# --------------------------------------------------------------------------------------------

Expect = Callable[[Procedure], str]
COMMON = ("PLATFORM_CODE", "PUB_SERVICE_PLAT_CODE", "DATA_TIMESTAMP")


def _deal(p: Procedure) -> str:
    return p.project.deal_code


def _lot(p: Procedure) -> str:
    return p.tender_lot.lot.code


def _org(organization: Organization | None) -> Organization:
    assert organization is not None
    return organization


def _winner(p: Procedure) -> Any:
    return p.bidders[0].user.organization


EXPECTED: dict[str, dict[str, Expect | str]] = {
    DataSet.PROJECT: {
        "PROJECT_CODE": _deal,
        "PROJECT_NAME": "伊宁市<综合管廊>&配套道路工程",
        "REGION_CODE": "654002",
        "LEGAL_PERSON": "伊宁市城市建设投资有限公司",
        "FUND_SOURCE": "财政资金",
        "APPROVAL_NUMBER": "伊发改审批〔2026〕12号",
        "CREATE_TIME": "20261102100000",
    },
    DataSet.TENDER_PROJECT: {
        "PROJECT_CODE": _deal,
        "TENDER_PROJECT_CODE": _deal,
        "UNIFIED_DEAL_CODE": _deal,
        "TENDER_PROJECT_NAME": "伊宁市<综合管廊>&配套道路工程",
        "TENDER_PROJECT_CLASSIFY_CODE": "A000000",
        "REGION_CODE": "654002",
        "TENDER_CONTENT": "综合管廊2.4公里及配套道路",
        "OWNER_NAME": "伊宁市城市建设投资有限公司",
        "TENDERER_NAME": "伊宁市城市建设投资有限公司",
        "TENDERER_CODE_TYPE": "97",
        "TENDERER_CODE": lambda p: p.project.owner.uscc,
        "TENDER_AGENCY_NAME": "新疆华信招标代理有限公司",
        "TENDER_AGENCY_CODE_TYPE": "97",
        "TENDER_AGENCY_CODE": lambda p: _org(p.agent.organization).uscc,
        "TENDER_MODE": "1",
        "TENDER_ORGANIZE_FORM": "2",
        "CREATE_TIME": "20261102100000",
        "SUPERVISE_DEPT_NAME": "伊宁市住房和城乡建设局",
        "SUPERVISE_DEPT_CODE": lambda p: p.project.supervisor.uscc,
    },
    DataSet.SECTION: {
        "PROJECT_CODE": _deal,
        "TENDER_PROJECT_CODE": _deal,
        "BID_SECTION_CODE": _lot,
        "UNIFIED_DEAL_CODE": _deal,
        "BID_SECTION_NAME": "1标段",
        "BID_SECTION_CONTENT": "管廊第1段施工",
        "TENDER_PROJECT_CLASSIFY_CODE": "A000000",
        "CONTRACT_RECKON_PRICE": "1200.000000",  # the published ceiling price (CEILING_FEN), in 万元
        "CREATE_TIME": "20261102100000",
    },
    DataSet.NOTICE: {
        "PROJECT_CODE": _deal,
        "TENDER_PROJECT_CODE": _deal,
        "BID_SECTION_CODES": _lot,
        "UNIFIED_DEAL_CODES": _deal,
        "NOTICE_NAME": "伊宁市综合管廊工程施工招标公告",
        "NOTICE_CONTENT": "招标公告正文：投标人须具备市政公用工程施工总承包二级及以上资质。",
        "NOTICE_SEND_TIME": "20261102100000",
        "NOTICE_MEDIA": "M",
        "URL": lambda p: f"https://ggzy.example.cn/tenders/{p.tender.code}/",
        "NOTICE_NATURE": "1",
        "BULLETIN_TYPE": "1",
        "DOC_GET_START_TIME": "20261102100000",
        "DOC_GET_END_TIME": "20261127100000",
        "TENDER_DOC_GET_METHOD": "在本平台网上免费下载招标文件",
        "BID_DOC_REFER_END_TIME": "20261127100000",
        "BID_OPEN_TIME": "20261127100000",
        "DOC_PRICE": "0.00",
        "BID_DOC_REFER_METHOD": "在本平台网上递交加密投标文件",
        "TENDER_CODE": lambda p: p.tender.code,
        "IS_POSTPONE": "0",
        "TENDERER_NAME": "伊宁市城市建设投资有限公司",
        "TENDERER_CODE_TYPE": "97",
        "TENDERER_CODE": lambda p: p.project.owner.uscc,
        "TENDERER_ADDRESS": "",
        "TENDER_AGENCY_NAME": "新疆华信招标代理有限公司",
        "TENDER_AGENCY_CODE_TYPE": "97",
        "TENDER_AGENCY_CODE": lambda p: _org(p.agent.organization).uscc,
        "TENDER_AGENCY_ADDRESS": "",
    },
    DataSet.OPENING_RECORD: {
        "PROJECT_CODE": _deal,
        "TENDER_PROJECT_CODE": _deal,
        "BID_SECTION_CODES": _lot,
        "UNIFIED_DEAL_CODES": _deal,
        "BID_OPENING_CONTENT": lambda p: "\n".join(
            [
                f"标段：{p.tender_lot.lot.code} 1标段",
                "标底：7,777,777.00",
                *(
                    f"{n}. {_org(s.user.organization).name}（统一社会信用代码：{s.uscc}）；解密成功；"
                    f"投标报价：{price / 100:,.2f}；工期/交货期：365；质量标准：合格；项目负责人：{pm}"
                    for n, (s, (_name, price, pm)) in enumerate(zip(p.bidders, OFFERS, strict=True), start=1)
                ),
            ]
        ),
        "BID_OPENING_ADDRESS": "不见面开标（平台在线）",
        "BID_OPENING_TIME": "20261127100000",
        "NOTICE_NAME": "伊宁市综合管廊工程施工招标公告 1标段 开标记录",
        "URL": lambda p: f"https://ggzy.example.cn/tenders/{p.tender.code}/lots/{p.tender_lot.lot.code}/opening/",
    },
    DataSet.WIN_CANDIDATE: {  # the first-ranked candidate (the lowest price, the best total)
        "PROJECT_CODE": _deal,
        "TENDER_PROJECT_CODE": _deal,
        "BID_SECTION_CODE": _lot,
        "UNIFIED_DEAL_CODE": _deal,
        "WIN_CANDIDATE_NAME": "甲建设集团有限公司",
        "WIN_CANDIDATE_CODE_TYPE": "97",
        "WIN_CANDIDATE_CODE": lambda p: _winner(p).uscc,
        "WIN_CANDIDATE_ORDER": "1",
        "EVALUATION_RESULT": "90.00",  # 40 × 100% + 50
        "BID_PRICE": "987.654300",
        "EVALUATION_PRICE": "987.654300",
        "WIN_PRICE": "987.654300",
        "QUALITY": "合格",
        "PM_NAME": "王建国",
        "TIME_LIMIT": "365",
    },
    DataSet.RESULT_NOTICE: {
        "PROJECT_CODE": _deal,
        "TENDER_PROJECT_CODE": _deal,
        "BID_SECTION_CODE": _lot,
        "UNIFIED_DEAL_CODE": _deal,
        "NOTICE_NAME": "伊宁市综合管廊工程施工招标公告 1标段 中标结果公告",
        "NOTICE_CONTENT": "中标人：甲建设集团有限公司，中标价9,876,543.00元。",
        "NOTICE_SEND_TIME": "20261203235959",  # the end of the publicity, when the award was made
        "NOTICE_MEDIA": "M",
        "URL": lambda p: "https://ggzy.example.cn/notices/{pk}/".format(
            pk=p.project.notices.get(notice_type="award").pk
        ),
        "NOTICE_NATURE": "1",
        "WIN_BIDDER_NAME": "甲建设集团有限公司",
        "BIDDER_CODE_TYPE": "97",
        "WIN_BIDDER_CODE": lambda p: _winner(p).uscc,
        "BID_AMOUNT": "987.654300",
        "TENDER_CODE": lambda p: p.tender.code,
    },
}
# Where the common fields sit in each data set, as in the exchange code the names come from
# (in GCJS_SECTION, CREATE_TIME follows them).
COMMON_AFTER = {
    DataSet.PROJECT: "CREATE_TIME",
    DataSet.TENDER_PROJECT: "SUPERVISE_DEPT_CODE",
    DataSet.SECTION: "CONTRACT_RECKON_PRICE",
    DataSet.NOTICE: "BID_DOC_REFER_METHOD",
    DataSet.OPENING_RECORD: "BID_OPENING_TIME",
    DataSet.WIN_CANDIDATE: "WIN_PRICE",
    DataSet.RESULT_NOTICE: "BID_AMOUNT",
}


@pytest.mark.django_db
def test_every_data_set_field_by_field(tmp_path, settings):
    settings.EXCHANGE_PLATFORM_CODE = "P-TEST"
    settings.EXCHANGE_PUB_SERVICE_PLAT_CODE = "PS-TEST"
    settings.EXCHANGE_PUBLIC_URL = "https://ggzy.example.cn/"
    settings.EXCHANGE_NOTICE_MEDIA = "M"
    with time_machine.travel(NOW, tick=False) as traveller:
        procedure = Procedure(traveller, tmp_path)
        for stage in ("publish", "close", "open", "evaluate", "report", "publicise", "award"):
            getattr(procedure, stage)()
        services.exchange_collect()
        collected = clock.now()
    assert clock.local(procedure.tender.bid_deadline) == DEADLINE
    wrong = []
    for dataset, expected in EXPECTED.items():
        row = ExchangeRecord.objects.filter(dataset=dataset).order_by("key").first()
        assert row is not None, dataset
        parsed = envelope.parse(row.document)
        assert parsed.dataset == dataset
        names = list(expected)
        position = names.index(COMMON_AFTER[dataset]) + 1
        assert list(parsed.fields) == [*names[:position], *COMMON, *names[position:]], dataset
        for name, value in expected.items():
            want = value(procedure) if callable(value) else value
            if parsed.fields[name] != want:
                wrong.append(f"{dataset}.{name}: {parsed.fields[name]!r} != {want!r}")
        assert parsed.fields["PLATFORM_CODE"] == "P-TEST" and parsed.fields["PUB_SERVICE_PLAT_CODE"] == "PS-TEST"
        assert parsed.fields["DATA_TIMESTAMP"] == datasets.timestamp(collected)
        assert parsed.head["DATA_SET"] == dataset and parsed.head["VERSION"] == "1"
        assert parsed.head["IS_CORRECTION"] == "0"
    assert not wrong, "\n".join(wrong)
    assert ExchangeRecord.objects.filter(dataset=DataSet.WIN_CANDIDATE).count() == 3
    assert ExchangeRecord.objects.get(dataset=DataSet.SECTION).key == procedure.tender_lot.lot.code


@pytest.mark.django_db
def test_other_trade_types_and_drafts_are_not_exported():
    from ggzy.accounts.choices import Role
    from ggzy.core.testing.parties import make_user
    from ggzy.experts.tests.helpers import closed_lot
    from ggzy.tendering import services as tendering_services

    with time_machine.travel(NOW, tick=False):
        closed_lot(
            owner=make_user(Role.OWNER),
            agent=make_user(Role.AGENT),
            deadline=DEADLINE,
            trade_type=TradeType.GOVERNMENT_PROCUREMENT,
        )
        agent = make_user(Role.AGENT)
        from .helpers import published_project

        project, tender = published_project(agent=agent)
        tendering_services.tender_create(
            actor=agent,
            project=project,
            lots=[tendering_services.LotTerms(lot=project.lots.get())],
            title="第二轮（草稿）",
            notice_body="草稿正文",
            evaluation_method="weighted_scoring",
            bid_deadline=DEADLINE + dt.timedelta(days=30),
            bid_validity_days=90,
        )
        records = datasets.records_build(PLATFORM)
    assert {r.deal_code for r in records} == {project.deal_code}  # no procurement project
    assert [r.key for r in records if r.dataset == DataSet.NOTICE] == [tender.code]  # no draft
