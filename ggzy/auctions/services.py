"""Writes of the auctions app: the engine (`engine.py`) decides, these functions give it the time
and its inputs under the sale's row lock and persist what it says in the same transaction.

Rebuilding the engine state. The engine is a pure function of its inputs, so the state is
rebuilt by replaying the recorded inputs, in their sequence order, from `initial_state`: the
accepted bids (`SaleBid`: bid number, amount, key, server time) and the operator acts found in
the event log (`frozen`, `resume_announced`, `closed`). Phase changes are not inputs: the engine
performs each one at the instant it was due whoever calls it, so the replay emits them again with
the same sequence numbers. Refused bids and ticks that changed nothing left no trace and need
none. The qualified set is every approved bidder whose deposit is confirmed: a bidder admitted
during the listing could not have bid before, so qualifying it from the start changes nothing.
The replay must end at the stored `last_seq`, or the sale refuses to move.

A replay costs a pass over the sale's bids, and each replayed bid copies the log: measured, a bid
took 22 ms after 250 bids and 107 ms after 1,500. So each process remembers engine states:

- `_LATEST`: the state the process's last operation of a sale left, with the random
  `Sale.state_token` that operation wrote. It is remembered inside the transaction, before the
  commit: the next bid, waiting on the sale's lock, gets the lock the moment the commit releases it,
  before the committing thread has run its on-commit callbacks (measured: with the state
  remembered only on commit, most bids of a hot sale under load missed it and replayed the whole
  sale). A rolled-back operation's token is never stored, so its state never matches.
- `_COMMITTED`: the last state known to be committed (remembered on commit, or replayed under the
  lock). Committed inputs never change, so when another process has moved the sale on, the state is
  brought up to date by replaying only the inputs after it (one bid, typically) instead of all.

Both are used only when the qualified bid numbers match too. The tests compare the remembered state
with a fresh replay.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

import bidtool
from ggzy.accounts import selectors as accounts_selectors
from ggzy.core import clock
from ggzy.core.choices import METHODS_BY_TRADE_TYPE, TradeType
from ggzy.core.http import receipt_instant, receipt_number
from ggzy.core.locks import lock, lock_instance, lock_with
from ggzy.core.money import format_yuan
from ggzy.jobs import services as jobs_services
from ggzy.projects.models import Lot
from ggzy.rules import periods
from ggzy.rules import selectors as rules
from ggzy.witness.models import WitnessHead
from ggzy.witness.services import event_record, head_lock_sql, head_of

from . import engine, live, policies, results
from .choices import (
    NOTICE_RULE_BY_TRADE_TYPE,
    SALE_TRADE_TYPES,
    Eligibility,
    RegistrationStatus,
    SaleMethod,
    SaleStatus,
)
from .models import Predisclosure, Registration, Sale, SaleBid, SaleEvent, SaleReserve, TradeObject, new_state_token

T = TypeVar("T")
TICK_TASK = "auctions.sale_tick"
BID_NUMBER_DIGITS = 10  # 10^10 numbers: not guessable among a sale's few dozen bidders


def refusal_message(reason: engine.Refusal) -> str:
    messages = {
        engine.Refusal.NOT_STARTED: _("竞价尚未开始。"),
        engine.Refusal.CLOSED: _("竞价已结束。"),
        engine.Refusal.PREPARATION: _("限时竞价准备阶段不接受报价，请在限时竞价开始后报价。"),
        engine.Refusal.FROZEN: _("交易已冻结，恢复前不接受报价。"),
        engine.Refusal.NOT_QUALIFIED: _("您尚未取得竞买资格（须审核通过并交纳保证金）。"),
        engine.Refusal.NOT_ELIGIBLE: _("只有挂牌期内有有效报价的竞买人可以参加限时竞价。"),
        engine.Refusal.BELOW_START: _("首次报价不得低于起始价。"),
        engine.Refusal.BELOW_INCREMENT: _("报价须至少比当前最高报价高一个加价幅度。"),
        engine.Refusal.KEY_REUSED: _("该报价编号已用于另一笔报价，请刷新后重新报价。"),
    }
    return str(messages[reason])


def _engine_error(error: engine.EngineError) -> ValidationError:
    messages = {
        engine.ErrorCode.CLOCK_BEHIND: _("服务器时间早于上一次操作时间，请稍后重试。"),
        engine.ErrorCode.NOT_RUNNING: _("交易不在挂牌或竞价阶段，不能冻结。"),
        engine.ErrorCode.NOT_FROZEN: _("交易未冻结。"),
        engine.ErrorCode.RESUME_IN_PAST: _("恢复时间不能早于当前时间。"),
        engine.ErrorCode.NOTICE_TOO_SHORT: _("冻结超过可直接恢复的时限，恢复交易须提前通知，恢复时间过早。"),
        engine.ErrorCode.ADMISSION_CLOSED: _("挂牌期已结束，不能再接纳竞买人。"),
        engine.ErrorCode.ALREADY_CLOSED: _("交易结果已经公布。"),
        engine.ErrorCode.NOT_CLOSED: _("竞价尚未结束。"),
        engine.ErrorCode.INCREMENTS_FIXED: _("加价幅度只能在挂牌开始前或挂牌期内调整；限时竞价准备或进行中不能调整。"),
        engine.ErrorCode.INCREMENTS_UNCHANGED: _("加价幅度与现行的相同，无需调整。"),
    }
    message = messages.get(error.code, _("操作不被允许（{code}）。").format(code=error.code.value))
    return ValidationError(str(message), code=error.code.value)


# ---------------------------------------------------------------- rules


def _seconds(rule: rules.RuleValue) -> int:
    per_unit = {"hour": 3600, "minute": 60}
    if rule.unit not in per_unit:
        raise ValueError(f"rule {rule.key} is in {rule.unit}, not hours or minutes")
    return rule.as_int() * per_unit[rule.unit]


# Fewer qualified bidders at the start of an auction → it is terminated (rules-cn.md §4.2).
MIN_BIDDERS_RULE_BY_TRADE_TYPE: dict[str, str] = {TradeType.MINING_RIGHTS: "mining.min_bidders"}


def legal_terms(*, lot: Lot, method: str) -> dict[str, Any]:
    """The engine parameters the law fixes, read from the rule table for this lot's project."""

    def seconds(key: str) -> int:
        return _seconds(results.sale_rule(key, lot=lot, method=method))

    terms: dict[str, Any] = {
        "preparation_seconds": seconds("listing.timed_bidding_preparation_minutes"),
        "countdown_seconds": seconds("listing.timed_bidding_countdown_minutes"),
        "quick_fix_seconds": seconds("listing.freeze_direct_resume_max_hours"),
        "resume_notice_seconds": seconds("listing.freeze_resume_notice_hours"),
        "timed_eligibility": Eligibility.QUALIFIED,
        "last_window_seconds": None,
        "timed_min_bidders": None,
        "freeze_extension_cap_seconds": None,
        "min_bidders": None,
    }
    minimum = MIN_BIDDERS_RULE_BY_TRADE_TYPE.get(lot.project.trade_type)
    if minimum is not None and method != SaleMethod.LISTING:
        with contextlib.suppress(rules.RuleMissing):  # a row per method the minimum applies to
            terms["min_bidders"] = rules.rule_get(
                minimum, trade_type=lot.project.trade_type, method=method, on=lot.project.rules_date
            ).as_int()
    if method == SaleMethod.LISTING:
        min_listing_bids = results.sale_rule("listing.timed_round_min_listing_bids", lot=lot, method=method).as_int()
        terms |= {
            "last_window_seconds": seconds("listing.final_period_hours"),
            "timed_min_bidders": results.sale_rule(
                "listing.timed_round_min_final_period_bidders", lot=lot, method=method
            ).as_int(),
            "freeze_extension_cap_seconds": seconds("listing.freeze_last_period_extension_max_hours"),
            "timed_eligibility": Eligibility.LISTING_BIDDERS if min_listing_bids > 0 else Eligibility.QUALIFIED,
        }
    return terms


def _params(sale: Sale) -> engine.Parameters:
    def span(seconds: int | None) -> dt.timedelta | None:
        return None if seconds is None else dt.timedelta(seconds=seconds)

    return engine.Parameters(
        method=engine.Method(sale.method),
        start_price_fen=sale.start_price_fen,
        increment_fen=sale.increment_fen,
        timed_increment_fen=sale.timed_increment_fen,
        start_at=sale.start_at,
        listing_end=sale.listing_end,
        last_window=span(sale.last_window_seconds),
        timed_min_bidders=sale.timed_min_bidders,
        preparation=dt.timedelta(seconds=sale.preparation_seconds),
        countdown=dt.timedelta(seconds=sale.countdown_seconds),
        timed_eligibility=engine.TimedEligibility(sale.timed_eligibility),
        freeze_extension_cap=span(sale.freeze_extension_cap_seconds),
        quick_fix=dt.timedelta(seconds=sale.quick_fix_seconds),
        resume_notice=dt.timedelta(seconds=sale.resume_notice_seconds),
        # 企业国有资产法 art. 54: one qualified transferee → a deal by agreement (`sale_negotiate`).
        single_transferee_negotiation=sale.lot.project.trade_type == TradeType.STATE_PROPERTY,
        min_bidders=sale.min_bidders,
    )


