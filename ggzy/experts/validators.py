"""Shape checks of an expert's identity and contact data, shared by the forms and the import."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 11643-1999: 17 digits (region, birth date, sequence) and a check character.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MOBILE = re.compile(r"1\d{10}")


def id_card_check_character(first17: str) -> str:
    return _ID_CHECK[sum(int(char) * weight for char, weight in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_card_birth_date(value: str) -> dt.date | None:
    """The birth date written in an ID number, or None when it is not a date."""
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def validate_id_card_number(value: str) -> None:
    code = value.strip().upper()
    if len(code) != 18:
        raise ValidationError(_("身份证号应为18位，当前为{length}位。").format(length=len(code)), code="id_length")
    if not code[:17].isdigit() or not (code[17].isdigit() or code[17] == "X"):
        raise ValidationError(_("身份证号前17位应为数字，第18位应为数字或X。"), code="id_character")
    if id_card_birth_date(code) is None:
        raise ValidationError(_("身份证号第7至14位不是有效的出生日期。"), code="id_birth_date")
    expected = id_card_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("身份证号校验码错误：按GB 11643计算，第18位应为“{expected}”。").format(expected=expected),
            code="id_check",
        )


def birth_date_mismatch(id_card_number: str, birth_date: dt.date) -> str:
    """The message when a birth date disagrees with a (well-formed) ID number, else ""."""
    written = id_card_birth_date(id_card_number.strip())
    if written is None or written == birth_date:
        return ""
    return _("出生日期与身份证号中的出生日期（{date}）不一致。").format(date=written.isoformat())


def validate_mobile(value: str) -> None:
    if not _MOBILE.fullmatch(value.strip()):
        raise ValidationError(_("手机号应为以1开头的11位数字。"), code="mobile")
