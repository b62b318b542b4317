"""统一社会信用代码: the GB 32100-2015 check character decides; the message says why."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from ggzy.accounts.uscc import ALPHABET, check_character, make_uscc, validate_uscc

# Real, published codes of well-known companies.
VALID = ["914403001922038216", "9144030071526726XG", "91330100799655058B", "91110108551385082Q"]


@pytest.mark.parametrize("code", VALID)
def test_real_codes_are_accepted(code):
    validate_uscc(code)
    validate_uscc(code.lower())


@pytest.mark.parametrize(
    "code,reason",
    [
        ("914403001922038217", "第18位应为“6”"),
        ("91440300192203821", "应为18位，当前为17位"),
        ("9144030019220382166", "应为18位，当前为19位"),
        ("91440300192203821I", "第18位“I”不是允许的字符"),
        ("91AB0300192203821", "应为18位"),
        ("91AB03001922038216", "第3至8位应为行政区划代码"),
    ],
)
def test_wrong_codes_are_refused_with_the_reason(code, reason):
    with pytest.raises(ValidationError) as error:
        validate_uscc(code)
    assert reason in error.value.messages[0]


@given(
    st.text(alphabet=ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)
def test_any_single_wrong_check_character_is_refused(head, region, org):
    code = make_uscc(head + region + org)
    validate_uscc(code)
    for wrong in ALPHABET:
        if wrong != code[17]:
            with pytest.raises(ValidationError):
                validate_uscc(code[:17] + wrong)


def test_check_character_of_all_zero_body():
    assert check_character("0" * 17) == "0"
