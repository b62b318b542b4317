"""Worked examples of the arithmetic price correction (财政部令第87号 art. 59) and of amounts in words."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy.core.money import format_yuan
from ggzy.evaluation.corrections import (
    MAX_FEN,
    Corrected,
    LineItem,
    PriceData,
    Rule,
    UppercaseAmountError,
    correct,
    format_uppercase,
    parse_uppercase,
    uppercase_writings,
)

# ---------------------------------------------------------------- amounts in words


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分", 123_456_789),
        ("人民币壹佰万元整", 100_000_000),
        ("叁仟零伍元零伍分", 300_505),
        # The examples of 正确填写票据和结算凭证的基本规定:
        ("人民币壹仟肆佰零玖元伍角", 140_950),  # one zero in the middle: 零
        ("人民币陆仟零柒元壹角肆分", 600_714),  # several zeros in the middle: one 零
        ("人民币壹仟陆佰捌拾元零叁角贰分", 168_032),  # 元位 0, 角 not 0: 零 optional
        ("人民币壹仟陆佰捌拾元叁角贰分", 168_032),
        ("人民币壹拾万柒仟元零伍角叁分", 10_700_053),  # 万位 0, 千位 not 0: 零 optional
        ("人民币壹拾万零柒仟元伍角叁分", 10_700_053),
        ("壹拾万零柒仟元零伍角叁分", 10_700_053),
        ("壹拾万柒仟元伍角叁分", 10_700_053),
        ("人民币壹万陆仟肆佰零玖元零贰分", 1_640_902),  # 角 0, 分 not 0: 零 after 元
        ("人民币叁佰贰拾伍元零肆分", 32_504),
        ("壹万零伍佰元整", 1_050_000),
        ("壹佰万零伍佰元", 100_050_000),
        ("壹仟万柒仟元", 1_000_700_000),  # zeros down to 万位, then 千位: 零 optional
        # 亿, and 万 inside 亿:
        ("壹亿元整", 10_000_000_000),
        ("壹亿零伍元", 10_000_000_500),
        ("壹亿零壹佰万元", 10_100_000_000),
        ("壹亿壹仟万元", 11_000_000_000),
        ("壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾元", 123_456_789_000),
        ("叁佰亿零伍佰万元整", 3_000_500_000_000),
        ("壹万亿元整", 10**14),
        ("壹万零壹亿元", 10_001 * 10**10),
        ("壹万亿零壹仟万元", 10**14 + 10**9),
        ("壹万亿壹仟万元", 10**14 + 10**9),
        ("壹拾万零壹仟亿元", (10**13 + 10**11) * 100),  # zeros down to the 万 of 万亿, then 千亿位
        ("壹拾万壹仟亿元", (10**13 + 10**11) * 100),
        ("玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分", MAX_FEN),
        # Below one yuan, and zero:
        ("伍角", 50),
        ("伍角整", 50),
        ("伍分", 5),
        ("人民币伍角伍分", 55),
        ("零元整", 0),
        ("零元", 0),
        # Tolerated slips that cannot change the amount:
        ("拾伍元", 1_500),
        ("人民币拾万元整", 10_000_000),
        ("壹拾伍元正", 1_500),
        ("壹佰万圆整", 100_000_000),
        (" 人民币 壹佰 万元 整 ", 100_000_000),
    ],
)
def test_amounts_in_words_are_read(text, fen):
    assert parse_uppercase(text) == fen


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "大写金额为空"),
        ("   ", "大写金额为空"),
        ("一百元", "第1个字“一”不是大写金额用字"),
        ("壹佰元5角", "第4个字“5”不是大写金额用字"),
        ("壹佰元伍毛", "第5个字“毛”不是大写金额用字"),
        ("壹仟另伍元", "第3个字“另”不是大写金额用字"),
        ("人民币", "应以“元”、“角”或“分”结尾"),
        ("壹佰万", "应以“元”、“角”或“分”结尾"),
        ("壹佰伍", "应以“元”、“角”或“分”结尾"),
        ("零", "应以“元”、“角”或“分”结尾"),
        ("元", "第1个字“元”前面缺少数字"),
        ("佰元", "第1个字“佰”前面缺少数字"),
        ("壹佰拾元", "第3个字“拾”前面缺少数字"),  # only a leading 拾 stands for 壹拾
        ("万元", "第1个字“万”前面缺少数字"),
        ("壹贰元", "第2个字“贰”前面的数字缺少单位"),
        ("壹仟零佰元", "第4个字“佰”不能紧跟在“零”后面"),
        ("伍佰陆仟元", "第4个字“仟”的位置不对"),
        ("壹佰贰佰元", "第4个字“佰”的位置不对"),
        ("壹万贰万元", "第4个字“万”的位置不对"),
        ("壹亿贰亿元", "第4个字“亿”的位置不对"),
        ("伍角壹元", "第4个字“元”的位置不对"),
        ("伍分伍角", "第3个字“伍”的位置不对"),
        ("伍角伍角", "第4个字“角”的位置不对"),
        ("壹佰伍角", "第4个字“角”前面缺少“元”"),
        ("伍分整", "“分”后面不写“整”"),
        ("壹元伍角伍分整", "“分”后面不写“整”"),
        ("壹佰整元", "中的“整”只能写在末尾"),
        ("壹佰元整整", "中的“整”只能写在末尾"),
        # The 零 rules: a zero between digits needs one 零, and 零 appears nowhere else.
        ("壹仟伍元", "中“零”的写法不符合规定：按所写单位读作1,005.00元，规范写法为“壹仟零伍元整”"),
        ("壹万伍佰元", "规范写法为“壹万零伍佰元整”"),
        ("叁佰贰拾伍元肆分", "规范写法为“叁佰贰拾伍元零肆分”"),
        ("壹亿伍元", "规范写法为“壹亿零伍元整”"),
        ("壹亿壹佰万元", "规范写法为“壹亿零壹佰万元整”"),
        ("壹亿零壹仟万元", "规范写法为“壹亿壹仟万元整”"),  # no zero between 亿位 and 千万位
        ("陆仟零零柒元", "中“零”的写法不符合规定"),
        ("壹仟零元", "中“零”的写法不符合规定"),
        ("壹万零壹仟元", "规范写法为“壹万壹仟元整”"),
        ("壹元伍角零", "规范写法为“壹元伍角”"),
        ("零伍角", "规范写法为“伍角”"),
        ("零元伍角", "的写法不符合规定：按所写单位读作0.50元，规范写法为“伍角”"),
    ],
)
def test_malformed_amounts_in_words_are_refused_with_the_reason(text, reason):
    with pytest.raises(UppercaseAmountError) as error:
        parse_uppercase(text)
    assert reason in error.value.message
    assert reason in str(error.value)


def test_a_refused_amount_is_a_value_error():
    with pytest.raises(ValueError, match="缺少数字"):
        parse_uppercase("佰元")


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "零元整"),
        (5, "伍分"),
        (50, "伍角"),
        (100, "壹元整"),
        (1_500, "壹拾伍元整"),
        (300_505, "叁仟零伍元零伍分"),
        (140_950, "壹仟肆佰零玖元伍角"),
        (10_700_053, "壹拾万零柒仟元零伍角叁分"),
        (100_000_000, "壹佰万元整"),
        (123_456_789, "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
        (10_000_000_500, "壹亿零伍元整"),
        (10**14, "壹万亿元整"),
        (10_001 * 10**10, "壹万零壹亿元整"),
    ],
)
def test_the_canonical_writing(fen, text):
    assert format_uppercase(fen) == text
    assert format_uppercase(fen, currency=True) == "人民币" + text


@pytest.mark.parametrize(
    ("fen", "error"), [(-1, ValueError), (MAX_FEN + 1, ValueError), (1.0, TypeError), (True, TypeError)]
)
def test_amounts_that_cannot_be_written_are_refused(fen, error):
    with pytest.raises(error):
        format_uppercase(fen)


@given(st.integers(min_value=0, max_value=10**12))
def test_every_allowed_writing_reads_back(fen):
    assert parse_uppercase(format_uppercase(fen)) == fen
    assert parse_uppercase(format_uppercase(fen, currency=True)) == fen
    for writing in uppercase_writings(fen):
        assert parse_uppercase(writing) == fen
        if fen % 10 == 0:  # the writing ends with 元 or 角, which 整 may follow
            assert parse_uppercase(writing + "整") == fen


@given(st.integers(min_value=0, max_value=10**12), st.data())
def test_a_zero_more_or_a_needed_zero_less_is_refused(fen, data):
    writing = data.draw(st.sampled_from(sorted(uppercase_writings(fen))))
    at = data.draw(st.integers(min_value=0, max_value=len(writing)))
    longer = writing[:at] + "零" + writing[at:]
    if longer in uppercase_writings(fen):  # the 零 the standard lets one leave out, put back
        assert parse_uppercase(longer) == fen
    else:
        with pytest.raises(UppercaseAmountError):
            parse_uppercase(longer)
    canonical = format_uppercase(fen).removesuffix("整")
    for index, char in enumerate(canonical):
        shorter = canonical[:index] + canonical[index + 1 :]
        if char == "零" and shorter not in uppercase_writings(fen):
            with pytest.raises(UppercaseAmountError):
                parse_uppercase(shorter)


# ---------------------------------------------------------------- the correction, rule by rule

DESK = "办公桌"
CHAIR = "办公椅"


def line(name, quantity, unit_price_fen, line_total_fen):
    return LineItem(name, Decimal(quantity), unit_price_fen, line_total_fen)


SERVERS = line("服务器", 2, 400_000, 800_000)
SWITCHES = line("交换机", 5, 50_000, 250_000)

CASES = {
    # name: (data, corrected total, steps as (rule, what, line, before, after))
    "consistent: nothing to correct": (
        PriceData("壹万零伍佰元整", 1_050_000, (SERVERS, SWITCHES), 1_050_000),
        1_050_000,
        [],
    ),
    "rule 1: the schedule's total gives way to the opening summary": (
        PriceData("壹万零伍佰元整", 1_050_000, (SERVERS, SWITCHES), 1_005_000),
        1_050_000,
        [(1, Corrected.TOTAL, None, 1_005_000, 1_050_000)],
    ),
    "rule 2: words prevail over figures": (
        PriceData("人民币壹佰万元整", 10_000_000),
        100_000_000,
        [(2, Corrected.TOTAL, None, 10_000_000, 100_000_000)],
    ),
    "rule 2: words prevail, the schedule agreeing with the figures is no rule-1 difference": (
        PriceData("壹万零伍佰元整", 1_500_000, (SERVERS, SWITCHES), 1_500_000),
        1_050_000,
        [(2, Corrected.TOTAL, None, 1_500_000, 1_050_000)],
    ),
    "rule 3: decimal point one place to the left, the line total and the summary agree": (
        PriceData("伍仟元整", 500_000, (line(DESK, 4, 12_500, 500_000),), 500_000),
        500_000,
        [(3, Corrected.UNIT_PRICE, 1, 12_500, 125_000)],
    ),
    "rule 3: decimal point one place to the right": (
        PriceData("壹万伍仟元整", 1_500_000, (line("显示器", 10, 1_500_000, 1_500_000),), 1_500_000),
        1_500_000,
        [(3, Corrected.UNIT_PRICE, 1, 1_500_000, 150_000)],
    ),
    "rule 3: a misplaced percentage (two places)": (
        PriceData("伍仟元整", 500_000, (line("打印纸", 200, 25, 500_000),), 500_000),
        500_000,
        [(3, Corrected.UNIT_PRICE, 1, 25, 2_500)],
    ),
    "rule 3: several lines at once when the stated line totals add up to the summary": (
        PriceData("伍仟捌佰元整", 580_000, (line(DESK, 4, 12_500, 500_000), line(CHAIR, 10, 800, 80_000)), 580_000),
        580_000,
        [(3, Corrected.UNIT_PRICE, 1, 12_500, 125_000), (3, Corrected.UNIT_PRICE, 2, 800, 8_000)],
    ),
    "rule 4: a line total miscomputed, the total follows the unit prices": (
        PriceData("壹万零陆佰元整", 1_060_000, (SERVERS, line("交换机", 5, 50_000, 260_000)), 1_060_000),
        1_050_000,
        [(4, Corrected.LINE_TOTAL, 2, 260_000, 250_000), (4, Corrected.TOTAL, None, 1_060_000, 1_050_000)],
    ),
    "rule 4: only the total differs from the unit prices": (
        PriceData("壹万零陆佰元整", 1_060_000, (SERVERS, SWITCHES), 1_060_000),
        1_050_000,
        [(4, Corrected.TOTAL, None, 1_060_000, 1_050_000)],
    ),
    "rule 4, not 3: ten times plus one fen is no misplaced point": (
        PriceData("伍仟元零壹分", 500_001, (line(DESK, 4, 12_500, 500_001),), 500_001),
        50_000,
        [(4, Corrected.LINE_TOTAL, 1, 500_001, 50_000), (4, Corrected.TOTAL, None, 500_001, 50_000)],
    ),
    "rule 4, not 3: moving the point of 123.45 does not give whole fen": (
        PriceData("壹佰贰拾叁元肆角", 12_340, (line("硒鼓", 10, 12_345, 12_340),), 12_340),
        123_450,
        [(4, Corrected.LINE_TOTAL, 1, 12_340, 123_450), (4, Corrected.TOTAL, None, 12_340, 123_450)],
    ),
    "rule 4: 1.5 × 3.31 is 4.965, rounded half up to 4.97": (
        PriceData("肆元玖角陆分", 496, (line("电缆（米）", "1.5", 331, 496),), 496),
        497,
        [(4, Corrected.LINE_TOTAL, 1, 496, 497), (4, Corrected.TOTAL, None, 496, 497)],
    ),
    "rules 1, 3, 4: the schedule computed from the misplaced price, the summary right": (
        PriceData("伍仟元整", 500_000, (line(DESK, 4, 1_250_000, 5_000_000),), 5_000_000),
        500_000,
        [
            (1, Corrected.TOTAL, None, 5_000_000, 500_000),
            (3, Corrected.UNIT_PRICE, 1, 1_250_000, 125_000),
            (4, Corrected.LINE_TOTAL, 1, 5_000_000, 500_000),
        ],
    ),
    "rules 2, 3, 4: rule 2 first fixes the total that rule 3 then holds the unit price to": (
        PriceData("伍万元整", 500_000, (line(DESK, 4, 125_000, 500_000),), 500_000),
        5_000_000,
        [
            (2, Corrected.TOTAL, None, 500_000, 5_000_000),
            (3, Corrected.UNIT_PRICE, 1, 125_000, 1_250_000),
            (4, Corrected.LINE_TOTAL, 1, 500_000, 5_000_000),
        ],
    ),
    "rules 1, 2, 3, 4 together, in that order": (
        PriceData("伍仟玖佰元整", 950_000, (line(DESK, 4, 12_500, 500_000), line(CHAIR, 10, 8_000, 90_000)), 599_000),
        580_000,
        [
            (1, Corrected.TOTAL, None, 599_000, 950_000),
            (2, Corrected.TOTAL, None, 950_000, 590_000),
            (3, Corrected.UNIT_PRICE, 1, 12_500, 125_000),
            (4, Corrected.LINE_TOTAL, 2, 90_000, 80_000),
            (4, Corrected.TOTAL, None, 590_000, 580_000),
        ],
    ),
    "two lines could each explain the summary: not obvious, rule 4 decides": (
        PriceData("壹佰壹拾元整", 11_000, (line(DESK, 1, 10_000, 10_000), line(CHAIR, 1, 10_000, 10_000)), 20_000),
        20_000,
        [(1, Corrected.TOTAL, None, 20_000, 11_000), (4, Corrected.TOTAL, None, 11_000, 20_000)],
    ),
}


@pytest.mark.parametrize(("data", "total", "steps"), CASES.values(), ids=CASES.keys())
def test_the_worked_examples(data, total, steps):
    result = correct(data)
    assert result.total_fen == total
    assert [(s.rule, s.corrected, s.line, s.before_fen, s.after_fen) for s in result.steps] == steps
    assert result.needs_confirmation is bool(steps)
    if data.items:
        assert sum(result.line_totals_fen) == result.total_fen


def test_corrected_unit_prices_and_line_totals_are_returned():
    data = CASES["rules 1, 2, 3, 4 together, in that order"][0]
    result = correct(data)
    assert result.unit_prices_fen == (125_000, 8_000)
    assert result.line_totals_fen == (500_000, 80_000)


def test_each_step_explains_itself_with_its_article_item_and_amounts():
    data = CASES["rules 1, 2, 3, 4 together, in that order"][0]
    for step in correct(data).steps:
        assert "财政部令第87号第五十九条第一款第（{item}）项".format(item="一二三四"[step.rule - 1]) in step.explanation
        assert f"{format_yuan(step.before_fen)}元" in step.explanation
        assert f"{format_yuan(step.after_fen)}元" in step.explanation


def test_the_rule_3_explanation_names_the_line_and_the_factor():
    (step,) = correct(
        CASES["rule 3: decimal point one place to the left, the line total and the summary agree"][0]
    ).steps
    assert "第1项“办公桌”的单价125.00元乘以数量4得500.00元" in step.explanation
    assert "合价5,000.00元" in step.explanation
    assert "的0.1倍" in step.explanation


def test_unreadable_words_stop_the_correction():
    with pytest.raises(UppercaseAmountError, match="规范写法为“壹仟零伍元整”"):
        correct(PriceData("壹仟伍元", 100_500))


@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=1_000), st.integers(min_value=1, max_value=10**7)),
        min_size=1,
        max_size=6,
    ),
    st.data(),
)
def test_a_consistent_bid_is_left_alone_and_one_shifted_unit_price_is_restored(lines, data):
    items = tuple(line(str(n), quantity, price, quantity * price) for n, (quantity, price) in enumerate(lines))
    total = sum(item.line_total_fen for item in items)
    consistent = PriceData(format_uppercase(total), total, items, total)
    assert correct(consistent).steps == ()

    index = data.draw(st.integers(min_value=0, max_value=len(items) - 1))
    wrong = items[index].unit_price_fen * 10
    slipped = PriceData(
        format_uppercase(total),
        total,
        tuple(
            line(item.name, item.quantity, wrong, item.line_total_fen) if n == index else item
            for n, item in enumerate(items)
        ),
        total,
    )
    result = correct(slipped)
    assert [(s.rule, s.line, s.before_fen, s.after_fen) for s in result.steps] == [
        (Rule.MISPLACED_POINT, index + 1, wrong, items[index].unit_price_fen)
    ]
    assert result.total_fen == total


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: LineItem(DESK, 1.5, 100, 150), TypeError),  # type: ignore[arg-type]
        (lambda: LineItem(DESK, Decimal(0), 100, 0), ValueError),
        (lambda: LineItem(DESK, Decimal("NaN"), 100, 0), ValueError),
        (lambda: LineItem(DESK, Decimal(1), -1, 0), ValueError),
        (lambda: LineItem(DESK, Decimal(1), Decimal(100), 100), TypeError),  # type: ignore[arg-type]
        (lambda: PriceData("壹元整", 100.0), TypeError),  # type: ignore[arg-type]
        (lambda: PriceData("壹元整", 100, (), -1), ValueError),
    ],
)
def test_price_data_is_exact_and_never_negative(make, error):
    with pytest.raises(error):
        make()