# ---------------------------------------------------------------- state: rebuild and persist


def _iso(value: dt.datetime | None) -> str | None:
    return clock.local(value).isoformat() if value is not None else None


def _payload(event: engine.Event) -> dict[str, Any]:
    """What watchers see: bid numbers only, never a name or a credit code."""
    match event:
        case engine.PhaseChanged():
            return {"before": event.before.value, "after": event.after.value, "ends_at": _iso(event.ends_at)}
        case engine.BidAccepted():
            return {"bid_number": event.bidder, "amount_fen": event.amount_fen, "phase": event.phase.value}
        case engine.CountdownRestarted():
            return {"deadline": _iso(event.deadline)}
        case engine.Frozen():
            return {"paused": event.paused.value, "reason": event.reason}
        case engine.ResumeAnnounced():
            return {"resume_at": _iso(event.resume_at)}
        case engine.Resumed():
            return {
                "phase": event.phase.value,
                "ends_at": _iso(event.ends_at),
                "frozen_microseconds": event.frozen_for // dt.timedelta(microseconds=1),
            }
        case engine.IncrementsChanged():
            return {"increment_fen": event.increment_fen, "timed_increment_fen": event.timed_increment_fen}
        case engine.Closed():
            outcome: dict[str, Any]
            if isinstance(event.outcome, engine.Deal):
                outcome = {
                    "deal": True,
                    "bid_number": event.outcome.bidder,
                    "price_fen": event.outcome.price_fen,
                    "bid_seq": event.outcome.bid_seq,
                }
            else:
                outcome = {"deal": False, "reason": event.outcome.reason.value}
            return {"outcome": outcome, "reserve_fen": event.reserve_fen}
    raise AssertionError(f"unknown event {event!r}")


class ReplayMismatch(RuntimeError):
    """The recorded inputs do not reproduce the recorded log: the sale must not move."""


# sale id → (state token, the engine state it determines); see the module doc.
_LATEST: dict[int, tuple[str, engine.State]] = {}
# sale id → an engine state known to be committed.
_COMMITTED: dict[int, engine.State] = {}
_STATES_MAX = 1000


def _bounded_put(cache: dict[int, T], sale_id: int, value: T) -> None:
    if len(cache) >= _STATES_MAX and sale_id not in cache:
        cache.pop(next(iter(cache)), None)
    cache[sale_id] = value


def _remember_committed(sale_id: int, state: engine.State) -> None:
    known = _COMMITTED.get(sale_id)
    if known is not None and known.last_seq > state.last_seq:
        return  # a later operation's callback ran first (threads of one process)
    _bounded_put(_COMMITTED, sale_id, state)


def _state(sale: Sale, registrations: list[Registration] | None = None) -> engine.State:
    """The engine state of a locked sale: remembered by this process if it still matches the stored
    sale, otherwise rebuilt by replaying its recorded inputs, from a committed state this process
    remembers where it can (module doc). `registrations`: the sale's, read under its lock, when the
    caller has them."""
    if registrations is None:
        registrations = list(sale.registrations.all())
    qualified = frozenset(r.bid_number for r in registrations if r.qualified)
    latest = _LATEST.get(sale.pk)
    if latest is not None and latest[0] == sale.state_token and latest[1].qualified == qualified:
        return latest[1]
    base = _COMMITTED.get(sale.pk)
    if base is not None and (
        base.qualified != qualified or base.last_seq > sale.last_seq or base.params != _params(sale)
    ):
        base = None
    state = _replay(sale, list(qualified), base)
    _bounded_put(_LATEST, sale.pk, (sale.state_token, state))
    # Committed once this transaction commits (it may hold writes of its own to the sale).
    transaction.on_commit(lambda: _remember_committed(sale.pk, state))
    return state


def _replay(sale: Sale, qualified: list[str], base: engine.State | None = None) -> engine.State:
    """The state the recorded inputs give, from the start or from a committed `base` state."""
    state = base or engine.initial_state(_params(sale), qualified=qualified, at=sale.created_at)
    after = state.last_seq
    inputs: list[tuple[int, Any]] = [
        (bid.seq, bid) for bid in SaleBid.objects.filter(sale=sale, seq__gt=after).select_related("registration")
    ]
    acts = SaleEvent.objects.filter(
        sale=sale, seq__gt=after, kind__in=("frozen", "resume_announced", "increments_changed", "closed")
    )
    inputs += [(event.seq, event) for event in acts]
    for _seq, item in sorted(inputs, key=lambda pair: pair[0]):
        if isinstance(item, SaleBid):
            step = engine.bid(
                state,
                bidder=item.registration.bid_number,
                amount_fen=item.amount_fen,
                at=item.accepted_at,
                key=item.key,
            )
        elif item.kind == "frozen":
            step = engine.freeze(state, at=item.occurred_at, reason=item.payload["reason"])
        elif item.kind == "resume_announced":
            resume_at = dt.datetime.fromisoformat(item.payload["resume_at"])
            step = engine.resume(state, at=item.occurred_at, resume_at=resume_at)
        elif item.kind == "increments_changed":
            step = engine.adjust_increments(
                state,
                at=item.occurred_at,
                increment_fen=item.payload["increment_fen"],
                timed_increment_fen=item.payload["timed_increment_fen"],
            )
        elif (outcome := item.payload["outcome"])["deal"] and outcome["bid_seq"] is None:
            # A deal without a bid is a negotiated one; its close carries the floor (`sale_negotiate`).
            step = engine.negotiate(
                state,
                bidder=outcome["bid_number"],
                amount_fen=outcome["price_fen"],
                floor_fen=item.payload["reserve_fen"],
                at=item.occurred_at,
            )
        else:
            step = engine.close(state, at=item.occurred_at, reserve_fen=item.payload["reserve_fen"])
        if isinstance(step.reply, engine.Refused):
            raise ReplayMismatch(f"sale {sale.pk}: recorded bid #{_seq} refused on replay")
        state = step.state
    if state.last_seq > sale.last_seq:
        # Transitions due before the last recorded input but never persisted cannot exist: every
        # input was persisted with the transitions before it.
        raise ReplayMismatch(f"sale {sale.pk}: replay reached #{state.last_seq}, stored #{sale.last_seq}")
    if state.last_seq < sale.last_seq:
        # Trailing phase changes persisted by a tick: replay them at the last stored instant.
        last = SaleEvent.objects.filter(sale=sale).order_by("-seq").first()
        assert last is not None
        state = engine.tick(state, last.occurred_at).state
        if state.last_seq != sale.last_seq:
            raise ReplayMismatch(f"sale {sale.pk}: replay reached #{state.last_seq}, stored #{sale.last_seq}")
    return state


def _engine_clean(obj: Sale | SaleBid | SaleEvent) -> None:
    """Field validation of a row whose values the engine computed, without the queries of
    `full_clean`'s foreign-key, unique and constraint checks: the database enforces those same
    constraints at the write. Measured on PostgreSQL, the full checks were 63 queries and two
    thirds of a bid's 33 ms (docs/auction-engine.md, "Performance"); rows entered by people keep
    the full `full_clean`."""
    foreign_keys = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    obj.full_clean(exclude=foreign_keys, validate_unique=False, validate_constraints=False)


def _schedule_tick(sale: Sale, at: dt.datetime | None) -> None:
    """One pending tick job per sale, moved to the current phase end; a new one when it has run."""
    if at is None:
        return
    if sale.tick_job_key and jobs_services.job_reschedule(key=sale.tick_job_key, run_at=at) is not None:
        return
    key = f"auctions:sale:{sale.pk}:tick:{sale.last_seq}:{at.isoformat()}"
    jobs_services.job_enqueue(name=TICK_TASK, args={"sale_id": sale.pk}, run_at=at, key=key)
    sale.tick_job_key = key


# The columns a step that does not close the sale changes (`_persist`; `_schedule_tick` sets the job key).
SNAPSHOT_FIELDS = ["phase", "ends_at", "price_fen", "leader", "last_seq", "tick_job_key", "state_token"]


_INSERTED_FIELDS = {
    model: [f for f in model._meta.concrete_fields if not f.primary_key] for model in (SaleBid, SaleEvent)
}
_SNAPSHOT_COLUMNS = [field for field in Sale._meta.concrete_fields if field.name in SNAPSHOT_FIELDS]


