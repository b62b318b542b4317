"""Money is kept as integer fen (分) in the database: exact and faster than numeric."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def yuan_to_fen(value: str | Decimal | int) -> int:
    """Parse an amount in yuan (at most two decimals) into fen."""
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation as exc:
        raise ValidationError(_("金额格式不正确：{value}").format(value=value), code="invalid_amount") from exc
    if not amount.is_finite():
        raise ValidationError(_("金额格式不正确：{value}").format(value=value), code="invalid_amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("金额最多保留两位小数（精确到分）。"), code="invalid_amount")
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def format_yuan(fen: int | None) -> str:
    """12345678 fen -> '123,456.78'."""
    if fen is None:
        return ""
    return f"{fen_to_yuan(fen):,}"
