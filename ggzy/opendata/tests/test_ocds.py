"""The pure OCDS builder: exact money, Beijing timestamps, stage cut-offs and the merge."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from ggzy.core.clock import BEIJING
from ggzy.opendata import ocds

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING)
OWNER = ocds.Party(uscc="91654002MA00000028", name="某城投公司")
AGENT = ocds.Party(uscc="91654002MA0000004E", name="某招标代理公司")
SUPERVISOR = ocds.Party(uscc="11654000MA0000002X", name="某住建局")
BIDDERS = [ocds.Party(uscc=f"91654002MA000001{n}X", name=f"投标人{n}") for n in range(3)]


def _state(**changes: object) -> ocds.ProcessState:
    tender = ocds.Tender(
        code="654002202601000001-T01",
        title="某工程招标公告",
        procurement_method="open_tender",
        method_label="公开招标",
        evaluation_method="lowest_evaluated_price",
        evaluation_label="经评审的最低投标价法",
        category="goods",
        published_at=T0 + dt.timedelta(days=1),
        deadline=T0 + dt.timedelta(days=30),
        value_fen=4_200_000_00,
        documents=(
            ocds.Document(
                id="biddingDocuments-1",
                document_type="biddingDocuments",
                title="招标文件.pdf",
                path="/tenders/x/documents/1/",
                published_at=T0 + dt.timedelta(days=1),
                sha256="ab" * 32,
            ),
        ),
        clarifications=(
            ocds.Clarification(
                number=1,
                issued_at=T0 + dt.timedelta(days=3),
                body="延期",
                deadline_before=T0 + dt.timedelta(days=25),
                deadline_after=T0 + dt.timedelta(days=30),
            ),
        ),
    )
    opening = ocds.Opening(
        opened_at=T0 + dt.timedelta(days=30),
        bids=(
            ocds.OpenedBid(1, BIDDERS[0], T0 + dt.timedelta(days=5), True, 4_100_000_01),
            ocds.OpenedBid(2, BIDDERS[1], T0 + dt.timedelta(days=6), True, 3_999_999_99),
            ocds.OpenedBid(3, BIDDERS[2], T0 + dt.timedelta(days=7), False, None),
        ),
        reserve_price_fen=None,
    )
    award = ocds.Award(
        awarded_at=T0 + dt.timedelta(days=40),
        supplier=BIDDERS[1],
        value_fen=3_999_999_99,
        bid_number=2,
        candidate_numbers=(1, 2),
        path="/evaluation/x/result/",
    )
    state = ocds.ProcessState(
        ocid="ocds-test00-654002202601000001-001",
        local_id="654002202601000001-001",
        deal_code="654002202601000001",
        project_name="某医疗设备采购",
        registered_at=T0,
        funding_source="财政预算资金",
        lot_code="654002202601000001001",
        lot_name="包1",
        budget_fen=4_200_000_00,
        buyer=OWNER,
        agent=AGENT,
        supervisor=SUPERVISOR,
        tender=tender,
        opening=opening,
        award=award,
        contract=ocds.Contract(
            registered_at=T0 + dt.timedelta(days=45), signed_on=dt.date(2026, 4, 15), value_fen=3_999_999_99
        ),
    )
    return dataclasses.replace(state, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fen", "expected", "text"),
    [
        (1, 0.01, "0.01"),
        (10, 0.1, "0.1"),
        (100, 1, "1"),
        (98_765_432, 987654.32, "987654.32"),
        (12_345_678_901_234, 123456789012.34, "123456789012.34"),
    ],
)
def test_money_is_exact_yuan(fen, expected, text):
    assert ocds.amount(fen) == expected
    assert json.dumps(ocds.amount(fen)) == text
    assert ocds.value(fen)["currency"] == "CNY"


def test_money_refuses_to_round():
    with pytest.raises(ValueError):
        ocds.amount(1_234_567_890_123_456_789)


def test_timestamps_are_beijing_time():
    assert ocds.timestamp(dt.datetime(2026, 3, 2, 1, 0, 0, 999_999, tzinfo=dt.UTC)) == "2026-03-02T09:00:00+08:00"
    assert ocds.day_start(dt.date(2026, 4, 15)) == "2026-04-15T00:00:00+08:00"
    with pytest.raises(ValueError):
        ocds.timestamp(dt.datetime(2026, 3, 2))


def test_each_release_knows_only_its_stage():
    releases = ocds.build_releases(_state(), base_url="https://ggzy.example")
    by_tag = {release["id"].rsplit("-001-", 1)[1]: release for release in releases}
    assert list(by_tag) == ["planning", "tender", "amendment-1", "opening", "award", "contract"]
    planning, tender, amendment = by_tag["planning"], by_tag["tender"], by_tag["amendment-1"]
    assert "procurementMethod" not in planning["tender"] and planning["tender"]["status"] == "planning"
    assert planning["planning"]["budget"]["amount"] == {"amount": 4200000, "currency": "CNY"}
    assert tender["tender"]["tenderPeriod"]["endDate"] == "2026-03-27T09:00:00+08:00"  # before the clarification
    assert "amendments" not in tender["tender"]
    assert amendment["tender"]["tenderPeriod"]["endDate"] == "2026-04-01T09:00:00+08:00"
    assert amendment["tender"]["amendments"][0]["amendsReleaseID"] == tender["id"]
    assert tender["tender"]["procurementMethod"] == "open" and tender["tender"]["mainProcurementCategory"] == "goods"
    assert tender["tender"]["documents"][0]["description"] == "SHA-256: " + "ab" * 32
    assert tender["tender"]["documents"][0]["url"] == "https://ggzy.example/tenders/x/documents/1/"
    for early in (planning, tender, amendment):
        assert "bids" not in early and "awards" not in early
        assert {party["roles"][0] for party in early["parties"]} == {"buyer", "procuringEntity", "reviewBody"}
    opening = by_tag["opening"]
    statuses = [(bid["status"], "value" in bid) for bid in opening["bids"]["details"]]
    assert statuses == [("pending", True), ("pending", True), ("withdrawn", False)]
    assert opening["tender"]["numberOfTenderers"] == 3 and "awards" not in opening
    award = by_tag["award"]
    assert [bid["status"] for bid in award["bids"]["details"]] == ["valid", "valid", "withdrawn"]
    assert award["awards"][0]["relatedBid"] == "bid-2" and award["tender"]["status"] == "complete"
    assert award["awards"][0]["value"]["amount"] == 3999999.99
    assert by_tag["contract"]["contracts"][0]["dateSigned"] == "2026-04-15T00:00:00+08:00"


def test_a_failed_lot_and_its_next_round():
    failed = _state(opening=None, award=None, contract=None, failure=ocds.Failure(at=T0 + dt.timedelta(days=30)))
    releases = ocds.build_releases(failed, base_url="")
    assert releases[-1]["tag"] == ["tenderUpdate"] and releases[-1]["tender"]["status"] == "unsuccessful"
    assert releases[-1]["tender"]["lots"][0]["status"] == "unsuccessful"
    again = _state(previous_ocid=failed.ocid, ocid=failed.ocid.replace("-001", "-T02-001"))
    first = ocds.build_releases(again, base_url="")[0]
    assert first["tag"] == ["tender"]  # a re-tender has no planning stage of its own
    assert first["relatedProcesses"][0]["identifier"] == failed.ocid


def test_a_terminated_tender_is_cancelled_with_its_published_reason():
    at = T0 + dt.timedelta(days=31)
    cancelled = _state(
        award=None, contract=None, cancellation=ocds.Cancellation(at=at, reason="项目调整", path="/tenders/x/")
    )
    releases = ocds.build_releases(cancelled, base_url="")
    assert [release["tag"][0] for release in releases][-2:] == ["tenderUpdate", "tenderCancellation"]
    last = releases[-1]["tender"]
    assert last["status"] == "cancelled" and last["lots"][0]["status"] == "cancelled"
    assert last["documents"][-1]["documentType"] == "cancellationDetails"
    assert last["documents"][-1]["description"] == "项目调整"
    assert "cancellationDetails" not in ocds.dumps(releases[-2])


def test_the_compiled_release_merges_by_id_and_overrides_later():
    releases = [
        {
            "ocid": "o",
            "id": "o-1",
            "date": "2026-01-01T00:00:00+08:00",
            "tag": ["tender"],
            "tender": {"id": "t", "status": "active", "title": "甲", "lots": [{"id": "L1", "status": "active"}]},
            "parties": [{"id": "A", "roles": ["buyer"]}],
        },
        {
            "ocid": "o",
            "id": "o-2",
            "date": "2026-01-02T00:00:00+08:00",
            "tag": ["award"],
            "tender": {"status": "complete", "lots": [{"id": "L1", "status": "complete"}, {"id": "L2"}], "title": None},
            "parties": [{"id": "B", "roles": ["supplier"]}, {"id": "A", "name": "甲方"}],
            "awards": [{"id": "1", "status": "active"}],
        },
    ]
    compiled = ocds.compile_releases(list(reversed(releases)))  # sorted by date, whatever the order given
    assert compiled["tag"] == ["compiled"] and compiled["id"] == "o-2026-01-02T00:00:00+08:00"
    assert compiled["tender"] == {
        "id": "t",
        "status": "complete",
        "lots": [{"id": "L1", "status": "complete"}, {"id": "L2"}],
    }
    assert compiled["parties"] == [{"id": "A", "roles": ["buyer"], "name": "甲方"}, {"id": "B", "roles": ["supplier"]}]
    assert compiled["awards"] == [{"id": "1", "status": "active"}]


def test_a_compiled_snapshot_equals_the_latest_release():
    record = ocds.build_record(_state(), base_url="")
    latest = record["releases"][-1]
    compiled = record["compiledRelease"]
    assert {key: value for key, value in compiled.items() if key not in ("id", "tag")} == {
        key: value for key, value in latest.items() if key not in ("id", "tag")
    }


def test_packages_carry_the_metadata_and_the_validator_extensions():
    package = ocds.release_package([_state()], uri="https://ggzy.example/p", base_url="https://ggzy.example")
    assert package["version"] == "1.1" and package["uri"] == "https://ggzy.example/p"
    assert package["publishedDate"] == package["releases"][-1]["date"]
    assert package["extensions"] == [
        "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
        "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    ]
    empty = ocds.record_package([], uri="u", base_url="", fallback=T0)
    assert empty["records"] == [] and empty["publishedDate"] == "2026-03-02T09:00:00+08:00"