def _rows_sql(model: type[SaleBid] | type[SaleEvent], objs: list[Any], connection: Any) -> tuple[str, list[Any]]:
    """An INSERT of `objs`, their values prepared by the model's fields as the ORM would."""
    quote = connection.ops.quote_name
    fields = _INSERTED_FIELDS[model]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([row] * len(objs))}"
    )
    return sql, [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]


def _store_in_one_statement(
    sale: Sale, bids: list[SaleBid], rows: list[SaleEvent], lock_witness_head: bool
) -> WitnessHead | None:
    """PostgreSQL: a batch's bids, its events, the sale's snapshot columns and the notification of
    the live room (`live.notification`) in one statement, one round trip (data-modifying WITH
    queries; the constraints hold as for separate statements). Measured (docs/auction-engine.md,
    "Performance", session 7): each round trip of a bid's transaction is a wait for the GIL when
    the thread comes back, behind the threads that compute, so the batch's four writes as separate
    statements cost more than their SQL. `lock_witness_head`: the witness head's lock goes as a
    second statement in the same round trip (after the writes, so it is still the last lock taken;
    session 9), and the head is returned for `event_record(head=...)`."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    parts: list[str] = []
    params: list[Any] = []
    for name, model, objs in (("bids", SaleBid, bids), ("events", SaleEvent, rows)):
        if objs:
            sql, values = _rows_sql(model, objs, connection)
            parts.append(f"{name} AS ({sql} RETURNING 1)")
            params += values
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in _SNAPSHOT_COLUMNS)
    parts.append(
        f"sale AS (UPDATE {quote(Sale._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s RETURNING 1)"
    )
    params += [f.get_db_prep_save(getattr(sale, f.attname), connection) for f in _SNAPSHOT_COLUMNS]
    params.append(sale.pk)
    channel, payload = live.notification(sale_id=sale.pk, last_seq=rows[-1].seq)
    sql = f"WITH {', '.join(parts)} SELECT pg_notify(%s, %s), (SELECT count(*) FROM sale)"
    params += [channel, payload]
    if lock_witness_head:
        head_sql, head_params = head_lock_sql(connection)
        sql, params = f"{sql}; {head_sql}", [*params, *head_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
        head_row = cursor.fetchone() if lock_witness_head and cursor.nextset() else None
    if found is None or found[1] != 1:
        raise Sale.DoesNotExist(f"sale {sale.pk} is gone")
    for obj in (*bids, *rows):
        obj._state.adding, obj._state.db = False, connection.alias
    return head_of(head_row) if lock_witness_head else None


def _persist(
    sale: Sale,
    step: engine.Step,
    registrations: list[Registration] | None = None,
    snapshot_only: bool = False,
    bids: list[SaleBid] | None = None,
    witness: Callable[[list[SaleEvent], WitnessHead | None], object] | None = None,
) -> list[SaleEvent]:
    """Write the step's events and the state snapshot of a locked sale, and move its tick job.
    `registrations`: the sale's, read under its lock in this transaction, when the caller has them.
    `snapshot_only`: the caller changed nothing else on the sale (bids), so unless the step closes
    the sale only `SNAPSHOT_FIELDS` are written. `bids`: accepted bids to store with the events
    (on PostgreSQL, with a snapshot-only step, in one statement: `_store_in_one_statement`).
    `witness`: the caller's witness entry, called last with the events and the witness head when
    the one statement has locked it (else None: `event_record` locks it)."""
    state = step.state
    rows = [
        SaleEvent(sale=sale, seq=event.seq, kind=event.kind, payload=_payload(event), occurred_at=event.at)
        for event in step.events
    ]
    for row in rows:
        _engine_clean(row)
    closed = next((e for e in step.events if isinstance(e, engine.Closed)), None)
    one_statement = (
        snapshot_only and closed is None and bool(rows) and transaction.get_connection().vendor == "postgresql"
    )
    if not one_statement:
        if bids:
            SaleBid.objects.bulk_create(bids)
        SaleEvent.objects.bulk_create(rows)
    if registrations is None:
        registrations = list(sale.registrations.all())
    by_number = {r.bid_number: r for r in registrations if r.bid_number}
    ends_before = sale.ends_at
    sale.phase = state.phase.value
    sale.ends_at = state.ends_at
    sale.price_fen = state.price_fen
    sale.leader = by_number[state.leader.bidder] if state.leader else None
    sale.last_seq = state.last_seq
    if closed is not None:
        result = closed.outcome
        sale.closed_at = closed.at
        # A negotiated close carries the floor (the start price, already public), not a sealed reserve.
        negotiated = isinstance(result, engine.Deal) and result.negotiated
        sale.reserve_fen = None if negotiated else closed.reserve_fen
        if isinstance(result, engine.Deal):
            sale.status = SaleStatus.DEAL
            sale.winner = by_number[result.bidder]
            sale.deal_price_fen = result.price_fen
        else:
            sale.status = SaleStatus.NO_DEAL
            sale.no_deal_reason = result.reason.value
    if closed is not None:
        results.sale_result_record(sale=sale)  # notices, confirmation, deposits (results.py)
    # A phase end to wait for; or bidding closed inside this operation (a resumption after the
    # capped listing end) and the worker must announce the result now.
    awaiting_close = state.phase == engine.Phase.CLOSED and state.result is None and sale.status == SaleStatus.OPEN
    due = state.ends_at or (state.clock if awaiting_close else None)
    if due != ends_before or not sale.tick_job_key:  # most bids of a listing leave its end alone
        _schedule_tick(sale, due)
    sale.state_token = new_state_token()
    _engine_clean(sale)
    head = None
    if one_statement:
        head = _store_in_one_statement(sale, bids or [], rows, lock_witness_head=witness is not None)
    elif closed is None and snapshot_only:
        sale.save(update_fields=SNAPSHOT_FIELDS)  # most bids: a shorter UPDATE than the whole row
    else:
        sale.save()
    # Before the commit (module doc): the next operation may take the lock before on-commit hooks run.
    _bounded_put(_LATEST, sale.pk, (sale.state_token, state))
    transaction.on_commit(lambda: _remember_committed(sale.pk, state))
    if rows:  # the live room (live.py): NOTIFY at commit, the in-process hub on commit
        live.announce(sale_id=sale.pk, rows=rows, notified=one_statement)
    if witness is not None:
        witness(rows, head)
    return rows


def _close_if_due(sale: Sale, state: engine.State, now: dt.datetime) -> engine.Step | None:
    """Bidding has closed: announce the result with the reserve, or wait for the seller's key."""
    if state.phase != engine.Phase.CLOSED or state.result is not None:
        return None
    if state.too_few_bidders:  # bidding never started: the reserve stays sealed, unread
        return engine.close(state, at=now, reserve_fen=None)
    reserve = SaleReserve.objects.filter(sale=sale).first()
    if reserve is not None and reserve.opened_at is None:
        if sale.status != SaleStatus.AWAITING_RESERVE:
            sale.status = SaleStatus.AWAITING_RESERVE
            _ask_for_the_reserve_key(sale, now)
        return None
    return engine.close(state, at=now, reserve_fen=reserve.reserve_fen if reserve else None)


RESERVE_KEY_TASK = "auctions.reserve_key_overdue"


def _ask_for_the_reserve_key(sale: Sale, now: dt.datetime) -> None:
    """Bidding has closed with a sealed reserve: the seller side is told to release its key, and a
    job alerts the center and the supervisor if it is still missing later (settings)."""
    body = _(
        "“{project} {lot}”竞价已结束，请立即登录平台开启保留价（提交保留价的解密密钥），以便公布竞价结果。"
    ).format(project=sale.lot.project.name, lot=sale.lot.name)
    sellers = accounts_selectors.users_of_organizations(results.seller_side(sale))
    results.notify(sellers, topic=f"auctions.reserve_key:{sale.pk}", subject=_("请开启保留价"), body=body)
    jobs_services.job_enqueue(
        name=RESERVE_KEY_TASK,
        args={"sale_id": sale.pk},
        run_at=now + dt.timedelta(minutes=settings.AUCTION_RESERVE_KEY_ALERT_MINUTES),
        key=f"auctions:sale:{sale.pk}:reserve-key-overdue",
    )


@transaction.atomic
def reserve_key_overdue_check(*, sale_id: int) -> bool:
    """Job some time after the close: a reserve still sealed is reported to the center's staff and
    the supervisor (the result cannot be announced without it). True if it was still missing."""
    sale = Sale.objects.select_related("lot__project").get(pk=sale_id)
    if sale.status != SaleStatus.AWAITING_RESERVE:
        return False
    project = sale.lot.project
    body = _(
        "“{project} {lot}”竞价结束已超过{minutes}分钟，出让人（转让方）仍未开启保留价，竞价结果无法公布，请督促办理。"
    ).format(project=project.name, lot=sale.lot.name, minutes=settings.AUCTION_RESERVE_KEY_ALERT_MINUTES)
    results.notify(
        results.center_and_supervisor(sale),
        topic=f"auctions.reserve_key_overdue:{sale.pk}",
        subject=_("保留价未开启提醒"),
        body=body,
    )
    event_record(action="auctions.reserve_key_overdue", obj=sale, after={"status": sale.status})
    return True


