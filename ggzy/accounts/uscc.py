"""统一社会信用代码 (unified social credit code) per GB 32100-2015.

18 characters: registration authority (1), entity type (1), administrative division (6,
GB/T 2260), organization code (9, GB 11714), check character (1). The alphabet has 31
characters (no I, O, S, V, Z); the check character is 31 - (Σ value_i × 3^i mod 31) mod 31.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {char: index for index, char in enumerate(ALPHABET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]


def check_character(first17: str) -> str:
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(code: str) -> str:
    return code.strip().upper()


def validate_uscc(value: str) -> None:
    """Raise ValidationError with a message that says why a code is refused."""
    code = normalize(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为{length}位。").format(length=len(code)), code="uscc_length"
        )
    for position, char in enumerate(code, start=1):
        if char not in VALUES:
            raise ValidationError(
                _("统一社会信用代码第{position}位“{char}”不是允许的字符（不使用I、O、S、V、Z）。").format(
                    position=position, char=char
                ),
                code="uscc_character",
            )
    if not code[2:8].isdigit():
        raise ValidationError(_("统一社会信用代码第3至8位应为行政区划代码（6位数字）。"), code="uscc_region")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("统一社会信用代码校验码错误：按GB 32100-2015计算，第18位应为“{expected}”，而不是“{actual}”。").format(
                expected=expected, actual=code[17]
            ),
            code="uscc_check",
        )


def make_uscc(first17: str) -> str:
    """Complete 17 characters with their check character (for demo data and tests)."""
    return first17 + check_character(first17)
