"""Value formats (14-digit Beijing time, exact 万元), text cleaning, digests, and the XML envelope."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from ggzy.core import clock
from ggzy.exchange import datasets, envelope
from ggzy.experts.tests.helpers import id_card

UTC = dt.UTC


@pytest.mark.parametrize(
    ("instant", "text"),
    [
        (dt.datetime(2026, 11, 2, 10, 0, tzinfo=clock.BEIJING), "20261102100000"),
        (dt.datetime(2026, 12, 31, 16, 0, 1, tzinfo=UTC), "20270101000001"),  # UTC → Beijing (+8)
        (dt.datetime(2026, 1, 5, 23, 59, 59, 999_999, tzinfo=clock.BEIJING), "20260105235959"),
        (None, ""),
    ],
)
def test_times_are_14_digits_in_beijing_time(instant, text):
    assert datasets.timestamp(instant) == text


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "0.000000"),
        (1, "0.000001"),  # one fen
        (100, "0.000100"),  # one yuan
        (1_000_000, "1.000000"),  # one 万元
        (987_654_321, "987.654321"),
        (123_456_789_012_345, "123456789.012345"),  # beyond a double's exact range of cents
        (-2_500_000, "-2.500000"),
        (None, ""),
    ],
)
def test_wan_yuan_is_exact(fen, text):
    assert datasets.wan_yuan(fen) == text
    if fen is not None:
        assert Decimal(text) * 1_000_000 == fen


def test_yuan_has_two_decimals():
    assert datasets.yuan(0) == "0.00" and datasets.yuan(123_456) == "1234.56"


def test_text_is_cleaned_for_xml_and_id_numbers_masked():
    person = id_card(42, dt.date(1975, 5, 1))
    record = datasets._record(
        "GCJS_PROJECT",
        "k",
        "d",
        {
            "PROJECT_NAME": "a\r\nb\rc\x00\x08\x0b\x1fd\ufffe",
            "PM_NAME": f"王工（{person}）",
            "PM_CODE": person,  # codes are left alone (and this one is never built)
            "OTHER": "9165400219750501123",  # 19 digits: not an ID number
        },
    )
    assert record.fields["PROJECT_NAME"] == "a\nb\ncd"
    assert record.fields["PM_NAME"] == "王工（******）"
    assert record.fields["PM_CODE"] == person
    assert record.fields["OTHER"] == "9165400219750501123"


def test_a_look_alike_with_a_wrong_check_character_is_not_masked():
    person = id_card(42, dt.date(1975, 5, 1))
    wrong = person[:17] + ("0" if person[17] != "0" else "1")
    fields = datasets._record("GCJS_PROJECT", "k", "d", {"PROJECT_NAME": wrong}).fields
    assert fields["PROJECT_NAME"] == wrong


def test_the_records_own_deal_code_is_kept_even_when_it_looks_like_an_id_number():
    look_alike = id_card(7, dt.date(2026, 1, 1))  # a deal code can have this shape (region, year, …)
    url = f"https://ggzy.example.cn/tenders/{look_alike}-T01/"
    assert datasets._record("GCJS_NOTICE", "k", look_alike, {"URL": url}).fields["URL"] == url
    assert datasets._record("GCJS_NOTICE", "k", "other", {"URL": url}).fields["URL"] == url.replace(
        look_alike, "******"
    )


def test_the_digest_ignores_the_volatile_fields_only():
    base = datasets.Record(
        "GCJS_NOTICE", "T1", "D", {"NOTICE_NAME": "n", "NOTICE_NATURE": "1", "DATA_TIMESTAMP": "20260101000000"}
    )
    later = datasets.stamped(base, at=dt.datetime(2027, 1, 1, tzinfo=clock.BEIJING), correction=True)
    assert later.fields["DATA_TIMESTAMP"] == "20270101000000" and later.fields["NOTICE_NATURE"] == "2"
    assert datasets.content_digest(later) == datasets.content_digest(base)
    changed = datasets.Record("GCJS_NOTICE", "T1", "D", {**base.fields, "NOTICE_NAME": "m"})
    assert datasets.content_digest(changed) != datasets.content_digest(base)
    other_key = datasets.Record("GCJS_NOTICE", "T2", "D", base.fields)
    assert datasets.content_digest(other_key) != datasets.content_digest(base)
    assert list(later.fields) == list(base.fields)  # stamping keeps the order


NASTY = "<项目> & \"引号\" 'apos' ]]> \t tab 𠀀 ✓"


def _record() -> datasets.Record:
    return datasets._record(
        "GCJS_SECTION",
        "L-001",
        "D-1",
        {"BID_SECTION_CODE": "L-001", "BID_SECTION_NAME": NASTY, "BID_SECTION_CONTENT": "", "DATA_TIMESTAMP": ""},
    )


def test_the_document_parses_back_to_the_same_record():
    at = dt.datetime(2026, 11, 2, 10, 0, tzinfo=clock.BEIJING)
    record = datasets.stamped(_record(), at=at, correction=False)
    text = envelope.document(record, version=3, correction=True, at=at, digest="ab" * 32)
    assert text.startswith("<?xml version='1.0' encoding='UTF-8'?>")
    assert "&lt;项目&gt; &amp;" in text  # escaped by ElementTree, not by hand
    parsed = envelope.parse(text)
    assert parsed.dataset == "GCJS_SECTION"
    assert parsed.fields == record.fields
    assert list(parsed.fields) == list(record.fields)
    assert parsed.head == {
        "MESSAGE_ID": ":GCJS_SECTION:L-001:3",
        "DATA_SET": "GCJS_SECTION",
        "DATA_KEY": "L-001",
        "VERSION": "3",
        "IS_CORRECTION": "1",
        "PLATFORM_CODE": "",
        "PUB_SERVICE_PLAT_CODE": "",
        "CREATE_TIME": "20261102100000",
        "CONTENT_SHA256": "ab" * 32,
    }
    name = ET.fromstring(text.encode("utf-8")).find("BODY/GCJS_SECTION/BID_SECTION_NAME")  # a plain parser agrees
    assert name is not None and name.text == NASTY


def test_as_correction_changes_only_the_correction_marks():
    at = dt.datetime(2026, 11, 2, 10, 0, tzinfo=clock.BEIJING)
    notice = datasets.Record("GCJS_NOTICE", "T1", "D", {"NOTICE_NAME": NASTY, "NOTICE_NATURE": "1"})
    first = envelope.document(notice, version=2, correction=False, at=at, digest="0" * 64)
    corrected = envelope.parse(envelope.as_correction(first))
    original = envelope.parse(first)
    assert corrected.head == {**original.head, "IS_CORRECTION": "1"}
    assert corrected.fields == {**original.fields, "NOTICE_NATURE": "2"}


def test_parse_refuses_a_foreign_document():
    with pytest.raises(ValueError, match="DATA_EXCHANGE"):
        envelope.parse("<OTHER/>")