def _combine(first: engine.Step, second: engine.Step | None) -> engine.Step:
    if second is None:
        return first
    return engine.Step(second.state, first.events + second.events, first.reply)


def _witness_events(rows: list[SaleEvent]) -> list[dict[str, Any]]:
    return [{"seq": row.seq, "kind": row.kind, **row.payload} for row in rows]


# ---------------------------------------------------------------- setup


@transaction.atomic
def sale_create(
    *,
    actor: Any,
    lot: Lot,
    method: str,
    start_price_fen: int,
    increment_fen: int,
    timed_increment_fen: int,
    start_at: dt.datetime,
    listing_end: dt.datetime | None = None,
    deposit_fen: int | None = None,
    valuation_fen: int | None = None,
    floor_approved_by: str = "",
    floor_approval_reference: str = "",
    control_change: bool = False,
) -> Sale:
    """The seller side sets up a sale of a lot; the legal numbers come from the rule table. The
    listing notice is published at once (`results.listing_notice_publish`). A state-property sale
    records its valuation; a floor below the rule-table ratio of it needs the approving body and
    its document number (`results.floor_errors`)."""
    project = lot.project
    if not policies.can_manage_project(actor, project):
        raise PermissionDenied(_("只有出让人（转让方）或其代理机构可以设立竞价交易。"))
    if project.trade_type not in SALE_TRADE_TYPES or method not in METHODS_BY_TRADE_TYPE[project.trade_type]:
        raise ValidationError({"method": _("本项目的交易类型不能采用该交易方式。")})
    if method not in SaleMethod.values:
        raise ValidationError({"method": _("本功能只办理挂牌、拍卖和网络竞价。")})
    now = clock.now()
    errors: dict[str, str] = {}
    notice = results.sale_rule(NOTICE_RULE_BY_TRADE_TYPE[project.trade_type], lot=lot, method=method)
    earliest_start = periods.earliest_day_after(now.date(), notice)
    if clock.local(start_at).date() < earliest_start:
        errors["start_at"] = _("公告之日至开始之日不得少于{period}，最早可于{day}开始。").format(
            period=notice.display, day=earliest_start.isoformat()
        )
    if method == SaleMethod.LISTING and listing_end is not None:
        minimum = results.sale_rule("listing.min_days", lot=lot, method=method)
        earliest_end = periods.earliest_day_after(clock.local(start_at).date(), minimum)
        if clock.local(listing_end).date() < earliest_end:
            errors["listing_end"] = _("挂牌期不得少于{value}，最早可于{day}截止。").format(
                value=minimum.display, day=earliest_end.isoformat()
            )
    errors |= results.floor_errors(
        lot=lot,
        method=method,
        start_price_fen=start_price_fen,
        valuation_fen=valuation_fen,
        approved_by=floor_approved_by,
        approval_reference=floor_approval_reference,
    )
    errors |= _predisclosure_errors(lot=lot, control_change=control_change, now=now)
    if errors:
        raise ValidationError(errors)
    sale = Sale(
        lot=lot,
        method=method,
        start_price_fen=start_price_fen,
        increment_fen=increment_fen,
        timed_increment_fen=timed_increment_fen,
        start_at=start_at,
        listing_end=listing_end,
        deposit_fen=deposit_fen,
        valuation_fen=valuation_fen,
        floor_approved_by=floor_approved_by.strip(),
        floor_approval_reference=floor_approval_reference.strip(),
        control_change=control_change,
        ends_at=start_at,
        created_at=now,
        created_by=actor,
        **legal_terms(lot=lot, method=method),
    )
    sale.full_clean()
    try:
        _params(sale)
    except (TypeError, ValueError) as error:
        raise ValidationError(_("竞价参数不正确：{reason}").format(reason=error)) from error
    sale.save()
    _schedule_tick(sale, sale.start_at)
    sale.save(update_fields=["tick_job_key"])
    results.listing_notice_publish(actor=actor, sale=sale)
    event_record(action="auctions.sale_created", actor=actor, obj=sale, after=_snapshot(sale))
    return sale


# The facts of a lot each trade type records (issue 7 item 1), and which of them are required.
OBJECT_FIELDS: dict[str, tuple[str, ...]] = {
    TradeType.LAND_USE: (
        "location",
        "area_m2",
        "land_use",
        "term_years",
        "plot_ratio_max",
        "plot_ratio_min",
        "density_max_percent",
        "green_min_percent",
        "height_max_m",
    ),
    TradeType.MINING_RIGHTS: ("right_kind", "mineral", "location", "area_km2", "term_years", "resources"),
    TradeType.STATE_PROPERTY: ("enterprise", "share_percent", "location"),
}
OBJECT_REQUIRED: dict[str, tuple[str, ...]] = {
    TradeType.LAND_USE: ("location", "area_m2", "land_use", "term_years", "plot_ratio_max"),
    TradeType.MINING_RIGHTS: ("right_kind", "mineral", "location", "area_km2", "term_years"),
    TradeType.STATE_PROPERTY: ("enterprise",),
}


@transaction.atomic
def trade_object_register(*, actor: Any, lot: Lot, **facts: Any) -> TradeObject:
    """The seller side records what the lot is (the parcel, the mining right, the equity or asset);
    it may correct it until a sale of the lot is under way or has made a deal (the listing notice
    states it)."""
    project = lot.project
    if not policies.can_manage_project(actor, project):
        raise PermissionDenied(_("只有出让人（转让方）或其代理机构可以登记交易标的。"))
    if project.trade_type not in OBJECT_FIELDS:
        raise ValidationError(_("只有土地使用权、矿业权和国有产权交易登记交易标的。"), code="not_a_sale_trade_type")
    lot = lock(Lot, pk=lot.pk)
    if Sale.objects.filter(
        lot=lot, status__in=[SaleStatus.OPEN, SaleStatus.AWAITING_RESERVE, SaleStatus.DEAL]
    ).exists():
        raise ValidationError(_("该标的的竞价交易已经公告，不能再修改交易标的。"), code="object_published")
    fields = OBJECT_FIELDS[project.trade_type]
    unknown = set(facts) - set(fields)
    if unknown:
        raise ValidationError(_("本交易类型没有这些标的信息：{names}。").format(names="、".join(sorted(unknown))))
    errors = {name: _("此项必填。") for name in OBJECT_REQUIRED[project.trade_type] if facts.get(name) in (None, "")}
    low, high = facts.get("plot_ratio_min"), facts.get("plot_ratio_max")
    if low is not None and high is not None and low > high:
        errors["plot_ratio_min"] = _("容积率下限不能大于上限。")
    if errors:
        raise ValidationError(errors)
    found = TradeObject.objects.filter(lot=lot).first()
    before = _object_facts(found, fields) if found is not None else None
    item = found or TradeObject(lot=lot)
    for name in fields:
        default = (
            None if isinstance(TradeObject._meta.get_field(name), (models.DecimalField, models.IntegerField)) else ""
        )
        value = facts.get(name)
        setattr(item, name, default if value is None else value)
    item.registered_at = clock.now()
    item.registered_by = actor
    item.full_clean()
    item.save()
    event_record(
        action="auctions.object_registered", actor=actor, obj=item, before=before, after=_object_facts(item, fields)
    )
    return item


def _object_facts(item: TradeObject, fields: tuple[str, ...]) -> dict[str, Any]:
    return {
        name: (str(value) if value is not None else None) for name in fields if (value := getattr(item, name)) != ""
    }


def _predisclosure_errors(*, lot: Lot, control_change: bool, now: dt.datetime) -> dict[str, str]:
    """A state-property transfer that moves the actual control of the enterprise is disclosed
    formally only after its pre-disclosure has run the rule-table working days (32号令)."""
    if not control_change:
        return {}
    if lot.project.trade_type != TradeType.STATE_PROPERTY:
        return {"control_change": _("只有国有产权转让适用信息预披露。")}
    predisclosure = Predisclosure.objects.filter(lot=lot).first()
    minimum = results.predisclosure_rule(results.PREDISCLOSURE_MIN_RULE, lot=lot)
    if predisclosure is None:
        return {
            "control_change": _(
                "转让导致标的企业实际控制权转移的，正式披露前应当进行信息预披露，预披露期不少于{period}"
                "（{source}）：请先发布信息预披露。"
            ).format(period=minimum.display, source=minimum.source)
        }
    earliest = results.formal_disclosure_from(predisclosure)
    if now.date() < earliest:
        return {
            "control_change": _("信息预披露期不少于{period}，正式披露（设立竞价交易）最早可于{day}进行。").format(
                period=minimum.display, day=earliest.isoformat()
            )
        }
    return {}


