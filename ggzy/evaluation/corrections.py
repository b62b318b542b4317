"""Arithmetic correction of a bid's price (算术修正): 财政部令第87号 art. 59.

Unless the tender documents say otherwise, inconsistent price data in a bid are corrected in this
order (art. 59 para. 1, items 1-4; para. 2: several at once are corrected in the same order):

1. the opening summary (开标一览表/报价表) differs from the corresponding content elsewhere in the
   bid: the opening summary prevails;
2. the amount in words (大写金额) differs from the amount in figures (小写金额): the words prevail;
3. a unit price has an obviously misplaced decimal point or percentage: the opening summary's total
   prevails and the unit price is corrected;
4. the total differs from the sum computed from the unit prices: the unit-price computation prevails.

A corrected price binds the bidder only once it confirms it in writing (art. 59 para. 2 with
art. 51 para. 2); a bidder who does not confirm has its bid rejected (无效投标). The service that
records the committee's decision asks `Correction.needs_confirmation`.

What is read (`PriceData`): the opening summary's total in words and in figures, and the price
schedule (分项报价表) with its lines and its stated total. The opening summary's total in figures is
the "opening-summary total": rule 2 is applied to the summary's own words and figures, because any
other place's total has already given way to the summary under rule 1.

Pure: no models, no database. Money is integer fen, quantities are Decimal (or int), never float.
A line's amount, quantity × unit price, is rounded half up to the fen (四舍五入).

Uppercase amounts follow 中国人民银行《正确填写票据和结算凭证的基本规定》. `parse_uppercase`
accepts the writings that standard prescribes or permits, and tolerates only slips that cannot
change the amount: no 人民币 in front, no 整 after 元, 圆 for 元, 正 for 整, a leading 拾 for
壹拾, blanks between characters. Everything else is refused with the reason, including a missing
or a superfluous 零: "壹仟伍元" is 1005 by the units but 一千五 (1500) as people say it, and the
committee, not the parser, decides what such a bid means.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum, StrEnum

from django.utils.translation import gettext as _

from ggzy.core.money import format_yuan

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = {"拾": 1, "佰": 2, "仟": 3}
# The largest amount with 万亿 as the top unit: 9999万9999亿9999万9999元9角9分.
MAX_FEN = 10**18 - 1
# Positions (powers of ten of the yuan) after which 万, 亿, 万(亿) or 元 is written. A run of zeros
# whose lowest digit sits on one of them, followed by a non-zero digit, may be written with or
# without 零 (the standard's ¥1,680.32 and ¥107,000.53 examples; 亿 and 万亿 by analogy).
SECTION_ENDS = (12, 8, 4, 0)
# Rule 3 tries the decimal point moved up to this many places either way (a misplaced percentage is
# two). Whatever the shift, the digits must then agree to the fen: that is what makes it obvious.
MAX_SHIFT = 8


class UppercaseAmountError(ValueError):
    """An amount in words that cannot be read unambiguously; the message says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------- amounts in words (大写金额)


