"""Unified social credit code check (GB 32100-2015), kept here so the bid tool runs without the
platform. The platform validates the same rule on registration."""

from __future__ import annotations

from bidtool.errors import BidFormatError

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z


def uscc_check_character(first17: str) -> str:
    total = 0
    for position, char in enumerate(first17):
        total += _ALPHABET.index(char) * pow(3, position, 31)
    return _ALPHABET[(31 - total % 31) % 31]


def uscc_validate(code: str) -> str:
    """Return the code if it is a well-formed USCC, otherwise raise BidFormatError saying why."""
    if not isinstance(code, str) or len(code) != 18:
        raise BidFormatError(f"统一社会信用代码应为 18 位，当前为“{code}”")
    for position, char in enumerate(code, start=1):
        if char not in _ALPHABET:
            raise BidFormatError(f"统一社会信用代码第 {position} 位“{char}”不是允许的字符（大写，不用 I、O、S、V、Z）")
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise BidFormatError(f"统一社会信用代码校验码错误：第 18 位应为“{expected}”，而不是“{code[17]}”")
    return code