@transaction.atomic
def predisclosure_publish(
    *, actor: Any, lot: Lot, approved_on: dt.date, approval_reference: str, summary: str
) -> Predisclosure:
    """The seller side pre-discloses a state-property transfer that moves the actual control of the
    enterprise, within the rule-table working days after the transfer was approved (32号令)."""
    project = lot.project
    if not policies.can_manage_project(actor, project):
        raise PermissionDenied(_("只有转让方或其代理机构可以发布信息预披露。"))
    if project.trade_type != TradeType.STATE_PROPERTY:
        raise ValidationError(_("只有国有产权转让适用信息预披露。"), code="not_state_property")
    lot = lock(Lot, pk=lot.pk)
    if Predisclosure.objects.filter(lot=lot).exists():
        raise ValidationError(_("该标的已经发布信息预披露。"), code="already_predisclosed")
    now = clock.now()
    errors: dict[str, str] = {}
    within = results.predisclosure_rule(results.PREDISCLOSURE_WITHIN_RULE, lot=lot)
    if approved_on > now.date():
        errors["approved_on"] = _("批准日期不能晚于今天。")
    elif now > periods.period_deadline(approved_on, within):
        errors["approved_on"] = _("信息预披露应当在转让行为批准后{period}内发布（{source}），已逾期。").format(
            period=within.display, source=within.source
        )
    if not approval_reference.strip():
        errors["approval_reference"] = _("请填写批准文件文号。")
    if not summary.strip():
        errors["summary"] = _("请填写预披露内容。")
    if errors:
        raise ValidationError(errors)
    predisclosure = Predisclosure(
        lot=lot,
        approved_on=approved_on,
        approval_reference=approval_reference.strip(),
        summary=summary.strip(),
        published_at=now,
        published_by=actor,
    )
    predisclosure.full_clean()
    predisclosure.save()
    results.predisclosure_publish_notice(actor=actor, predisclosure=predisclosure)
    event_record(
        action="auctions.predisclosed",
        actor=actor,
        obj=predisclosure,
        after={"lot": lot.code, "approved_on": approved_on, "approval_reference": predisclosure.approval_reference},
    )
    return predisclosure


def _snapshot(sale: Sale) -> dict[str, Any]:
    return {
        "lot": sale.lot.code,
        "method": sale.method,
        "start_price_fen": sale.start_price_fen,
        "increment_fen": sale.increment_fen,
        "timed_increment_fen": sale.timed_increment_fen,
        "start_at": sale.start_at,
        "listing_end": sale.listing_end,
        "last_window_seconds": sale.last_window_seconds,
        "timed_min_bidders": sale.timed_min_bidders,
        "min_bidders": sale.min_bidders,
        "control_change": sale.control_change,
        "preparation_seconds": sale.preparation_seconds,
        "countdown_seconds": sale.countdown_seconds,
        "timed_eligibility": sale.timed_eligibility,
        "freeze_extension_cap_seconds": sale.freeze_extension_cap_seconds,
        "quick_fix_seconds": sale.quick_fix_seconds,
        "resume_notice_seconds": sale.resume_notice_seconds,
        "deposit_fen": sale.deposit_fen,
        "valuation_fen": sale.valuation_fen,
        "floor_approved_by": sale.floor_approved_by,
        "floor_approval_reference": sale.floor_approval_reference,
    }


# ---------------------------------------------------------------- registrations


# Registration rules per trade type (rules-cn.md §4.1, the Fujian online rules 🟡); a trade type
# without a row has no such deadline (the engine still admits nobody after the listing).
REGISTRATION_CLOSE_RULE_BY_TRADE_TYPE = {"land_use": "land.registration_close_min_working_days_before_listing_end"}
REVIEW_RULE_BY_TRADE_TYPE = {"land_use": "land.application_review_days"}
REJECTED_REFUND_RULE_BY_TRADE_TYPE = {"land_use": "land.rejected_deposit_refund_days"}
REVIEW_DEADLINE_TASK = "auctions.review_deadline"


def registration_closes_at(sale: Sale) -> dt.datetime | None:
    """The end of the last day on which one may apply: the legal working days must remain before
    the listing end (Fujian: ≥ 3). None: no listing period, or no such rule for the trade type."""
    rule = results.optional_rule(REGISTRATION_CLOSE_RULE_BY_TRADE_TYPE, sale)
    if rule is None or sale.listing_end is None:
        return None
    return clock.end_of_day(periods.latest_day_before(clock.local(sale.listing_end).date(), rule))


def review_due_at(sale: Sale, applied_at: dt.datetime) -> dt.datetime | None:
    """When an application must have been reviewed (Fujian: within 2 days); None without a rule."""
    rule = results.optional_rule(REVIEW_RULE_BY_TRADE_TYPE, sale)
    if rule is None:
        return None
    return clock.end_of_day(periods.period_last_day(clock.local(applied_at).date(), rule))


@transaction.atomic
def registration_apply(*, actor: Any, sale: Sale) -> Registration:
    """A market entity applies to bid. Who applied is not witnessed by name (bid numbers only)."""
    if not policies.can_register(actor, sale):
        raise PermissionDenied(_("只有竞买人可以申请参加竞价，出让人及其代理机构不能参加。"))
    sale = lock_instance(sale)
    if not sale.can_bid() or sale.phase not in ("scheduled", "listing", "frozen"):
        raise ValidationError(_("本次竞价已不接受竞买申请。"))
    if Registration.objects.filter(sale=sale, organization_id=actor.organization_id).exists():
        raise ValidationError(_("本单位已申请参加本次竞价。"))
    now = clock.now()
    closes = registration_closes_at(sale)
    if closes is not None and now > closes:
        at = clock.local(closes).strftime("%Y-%m-%d %H:%M")
        raise ValidationError(_("竞买申请已于{at}截止（挂牌截止前须留有法定期间）。").format(at=at))
    registration = Registration(sale=sale, organization=actor.organization, applied_at=now, applied_by=actor)
    registration.full_clean()
    registration.save()
    due = review_due_at(sale, now)
    if due is not None:
        jobs_services.job_enqueue(
            name=REVIEW_DEADLINE_TASK,
            args={"registration_id": registration.pk},
            run_at=due + dt.timedelta(microseconds=1),
            key=f"auctions:registration:{registration.pk}:review-deadline",
        )
    event_record(action="auctions.registration_applied", obj=registration, after={"sale": sale.pk})
    return registration


@transaction.atomic
def review_deadline_check(*, registration_id: int) -> bool:
    """Job after the review deadline: an application still unreviewed is reported to the center
    (which reviews) and the supervisor, by application number only. True if it was overdue."""
    registration = Registration.objects.select_related("sale__lot__project").get(pk=registration_id)
    if registration.status != RegistrationStatus.APPLIED:
        return False
    sale = registration.sale
    project = sale.lot.project
    body = _("“{project} {lot}”的第{number}号竞买申请超过法定审核期限仍未审核，请尽快办理。").format(
        project=project.name, lot=sale.lot.name, number=registration.pk
    )
    results.notify(
        results.center_and_supervisor(sale),
        topic=f"auctions.review_overdue:{registration.pk}",
        subject=_("竞买申请审核逾期提醒"),
        body=body,
    )
    event_record(action="auctions.review_overdue", obj=registration, after={"sale": sale.pk})
    return True


def _new_bid_number(sale: Sale) -> str:
    while True:
        number = f"{secrets.randbelow(10**BID_NUMBER_DIGITS):0{BID_NUMBER_DIGITS}d}"
        if not Registration.objects.filter(sale=sale, bid_number=number).exists():
            return number


def _admission(sale: Sale, registration: Registration, now: dt.datetime) -> engine.Step:
    """The engine's admission of a bid number that is becoming qualified; refused after the listing.
    Computed before the registration is saved, persisted after it."""
    try:
        return engine.admit(_state(sale), bidder=registration.bid_number, at=now)
    except engine.EngineError as error:
        raise _engine_error(error) from error


@transaction.atomic
def registration_review(*, actor: Any, registration: Registration, approve: bool) -> Registration:
    """Trading-center staff approve (assigning the anonymous bid number) or reject an application
    (竞买资格审查). The center reviews, not the seller side: the seller must not learn who applies
    before the close (issue 7), and the center is the neutral operator that may see identities."""
    if not policies.can_review(actor):
        raise PermissionDenied(_("只有交易中心工作人员可以审核竞买申请。"))
    sale = lock(Sale, pk=registration.sale_id)
    registration = lock_instance(registration)
    if not registration.can_review():
        raise ValidationError(_("该竞买申请已经审核。"))
    before = registration.status
    now = clock.now()
    registration.status = RegistrationStatus.APPROVED if approve else RegistrationStatus.REJECTED
    registration.bid_number = _new_bid_number(sale) if approve else ""
    registration.reviewed_at = now
    registration.reviewed_by = actor
    refund = results.optional_rule(REJECTED_REFUND_RULE_BY_TRADE_TYPE, sale)
    if not approve and registration.deposit_confirmed_at is not None and refund is not None:
        # A rejected applicant that had paid is owed its deposit back (Fujian: within 5 days).
        registration.refund_due = clock.end_of_day(periods.period_last_day(clock.local(now).date(), refund))
    admission = _admission(sale, registration, now) if registration.qualified else None
    registration.full_clean()
    registration.save()
    if admission is not None:
        _persist(sale, admission)
    event_record(
        action="auctions.registration_reviewed",
        actor=actor,
        obj=registration,
        before={"status": before},
        after={"status": registration.status},
    )
    return registration


