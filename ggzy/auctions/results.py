"""What a sale publishes and settles around its bidding (issue 7, items 1 and 7).

- **The listing notice** (出让公告 / 挂牌公告 / 拍卖公告 / 产权转让公告) is published when the sale is
  set up (`listing_notice_publish`, called by `services.sale_create`, which has already checked the
  least time between the notice and the start). It never carries the reserve: the seller may seal
  one until the cutoff, and nobody can read it before the close.
- **The floor of a state-property sale** rests on the recorded valuation (企业国有资产法 art. 55); a
  floor below the rule-table ratio of it (90 %, 32号令 🟡) needs the written approval of the body
  that approved the transfer, recorded with the sale (`floor_errors`).
- **At the result** (`sale_result_record`, called by `services._persist` in the transaction that
  records the close, on the locked sale): the premium rate; the deal notice (成交公示, with the
  publicity period where the rule table has one) or the no-deal result notice; the deal
  confirmation (成交确认书) to be signed online by both sides; the winner's deposit becomes earnest
  money (定金) and every other deposit paid is owed back within the rule-table period from the
  result day, without interest (39号令 ⚠️); jobs at the refund and signing deadlines raise an
  overdue alert.
- **Signing** (`confirmation_sign`): the seller side and the winner each sign the one fixed text
  once, as the evaluation report is signed (a row per signer, a witness event), and the platform
  signs a receipt of each signature with its own key (as the bid receipts), so a signature can be
  checked later (`confirmation_signature_verify`).
- **Refunds** are made by the bank outside the platform and reported by it (`deposits.py`), or
  recorded by trading-center staff (`deposit_refund_record`); both through `refund_mark`.

Premium rate (溢价率, GLOSSARY): (deal price − start price) / start price, in percent, rounded half
up to two decimals (0.01 %), computed on integers so no binary rounding enters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ggzy.accounts import selectors as accounts_selectors
from ggzy.accounts.choices import Role
from ggzy.core import clock, signing
from ggzy.core.choices import TradeType
from ggzy.core.locks import lock_instance
from ggzy.core.money import format_yuan
from ggzy.disclosure import services as disclosure_services
from ggzy.disclosure.choices import NoticeType
from ggzy.jobs import services as jobs_services
from ggzy.notifications.services import notification_send
from ggzy.projects.models import Lot
from ggzy.rules import periods
from ggzy.rules import selectors as rules
from ggzy.witness.services import event_record

from . import policies
from .choices import NOTICE_RULE_BY_TRADE_TYPE, Eligibility, NoDeal, SaleMethod, SaleStatus
from .models import (
    ConfirmationParty,
    ConfirmationSignature,
    DealConfirmation,
    Predisclosure,
    Registration,
    Sale,
    TradeObject,
)

if TYPE_CHECKING:
    from ggzy.disclosure.models import Notice

REFUND_DEADLINE_TASK = "auctions.deposit_refund_deadline"
CONFIRMATION_DEADLINE_TASK = "auctions.confirmation_deadline"
RECEIPT_PREFIX = "GGZY-DEAL-CONFIRMATION/1\n"

# The rule of each trade type (rules-cn.md §4.1, §4.2, §5). A trade type missing from a table has
# no such rule in rules-cn.md: land has no publicity length (39号令: the result is published within
# 10 working days, which publishing at the close meets), state property no signing period.
REFUND_RULE_BY_TRADE_TYPE: dict[str, str] = {
    TradeType.LAND_USE: "land.deposit_refund_working_days",
    TradeType.MINING_RIGHTS: "mining.deposit_refund_working_days",
    TradeType.STATE_PROPERTY: "property.deposit_refund_working_days",
}
CONFIRMATION_RULE_BY_TRADE_TYPE: dict[str, str] = {
    TradeType.LAND_USE: "land.contract_sign_working_days",
    TradeType.MINING_RIGHTS: "mining.confirmation_sign_working_days",
}
PUBLICITY_RULE_BY_TRADE_TYPE: dict[str, str] = {
    TradeType.MINING_RIGHTS: "mining.result_publicity_min_working_days",
    TradeType.STATE_PROPERTY: "property.deal_publicity_min_working_days",
}
FLOOR_APPROVAL_RULE_BY_TRADE_TYPE: dict[str, str] = {
    TradeType.STATE_PROPERTY: "property.floor_price_approval_threshold_percent",
}


# ---------------------------------------------------------------- rules and formatting


def sale_rule(key: str, *, lot: Lot, method: str) -> rules.RuleValue:
    """The rule row for the lot's trade type and the sale's method, on the date the project takes
    its rules from; a missing row is a ValidationError naming its key."""
    project = lot.project
    try:
        return rules.rule_get(key, trade_type=project.trade_type, method=method, on=project.rules_date)
    except rules.RuleMissing as missing:
        raise ValidationError(_("规则表中没有本交易适用的规则“{key}”，请联系系统管理员。").format(key=key)) from missing


PREDISCLOSURE_WITHIN_RULE = "property.control_change_predisclosure_within_working_days"
PREDISCLOSURE_MIN_RULE = "property.control_change_predisclosure_min_working_days"


def predisclosure_rule(key: str, *, lot: Lot) -> rules.RuleValue:
    """A pre-disclosure rule of the lot's project (state property, for every method)."""
    return sale_rule(key, lot=lot, method="")


