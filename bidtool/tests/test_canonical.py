"""Canonical JSON: one spelling per value, the same as a browser's JSON.stringify with sorted keys."""

from __future__ import annotations

import pytest

from bidtool.canonical import b64url_decode, b64url_encode, canonical_json, parse_canonical_json
from bidtool.errors import BidFormatError


def test_keys_are_sorted_by_utf16_code_units_and_nothing_is_escaped_needlessly() -> None:
    value = {"b": 1, "a": [True, None, '报价\n"x"'], "\U0001f600": 0, "\uff5e": 2, "A": {"z": -3, "y": "\x7f"}}
    text = canonical_json(value).decode("utf-8")
    # U+1F600 is the surrogate pair D83D DE00, which sorts before U+FF5E in UTF-16.
    assert text == '{"A":{"y":"\x7f","z":-3},"a":[true,null,"报价\\n\\"x\\""],"b":1,"\U0001f600":0,"\uff5e":2}'
    assert parse_canonical_json(text.encode("utf-8"), where="测试") == value


@pytest.mark.parametrize(
    "value",
    [1.5, {"price": 10.0}, 2**53, -(2**53), {1: "x"}, "\ud800", {"x": {1, 2}}],
)
def test_values_without_a_single_spelling_are_refused(value: object) -> None:
    with pytest.raises(BidFormatError):
        canonical_json(value)


@pytest.mark.parametrize(
    "text",
    [b'{"b":1,"a":2}', b'{"a": 1}', b'{"a":1.0}', b'{"a":1,"a":1}', b'{"a":"\\u0041"}', b'{"a":NaN}', b"\xff"],
)
def test_non_canonical_bytes_are_refused(text: bytes) -> None:
    with pytest.raises(BidFormatError):
        parse_canonical_json(text, where="文件头")


def test_base64url_has_one_spelling() -> None:
    assert b64url_encode(b"\xfb\xff") == "-_8"
    assert b64url_decode("-_8") == b"\xfb\xff"
    for bad in ["-_8=", "-_9", "+/8", ""]:
        with pytest.raises(BidFormatError):
            b64url_decode(bad)