@transaction.atomic
def deposit_confirm(*, actor: Any, registration: Registration) -> Registration:
    """Trading-center staff confirm by hand that the deposit arrived (the bank reports it itself
    through `deposits.bank_callback`)."""
    if not policies.can_operate(actor):
        raise PermissionDenied(_("只有交易中心工作人员可以确认保证金到账。"))
    return deposit_arrived(actor=actor, registration=registration)


@transaction.atomic
def deposit_arrived(
    *, actor: Any, registration: Registration, transaction_id: str = "", amount_fen: int | None = None
) -> Registration:
    """The deposit arrived: confirmed by the center (`actor`) or reported by the bank (no actor,
    its `transaction_id`). Callers decide who may say so. An approved bidder qualifies at once."""
    sale = lock(Sale, pk=registration.sale_id)
    registration = lock_instance(registration)
    if registration.deposit_confirmed_at is not None:
        return registration
    if registration.status == RegistrationStatus.REJECTED:
        raise ValidationError(_("竞买申请未通过审核，保证金应当退还。"))
    now = clock.now()
    registration.deposit_confirmed_at = now
    registration.deposit_transaction = transaction_id
    admission = _admission(sale, registration, now) if registration.qualified else None
    registration.full_clean()
    registration.save()
    if admission is not None:
        _persist(sale, admission)
    after: dict[str, Any] = {"at": now}
    if transaction_id:
        after |= {"transaction": transaction_id, "amount_fen": amount_fen}
    event_record(action="auctions.deposit_confirmed", actor=actor, obj=registration, after=after)
    return registration


# ---------------------------------------------------------------- bidding and the clock


@dataclass(frozen=True)
class BidAck:
    """The acknowledgement of an accepted bid (the same one again for a repeated key)."""

    bid_number: str
    amount_fen: int
    seq: int
    accepted_at: dt.datetime
    duplicate: bool = False


@dataclass(eq=False)
class _Bid:
    """One bid waiting for its sale's next write (`_bids_write`): its answer, once written, is
    `ack` or `error`."""

    actor: Any
    amount_fen: int
    key: str
    receipt: int  # the request's place in the order the server received them (core.http)
    instant: int = 0  # the loop's pass that read it (core.http.receipt_instant); 0: not known
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # handed the lead: this bid's thread writes the next batch
    ack: BidAck | None = None
    error: BaseException | None = None

    def answer(self) -> BidAck:
        if self.error is not None:
            raise self.error
        assert self.ack is not None
        return self.ack


@dataclass(eq=False)
class _Queue:
    """The bids of one sale waiting in this process, whether a thread is writing them, and the bid
    requests of the sale running on a thread of this process that have not reached it yet."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    waiting: list[_Bid] = field(default_factory=list)
    writing: bool = False
    running: dict[int, int] = field(default_factory=dict)  # receipt number → instant (`bid_request_running`)
    changed: threading.Condition = field(init=False)  # on `lock`: a running request queued or ended

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)

    def idle(self) -> bool:
        return not (self.writing or self.waiting or self.running)


# Sale id → its queue, while it has bids waiting, being written or on their way (`_prune`).
_QUEUES: dict[int, _Queue] = {}
_QUEUES_LOCK = threading.Lock()


@contextlib.contextmanager
def _locked_queue(sale_id: int) -> Iterator[_Queue]:
    """The sale's queue, locked; found and locked under the registry's lock, so that `_prune`
    cannot remove it in between."""
    with _QUEUES_LOCK:
        queue = _QUEUES.get(sale_id)
        if queue is None:
            queue = _QUEUES[sale_id] = _Queue()
        queue.lock.acquire()
    try:
        yield queue
    finally:
        queue.lock.release()


def _prune(sale_id: int, queue: _Queue) -> None:
    """Forget an idle queue (sale ids come from request paths: the registry must not grow with them)."""
    with _QUEUES_LOCK, queue.lock:
        if _QUEUES.get(sale_id) is queue and queue.idle():
            del _QUEUES[sale_id]


def bid_request_running(sale_id: int, receipt: int, instant: int = 0) -> None:
    """A bid request for the sale, received as `receipt`, runs on a thread of this process: a batch
    about to be written waits for it to reach the sale (`_gather`). The web server's entry point
    calls this and `bid_request_ended` (`ggzy/auctions/arrivals.py`)."""
    with _locked_queue(sale_id) as queue:
        queue.running[receipt] = instant


def bid_request_ended(sale_id: int, receipt: int) -> None:
    """The request has reached the sale's queue, or ended without a bid (refused before the
    service: not signed in, a bad body …)."""
    with _locked_queue(sale_id) as queue:
        _arrived(queue, receipt)
    _prune(sale_id, queue)


def _arrived(queue: _Queue, receipt: int) -> None:
    """Under the queue's lock: the request is no longer on its way; a batch waiting for it goes on."""
    if queue.running.pop(receipt, None) is not None:
        queue.changed.notify_all()


def _gather(queue: _Queue) -> None:
    """Under the queue's lock, before a batch is taken: wait until the bid requests of the sale now
    running on this process's threads have queued (or ended), at most `AUCTION_BID_GATHER_SECONDS`.

    The order of receipt then holds across batches too: measured on one sale bid from eight
    connections (docs/auction-engine.md, "Performance", session 7), most of the bids still refused
    after `_judging_order` had been received before the higher bid that beat them but were still
    in the middleware when its batch was written. Only requests already on a thread are waited
    for (one waiting for a free thread could be behind the bids that wait for this batch), and of
    those only the ones read no later than the newest bid waiting (`core.http.receipt_instant`):
    one read after it cannot be overtaken by it. Not known (0): every one."""
    newest = max((bid.instant for bid in queue.waiting), default=0)
    expected = {r for r, instant in queue.running.items() if not (newest and instant) or instant <= newest}
    if not expected:
        return
    deadline = time.monotonic() + settings.AUCTION_BID_GATHER_SECONDS
    while not expected.isdisjoint(queue.running):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        queue.changed.wait(remaining)


def sale_bid(*, actor: Any, sale: Sale, amount_fen: int, key: str) -> BidAck:
    """A qualified bidder's bid, judged by the engine at the server time read under the sale lock.

    Accepted: the bid and its events are stored and the tick job moves to the new phase end.
    Refused: ValidationError with the refusal code, nothing written. A repeated key returns the
    original acknowledgement and writes nothing. An unknown sale: Sale.DoesNotExist.

    Group commit. The bids that reach one process for one sale while that sale's last write is
    running are written together by one thread, in one transaction under one lock of the sale, in
    the order the server received them (`_judging_order`): each is judged by the engine on its own
    (a refusal refuses only that bid), and each is acknowledged only after the commit. Measured (bench/bench_auction.py,
    docs/auction-engine.md "Performance"): a hot sale's bids were serialised on its row lock, one
    transaction of a dozen statements each; written together they share the lock, the reads, the
    witness entry and the commit. Inside a caller's transaction the bid is written in it, alone."""
    if not isinstance(key, str) or not key or len(key) > 100:
        raise ValidationError({"key": _("报价编号须为1至100个字符。")})
    mine = _Bid(actor, amount_fen, key, receipt_number(), receipt_instant())
    if transaction.get_connection().in_atomic_block:
        bid_request_ended(sale.pk, mine.receipt)
        _bids_write(sale.pk, [mine])
        return mine.answer()
    with _locked_queue(sale.pk) as queue:
        queue.waiting.append(mine)
        mine.lead = not queue.writing
        queue.writing = True
        _arrived(queue, mine.receipt)
    while True:
        if mine.lead:
            mine.lead = False
            _bids_lead(sale.pk, queue)
        mine.done.wait()
        if mine.ack is not None or mine.error is not None:
            return mine.answer()
        # Woken without an answer: this thread now writes the next batch.


def _bids_lead(sale_id: int, queue: _Queue) -> None:
    """Write one batch of the waiting bids (this thread's among them), then hand the lead to the
    first bid still waiting, or give it up."""
    with queue.lock:
        _gather(queue)
        batch = queue.waiting[: settings.AUCTION_BID_BATCH_MAX]
        del queue.waiting[: settings.AUCTION_BID_BATCH_MAX]
    try:
        _bids_write(sale_id, batch)
    except BaseException as error:  # noqa: BLE001 - the transaction failed: every bid of the batch is told
        for bid in batch:
            bid.ack, bid.error = None, error
    finally:
        with queue.lock:
            successor = queue.waiting[0] if queue.waiting else None
            queue.writing = successor is not None
            if successor is not None:
                successor.lead = True
        for bid in batch:
            bid.done.set()
        if successor is not None:
            successor.done.set()
        else:
            _prune(sale_id, queue)