def formal_disclosure_from(predisclosure: Predisclosure) -> dt.date:
    """The first day the formal disclosure (the sale and its notice) may follow the pre-disclosure."""
    minimum = predisclosure_rule(PREDISCLOSURE_MIN_RULE, lot=predisclosure.lot)
    return periods.earliest_day_after(clock.local(predisclosure.published_at).date(), minimum)


def predisclosure_publish_notice(*, actor: Any, predisclosure: Predisclosure) -> Notice:
    """The pre-disclosure notice (信息预披露): what is to be transferred and when the formal
    disclosure may follow."""
    lot = predisclosure.lot
    project = lot.project
    minimum = predisclosure_rule(PREDISCLOSURE_MIN_RULE, lot=lot)
    earliest = formal_disclosure_from(predisclosure)
    lines = [
        _("{owner}拟转让下列国有产权，转让导致标的企业实际控制权转移，现进行信息预披露。").format(
            owner=project.owner.name
        ),
        _("一、转让标的：{project} {lot}。").format(project=project.name, lot=lot.name),
    ]
    if lot.description.strip():
        lines.append(_("标的概况：{text}").format(text=lot.description.strip()))
    lines += [
        _("二、转让行为批准：{day}，批准文件文号{reference}。").format(
            day=predisclosure.approved_on.isoformat(), reference=predisclosure.approval_reference
        ),
        _("三、预披露内容：{text}").format(text=predisclosure.summary.strip()),
        _("四、预披露期不少于{period}（{source}），正式披露最早可于{day}发布，届时另行公告交易条件。").format(
            period=minimum.display, source=minimum.source, day=earliest.isoformat()
        ),
    ]
    return disclosure_services.notice_publish(
        actor=actor,
        title=_("{project} {lot} 信息预披露").format(project=project.name, lot=lot.name),
        notice_type=NoticeType.PREDISCLOSURE,
        trade_type=project.trade_type,
        region_code=project.region_code,
        body="\n".join(lines),
        project=project,
        system=True,
        source=f"auctions:lot:{lot.pk}:predisclosure",
    )


def optional_rule(table: dict[str, str], sale: Sale) -> rules.RuleValue | None:
    """The rule a table names for the sale's trade type; None when the trade type has none."""
    key = table.get(sale.lot.project.trade_type)
    return sale_rule(key, lot=sale.lot, method=sale.method) if key is not None else None


