"""Worked examples of every rule of the auction engine (issue 7; rules-cn.md §4.1, §4.2, §5).

Times are written relative to the listing end (END) or the start, in Beijing time. The parameters
are the Fujian online land rules as a rule-table row would give them: 1 h last window, 2 bidders
call the timed round, 15 min preparation, 5 min countdown, 1 h extension cap, 1 h quick fix,
24 h resume notice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ggzy.auctions import engine
from ggzy.auctions.engine import (
    Accepted,
    BidAccepted,
    Closed,
    CountdownRestarted,
    Deal,
    EngineError,
    ErrorCode,
    Method,
    NoDeal,
    NoDealReason,
    Parameters,
    Phase,
    PhaseChanged,
    Refusal,
    Refused,
    Resumed,
    State,
    Step,
    TimedEligibility,
)

BEIJING = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=BEIJING)
END = START + dt.timedelta(days=10)
SEC = dt.timedelta(seconds=1)
MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

PRICE = 10_000_000  # 10 万元 in fen
INC = 100_000  # listing increment 1000 元
TINC = 200_000  # timed-round increment 2000 元


def fujian(**changes: Any) -> Parameters:
    values: dict[str, Any] = {
        "method": Method.LISTING,
        "start_price_fen": PRICE,
        "increment_fen": INC,
        "timed_increment_fen": TINC,
        "start_at": START,
        "listing_end": END,
        "last_window": HOUR,
        "timed_min_bidders": 2,
        "preparation": 15 * MIN,
        "countdown": 5 * MIN,
        "timed_eligibility": TimedEligibility.QUALIFIED,
        "freeze_extension_cap": HOUR,
        "quick_fix": HOUR,
        "resume_notice": 24 * HOUR,
    }
    values.update(changes)
    return Parameters(**values)


def auction(**changes: Any) -> Parameters:
    values: dict[str, Any] = {
        "method": Method.AUCTION,
        "start_price_fen": PRICE,
        "increment_fen": TINC,
        "timed_increment_fen": TINC,
        "start_at": START,
        "preparation": 15 * MIN,
        "countdown": 5 * MIN,
        "quick_fix": HOUR,
        "resume_notice": 24 * HOUR,
    }
    values.update(changes)
    return Parameters(**values)


class Run:
    """Plays operations on one procedure and keeps every step (the watcher's view)."""

    def __init__(self, params: Parameters, qualified: tuple[str, ...] = ("A", "B", "C")) -> None:
        self.state = engine.initial_state(params, qualified=qualified, at=params.start_at - DAY)
        self.steps: list[Step] = []

    def _take(self, step: Step) -> Step:
        self.state = step.state
        self.steps.append(step)
        return step

    def bid(self, bidder: str, amount: int, at: dt.datetime, key: str | None = None) -> Accepted | Refused | None:
        key = key or f"{bidder}/{amount}/{at.isoformat()}"
        return self._take(engine.bid(self.state, bidder=bidder, amount_fen=amount, at=at, key=key)).reply

    def tick(self, at: dt.datetime) -> Step:
        return self._take(engine.tick(self.state, at))

    def freeze(self, at: dt.datetime) -> Step:
        return self._take(engine.freeze(self.state, at=at, reason="system_fault"))

    def resume(self, at: dt.datetime, resume_at: dt.datetime | None = None) -> Step:
        return self._take(engine.resume(self.state, at=at, resume_at=resume_at or at))

    def close(self, at: dt.datetime, reserve: int | None = None) -> engine.Outcome:
        step = self._take(engine.close(self.state, at=at, reserve_fen=reserve))
        assert isinstance(step.events[-1], Closed)
        return step.events[-1].outcome

    def phases(self) -> list[Phase]:
        return [e.after for e in self.state.log if isinstance(e, PhaseChanged)]

    def published(self) -> list[engine.Event]:
        return [event for step in self.steps for event in step.events]


def accepted(reply: Accepted | Refused | None) -> BidAccepted:
    assert isinstance(reply, Accepted), reply
    return reply.bid


# ---------------------------------------------------------------- the close of the listing

L, P, T, C = Phase.LISTING, Phase.PREPARATION, Phase.TIMED, Phase.CLOSED

CLOSE_CASES = [
    ("no bid: no deal", [], None, NoDeal(NoDealReason.NO_BID), [L, C]),
    ("one bidder at the start price wins", [("A", PRICE, END - 3 * DAY)], None, ("A", PRICE), [L, C]),
    (
        "one bidder bidding twice in the last hour is still one bidder",
        [("A", PRICE, END - 50 * MIN), ("A", PRICE + INC, END - 10 * MIN)],
        None,
        ("A", PRICE + INC),
        [L, C],
    ),
    (
        "several bidders, only one in the last hour: the highest wins",
        [("A", PRICE, END - 2 * DAY), ("B", PRICE + INC, END - 2 * HOUR), ("A", PRICE + 2 * INC, END - 30 * MIN)],
        None,
        ("A", PRICE + 2 * INC),
        [L, C],
    ),
    (
        "several bidders, none in the last hour: the highest wins",
        [("A", PRICE, END - 2 * DAY), ("B", PRICE + 5 * INC, END - 61 * MIN)],
        None,
        ("B", PRICE + 5 * INC),
        [L, C],
    ),
    (
        "highest bid below the sealed reserve: no deal",
        [("A", PRICE, END - 2 * DAY), ("B", PRICE + INC, END - 2 * HOUR)],
        PRICE + 5 * INC,
        NoDeal(NoDealReason.BELOW_RESERVE),
        [L, C],
    ),
    (
        "highest bid at the reserve: deal",
        [("A", PRICE, END - 2 * DAY), ("B", PRICE + INC, END - 2 * HOUR)],
        PRICE + INC,
        ("B", PRICE + INC),
        [L, C],
    ),
    (
        "one bidder below the reserve: no deal",
        [("A", PRICE, END - 2 * DAY)],
        PRICE + 1,
        NoDeal(NoDealReason.BELOW_RESERVE),
        [L, C],
    ),
    (
        "two bidders in the last hour, nobody bids in the timed round: the listing high wins",
        [("A", PRICE, END - 50 * MIN), ("B", PRICE + INC, END - 10 * MIN)],
        None,
        ("B", PRICE + INC),
        [L, P, T, C],
    ),
    (
        "a bid exactly one hour before the end is in the last hour",
        [("A", PRICE, END - HOUR), ("B", PRICE + INC, END - SEC)],
        None,
        ("B", PRICE + INC),
        [L, P, T, C],
    ),
]


@pytest.mark.parametrize(
    ("bids", "reserve", "expected", "phases"),
    [case[1:] for case in CLOSE_CASES],
    ids=[case[0] for case in CLOSE_CASES],
)
def test_the_close_of_the_listing(bids, reserve, expected, phases):
    run = Run(fujian())
    for bidder, amount, at in bids:
        accepted(run.bid(bidder, amount, at))
    run.tick(END + DAY)
    assert run.state.phase == Phase.CLOSED
    assert run.phases() == phases
    result = run.close(END + DAY, reserve)
    if isinstance(expected, NoDeal):
        assert result == expected
    else:
        assert isinstance(result, Deal)
        assert (result.bidder, result.price_fen) == expected
        assert result.bid_seq == run.state.leader.seq
    assert engine.outcome(run.state, reserve) == result


def test_the_timed_round_restarts_the_countdown_on_every_bid_and_is_open_to_every_qualified_bidder():
    run = Run(fujian())
    accepted(run.bid("A", PRICE, END - 50 * MIN))
    accepted(run.bid("B", PRICE + INC, END - 10 * MIN))
    step = run.tick(END)
    assert [(e.after, e.ends_at) for e in step.events] == [(Phase.PREPARATION, END + 15 * MIN)]
    step = run.tick(END + 15 * MIN)
    assert [(e.after, e.ends_at) for e in step.events] == [(Phase.TIMED, END + 20 * MIN)]
    assert run.state.deadline == END + 20 * MIN
    # The round starts at the listing high + one timed increment; C never bid in the listing.
    assert run.state.minimum_bid_fen() == PRICE + INC + TINC
    assert run.bid("C", PRICE + INC + INC, END + 16 * MIN) == Refused(Refusal.BELOW_INCREMENT)
    first = accepted(run.bid("C", PRICE + INC + TINC, END + 16 * MIN))
    assert run.steps[-1].events[-1] == CountdownRestarted(seq=first.seq + 1, at=first.at, deadline=END + 21 * MIN)
    accepted(run.bid("A", PRICE + INC + 3 * TINC, END + 20 * MIN + 30 * SEC))
    assert run.state.deadline == END + 25 * MIN + 30 * SEC
    run.tick(END + 25 * MIN + 29 * SEC)
    assert run.state.phase == Phase.TIMED
    assert run.bid("B", PRICE + INC + 4 * TINC, END + 25 * MIN + 30 * SEC) == Refused(Refusal.CLOSED)
    assert run.state.phase == Phase.CLOSED
    assert run.close(END + HOUR) == Deal("A", PRICE + INC + 3 * TINC, bid_seq=run.state.leader.seq)


def test_mining_rule_only_listing_bidders_join_the_timed_round():
    run = Run(fujian(timed_eligibility=TimedEligibility.LISTING_BIDDERS))
    accepted(run.bid("A", PRICE, END - 50 * MIN))
    accepted(run.bid("B", PRICE + INC, END - 10 * MIN))
    run.tick(END + 15 * MIN)
    assert run.bid("C", PRICE + INC + TINC, END + 16 * MIN) == Refused(Refusal.NOT_ELIGIBLE)
    accepted(run.bid("A", PRICE + INC + TINC, END + 16 * MIN))


def test_mining_rule_counts_every_listing_bidder_when_the_window_is_the_whole_listing():
    run = Run(fujian(last_window=END - START, timed_eligibility=TimedEligibility.LISTING_BIDDERS))
    accepted(run.bid("A", PRICE, START + HOUR))
    accepted(run.bid("B", PRICE + INC, START + 2 * HOUR))
    run.tick(END)
    assert run.state.phase == Phase.PREPARATION


# ---------------------------------------------------------------- refusals

REFUSAL_CASES = [
    ("before the start", [], ("A", PRICE, START - MIN), Refusal.NOT_STARTED),
    ("after the close", [], ("A", PRICE, END + MIN), Refusal.CLOSED),
    ("at the listing end itself", [], ("A", PRICE, END), Refusal.CLOSED),
    ("not qualified", [], ("D", PRICE, START + MIN), Refusal.NOT_QUALIFIED),
    ("below the start price", [], ("A", PRICE - 1, START + MIN), Refusal.BELOW_START),
    ("equal to the highest", [("A", PRICE, START + MIN)], ("B", PRICE, START + 2 * MIN), Refusal.BELOW_INCREMENT),
    (
        "less than one increment above",
        [("A", PRICE, START + MIN)],
        ("B", PRICE + INC - 1, START + 2 * MIN),
        Refusal.BELOW_INCREMENT,
    ),
    (
        "during the preparation",
        [("A", PRICE, END - 50 * MIN), ("B", PRICE + INC, END - 10 * MIN)],
        ("A", PRICE + INC + TINC, END + 5 * MIN),
        Refusal.PREPARATION,
    ),
    (
        "a listing increment in the timed round",
        [("A", PRICE, END - 50 * MIN), ("B", PRICE + INC, END - 10 * MIN)],
        ("A", PRICE + 2 * INC, END + 16 * MIN),
        Refusal.BELOW_INCREMENT,
    ),
    (
        "at the countdown deadline itself",
        [("A", PRICE, END - 50 * MIN), ("B", PRICE + INC, END - 10 * MIN)],
        ("A", PRICE + INC + TINC, END + 20 * MIN),
        Refusal.CLOSED,
    ),
]


@pytest.mark.parametrize(
    ("before", "attempt", "reason"), [case[1:] for case in REFUSAL_CASES], ids=[case[0] for case in REFUSAL_CASES]
)
def test_refusals(before, attempt, reason):
    run = Run(fujian())
    for bidder, amount, at in before:
        accepted(run.bid(bidder, amount, at))
    bidder, amount, at = attempt
    expected_state = engine.tick(run.state, at).state
    assert run.bid(bidder, amount, at) == Refused(reason)
    # A refusal records nothing: the state is what the clock alone makes it.
    assert run.state == expected_state


def test_exactly_one_increment_above_is_accepted():
    run = Run(fujian())
    accepted(run.bid("A", PRICE, START + MIN))
    bid = accepted(run.bid("B", PRICE + INC, START + 2 * MIN))
    assert run.state.leader == bid


def test_a_frozen_procedure_refuses_bids():
    run = Run(fujian())
    run.freeze(END - 2 * DAY)
    assert run.bid("A", PRICE, END - 2 * DAY + MIN) == Refused(Refusal.FROZEN)


# ---------------------------------------------------------------- faults

FREEZE_CASES = [
    # (name, frozen at, resumption announced at, resumed at, listing end afterwards)
    ("outside the last hour, quick fix: extended by the frozen time", END - 5 * HOUR, None, END - 4 * HOUR, END + HOUR),
    (
        "outside the last hour, long fault with notice: extended by the frozen time",
        END - 3 * DAY,
        END - 3 * DAY + 2 * HOUR,
        END - 2 * DAY + 2 * HOUR,
        END + DAY + 2 * HOUR,
    ),
    ("in the last hour, quick fix of 30 min: extended by 30 min", END - 20 * MIN, None, END + 10 * MIN, END + 30 * MIN),
    (
        "just before the last hour: no cap",
        END - 61 * MIN,
        END - 60 * MIN,
        END + DAY - 60 * MIN,
        END + DAY + MIN,
    ),
]


@pytest.mark.parametrize(
    ("frozen_at", "announced_at", "resumed_at", "new_end"),
    [case[1:] for case in FREEZE_CASES],
    ids=[case[0] for case in FREEZE_CASES],
)
def test_a_freeze_extends_the_listing_by_the_frozen_time(frozen_at, announced_at, resumed_at, new_end):
    run = Run(fujian())
    accepted(run.bid("A", PRICE, START + MIN))
    run.freeze(frozen_at)
    assert run.state.phase == Phase.FROZEN
    if announced_at is not None:  # a long fault: the resumption is announced in advance
        run.resume(announced_at, resumed_at)
    run.tick(resumed_at - SEC)
    assert run.state.phase == Phase.FROZEN  # even when the listing end passes while frozen
    if announced_at is None:  # a quick fix: resumes at once
        run.resume(resumed_at)
    run.tick(resumed_at)
    resumed = [e for e in run.state.log if isinstance(e, Resumed)]
    assert resumed == [
        Resumed(
            seq=resumed[0].seq, at=resumed_at, phase=Phase.LISTING, ends_at=new_end, frozen_for=resumed_at - frozen_at
        )
    ]
    assert (run.state.phase, run.state.ends_at) == (Phase.LISTING, new_end)


def test_a_long_freeze_in_the_last_hour_extends_the_listing_by_one_hour_at_most():
    run = Run(fujian())
    accepted(run.bid("A", PRICE, END - 50 * MIN))
    accepted(run.bid("B", PRICE + INC, END - 30 * MIN))
    run.freeze(END - 20 * MIN)
    announced = END - 19 * MIN
    with pytest.raises(EngineError) as error:  # not fixed within an hour: a day's notice
        engine.resume(run.state, at=announced, resume_at=announced + 23 * HOUR)
    assert error.value.code == ErrorCode.NOTICE_TOO_SHORT
    run.resume(announced, announced + 24 * HOUR)
    assert run.bid("A", PRICE + 2 * INC, announced + HOUR) == Refused(Refusal.FROZEN)
    step = run.tick(announced + 24 * HOUR)
    resumed_at = announced + 24 * HOUR
    # Capped at END + 1 h, long past: the listing closes at the resumption; two last-hour bidders
    # call the timed round, so nobody loses the chance to bid.
    assert [(type(e), e.at, getattr(e, "ends_at", None)) for e in step.events] == [
        (Resumed, resumed_at, END + HOUR),
        (PhaseChanged, resumed_at, resumed_at + 15 * MIN),
    ]
    assert run.state.phase == Phase.PREPARATION


def test_a_freeze_during_the_timed_round_restarts_the_preparation():
    run = Run(fujian())
    accepted(run.bid("A", PRICE, END - 50 * MIN))
    accepted(run.bid("B", PRICE + INC, END - 10 * MIN))
    bid = accepted(run.bid("A", PRICE + INC + TINC, END + 16 * MIN))
    run.freeze(END + 17 * MIN)
    assert run.state.deadline is None
    step = run.resume(END + 40 * MIN)  # fixed within the hour: resumes at once
    assert isinstance(step.events[-1], Resumed)
    assert (step.events[-1].phase, step.events[-1].ends_at) == (Phase.PREPARATION, END + 55 * MIN)
    assert run.bid("B", PRICE + INC + 2 * TINC, END + 50 * MIN) == Refused(Refusal.PREPARATION)
    run.tick(END + 55 * MIN)
    assert (run.state.phase, run.state.deadline) == (Phase.TIMED, END + 60 * MIN)
    assert run.state.leader == bid  # an accepted bid stands
    run.tick(END + 60 * MIN)
    assert run.close(END + 2 * HOUR) == Deal("A", PRICE + INC + TINC, bid_seq=bid.seq)


def test_a_freeze_during_the_preparation_restarts_it():
    run = Run(fujian())
    accepted(run.bid("A", PRICE, END - 50 * MIN))
    accepted(run.bid("B", PRICE + INC, END - 10 * MIN))
    run.freeze(END + 5 * MIN)
    run.resume(END + 10 * MIN)
    assert (run.state.phase, run.state.ends_at) == (Phase.PREPARATION, END + 25 * MIN)


def test_resumption_rules():
    run = Run(fujian())
    with pytest.raises(EngineError) as error:
        engine.freeze(run.state, at=START - MIN, reason="system_fault")
    assert error.value.code == ErrorCode.NOT_RUNNING
    with pytest.raises(EngineError) as error:
        engine.resume(run.state, at=START + MIN, resume_at=START + MIN)
    assert error.value.code == ErrorCode.NOT_FROZEN
    frozen_at = START + HOUR
    run.freeze(frozen_at)
    with pytest.raises(EngineError) as error:
        engine.freeze(run.state, at=frozen_at + MIN, reason="system_fault")
    assert error.value.code == ErrorCode.NOT_RUNNING
    with pytest.raises(EngineError) as error:
        engine.resume(run.state, at=frozen_at + MIN, resume_at=frozen_at)
    assert error.value.code == ErrorCode.RESUME_IN_PAST
    with pytest.raises(EngineError) as error:  # 61 minutes is not a quick fix: a day's notice
        engine.resume(run.state, at=frozen_at + 61 * MIN, resume_at=frozen_at + 61 * MIN)
    assert error.value.code == ErrorCode.NOTICE_TOO_SHORT
    # Announced while the fault is fresh, for within the hour: no notice needed.
    step = run.resume(frozen_at + 10 * MIN, frozen_at + HOUR)
    assert [type(e) for e in step.events] == [engine.ResumeAnnounced]
    assert run.state.phase == Phase.FROZEN
    assert [type(e) for e in run.tick(frozen_at + HOUR).events] == [Resumed]
    assert (run.state.phase, run.state.ends_at) == (Phase.LISTING, END + HOUR)


# ---------------------------------------------------------------- idempotency


def test_the_same_key_returns_the_original_acknowledgement_and_changes_nothing():
    run = Run(fujian())
    original = accepted(run.bid("A", PRICE, START + MIN, key="k1"))
    before = run.state
    again = engine.bid(before, bidder="A", amount_fen=PRICE, at=START + 2 * MIN, key="k1")
    assert again == Step(before, (), Accepted(original, duplicate=True))
    assert again.state is before
    other_amount = engine.bid(before, bidder="A", amount_fen=PRICE + INC, at=START + 2 * MIN, key="k1")
    assert other_amount == Step(before, (), Refused(Refusal.KEY_REUSED))
    other_bidder = engine.bid(before, bidder="B", amount_fen=PRICE, at=START + 2 * MIN, key="k1")
    assert other_bidder == Step(before, (), Refused(Refusal.KEY_REUSED))
    run.tick(END + DAY)
    late = engine.bid(run.state, bidder="A", amount_fen=PRICE, at=END + DAY, key="k1")
    assert late.reply == Accepted(original, duplicate=True)  # the acknowledgement outlives the close


def test_a_refused_key_is_not_remembered():
    run = Run(fujian())
    assert run.bid("A", PRICE, START - MIN, key="k2") == Refused(Refusal.NOT_STARTED)
    accepted(run.bid("A", PRICE, START + MIN, key="k2"))


# ---------------------------------------------------------------- other methods


def test_an_auction_goes_straight_into_timed_bidding():
    run = Run(auction())
    step = run.tick(START)
    assert [(e.before, e.after, e.ends_at) for e in step.events] == [(Phase.SCHEDULED, Phase.TIMED, START + 5 * MIN)]
    assert run.bid("A", PRICE - 1, START + MIN) == Refused(Refusal.BELOW_START)
    accepted(run.bid("A", PRICE, START + MIN))
    assert run.state.deadline == START + 6 * MIN
    assert run.bid("B", PRICE + TINC - 1, START + 2 * MIN) == Refused(Refusal.BELOW_INCREMENT)
    last = accepted(run.bid("B", PRICE + TINC, START + 5 * MIN))
    assert run.state.deadline == START + 10 * MIN
    run.tick(START + 10 * MIN)
    assert run.phases() == [Phase.TIMED, Phase.CLOSED]
    assert run.close(START + HOUR, PRICE) == Deal("B", PRICE + TINC, bid_seq=last.seq)


def test_an_auction_without_a_bid_closes_when_the_first_countdown_runs_out():
    run = Run(auction())
    run.tick(START + 5 * MIN)
    assert run.state.phase == Phase.CLOSED
    assert run.close(START + HOUR) == NoDeal(NoDealReason.NO_BID)


def test_online_bidding_with_a_free_period_always_has_a_timed_round():
    params = fujian(method=Method.ONLINE_BIDDING, timed_min_bidders=0)
    run = Run(params)
    accepted(run.bid("A", PRICE, START + MIN))
    run.tick(END + 15 * MIN)
    assert run.state.phase == Phase.TIMED


def test_single_transferee_negotiated_deal_at_no_less_than_the_floor():
    params = auction(method=Method.ONLINE_BIDDING, single_transferee_negotiation=True)
    single = engine.initial_state(params, qualified=["A"], at=START - DAY)
    kwargs = {"bidder": "A", "floor_fen": PRICE, "at": START - HOUR}
    with pytest.raises(EngineError) as error:
        engine.negotiate(single, amount_fen=PRICE - 1, **kwargs)
    assert error.value.code == ErrorCode.BELOW_FLOOR
    step = engine.negotiate(single, amount_fen=PRICE, **kwargs)
    deal = Deal("A", PRICE, bid_seq=None, negotiated=True)
    assert step.state.phase == Phase.CLOSED
    assert step.events[-1] == Closed(seq=2, at=START - HOUR, outcome=deal, reserve_fen=PRICE)
    assert engine.outcome(step.state, None) == deal
    with pytest.raises(EngineError) as error:
        engine.close(step.state, at=START, reserve_fen=None)
    assert error.value.code == ErrorCode.ALREADY_CLOSED

    two = engine.initial_state(params, qualified=["A", "B"], at=START - DAY)
    with pytest.raises(EngineError) as error:
        engine.negotiate(two, amount_fen=PRICE, **kwargs)
    assert error.value.code == ErrorCode.NOT_SINGLE_TRANSFEREE
    with pytest.raises(EngineError) as error:
        engine.negotiate(single, amount_fen=PRICE, bidder="A", floor_fen=PRICE, at=START)
    assert error.value.code == ErrorCode.BIDDING_STARTED
    not_allowed = engine.initial_state(auction(), qualified=["A"], at=START - DAY)
    with pytest.raises(EngineError) as error:
        engine.negotiate(not_allowed, amount_fen=PRICE, **kwargs)
    assert error.value.code == ErrorCode.NOT_NEGOTIABLE


# ---------------------------------------------------------------- watchers, reserve, clock, admission


def test_every_watcher_sees_one_gapless_sequence_and_can_resume_from_any_event():
    run = Run(fujian())
    accepted(run.bid("A", PRICE, END - 50 * MIN))
    run.bid("B", PRICE, END - 40 * MIN)  # refused: no event
    accepted(run.bid("B", PRICE + INC, END - 10 * MIN))
    run.freeze(END - 5 * MIN)
    run.resume(END)
    run.tick(END + 5 * MIN + 15 * MIN)
    accepted(run.bid("C", PRICE + INC + TINC, END + 21 * MIN))
    run.tick(END + HOUR)
    run.close(END + HOUR)
    log = run.state.log
    assert [e.seq for e in log] == list(range(1, len(log) + 1))
    assert run.published() == list(log)
    assert [e.at for e in log] == sorted(e.at for e in log)
    for last_seen in range(len(log) + 1):
        assert engine.events_since(run.state, last_seen) == log[last_seen:]
    for unknown in (-1, len(log) + 1):
        with pytest.raises(EngineError):
            engine.events_since(run.state, unknown)
    assert all((e.before, e.after) in engine.TRANSITIONS for e in log if isinstance(e, PhaseChanged))


def test_the_reserve_is_used_only_after_bidding_has_closed():
    run = Run(fujian())
    accepted(run.bid("A", PRICE, START + MIN))
    with pytest.raises(EngineError) as error:
        engine.outcome(run.state, PRICE)
    assert error.value.code == ErrorCode.NOT_CLOSED
    with pytest.raises(EngineError):
        engine.close(run.state, at=START + HOUR, reserve_fen=PRICE)
    assert run.close(END, PRICE * 2) == NoDeal(NoDealReason.BELOW_RESERVE)
    closed = run.state.log[-1]
    assert isinstance(closed, Closed) and closed.reserve_fen == PRICE * 2  # published at the close
    with pytest.raises(EngineError) as error:
        engine.close(run.state, at=END + MIN, reserve_fen=None)
    assert error.value.code == ErrorCode.ALREADY_CLOSED


def test_time_is_an_aware_instant_and_never_goes_back():
    run = Run(fujian())
    run.tick(START + HOUR)
    with pytest.raises(EngineError) as error:
        engine.bid(run.state, bidder="A", amount_fen=PRICE, at=START + HOUR - SEC, key="k")
    assert error.value.code == ErrorCode.CLOCK_BEHIND
    with pytest.raises(ValueError, match="naive"):
        engine.tick(run.state, dt.datetime(2025, 3, 3, 12, 0))
    # Beijing and UTC spellings of one instant are the same instant; events carry UTC.
    bid = accepted(run.bid("A", PRICE, (START + 2 * HOUR).astimezone(dt.UTC)))
    assert bid.at == START + 2 * HOUR and bid.at.tzinfo is dt.UTC


def test_admission_runs_until_the_listing_closes():
    run = Run(fujian(), qualified=("A", "B"))
    assert run.bid("C", PRICE, START + MIN) == Refused(Refusal.NOT_QUALIFIED)
    run._take(engine.admit(run.state, bidder="C", at=START + 2 * MIN))
    accepted(run.bid("C", PRICE, START + 3 * MIN))
    run.tick(END)
    with pytest.raises(EngineError) as error:
        engine.admit(run.state, bidder="D", at=END)
    assert error.value.code == ErrorCode.ADMISSION_CLOSED


# ---------------------------------------------------------------- parameters

PARAMETER_CASES = [
    ("float money", {"start_price_fen": 100.0}, TypeError),
    ("bool money", {"increment_fen": True}, TypeError),
    ("zero increment", {"timed_increment_fen": 0}, ValueError),
    ("naive start", {"start_at": dt.datetime(2025, 3, 3, 9, 0)}, ValueError),
    ("listing without an end", {"listing_end": None}, ValueError),
    ("listing ending before it starts", {"listing_end": START}, ValueError),
    ("listing without a last window", {"last_window": None}, ValueError),
    ("zero countdown", {"countdown": dt.timedelta(0)}, ValueError),
    ("negative preparation", {"preparation": -MIN}, ValueError),
    ("auction with a listing period", {"method": Method.AUCTION}, ValueError),
]


@pytest.mark.parametrize(
    ("changes", "error"), [case[1:] for case in PARAMETER_CASES], ids=[case[0] for case in PARAMETER_CASES]
)
def test_parameters_are_checked(changes, error):
    with pytest.raises(error):
        fujian(**changes)


def test_parameters_without_a_listing_period_are_checked():
    with pytest.raises(ValueError):
        auction(timed_eligibility=TimedEligibility.LISTING_BIDDERS)
    with pytest.raises(ValueError):
        auction(last_window=HOUR)
    assert isinstance(engine.initial_state(auction(), qualified=[], at=START), State)


# ---------------------------------------------------------------- increments adjusted (39号令)


def test_increments_adjusted_in_the_listing_judge_the_next_bids_and_the_timed_round():
    run = Run(fujian())
    run.tick(START)
    accepted(run.bid("A", PRICE, START + HOUR))
    step = engine.adjust_increments(run.state, at=START + DAY, increment_fen=3 * INC, timed_increment_fen=4 * INC)
    run._take(step)
    (event,) = step.events
    assert isinstance(event, engine.IncrementsChanged)
    assert (event.seq, event.increment_fen, event.timed_increment_fen) == (3, 3 * INC, 4 * INC)
    assert run.state.increments == (3 * INC, 4 * INC)
    assert run.state.minimum_bid_fen() == PRICE + 3 * INC
    assert run.bid("B", PRICE + INC, START + DAY + MIN) == Refused(Refusal.BELOW_INCREMENT)
    accepted(run.bid("B", PRICE + 3 * INC, END - 30 * MIN))
    accepted(run.bid("A", PRICE + 6 * INC, END - 20 * MIN))
    run.tick(END + 15 * MIN)  # two last-hour bidders: preparation, then the timed round
    assert run.state.phase == Phase.TIMED
    assert run.state.minimum_bid_fen() == PRICE + 10 * INC  # the new timed increment
    with pytest.raises(EngineError) as caught:
        engine.adjust_increments(run.state, at=END + 16 * MIN, increment_fen=INC, timed_increment_fen=INC)
    assert caught.value.code == ErrorCode.INCREMENTS_FIXED


def test_increments_may_be_adjusted_before_the_start_and_while_a_listing_is_frozen():
    run = Run(fujian())
    run._take(engine.adjust_increments(run.state, at=START - HOUR, increment_fen=2 * INC, timed_increment_fen=TINC))
    run.tick(START)
    run.freeze(START + HOUR)
    run._take(engine.adjust_increments(run.state, at=START + 2 * HOUR, increment_fen=5 * INC, timed_increment_fen=TINC))
    assert run.state.phase == Phase.FROZEN and run.state.increments == (5 * INC, TINC)
    with pytest.raises(EngineError) as unchanged:
        engine.adjust_increments(run.state, at=START + 2 * HOUR, increment_fen=5 * INC, timed_increment_fen=TINC)
    assert unchanged.value.code == ErrorCode.INCREMENTS_UNCHANGED


def test_increments_of_an_auction_are_fixed_once_it_has_started_and_bad_amounts_raise():
    run = Run(auction())
    run.tick(START)
    with pytest.raises(EngineError) as caught:
        engine.adjust_increments(run.state, at=START + MIN, increment_fen=INC, timed_increment_fen=INC)
    assert caught.value.code == ErrorCode.INCREMENTS_FIXED
    for amount in (0, -1):
        with pytest.raises(ValueError):
            engine.adjust_increments(run.state, at=START + MIN, increment_fen=amount, timed_increment_fen=INC)
    with pytest.raises(TypeError):
        engine.adjust_increments(run.state, at=START + MIN, increment_fen=1.5, timed_increment_fen=INC)


# ---------------------------------------------------------------- too few bidders (mining auctions)


def test_an_auction_with_fewer_qualified_bidders_than_the_minimum_closes_at_the_start_without_a_deal():
    run = Run(auction(min_bidders=3), qualified=("A", "B"))
    run.tick(START)
    assert run.phases() == [C]
    assert run.bid("A", PRICE, START + SEC) == Refused(Refusal.CLOSED)
    assert run.close(START + MIN, reserve=None) == NoDeal(NoDealReason.TOO_FEW_BIDDERS)


def test_an_auction_reaching_the_minimum_before_the_start_is_held():
    run = Run(auction(min_bidders=3), qualified=("A", "B"))
    run._take(engine.admit(run.state, bidder="C", at=START - HOUR))
    run.tick(START)
    assert run.phases() == [T]
    accepted(run.bid("A", PRICE, START + SEC))
    run.tick(START + HOUR)
    assert run.close(START + HOUR, reserve=None) == Deal("A", PRICE, bid_seq=2)


def test_the_minimum_is_for_procedures_without_a_listing_period():
    with pytest.raises(ValueError):
        fujian(min_bidders=3)
    for bad in (0, -1):
        with pytest.raises(ValueError):
            auction(min_bidders=bad)
    with pytest.raises(TypeError):
        auction(min_bidders=True)