def _yuan_digit(fen: int, position: int) -> int:
    """The digit at 10^position yuan; position -1 is 角, -2 is 分."""
    return (fen // 10 ** (position + 2)) % 10


def _unit(position: int) -> str:
    if position == -1:
        return "角"
    if position == -2:
        return "分"
    return ("", "拾", "佰", "仟")[position % 4]


def _pieces(fen: int) -> list[tuple[str, bool]]:
    """The canonical writing of `fen` (without 整) as pieces; a piece marked True is a 零 that may be left out."""
    if fen == 0:
        return [("零元", False)]
    yuan = fen // 100
    pieces: list[tuple[str, bool]] = []
    started = False
    gap_low: int | None = None  # the lowest zero digit of the current run of zeros
    for position in range(15, -3, -1):
        digit = _yuan_digit(fen, position)
        if digit == 0:
            if started:
                gap_low = position
        else:
            if gap_low is not None:
                pieces.append(("零", gap_low in SECTION_ENDS))
                gap_low = None
            pieces.append((DIGITS[digit] + _unit(position), False))
            started = True
        if position in (12, 4) and (yuan // 10**position) % 10**4:
            pieces.append(("万", False))
        elif position == 8 and yuan >= 10**8:
            pieces.append(("亿", False))
        elif position == 0 and yuan:
            pieces.append(("元", False))
    return pieces


def _check_fen(fen: int) -> None:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"an amount is an int number of fen, not {type(fen).__name__}")
    if not 0 <= fen <= MAX_FEN:
        raise ValueError(f"an amount in words lies between 0 and {MAX_FEN} fen, not {fen}")


def format_uppercase(fen: int, *, currency: bool = False) -> str:
    """The canonical amount in words: 300505 -> '叁仟零伍元零伍分', 100000000 -> '壹佰万元整'.

    Every run of zeros between two digits is written as one 零 (also where the standard allows
    leaving it out); 整 follows 元 and nothing else; `currency` puts 人民币 in front.
    """
    _check_fen(fen)
    text = "".join(piece for piece, _optional in _pieces(fen))
    if fen % 100 == 0:
        text += "整"
    return "人民币" + text if currency else text


def uppercase_writings(fen: int) -> frozenset[str]:
    """Every writing of `fen` the standard allows, without 人民币 and 整 (the 零 left out or not)."""
    _check_fen(fen)
    pieces = _pieces(fen)
    choices = [(piece, "") if optional else (piece,) for piece, optional in pieces]
    return frozenset("".join(combination) for combination in itertools.product(*choices))


def parse_uppercase(text: str) -> int:
    """Read an amount in words into fen: '人民币壹佰万元整' -> 100000000.

    Raises UppercaseAmountError, with the reason in Chinese, for anything that is not a correct
    writing (see the module docstring for what is tolerated).
    """
    shown = text.strip()
    chars = [(position, char) for position, char in enumerate(shown, start=1) if not char.isspace()]
    if not chars:
        raise UppercaseAmountError(_("大写金额为空。"))
    if "".join(char for _position, char in chars[:3]) == "人民币":
        chars = chars[3:]
    if chars and chars[-1][1] in "整正":
        ending = chars[-1][1]
        chars = chars[:-1]
        if not chars or chars[-1][1] not in "元圆角":
            raise UppercaseAmountError(_zheng_misplaced().format(text=shown, char=ending))
    value = _read_units(shown, chars)
    written = "".join("元" if char == "圆" else char for _position, char in chars)
    if written.startswith("拾"):
        written = "壹" + written
    allowed = uppercase_writings(value)
    if written not in allowed:
        canonical = format_uppercase(value)
        if written.replace("零", "") in {writing.replace("零", "") for writing in allowed}:
            message = _("大写金额“{text}”中“零”的写法不符合规定：按所写单位读作{amount}元，规范写法为“{canonical}”。")
        else:
            message = _("大写金额“{text}”的写法不符合规定：按所写单位读作{amount}元，规范写法为“{canonical}”。")
        raise UppercaseAmountError(message.format(text=shown, amount=format_yuan(value), canonical=canonical))
    return value


def _zheng_misplaced() -> str:
    return _("大写金额“{text}”中的“{char}”只能写在末尾的“元”或“角”之后（“分”后面不写“整”）。")


def _read_units(shown: str, chars: Sequence[tuple[int, str]]) -> int:
    """The amount by its units alone, 零 taken as a mere separator; `parse_uppercase` then checks the 零."""

    def error(template: str, position: int, char: str) -> UppercaseAmountError:
        return UppercaseAmountError(template.format(text=shown, position=position, char=char))

    not_a_unit = _("大写金额“{text}”第{position}个字“{char}”前面的数字缺少单位。")
    no_digit = _("大写金额“{text}”第{position}个字“{char}”前面缺少数字。")
    after_zero = _("大写金额“{text}”第{position}个字“{char}”不能紧跟在“零”后面。")
    misplaced = _("大写金额“{text}”第{position}个字“{char}”的位置不对：单位重复或顺序颠倒。")
    no_yuan = _("大写金额“{text}”第{position}个字“{char}”前面缺少“元”。")
    zheng = _zheng_misplaced()

    yi = wan = section = 0
    rank = 4  # the last of 仟佰拾 written in the current section; 4 when none yet
    digit: int | None = None
    zero = False  # the last character was 零
    seen_wan = seen_yi = False
    integer: int | None = None  # set at 元
    jiao: int | None = None
    fen: int | None = None
    for index, (position, char) in enumerate(chars):
        if char in DIGITS:
            if digit is not None:
                raise error(not_a_unit, position, char)
            if fen is not None:
                raise error(misplaced, position, char)
            value = DIGITS.index(char)
            zero = value == 0
            digit = value or None
            continue
        if char in "整正":
            raise UppercaseAmountError(zheng.format(text=shown, char=char))
        if char in SMALL_UNITS or char in "万亿元圆":
            if integer is not None or jiao is not None or fen is not None:
                raise error(misplaced, position, char)
        elif char in "角分":
            if fen is not None or (char == "角" and jiao is not None):
                raise error(misplaced, position, char)
        else:
            raise error(
                _(
                    "大写金额“{text}”第{position}个字“{char}”不是大写金额用字"
                    "（应使用零壹贰叁肆伍陆柒捌玖、拾佰仟万亿、元角分和整）。"
                ),
                position,
                char,
            )
        if char in SMALL_UNITS:
            if digit is None:
                if index == 0 and char == "拾":
                    digit = 1  # 拾伍元 for 壹拾伍元
                else:
                    raise error(after_zero if zero else no_digit, position, char)
            if SMALL_UNITS[char] >= rank:
                raise error(misplaced, position, char)
            rank = SMALL_UNITS[char]
            section += digit * 10**rank
        elif char == "万":
            if seen_wan:
                raise error(misplaced, position, char)
            if digit is None and zero:
                raise error(after_zero, position, char)
            current = section + (digit or 0)
            if not current:
                raise error(no_digit, position, char)
            wan, section, rank, seen_wan = current * 10**4, 0, 4, True
        elif char == "亿":
            if seen_yi:
                raise error(misplaced, position, char)
            if digit is None and zero:
                raise error(after_zero, position, char)
            current = wan + section + (digit or 0)
            if not current:
                raise error(no_digit, position, char)
            yi, wan, section, rank, seen_wan, seen_yi = current * 10**8, 0, 0, 4, False, True
        elif char in "元圆":
            if index == 0:
                raise error(no_digit, position, char)
            integer = yi + wan + section + (digit or 0)
        else:  # 角 or 分
            if digit is None:
                raise error(after_zero if zero else no_digit, position, char)
            if integer is None and (yi or wan or section):
                raise error(no_yuan, position, char)
            if char == "角":
                jiao = digit
            else:
                fen = digit
        digit, zero = None, False
    if digit is not None or (integer is None and jiao is None and fen is None):
        raise UppercaseAmountError(
            _("大写金额“{text}”应以“元”、“角”或“分”结尾（“元”“角”后可写“整”）。").format(text=shown)
        )
    return (integer or 0) * 100 + (jiao or 0) * 10 + (fen or 0)


# ---------------------------------------------------------------- the bid's price data


@dataclass(frozen=True)
class LineItem:
    """One line of the price schedule (分项报价表) as the bidder wrote it."""

    name: str
    quantity: Decimal | int
    unit_price_fen: int
    line_total_fen: int  # 合价 as stated

    def __post_init__(self) -> None:
        if isinstance(self.quantity, float | bool):
            raise TypeError("a quantity is a Decimal or an int, not a float")
        if not Decimal(self.quantity).is_finite() or self.quantity <= 0:
            raise ValueError("a quantity is a positive number")
        _check_money(self.unit_price_fen, self.line_total_fen)

    @property
    def amount_fen(self) -> int:
        return _amount(self.quantity, self.unit_price_fen)


@dataclass(frozen=True)
class PriceData:
    """The price data of one bid that art. 59 compares."""

    amount_in_words: str  # the opening summary's total in words (大写金额)
    amount_in_figures_fen: int  # the opening summary's total in figures (小写金额): the opening-summary total
    items: tuple[LineItem, ...] = ()  # the price schedule's lines
    schedule_total_fen: int | None = None  # the total stated in the price schedule (合计), if any

    def __post_init__(self) -> None:
        _check_money(self.amount_in_figures_fen)
        if self.schedule_total_fen is not None:
            _check_money(self.schedule_total_fen)


def _check_money(*amounts: int) -> None:
    for amount in amounts:
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError(f"money is an int number of fen, not {type(amount).__name__}")
        if amount < 0:
            raise ValueError("money is never negative")


def _amount(quantity: Decimal | int, unit_price_fen: int) -> int:
    return int((Decimal(quantity) * unit_price_fen).to_integral_value(rounding=ROUND_HALF_UP))


# ---------------------------------------------------------------- the correction


class Rule(IntEnum):
    """The items of art. 59 para. 1, in the order they are applied."""

    SUMMARY_PREVAILS = 1
    WORDS_PREVAIL = 2
    MISPLACED_POINT = 3
    UNIT_PRICES_PREVAIL = 4


class Corrected(StrEnum):
    TOTAL = "total"
    UNIT_PRICE = "unit_price"
    LINE_TOTAL = "line_total"


@dataclass(frozen=True)
class CorrectionStep:
    rule: Rule
    corrected: Corrected
    line: int | None  # 1-based line of the price schedule; None for the bid's total
    before_fen: int
    after_fen: int
    explanation: str  # for the committee's record and the bidder's confirmation


@dataclass(frozen=True)
class Correction:
    total_fen: int
    steps: tuple[CorrectionStep, ...]
    unit_prices_fen: tuple[int, ...]  # the price schedule's unit prices after correction
    line_totals_fen: tuple[int, ...]  # quantity × corrected unit price

    @property
    def needs_confirmation(self) -> bool:
        """Art. 59 para. 2: any corrected price binds only once the bidder confirms it in writing;
        without the confirmation the bid is rejected."""
        return bool(self.steps)


def _plain(number: Decimal | int) -> str:
    return format(Decimal(number).normalize(), "f")


def _shift(item: LineItem, target_fen: int) -> int | None:
    """The unit price with its decimal point moved k ≠ 0 places, still whole fen, that makes
    quantity × unit price `target_fen` to the fen. At most one k can: each place is ten times the amount."""
    unit_price_fen = item.unit_price_fen
    if target_fen <= 0 or unit_price_fen <= 0 or item.amount_fen == target_fen:
        return None
    for k in range(1, MAX_SHIFT + 1):
        candidates = [unit_price_fen * 10**k]
        if unit_price_fen % 10**k == 0:
            candidates.append(unit_price_fen // 10**k)
        for price in candidates:
            if _amount(item.quantity, price) == target_fen:
                return price
    return None


def correct(data: PriceData) -> Correction:
    """Apply art. 59 para. 1 items 1-4 in order and say what changed, step by step.

    Raises UppercaseAmountError when the amount in words cannot be read: rule 2 then cannot be
    applied mechanically, and the committee has to settle what the bid says first.
    """
    steps: list[CorrectionStep] = []
    items = data.items

    # Rule 1: the price schedule's stated total gives way to the opening summary.
    total = data.amount_in_figures_fen
    if data.schedule_total_fen is not None and data.schedule_total_fen != total:
        steps.append(
            CorrectionStep(
                Rule.SUMMARY_PREVAILS,
                Corrected.TOTAL,
                None,
                data.schedule_total_fen,
                total,
                _(
                    "分项报价表的合计为{schedule}元，开标一览表（报价表）的投标总价为{summary}元，两者不一致。"
                    "依照财政部令第87号第五十九条第一款第（一）项，以开标一览表（报价表）为准，投标总价取{summary}元。"
                ).format(schedule=format_yuan(data.schedule_total_fen), summary=format_yuan(total)),
            )
        )

    # Rule 2: within the opening summary, the amount in words prevails over the figures.
    in_words = parse_uppercase(data.amount_in_words)
    if in_words != total:
        steps.append(
            CorrectionStep(
                Rule.WORDS_PREVAIL,
                Corrected.TOTAL,
                None,
                total,
                in_words,
                _(
                    "开标一览表的投标总价小写为{figures}元，大写为“{words}”即{amount}元，两者不一致。"
                    "依照财政部令第87号第五十九条第一款第（二）项，以大写金额为准，投标总价取{amount}元。"
                ).format(figures=format_yuan(total), words=data.amount_in_words.strip(), amount=format_yuan(in_words)),
            )
        )
        total = in_words

    # Rule 3 (art. 59 para. 1 item 3: 单价金额小数点或者百分比有明显错位的，以开标一览表的总价为准，
    # 并修改单价). A unit price counts as obviously misplaced only when the opening summary's total
    # shows it: moving its decimal point k places (k ≠ 0, |k| ≤ MAX_SHIFT; a misplaced percentage is
    # |k| = 2) gives a whole number of fen whose quantity × unit price equals, to the fen, the line
    # amount the summary implies. That amount is
    #   (a) the line total stated in the schedule, when the stated line totals add up to the summary's
    #       total: the summary vouches for every line, so every line that fits is corrected;
    #   (b) otherwise, what the summary's total leaves for the line once the other lines are taken at
    #       quantity × unit price, and only when exactly one line fits (the schedule's line totals
    #       were then usually computed from the misplaced price itself).
    # Anything less exact is not "obvious" and is left to rule 4.
    unit_prices = [item.unit_price_fen for item in items]
    shifted: dict[int, tuple[int, int, str]] = {}  # line index -> (new price, implied amount, explanation)
    if items and sum(item.line_total_fen for item in items) == total:
        for index, item in enumerate(items):
            price = _shift(item, item.line_total_fen)
            if price is not None:
                shifted[index] = (
                    price,
                    item.line_total_fen,
                    _(
                        "第{line}项“{name}”的单价{before}元乘以数量{quantity}得{computed}元，恰为该项合价{implied}元"
                        "（各项合价之和与开标一览表总价一致）的{factor}倍，属单价小数点明显错位。"
                        "依照财政部令第87号第五十九条第一款第（三）项，以开标一览表的总价为准，单价修正为{after}元。"
                    ),
                )
    if not shifted and items:
        computed = [item.amount_fen for item in items]
        fits: dict[int, tuple[int, int, str]] = {}
        for index, item in enumerate(items):
            implied = total - (sum(computed) - computed[index])
            price = _shift(item, implied)
            if price is not None:
                fits[index] = (
                    price,
                    implied,
                    _(
                        "第{line}项“{name}”的单价{before}元乘以数量{quantity}得{computed}元，恰为开标一览表总价"
                        "扣除其他各项后余下的{implied}元的{factor}倍，属单价小数点明显错位。"
                        "依照财政部令第87号第五十九条第一款第（三）项，以开标一览表的总价为准，单价修正为{after}元。"
                    ),
                )
        if len(fits) == 1:
            shifted = fits
    for index, (price, implied, template) in sorted(shifted.items()):
        item = items[index]
        steps.append(
            CorrectionStep(
                Rule.MISPLACED_POINT,
                Corrected.UNIT_PRICE,
                index + 1,
                item.unit_price_fen,
                price,
                template.format(
                    line=index + 1,
                    name=item.name,
                    before=format_yuan(item.unit_price_fen),
                    quantity=_plain(item.quantity),
                    computed=format_yuan(item.amount_fen),
                    implied=format_yuan(implied),
                    factor=_plain(Decimal(item.unit_price_fen) / price),
                    after=format_yuan(price),
                ),
            )
        )
        unit_prices[index] = price

    # Rule 4: line totals and the bid's total follow quantity × unit price.
    line_totals = [_amount(item.quantity, price) for item, price in zip(items, unit_prices, strict=True)]
    for index, (item, price, amount) in enumerate(zip(items, unit_prices, line_totals, strict=True)):
        if item.line_total_fen != amount:
            steps.append(
                CorrectionStep(
                    Rule.UNIT_PRICES_PREVAIL,
                    Corrected.LINE_TOTAL,
                    index + 1,
                    item.line_total_fen,
                    amount,
                    _(
                        "第{line}项“{name}”的合价为{before}元，按单价{price}元乘以数量{quantity}计算应为{after}元，两者不一致。"
                        "依照财政部令第87号第五十九条第一款第（四）项，以单价金额计算结果为准，合价修正为{after}元。"
                    ).format(
                        line=index + 1,
                        name=item.name,
                        before=format_yuan(item.line_total_fen),
                        price=format_yuan(price),
                        quantity=_plain(item.quantity),
                        after=format_yuan(amount),
                    ),
                )
            )
    if items and sum(line_totals) != total:
        steps.append(
            CorrectionStep(
                Rule.UNIT_PRICES_PREVAIL,
                Corrected.TOTAL,
                None,
                total,
                sum(line_totals),
                _(
                    "投标总价{before}元与按各项单价计算汇总的{after}元不一致。"
                    "依照财政部令第87号第五十九条第一款第（四）项，以单价金额计算结果为准，投标总价修正为{after}元。"
                ).format(before=format_yuan(total), after=format_yuan(sum(line_totals))),
            )
        )
        total = sum(line_totals)

    return Correction(
        total_fen=total,
        steps=tuple(steps),
        unit_prices_fen=tuple(unit_prices),
        line_totals_fen=tuple(line_totals),
    )