def _bid_registration(actor: Any, registrations: list[Registration]) -> Registration:
    organization_id = getattr(actor, "organization_id", None)
    registration = next(
        (
            r
            for r in registrations
            if organization_id is not None
            and r.organization_id == organization_id
            and r.status == RegistrationStatus.APPROVED
        ),
        None,
    )
    if registration is None or not policies.can_bid(actor, registration):
        raise PermissionDenied(_("只有审核通过的竞买人可以报价。"))
    return registration


_Entry = tuple[_Bid, Registration]


def _trial(state: engine.State, entries: list[_Entry], now: dt.datetime) -> engine.State | None:
    """The state after accepting `entries` in turn as new bids, or None if the engine would refuse one."""
    for bid, registration in entries:
        try:
            step = engine.bid(state, bidder=registration.bid_number, amount_fen=bid.amount_fen, at=now, key=bid.key)
        except engine.EngineError:
            return None
        if not isinstance(step.reply, engine.Accepted) or step.reply.duplicate:
            return None
        state = step.state
    return state


def _judging_order(state: engine.State, entries: list[_Entry], now: dt.datetime) -> list[_Entry]:
    """The order in which a batch is judged: the order of receipt (`entries`), except that a bid
    refused there only because a higher bid of the same batch was received a moment before it is
    placed just before that higher bid, if both then stand (each one increment above the last).

    So the batch accepts every bid the order of receipt accepts, the same leader at the same price,
    and also the bids the server's own scheduling put behind a higher one: measured on one sale bid
    from eight connections, the event loop reads requests that arrive together in an order of its
    own (five amounts sent in ascending order were read in descending order), and a third of the
    valid bids were refused for it (docs/auction-engine.md, "Performance", session 7). A bid within
    one increment of a higher one, or equal to one, is still refused: equal amounts go to the bid
    received first. The bids this order accepts come first, ascending; the others follow in order
    of receipt and are judged after them, as refusals or repeated keys."""
    first = state
    accepted: list[_Entry] = []
    others: list[_Entry] = []
    for entry in entries:
        after = _trial(state, [entry], now)
        if after is not None:
            accepted.append(entry)
            state = after
            continue
        amount = entry[0].amount_fen
        slot = next((n for n, (bid, _r) in enumerate(accepted) if bid.amount_fen > amount), None)
        if slot is not None:
            placed = [*accepted[:slot], entry, *accepted[slot:]]
            after = _trial(first, placed, now)
            if after is not None:
                accepted, state = placed, after
                continue
        others.append(entry)
    return accepted + others


def _bids_write(sale_id: int, batch: list[_Bid]) -> None:
    """Judge and store a batch of bids of one sale in one transaction (`sale_bid`). Each bid gets
    its `ack` or its own `error`; an exception out of here means nothing was written."""
    with transaction.atomic():
        # One read of the registrations, with the lock in one round trip, serves the permissions,
        # the engine state and the snapshot.
        sale, registrations = lock_with(Sale, sale_id, Registration, "sale")
        now = clock.now()
        state = _state(sale, registrations)
        events: list[engine.Event] = []
        stored: list[SaleBid] = []
        entries: list[_Entry] = []
        for bid in sorted(batch, key=lambda b: b.receipt):
            bid.ack = bid.error = None
            try:
                entries.append((bid, _bid_registration(bid.actor, registrations)))
            except PermissionDenied as error:
                bid.error = error
        for bid, registration in _judging_order(state, entries, now):
            try:
                step = engine.bid(state, bidder=registration.bid_number, amount_fen=bid.amount_fen, at=now, key=bid.key)
            except engine.EngineError as error:
                bid.error = _engine_error(error)
                continue
            reply = step.reply
            if isinstance(reply, engine.Refused):
                bid.error = ValidationError(refusal_message(reply.reason), code=reply.reason.value)
                continue
            assert isinstance(reply, engine.Accepted)
            if reply.duplicate:
                original = next((row for row in stored if row.key == bid.key), None)
                if original is None:
                    original = SaleBid.objects.get(sale=sale, key=bid.key)
                bid.ack = BidAck(registration.bid_number, original.amount_fen, original.seq, original.accepted_at, True)
                continue
            row = SaleBid(
                sale=sale,
                registration=registration,
                amount_fen=reply.bid.amount_fen,
                key=bid.key,
                seq=reply.bid.seq,
                phase=reply.bid.phase.value,
                accepted_at=now,
            )
            _engine_clean(row)
            stored.append(row)
            events += step.events
            state = step.state
            bid.ack = BidAck(registration.bid_number, row.amount_fen, row.seq, row.accepted_at)
        if not stored:
            return

        # No actor: who bid is not witnessed by name before the close, only the bid number.
        def witness(rows: list[SaleEvent], head: WitnessHead | None) -> None:
            event_record(action="auctions.bid_accepted", obj=sale, after={"events": _witness_events(rows)}, head=head)

        _persist(sale, engine.Step(state, tuple(events), None), registrations, True, stored, witness)


@transaction.atomic
def sale_tick(*, sale_id: int) -> Sale:
    """The worker's call at each phase end: perform what is due; at the close announce the result
    with the reserve, or wait for the seller to release the reserve's key."""
    sale = lock(Sale, pk=sale_id)
    if sale.status in (SaleStatus.DEAL, SaleStatus.NO_DEAL):
        return sale
    now = clock.now()
    state = _state(sale)
    try:
        step = engine.tick(state, now)
    except engine.EngineError as error:
        raise _engine_error(error) from error
    step = _combine(step, _close_if_due(sale, step.state, now))
    if not step.events and sale.status == SaleStatus.OPEN:
        _schedule_tick(sale, step.state.ends_at)
        sale.save(update_fields=["tick_job_key"])
        return sale
    rows = _persist(sale, step)
    event_record(
        action="auctions.sale_ticked", obj=sale, after={"status": sale.status, "events": _witness_events(rows)}
    )
    return sale


@transaction.atomic
def sale_freeze(*, actor: Any, sale: Sale, reason: str = "system_fault") -> Sale:
    """Trading-center staff stop the clock on a fault; bids are refused until the resumption."""
    if not policies.can_operate(actor):
        raise PermissionDenied(_("只有交易中心工作人员可以冻结交易。"))
    sale = lock_instance(sale)
    now = clock.now()
    try:
        step = engine.freeze(_state(sale), at=now, reason=reason)
    except engine.EngineError as error:
        raise _engine_error(error) from error
    rows = _persist(sale, step)
    event_record(action="auctions.sale_frozen", actor=actor, obj=sale, after={"events": _witness_events(rows)})
    return sale


@transaction.atomic
def sale_resume(*, actor: Any, sale: Sale, resume_at: dt.datetime | None = None) -> Sale:
    """Trading-center staff announce when trading resumes (now, when the fault was fixed quickly
    enough; otherwise with the notice the rule table asks for)."""
    if not policies.can_operate(actor):
        raise PermissionDenied(_("只有交易中心工作人员可以恢复交易。"))
    sale = lock_instance(sale)
    now = clock.now()
    try:
        step = engine.resume(_state(sale), at=now, resume_at=resume_at or now)
    except engine.EngineError as error:
        raise _engine_error(error) from error
    rows = _persist(sale, step)
    event_record(action="auctions.sale_resumed", actor=actor, obj=sale, after={"events": _witness_events(rows)})
    return sale


@transaction.atomic
def sale_increments_adjust(*, actor: Any, sale: Sale, increment_fen: int, timed_increment_fen: int) -> Sale:
    """Trading-center staff set new increments as the transferor decided (39号令: the increment may
    be adjusted during the listing); the live room announces them and the next bid is judged by
    them. Before the start or in the listing only."""
    if not policies.can_operate(actor):
        raise PermissionDenied(_("只有交易中心工作人员可以调整加价幅度。"))
    for value in (increment_fen, timed_increment_fen):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValidationError(_("加价幅度须为正数。"), code="invalid_increment")
    sale = lock_instance(sale)
    if sale.status != SaleStatus.OPEN:
        raise ValidationError(_("交易已经结束，不能调整加价幅度。"), code="sale_closed")
    now = clock.now()
    state = _state(sale)
    before = state.increments
    try:
        step = engine.adjust_increments(
            state, at=now, increment_fen=increment_fen, timed_increment_fen=timed_increment_fen
        )
    except engine.EngineError as error:
        raise _engine_error(error) from error
    rows = _persist(sale, step)
    event_record(
        action="auctions.increments_adjusted",
        actor=actor,
        obj=sale,
        before={"increment_fen": before[0], "timed_increment_fen": before[1]},
        after={"events": _witness_events(rows)},
    )
    return sale