def _at(value: dt.datetime | None) -> str:
    return clock.local(value).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _span(seconds: int | None) -> str:
    seconds = seconds or 0
    if seconds % 3600 == 0:
        return _("{n}小时").format(n=seconds // 3600)
    if seconds % 60 == 0:
        return _("{n}分钟").format(n=seconds // 60)
    return _("{n}秒").format(n=seconds)


def _source(sale: Sale, fact: str) -> str:
    return f"auctions:sale:{sale.pk}:{fact}"


def object_facts(lot: Lot) -> list[tuple[str, str]]:
    """The registered facts of the lot (`TradeObject`), as (label, value) lines for the notice and
    the sale's page; empty when none are registered."""
    item = TradeObject.objects.filter(lot=lot).first()
    if item is None:
        return []
    facts: list[tuple[str, str]] = []

    def num(value: Decimal | None) -> str:
        return "" if value is None else format(value.normalize(), "f")  # 2.50 → 2.5, 23700.00 → 23700

    def add(label: Any, value: object, unit: Any = "") -> None:
        if isinstance(value, Decimal):
            value = num(value)
        if value not in (None, ""):
            facts.append((str(label), f"{value}{unit}"))

    add(_("坐落"), item.location)
    add(_("出让面积"), item.area_m2, _("平方米"))
    add(_("土地用途"), item.get_land_use_display())
    add(_("矿业权类别"), item.get_right_kind_display())
    add(_("矿种"), item.mineral)
    add(_("矿区面积"), item.area_km2, _("平方千米"))
    add(_("资源储量"), item.resources)
    add(_("出让年限"), item.term_years, _("年"))
    if item.plot_ratio_max is not None:
        ratio = _("不大于{high}").format(high=num(item.plot_ratio_max))
        if item.plot_ratio_min is not None:
            ratio = _("不小于{low}且不大于{high}").format(low=num(item.plot_ratio_min), high=num(item.plot_ratio_max))
        add(_("容积率"), ratio)
    if item.density_max_percent is not None:
        add(_("建筑密度"), _("不大于{value}%").format(value=num(item.density_max_percent)))
    if item.green_min_percent is not None:
        add(_("绿地率"), _("不小于{value}%").format(value=num(item.green_min_percent)))
    add(_("建筑限高"), item.height_max_m, _("米"))
    add(_("标的企业（资产）"), item.enterprise)
    add(_("转让比例"), item.share_percent, "%")
    return facts


def _object_line(sale: Sale) -> str:
    project, lot = sale.lot.project, sale.lot
    return _("{project}，{lot}（编号{code}）").format(project=project.name, lot=lot.name, code=lot.code)


def premium_rate_percent(*, deal_price_fen: int, start_price_fen: int) -> Decimal:
    """(deal − start) / start × 100, rounded half up (away from zero) to 0.01, exactly."""
    if start_price_fen <= 0:
        raise ValueError("the start price must be positive")
    difference = deal_price_fen - start_price_fen
    hundredths, rest = divmod(abs(difference) * 10_000, start_price_fen)
    if 2 * rest >= start_price_fen:
        hundredths += 1
    return (Decimal(hundredths if difference >= 0 else -hundredths) / 100).quantize(Decimal("0.01"))


def premium_rate(sale: Sale) -> Decimal | None:
    """The sale's premium rate in percent (None without a deal); the module doc gives the rounding."""
    if sale.status != SaleStatus.DEAL or sale.deal_price_fen is None:
        return None
    return premium_rate_percent(deal_price_fen=sale.deal_price_fen, start_price_fen=sale.start_price_fen)


# ---------------------------------------------------------------- setup: the floor and the notice


def floor_needs_approval(*, start_price_fen: int, valuation_fen: int, threshold: rules.RuleValue) -> bool:
    """Whether the floor is below `threshold` percent of the valuation (exact decimal comparison)."""
    return Decimal(start_price_fen) * 100 < Decimal(valuation_fen) * threshold.value


def floor_errors(
    *,
    lot: Lot,
    method: str,
    start_price_fen: int,
    valuation_fen: int | None,
    approved_by: str,
    approval_reference: str,
) -> dict[str, str]:
    """The setup errors about the floor (for `services.sale_create`): a state-property sale needs
    its valuation, and a floor below the rule-table ratio of it needs a recorded approval (the
    approving body and its document number)."""
    errors: dict[str, str] = {}
    if bool(approved_by.strip()) != bool(approval_reference.strip()):
        errors["floor_approval_reference"] = _("底价批准须同时填写批准单位和批准文件文号。")
    key = FLOOR_APPROVAL_RULE_BY_TRADE_TYPE.get(lot.project.trade_type)
    if key is None:
        return errors
    if valuation_fen is None or valuation_fen <= 0:
        errors["valuation_fen"] = _(
            "国有产权转让须录入经核准或者备案的评估值，转让底价以评估结果为参考依据（企业国有资产法第五十五条）。"
        )
        return errors
    threshold = sale_rule(key, lot=lot, method=method)
    approved = bool(approved_by.strip() and approval_reference.strip())
    if floor_needs_approval(start_price_fen=start_price_fen, valuation_fen=valuation_fen, threshold=threshold) and (
        not approved
    ):
        errors["floor_approval_reference"] = _(
            "转让底价{floor}元低于评估值{valuation}元的{ratio}，须经转让行为批准单位书面同意：请填写批准单位和"
            "批准文件文号（{source}）。"
        ).format(
            floor=format_yuan(start_price_fen),
            valuation=format_yuan(valuation_fen),
            ratio=threshold.display,
            source=threshold.source,
        )
    return errors


def _notice_title(sale: Sale) -> str:
    project = sale.lot.project
    method = str(SaleMethod(sale.method).label)
    if project.trade_type == TradeType.STATE_PROPERTY:
        kind = _("产权转让公告")
    elif project.trade_type == TradeType.MINING_RIGHTS:
        kind = _("矿业权{method}出让公告").format(method=method)
    else:
        kind = _("国有建设用地使用权{method}出让公告").format(method=method)
    return _("{project} {lot} {kind}").format(project=project.name, lot=sale.lot.name, kind=kind)


def _listing_notice_body(sale: Sale) -> str:
    project, lot = sale.lot.project, sale.lot
    method = str(SaleMethod(sale.method).label)
    lines = [
        _("{owner}决定以{method}方式公开出让（转让）下列标的，现将有关事项公告如下。").format(
            owner=project.owner.name, method=method
        ),
        _("一、交易标的：{object}。").format(object=_object_line(sale)),
    ]
    facts = object_facts(lot)
    if facts:
        lines.append("；".join(f"{label}：{value}" for label, value in facts) + "。")
    if lot.description.strip():
        lines.append(_("标的概况：{text}").format(text=lot.description.strip()))
    parties = _("二、出让人（转让方）：{owner}。").format(owner=project.owner.name)
    if project.agent is not None:
        parties += _("代理机构：{agent}。").format(agent=project.agent.name)
    lines.append(parties)
    lines.append(
        _("三、起始价：{start}元；加价幅度：{increment}元；限时竞价加价幅度：{timed}元。").format(
            start=format_yuan(sale.start_price_fen),
            increment=format_yuan(sale.increment_fen),
            timed=format_yuan(sale.timed_increment_fen),
        )
    )
    if sale.valuation_fen is not None:
        lines.append(
            _("评估值：{valuation}元；转让底价：{floor}元。").format(
                valuation=format_yuan(sale.valuation_fen), floor=format_yuan(sale.start_price_fen)
            )
        )
    if sale.control_change:
        lines.append(_("本次转让导致标的企业实际控制权转移，已进行信息预披露。"))
    if sale.floor_approved_by:
        lines.append(
            _("转让底价已经{body}书面同意（{reference}）。").format(
                body=sale.floor_approved_by, reference=sale.floor_approval_reference
            )
        )
    refund = sale_rule(REFUND_RULE_BY_TRADE_TYPE[project.trade_type], lot=lot, method=sale.method)
    deposit = (
        _("竞买保证金：{amount}元。").format(amount=format_yuan(sale.deposit_fen))
        if sale.deposit_fen is not None
        else _("竞买保证金：以交易文件为准。")
    )
    lines.append(
        deposit
        + _(
            "竞得人交纳的保证金转为定金，抵作成交价款；其他竞买人的保证金在竞价结束后{period}内退还，不计利息（{source}）。"
        ).format(period=refund.display, source=refund.source)
    )
    if sale.method == SaleMethod.LISTING:
        lines.append(
            _("四、挂牌时间：{start}至{end}（北京时间，以平台服务器时间为准）。").format(
                start=_at(sale.start_at), end=_at(sale.listing_end)
            )
        )
        lines.append(
            _(
                "挂牌截止前{window}内有{count}个以上竞买人报价的，经{preparation}准备后转入限时竞价，倒计时{countdown}，"
                "每有新的有效报价重新计时，最高有效报价者竞得；否则以挂牌期最高有效报价（不低于起始价）者竞得。"
            ).format(
                window=_span(sale.last_window_seconds),
                count=sale.timed_min_bidders,
                preparation=_span(sale.preparation_seconds),
                countdown=_span(sale.countdown_seconds),
            )
        )
        if sale.timed_eligibility == Eligibility.LISTING_BIDDERS:
            lines.append(_("只有挂牌期内有有效报价的竞买人可以参加限时竞价。"))
    else:
        lines.append(
            _("四、竞价开始时间：{start}（北京时间，以平台服务器时间为准）。").format(start=_at(sale.start_at))
        )
        lines.append(
            _("竞价采用限时报价，倒计时{countdown}，每有新的有效报价重新计时，最高有效报价者竞得。").format(
                countdown=_span(sale.countdown_seconds)
            )
        )
    lines.append(
        _("保留价：出让人（转让方）可以设定保留价并密封录入，竞价结束前任何人无法知悉；最高报价低于保留价的，不成交。")
    )
    lines.append(
        _(
            "五、竞买申请：意向竞买人在本平台提交竞买申请，经审核通过并交纳竞买保证金后取得竞买资格，由平台随机分配竞买号；"
            "竞买人的身份在竞价结束前保密。竞买人资格条件以交易文件为准。"
        )
    )
    notice = sale_rule(NOTICE_RULE_BY_TRADE_TYPE[project.trade_type], lot=lot, method=sale.method)
    lines.append(
        _("六、本公告发布之日至竞价开始之日不少于{period}（{source}）。").format(
            period=notice.display, source=notice.source
        )
    )
    return "\n".join(lines)


def listing_notice_publish(*, actor: Any, sale: Sale) -> Notice:
    """Publish the sale's listing notice (once per sale), from the sale as set up."""
    project = sale.lot.project
    return disclosure_services.notice_publish(
        actor=actor,
        title=_notice_title(sale),
        notice_type=NoticeType.LISTING,
        trade_type=project.trade_type,
        region_code=project.region_code,
        body=_listing_notice_body(sale),
        project=project,
        system=True,
        source=_source(sale, "notice"),
    )


# ---------------------------------------------------------------- the result


def sale_result_record(*, sale: Sale) -> None:
    """At the close, on the locked sale whose result the caller has just set and will save: record
    the premium rate and publicity end, publish the result notice, issue the deal confirmation and
    settle the deposits. Does nothing the second time."""
    if disclosure_services.current_for(_source(sale, "result")) is not None:
        return
    assert sale.closed_at is not None
    closed_on = clock.local(sale.closed_at).date()
    project = sale.lot.project
    refund_rule = sale_rule(REFUND_RULE_BY_TRADE_TYPE[project.trade_type], lot=sale.lot, method=sale.method)
    refund_due = periods.period_deadline(closed_on, refund_rule)
    confirmation: DealConfirmation | None = None
    publicity: rules.RuleValue | None = None
    if sale.status == SaleStatus.DEAL:
        sale.premium_rate_percent = premium_rate(sale)
        publicity = optional_rule(PUBLICITY_RULE_BY_TRADE_TYPE, sale)
        if publicity is not None:
            sale.publicity_ends_at = clock.end_of_day(periods.earliest_day_after(closed_on, publicity))
        confirmation = _confirmation_issue(sale)
    earnest, refunded = _deposits_settle(sale, refund_due)
    _result_notice(sale, refund_rule=refund_rule, refund_due=refund_due, publicity=publicity, confirmation=confirmation)
    if refunded:
        jobs_services.job_enqueue(
            name=REFUND_DEADLINE_TASK,
            args={"sale_id": sale.pk},
            run_at=refund_due + dt.timedelta(microseconds=1),
            key=_source(sale, "refund-deadline"),
        )
    if confirmation is not None:
        _tell_deal(sale, confirmation)
    event_record(
        action="auctions.result_recorded",
        obj=sale,
        after={
            "status": sale.status,
            "premium_rate_percent": str(sale.premium_rate_percent) if sale.premium_rate_percent is not None else None,
            "publicity_ends_at": sale.publicity_ends_at,
            "earnest_money": earnest,
            "refunds": refunded,
            "refund_due": refund_due if refunded else None,
            "confirmation_digest": confirmation.digest if confirmation is not None else None,
        },
    )


def _deposits_settle(sale: Sale, refund_due: dt.datetime) -> tuple[str | None, list[str]]:
    """The winner's deposit becomes earnest money; every other paid deposit is owed back by the
    due time. Returns the winner's bid number and the others' (bid numbers only in the log)."""
    earnest: str | None = None
    refunded: list[str] = []
    paid = Registration.objects.select_for_update().filter(
        sale=sale, deposit_confirmed_at__isnull=False, earnest_money_at__isnull=True, refund_due__isnull=True
    )
    for registration in paid.order_by("pk"):
        if sale.winner_id is not None and registration.pk == sale.winner_id:
            registration.earnest_money_at = sale.closed_at
            earnest = registration.bid_number
        else:
            registration.refund_due = refund_due
            refunded.append(registration.bid_number or f"#{registration.pk}")
        registration.full_clean()
        registration.save(update_fields=["earnest_money_at", "refund_due"])
    return earnest, refunded


def _method_text(sale: Sale) -> str:
    """How the deal was reached: the sale's method, or the agreement with a single transferee."""
    if sale.negotiated:
        return str(_("协议成交（仅有一个符合条件的意向受让方）"))
    return str(SaleMethod(sale.method).label)


def _confirmation_text(sale: Sale, sign_due: dt.datetime | None) -> str:
    project = sale.lot.project
    winner = sale.winner
    assert winner is not None and sale.deal_price_fen is not None
    lines = [
        _("成交确认书"),
        _("交易标的：{object}。").format(object=_object_line(sale)),
        _("出让人（转让方）：{owner}。").format(owner=project.owner.name),
        _("竞得人（受让方）：{winner}（统一社会信用代码{uscc}，竞买号{number}）。").format(
            winner=winner.organization.name, uscc=winner.organization.uscc, number=winner.bid_number
        ),
        _("交易方式：{method}；成交时间：{at}。").format(method=_method_text(sale), at=_at(sale.closed_at)),
        _("起始价：{start}元；成交价：{deal}元；溢价率：{rate}%。").format(
            start=format_yuan(sale.start_price_fen),
            deal=format_yuan(sale.deal_price_fen),
            rate=sale.premium_rate_percent,
        ),
    ]
    if sale.deposit_fen is not None:
        lines.append(
            _("竞得人交纳的竞买保证金{amount}元转为定金，抵作成交价款。").format(amount=format_yuan(sale.deposit_fen))
        )
    else:
        lines.append(_("竞得人交纳的竞买保证金转为定金，抵作成交价款。"))
    if sign_due is not None:
        lines.append(_("双方应于{due}前在本平台签署本确认书。").format(due=_at(sign_due)))
    lines.append(_("双方应按交易文件的约定签订出让（转让）合同。"))
    return "\n".join(lines)


def _confirmation_issue(sale: Sale) -> DealConfirmation:
    rule = optional_rule(CONFIRMATION_RULE_BY_TRADE_TYPE, sale)
    assert sale.closed_at is not None
    due = periods.period_deadline(clock.local(sale.closed_at).date(), rule) if rule is not None else None
    text = _confirmation_text(sale, due)
    confirmation = DealConfirmation(
        sale=sale,
        text=text,
        digest=hashlib.sha256(text.encode()).hexdigest(),
        issued_at=sale.closed_at,
        sign_due=due,
    )
    confirmation.full_clean()
    confirmation.save()
    if due is not None:
        jobs_services.job_enqueue(
            name=CONFIRMATION_DEADLINE_TASK,
            args={"sale_id": sale.pk},
            run_at=due + dt.timedelta(microseconds=1),
            key=_source(sale, "confirmation-deadline"),
        )
    return confirmation


def _result_notice(
    sale: Sale,
    *,
    refund_rule: rules.RuleValue,
    refund_due: dt.datetime,
    publicity: rules.RuleValue | None,
    confirmation: DealConfirmation | None,
) -> None:
    project = sale.lot.project
    method = _method_text(sale)
    reserve = (
        [_("保留价：{reserve}元。").format(reserve=format_yuan(sale.reserve_fen))]
        if sale.reserve_fen is not None
        else []
    )
    if sale.status == SaleStatus.DEAL:
        assert sale.winner is not None and sale.deal_price_fen is not None
        title = _("{project} {lot} 成交公示").format(project=project.name, lot=sale.lot.name)
        notice_type = NoticeType.DEAL
        lines = [
            (
                _("{object}仅有一个符合条件的意向受让方，经协议于{at}成交，现将结果公示如下。")
                if sale.negotiated
                else _("{object}以{method}方式公开交易，已于{at}成交，现将结果公示如下。")
            ).format(object=_object_line(sale), method=method, at=_at(sale.closed_at)),
            _("竞得人（受让方）：{winner}。").format(winner=sale.winner.organization.name),
            _("起始价：{start}元；成交价：{deal}元；溢价率：{rate}%。").format(
                start=format_yuan(sale.start_price_fen),
                deal=format_yuan(sale.deal_price_fen),
                rate=sale.premium_rate_percent,
            ),
        ]
        if sale.valuation_fen is not None:
            lines.append(
                _("评估值：{valuation}元；转让底价：{floor}元。").format(
                    valuation=format_yuan(sale.valuation_fen), floor=format_yuan(sale.start_price_fen)
                )
            )
        lines += reserve
        if publicity is not None:
            lines.append(
                _("公示期：{start}至{end}（{source}）。").format(
                    start=_at(sale.closed_at), end=_at(sale.publicity_ends_at), source=publicity.source
                )
            )
        lines.append(
            _("竞得人交纳的竞买保证金转为定金；其他竞买人的保证金于{due}前退还（{source}）。").format(
                due=_at(refund_due), source=refund_rule.source
            )
        )
        if confirmation is not None and confirmation.sign_due is not None:
            lines.append(
                _("出让人（转让方）与竞得人应于{due}前在本平台签署成交确认书。").format(due=_at(confirmation.sign_due))
            )
    else:
        title = _("{project} {lot} 交易结果公告（未成交）").format(project=project.name, lot=sale.lot.name)
        notice_type = NoticeType.FAILURE
        lines = [
            _("{object}以{method}方式公开交易，竞价已于{at}结束，未成交。").format(
                object=_object_line(sale), method=method, at=_at(sale.closed_at)
            ),
            _("未成交原因：{reason}。").format(reason=NoDeal(sale.no_deal_reason).label),
            _("起始价：{start}元。").format(start=format_yuan(sale.start_price_fen)),
        ]
        if sale.price_fen is not None:
            lines.append(_("最高报价：{price}元。").format(price=format_yuan(sale.price_fen)))
        lines += reserve
        lines.append(
            _("竞买人交纳的竞买保证金于{due}前退还（{source}）。").format(
                due=_at(refund_due), source=refund_rule.source
            )
        )
    lines.append(
        _("对交易结果有异议的，可以向出让人（转让方）提出，或者向{supervisor}投诉。").format(
            supervisor=project.supervisor.name
        )
    )
    disclosure_services.notice_publish(
        actor=None,
        title=title,
        notice_type=notice_type,
        trade_type=project.trade_type,
        region_code=project.region_code,
        body="\n".join(lines),
        project=project,
        system=True,
        source=_source(sale, "result"),
    )


def seller_side(sale: Sale) -> list[int]:
    project = sale.lot.project
    return [project.owner_id, *([project.agent_id] if project.agent_id else [])]


def center_and_supervisor(sale: Sale) -> list[Any]:
    """Who is alerted when a step of the center's or the seller's is overdue: the center's active
    staff and the users of the project's supervisory authority."""
    staff = accounts_selectors.users_with_roles().filter(role_assignments__role=Role.CENTER_STAFF, is_active=True)
    return [*staff, *accounts_selectors.users_of_organizations([sale.lot.project.supervisor_id])]


def notify(users: Iterable[Any], *, topic: str, subject: str, body: str) -> None:
    """One message to each user, queued in the caller's transaction (the topic is made per user)."""
    for user in users:
        notification_send(
            topic=f"{topic}:{user.pk}", subject=subject, body=body, recipient=user, mobile=user.phone, email=user.email
        )


def _tell_deal(sale: Sale, confirmation: DealConfirmation) -> None:
    """Both sides are told to sign the confirmation (queued in this transaction)."""
    assert sale.winner is not None
    due = _("，签署期限{due}").format(due=_at(confirmation.sign_due)) if confirmation.sign_due else ""
    body = _("“{object}”已成交，请登录平台核对并签署成交确认书{due}。").format(object=_object_line(sale), due=due)
    notify(
        accounts_selectors.users_of_organizations([*seller_side(sale), sale.winner.organization_id]),
        topic=f"auctions.confirmation:{sale.pk}",
        subject=_("成交确认书待签署"),
        body=body,
    )


# ---------------------------------------------------------------- signing the confirmation


def _receipt(signature: ConfirmationSignature) -> dict[str, Any]:
    return {
        "sale": signature.confirmation.sale_id,
        "digest": signature.digest,
        "party": signature.party,
        "organization": signature.organization.uscc,
        "user": signature.signed_by_id,
        "signed_at": clock.local(signature.signed_at).isoformat(),
    }


def _receipt_message(receipt: dict[str, Any]) -> bytes:
    return (RECEIPT_PREFIX + json.dumps(receipt, sort_keys=True, separators=(",", ":"), ensure_ascii=False)).encode()


def confirmation_signature_verify(signature: ConfirmationSignature) -> bool:
    """Whether the platform's signature still matches what was signed (the text digest included)."""
    return signature.digest == signature.confirmation.digest and signing.verify(
        _receipt_message(_receipt(signature)), signature.platform_signature
    )


def _party(actor: Any, sale: Sale) -> str:
    if policies.can_manage(actor, sale):
        return ConfirmationParty.SELLER
    if sale.winner is not None and policies.can_bid(actor, sale.winner):
        return ConfirmationParty.WINNER
    raise PermissionDenied(_("只有出让人（转让方）或其代理机构和竞得人可以签署成交确认书。"))


@transaction.atomic
def confirmation_sign(*, actor: Any, sale: Sale) -> ConfirmationSignature:
    """The seller side (owner or agent, once for both) or the winner signs the deal confirmation
    online. Each side signs once; a signature after the rule-table deadline is recorded as late.
    When both have signed the confirmation is complete."""
    sale = Sale.objects.select_related("lot__project", "winner__organization").get(pk=sale.pk)
    party = _party(actor, sale)
    confirmation = DealConfirmation.objects.filter(sale=sale).first()
    if confirmation is None:
        raise ValidationError(_("本次交易没有成交确认书（未成交或结果尚未公布）。"))
    confirmation = lock_instance(confirmation)
    if ConfirmationSignature.objects.filter(confirmation=confirmation, party=party).exists():
        raise ValidationError(_("贵方已签署本成交确认书，不能重复签署。"), code="already_signed")
    now = clock.now()
    signature = ConfirmationSignature(
        confirmation=confirmation,
        party=party,
        organization=actor.organization,
        signed_by=actor,
        signed_at=now,
        digest=confirmation.digest,
        late=confirmation.sign_due is not None and now > confirmation.sign_due,
    )
    signature.platform_signature = signing.sign(_receipt_message(_receipt(signature)))
    signature.full_clean()
    signature.save()
    if confirmation.signatures.count() == len(ConfirmationParty.values):
        confirmation.signed_at = now
        confirmation.save(update_fields=["signed_at"])
    event_record(
        action="auctions.confirmation_signed",
        actor=actor,
        obj=sale,
        after={
            "party": party,
            "digest": confirmation.digest,
            "late": signature.late,
            "complete": confirmation.signed_at is not None,
        },
    )
    return signature


# ---------------------------------------------------------------- deposits after the result


@transaction.atomic
def deposit_refund_record(*, actor: Any, registration: Registration, reference: str) -> Registration:
    """Trading-center staff record that a deposit owed back was refunded (the bank's reference),
    when the bank did not report it itself (`deposits.bank_callback`). A refund after the due time
    is recorded as late."""
    if not policies.can_operate(actor):
        raise PermissionDenied(_("只有交易中心工作人员可以登记保证金退还。"))
    registration = lock_instance(registration)
    if registration.refunded_at is not None:
        raise ValidationError(_("该保证金已登记退还。"), code="already_refunded")
    if not reference.strip():
        raise ValidationError({"reference": _("请填写退款凭证号。")})
    return refund_mark(registration, actor=actor, reference=reference.strip()[:100])


def refund_mark(
    registration: Registration, *, actor: Any, reference: str, after: dict[str, Any] | None = None
) -> Registration:
    """Record the refund of a locked registration's deposit, by a clerk (`actor`) or by the bank
    (no actor, its transaction id as the reference); `after` adds to the witness event."""
    if not registration.can_refund():
        raise ValidationError(_("该保证金不在待退还状态（竞得人的保证金已转为定金）。"), code="not_refundable")
    assert registration.refund_due is not None
    now = clock.now()
    registration.refunded_at = now
    registration.refund_reference = reference
    registration.full_clean()
    registration.save(update_fields=["refunded_at", "refund_reference"])
    event_record(
        action="auctions.deposit_refunded",
        actor=actor,
        obj=registration,
        after={"reference": reference, "late": now > registration.refund_due, **(after or {})},
    )
    return registration


def deposits_refund_overdue(*, sale: Sale | None = None) -> QuerySet[Registration]:
    """Deposits still unrefunded after their due time: the early-warning list."""
    late = Registration.objects.filter(refund_due__lt=clock.now(), refunded_at__isnull=True)
    if sale is not None:
        late = late.filter(sale=sale)
    return late.select_related("sale__lot", "organization").order_by("refund_due", "pk")


def _overdue_alert(sale: Sale, *, step: str, subject: str, body: str, after: dict[str, Any]) -> None:
    """An overdue step after the result: tell the seller side and the supervisor, and log it."""
    recipients = accounts_selectors.users_of_organizations([*seller_side(sale), sale.lot.project.supervisor_id])
    notify(recipients, topic=f"auctions.{step}_overdue:{sale.pk}", subject=subject, body=body)
    event_record(action=f"auctions.{step}_overdue", obj=sale, after=after)


@transaction.atomic
def deposit_refund_deadline_check(*, sale_id: int) -> int:
    """Job after the refund deadline: alert if any deposit is still owed back. Returns how many."""
    sale = Sale.objects.select_related("lot__project").get(pk=sale_id)
    late = list(deposits_refund_overdue(sale=sale))
    if not late:
        return 0
    _overdue_alert(
        sale,
        step="deposit_refund",
        subject=_("保证金退还逾期提醒"),
        body=_("“{object}”竞价结束后，尚有{count}笔竞买保证金超过法定期限未退还，请尽快办理。").format(
            object=_object_line(sale), count=len(late)
        ),
        after={"bid_numbers": [r.bid_number or f"#{r.pk}" for r in late], "due": late[0].refund_due},
    )
    return len(late)


@transaction.atomic
def confirmation_deadline_check(*, sale_id: int) -> bool:
    """Job after the signing deadline: alert if the confirmation is not signed by both sides."""
    sale = Sale.objects.select_related("lot__project").get(pk=sale_id)
    confirmation = DealConfirmation.objects.filter(sale=sale).first()
    if confirmation is None or confirmation.signed_at is not None:
        return False
    signed = sorted(confirmation.signatures.values_list("party", flat=True))
    _overdue_alert(
        sale,
        step="confirmation",
        subject=_("成交确认书签署逾期提醒"),
        body=_("“{object}”成交后已超过签署期限，成交确认书尚未由双方签署。").format(object=_object_line(sale)),
        after={"signed": signed, "due": confirmation.sign_due},
    )
    return True