def _negotiation_error(error: engine.EngineError, floor_fen: int) -> ValidationError:
    messages = {
        engine.ErrorCode.NOT_NEGOTIABLE: _("只有国有产权转让可以在只有一个合格意向受让方时协议成交。"),
        engine.ErrorCode.BIDDING_STARTED: _("竞价已经开始或交易已经结束，不能再协议成交。"),
        engine.ErrorCode.NOT_SINGLE_TRANSFEREE: _(
            "协议成交须恰好有一个合格意向受让方（审核通过并已交纳保证金）；产生两个以上意向受让方的，"
            "应当公开竞价（企业国有资产法第五十四条）。"
        ),
        engine.ErrorCode.BELOW_FLOOR: _("协议成交价不得低于转让底价{floor}元。").format(floor=format_yuan(floor_fen)),
    }
    if error.code not in messages:
        return _engine_error(error)
    return ValidationError(str(messages[error.code]), code=error.code.value)


@transaction.atomic
def sale_negotiate(*, actor: Any, sale: Sale, amount_fen: int) -> Sale:
    """A state-property transfer with exactly one qualified transferee (企业国有资产法 art. 54,
    rules-cn.md §5): no bidding, a deal by agreement at no less than the floor, which is the listed
    start price. The engine allows it only before bidding would start; the service also waits
    until every application has been reviewed and the formal disclosure period (the notice minimum
    checked at setup) has run, so the deal never shuts out a transferee that came forward in time.
    The result then follows as for any deal (`_persist` → `results.sale_result_record`: deal
    notice with the premium rate, deal confirmation, earnest money and refunds).

    Trading-center staff record it, not the transferor side: the transfer takes place on the
    exchange, which organises the agreement between the transferor and the single transferee
    (§5, exchange practice); before the result the transferor may not learn who applied
    (`policies`), and only the center, which reviewed the applications, knows that transferee.
    Both parties then sign the deal confirmation carrying the recorded price
    (`results.confirmation_sign`): that is their own act on the platform."""
    if not policies.can_operate(actor):
        raise PermissionDenied(_("只有交易中心工作人员可以录入协议成交。"))
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationError({"amount_fen": _("协议成交价须为大于零的整数金额（分）。")})
    sale = lock_instance(sale)
    registrations = list(sale.registrations.all())
    qualified = [r.bid_number for r in registrations if r.qualified]
    now = clock.now()
    floor_fen = sale.start_price_fen
    try:
        step = engine.negotiate(
            _state(sale, registrations),
            bidder=qualified[0] if len(qualified) == 1 else "",  # "" is nobody: the engine refuses
            amount_fen=amount_fen,
            floor_fen=floor_fen,
            at=now,
        )
    except engine.EngineError as error:
        raise _negotiation_error(error, floor_fen) from error
    if any(r.status == RegistrationStatus.APPLIED for r in registrations):
        # An application not yet reviewed may be a second transferee: review it first.
        raise ValidationError(
            _("尚有未审核的竞买申请：审核完毕、确认只有一个合格意向受让方后方可协议成交。"), code="applications_pending"
        )
    project = sale.lot.project
    disclosure = results.sale_rule(NOTICE_RULE_BY_TRADE_TYPE[project.trade_type], lot=sale.lot, method=sale.method)
    disclosed_on = periods.earliest_day_after(clock.local(sale.created_at).date(), disclosure)
    if clock.local(now).date() < disclosed_on:
        raise ValidationError(
            _("信息披露期限（{period}，{source}）尚未届满，{day}起方可协议成交。").format(
                period=disclosure.display, source=disclosure.source, day=disclosed_on.isoformat()
            ),
            code="disclosure_running",
        )
    rows = _persist(sale, step, registrations)
    event_record(
        action="auctions.sale_negotiated",
        actor=actor,
        obj=sale,
        after={"amount_fen": amount_fen, "floor_fen": floor_fen, "events": _witness_events(rows)},
    )
    return sale


# ---------------------------------------------------------------- the sealed reserve


def _reserve_path(name: str) -> Path:
    directory = Path(settings.MEDIA_ROOT) / "auction-reserve"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / name


def reserve_cutoff(sale: Sale) -> dt.datetime:
    """After this instant the reserve can be neither entered nor changed (Fujian: 1 h before the
    listing closes; before the start when there is no listing)."""
    rule = results.sale_rule("listing.reserve_entry_min_hours_before_close", lot=sale.lot, method=sale.method)
    return (sale.listing_end or sale.start_at) - dt.timedelta(seconds=_seconds(rule))


def sale_reserve_submit(*, actor: Any, sale: Sale, envelope: Path) -> SaleReserve:
    """The seller side hands in the reserve sealed with the bid tool to its own sealing key (opening
    data `{"reserve_fen": n}`); replaceable until the cutoff, fixed after it."""
    sale = Sale.objects.select_related("lot__project").get(pk=sale.pk)
    if not policies.can_manage(actor, sale):
        raise PermissionDenied(_("只有出让人（转让方）或其代理机构可以递交保留价。"))
    try:
        inspection = bidtool.inspect(envelope)
    except bidtool.BidError as error:
        raise ValidationError({"envelope": _("保留价密封文件无法识别：{reason}").format(reason=error)}) from error
    problems = []
    if inspection.header.lot_code != sale.lot.code:
        problems.append(_("保留价是为标段 {code} 密封的，不是本标的。").format(code=inspection.header.lot_code))
    if inspection.header.bidder_uscc != actor.organization.uscc:
        problems.append(_("密封文件中的统一社会信用代码与递交单位不符。"))
    if problems:
        raise ValidationError({"envelope": problems})
    target = _reserve_path(f"{inspection.ciphertext_digest}.gbid")
    if not target.exists():
        shutil.copyfile(envelope, target.with_suffix(".part"))
        target.with_suffix(".part").replace(target)
    with transaction.atomic():
        sale = lock_instance(sale)
        now = clock.now()
        if not sale.can_bid() or now >= reserve_cutoff(sale):
            raise ValidationError(
                _("保留价须在{at}之前录入，此后不得修改。").format(
                    at=clock.local(reserve_cutoff(sale)).strftime("%Y-%m-%d %H:%M")
                )
            )
        reserve = SaleReserve.objects.filter(sale=sale).first() or SaleReserve(sale=sale)
        reserve.storage_name = target.name
        reserve.commitment = inspection.commitment
        reserve.ciphertext_digest = inspection.ciphertext_digest
        reserve.submitted_at = now
        reserve.submitted_by = actor
        reserve.full_clean()
        reserve.save()
        event_record(
            action="auctions.reserve_sealed",
            actor=actor,
            obj=sale,
            after={"commitment": reserve.commitment, "ciphertext_digest": reserve.ciphertext_digest},
        )
    return reserve


@transaction.atomic
def sale_reserve_open(*, actor: Any, sale: Sale, content_key: str) -> Sale:
    """After bidding has closed the seller releases the reserve's content key; the platform unseals
    it, checks it against the commitment and announces the result with it."""
    sale = Sale.objects.select_related("lot__project").get(pk=sale.pk)
    if not policies.can_manage(actor, sale):
        raise PermissionDenied(_("只有出让人（转让方）或其代理机构可以开启保留价。"))
    sale = lock_instance(sale)
    reserve = SaleReserve.objects.filter(sale=sale).first()
    if reserve is None or reserve.opened_at is not None:
        raise ValidationError(_("没有待开启的保留价。"))
    if sale.status != SaleStatus.AWAITING_RESERVE:
        raise ValidationError(_("保留价只能在竞价结束后开启。"))
    padded = content_key.strip() + "=" * (-len(content_key.strip()) % 4)
    try:
        result = bidtool.unseal(
            _reserve_path(reserve.storage_name),
            content_key=base64.urlsafe_b64decode(padded),
            expected_commitment=reserve.commitment,
        )
        value = result.opening_data.get("reserve_fen")
    except (bidtool.BidError, ValueError) as error:
        raise ValidationError({"content_key": _("保留价解密失败：{reason}").format(reason=error)}) from error
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError({"content_key": _("保留价密封文件中没有有效的保留价金额（reserve_fen）。")})
    now = clock.now()
    reserve.reserve_fen = value
    reserve.opened_at = now
    reserve.full_clean()
    reserve.save()
    state = _state(sale)
    try:
        step = engine.tick(state, now)
        step = _combine(step, engine.close(step.state, at=now, reserve_fen=value))
    except engine.EngineError as error:
        raise _engine_error(error) from error
    rows = _persist(sale, step)
    event_record(
        action="auctions.reserve_opened",
        actor=actor,
        obj=sale,
        after={"reserve_fen": value, "status": sale.status, "events": _witness_events(rows)},
    )
    return sale
