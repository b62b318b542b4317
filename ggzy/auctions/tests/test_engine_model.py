"""Model-based test of the auction engine (issue 7): "an acknowledged bid is never lost, two bidders
never both win, every watcher sees the same sequence".

Hypothesis drives random bidders, amounts (ties, one fen short, exactly one increment), reused
idempotency keys, time advances, freezes, resumptions (at once, within the quick-fix hour, with
or without notice), admissions and watcher reconnects against `Model`: the rules in their
plainest form, written here from rules-cn.md §4–5 and not from `engine.py`. After every step the
engine's phase, phase end, price and leader must equal the model's, the countdown rule must hold
on the engine's own log, and the log must be the gapless sequence every watcher received.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ggzy.auctions import engine
from ggzy.auctions.engine import (
    Accepted,
    BidAccepted,
    Closed,
    Deal,
    EngineError,
    Method,
    NoDeal,
    NoDealReason,
    Parameters,
    PhaseChanged,
    Refused,
    TimedEligibility,
)

BEIJING = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=BEIJING)
SEC = dt.timedelta(seconds=1)
MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
PRICE, INC, TINC = 1_000, 100, 200
OFFSETS = [-INC, -1, 0, 1, INC - 1, INC, INC + 1, TINC - 1, TINC, TINC + 1, 3 * TINC]
QUALIFIED = ("A", "B", "C")
WAITS = st.one_of(st.integers(0, 60), st.integers(0, 600))  # seconds before a bid; the countdown is 300


def parameters(kind: str, listing: dt.timedelta) -> Parameters:
    """A short listing so that random walks reach every phase; the rule values are data."""
    common: dict[str, Any] = {
        "start_price_fen": PRICE,
        "increment_fen": INC,
        "timed_increment_fen": TINC,
        "start_at": START,
        "preparation": 15 * MIN,
        "countdown": 5 * MIN,
        "quick_fix": HOUR,
        "resume_notice": 3 * HOUR,
    }
    if kind == "auction":
        return Parameters(method=Method.AUCTION, **common)
    if kind == "mining_auction":  # one more than QUALIFIED: held only if D is admitted before the start
        return Parameters(method=Method.AUCTION, min_bidders=len(QUALIFIED) + 1, **common)
    return Parameters(
        method=Method.LISTING,
        listing_end=START + listing,
        last_window=HOUR,
        timed_min_bidders=2,
        freeze_extension_cap=HOUR,
        timed_eligibility=TimedEligibility.LISTING_BIDDERS if kind == "mining" else TimedEligibility.QUALIFIED,
        **common,
    )


class Model:
    """The highest accepted bid, its bidder and the countdown deadline, plus just enough of the
    timetable to know when bids are open."""

    def __init__(self, p: Parameters) -> None:
        self.p = p
        self.qualified = set(QUALIFIED)
        self.phase = "scheduled"
        self.ends: dt.datetime | None = p.start_at  # when the current phase ends
        self.clock = START - HOUR
        self.high: int | None = None
        self.leader: str | None = None
        self.deadline: dt.datetime | None = None
        self.last_hour_bidders: set[str] = set()
        self.listing_bidders: set[str] = set()
        self.paused: tuple[str, dt.datetime, dt.datetime] | None = None  # phase, frozen at, its end then
        self.keys: dict[str, tuple[str, int]] = {}
        self.too_few = False
        self.increments = (p.increment_fen, p.timed_increment_fen)  # (listing, timed) in force

    def _enter(self, phase: str, at: dt.datetime, length: dt.timedelta | None) -> None:
        self.phase, self.ends = phase, (at + length if length is not None else None)
        self.deadline = self.ends if phase == "timed" else None

    def advance(self, now: dt.datetime) -> None:
        p = self.p
        while self.ends is not None and self.ends <= now:
            at = max(self.ends, self.clock)
            self.clock = at
            if self.phase == "scheduled":
                if p.min_bidders is not None and len(self.qualified) < p.min_bidders:
                    self.too_few = True
                    self._enter("closed", at, None)
                elif p.listing_end is None:
                    self._enter("timed", at, p.countdown)
                else:
                    self._enter("listing", at, p.listing_end - at)
            elif self.phase == "listing":
                if len(self.last_hour_bidders) >= 2:
                    self._enter("preparation", at, p.preparation)
                else:
                    self._enter("closed", at, None)
            elif self.phase == "preparation":
                self._enter("timed", at, p.countdown)
            elif self.phase == "timed":
                self._enter("closed", at, None)
            else:  # frozen: resume
                assert self.paused is not None
                phase, frozen_at, old_end = self.paused
                self.paused = None
                if phase == "listing":
                    frozen_for = at - frozen_at
                    if old_end - frozen_at <= HOUR:
                        frozen_for = min(frozen_for, HOUR)
                    self._enter("listing", at, max(old_end + frozen_for, at) - at)
                else:
                    self._enter("preparation", at, p.preparation)
        self.clock = now

    def bid(self, bidder: str, amount: int, now: dt.datetime, key: str) -> str:
        if key in self.keys:
            return "duplicate" if self.keys[key] == (bidder, amount) else "key_reused"
        self.advance(now)
        if self.phase not in ("listing", "timed") or bidder not in self.qualified:
            return "refused"
        if (
            self.phase == "timed"
            and self.p.timed_eligibility == "listing_bidders"
            and bidder not in self.listing_bidders
        ):
            return "refused"
        step = self.increments[0] if self.phase == "listing" else self.increments[1]
        if amount < (PRICE if self.high is None else self.high + step):
            return "refused"
        self.high, self.leader, self.keys[key] = amount, bidder, (bidder, amount)
        if self.phase == "listing":
            self.listing_bidders.add(bidder)
            assert self.ends is not None
            if self.ends - now <= HOUR:
                self.last_hour_bidders.add(bidder)
        else:
            self.deadline = self.ends = now + self.p.countdown
        return "accepted"

    def freeze(self, now: dt.datetime) -> None:
        assert self.ends is not None
        self.paused = (self.phase, now, self.ends)
        self.phase, self.ends, self.deadline = "frozen", None, None

    def announce_resumption(self, now: dt.datetime, resume_at: dt.datetime) -> None:
        self.ends = resume_at
        self.advance(now)


class AuctionMachine(RuleBasedStateMachine):
    @initialize(
        kind=st.sampled_from(["fujian", "mining", "auction", "mining_auction"]),
        listing_minutes=st.sampled_from([70, 120]),
        late=st.booleans(),
    )
    def setup(self, kind: str, listing_minutes: int, late: bool) -> None:
        """A procedure; the walk begins before the start, or late in a listing (65 min before its end)."""
        self.params = parameters(kind, listing_minutes * MIN)
        end = self.params.listing_end
        self.now = end - 65 * MIN if late and end is not None else START - 5 * MIN
        self.state = engine.initial_state(self.params, qualified=QUALIFIED, at=START - HOUR)
        self.model = Model(self.params)
        self.published: list[engine.Event] = []
        self.keys: list[str] = []
        self.acknowledgements: dict[str, BidAccepted] = {}  # what each accepted key was told

    def _take(self, step: engine.Step) -> None:
        self.state = step.state
        self.published.extend(step.events)

    def _catch_up(self) -> None:
        """An operation the engine refused changed nothing; let the clock move the engine as it
        has already moved the model."""
        self._take(engine.tick(self.state, self.now))

    @rule(seconds=st.one_of(st.integers(0, 120), st.integers(0, 60 * 60)))
    def advance(self, seconds: int) -> None:
        self.now += dt.timedelta(seconds=seconds)
        self._take(engine.tick(self.state, self.now))
        self.model.advance(self.now)

    @rule(
        bidder=st.sampled_from([*QUALIFIED, "D"]),
        from_high=st.booleans(),
        offset=st.sampled_from(OFFSETS),
        reuse=st.integers(0, 3),
        pick=st.integers(0, 1000),
        wait=WAITS,
    )
    def bid(self, bidder: str, from_high: bool, offset: int, reuse: int, pick: int, wait: int) -> None:
        """Any bid: ties, one fen short, unqualified bidders, retries and reused keys."""
        base = self.model.high if from_high and self.model.high is not None else PRICE
        self._bid(bidder, base + offset, reuse, pick, wait)

    @rule(
        bidder=st.sampled_from(QUALIFIED),
        step=st.sampled_from([INC, TINC]),
        extra=st.sampled_from([-1, 0, 1]),
        wait=WAITS,
    )
    def raise_bid(self, bidder: str, step: int, extra: int, wait: int) -> None:
        """One listing or timed increment above the high (±1 fen): walks keep the price moving."""
        base = PRICE if self.model.high is None else self.model.high + step
        self._bid(bidder, base + extra, 0, 0, wait)

    @rule(
        bidder=st.sampled_from(QUALIFIED),
        edge=st.sampled_from(["window", "last_second", "end"]),
        step=st.sampled_from([INC, TINC]),
    )
    def bid_at_an_edge(self, bidder: str, edge: str, step: int) -> None:
        """A bid exactly when the last hour begins, in the last second, or at the end itself."""
        self.model.advance(self.now)
        if self.model.ends is None:
            return self._catch_up()
        at = {"window": self.model.ends - HOUR, "last_second": self.model.ends - SEC, "end": self.model.ends}[edge]
        if at < self.now:
            return self._catch_up()
        base = PRICE if self.model.high is None else self.model.high + step
        self._bid(bidder, base, 0, 0, int((at - self.now).total_seconds()))

    def _bid(self, bidder: str, amount: int, reuse: int, pick: int, wait: int) -> None:
        self.now += dt.timedelta(seconds=wait)
        if reuse and self.model.keys:  # a retry, or a different bid under an old key
            key = sorted(self.model.keys)[pick % len(self.model.keys)]
            if reuse == 1:
                bidder, amount = self.model.keys[key]
        else:
            key = f"k{len(self.keys)}"
            self.keys.append(key)
        before = self.state
        expected = self.model.bid(bidder, amount, self.now, key)
        step = engine.bid(before, bidder=bidder, amount_fen=amount, at=self.now, key=key)
        self._take(step)
        if expected == "duplicate":
            assert step.reply == Accepted(self.acknowledgements[key], duplicate=True)
            assert step.state is before and step.events == ()
        elif expected == "key_reused":
            assert step.reply == Refused(engine.Refusal.KEY_REUSED)
            assert step.state is before
        elif expected == "refused":
            assert isinstance(step.reply, Refused), step.reply
            assert step.state == engine.tick(before, self.now).state  # a refusal records nothing
        else:
            assert isinstance(step.reply, Accepted) and not step.reply.duplicate, step.reply
            assert step.reply.bid == self.state.leader == self.state.log[step.reply.bid.seq - 1]
            self.acknowledgements[key] = step.reply.bid

    @rule()
    def freeze(self) -> None:
        self.model.advance(self.now)
        if self.model.phase not in ("listing", "preparation", "timed"):
            try:
                engine.freeze(self.state, at=self.now, reason="system_fault")
            except EngineError as error:
                assert error.code == engine.ErrorCode.NOT_RUNNING
                return self._catch_up()
            raise AssertionError("froze a procedure that is not running")
        self._take(engine.freeze(self.state, at=self.now, reason="system_fault"))
        self.model.freeze(self.now)

    @rule(delay=st.sampled_from([0, 1, 59, 60, 61, 179, 180, 240]))
    def resume(self, delay: int) -> None:
        """Announce the resumption `delay` minutes from now."""
        self.model.advance(self.now)
        resume_at = self.now + delay * MIN
        if self.model.phase != "frozen":
            try:
                engine.resume(self.state, at=self.now, resume_at=resume_at)
            except EngineError as error:
                assert error.code == engine.ErrorCode.NOT_FROZEN
                return self._catch_up()
            raise AssertionError("resumed a procedure that is not frozen")
        assert self.model.paused is not None
        quick = resume_at - self.model.paused[1] <= self.params.quick_fix
        if not (quick or resume_at - self.now >= self.params.resume_notice):
            try:
                engine.resume(self.state, at=self.now, resume_at=resume_at)
            except EngineError as error:
                assert error.code == engine.ErrorCode.NOTICE_TOO_SHORT
                return self._catch_up()
            raise AssertionError("resumed without the notice")
        self._take(engine.resume(self.state, at=self.now, resume_at=resume_at))
        self.model.announce_resumption(self.now, resume_at)

    @rule()
    def admit(self) -> None:
        self.model.advance(self.now)
        phase = self.model.paused[0] if self.model.paused else self.model.phase
        if phase not in ("scheduled", "listing"):
            try:
                engine.admit(self.state, bidder="D", at=self.now)
            except EngineError as error:
                assert error.code == engine.ErrorCode.ADMISSION_CLOSED
                return self._catch_up()
            raise AssertionError("admitted after the listing")
        self._take(engine.admit(self.state, bidder="D", at=self.now))
        self.model.qualified.add("D")

    @rule(listing=st.sampled_from([INC // 2, INC, 3 * INC]), timed=st.sampled_from([TINC, 2 * TINC]))
    def adjust_increments(self, listing: int, timed: int) -> None:
        """The center sets new increments (39号令: during the listing only)."""
        self.model.advance(self.now)
        phase = self.model.paused[0] if self.model.paused else self.model.phase
        refusal = None
        if phase not in ("scheduled", "listing"):
            refusal = engine.ErrorCode.INCREMENTS_FIXED
        elif (listing, timed) == self.model.increments:
            refusal = engine.ErrorCode.INCREMENTS_UNCHANGED
        if refusal is not None:
            try:
                engine.adjust_increments(self.state, at=self.now, increment_fen=listing, timed_increment_fen=timed)
            except EngineError as error:
                assert error.code == refusal
                return self._catch_up()
            raise AssertionError(f"adjusted the increments where the model says {refusal}")
        self._take(engine.adjust_increments(self.state, at=self.now, increment_fen=listing, timed_increment_fen=timed))
        self.model.increments = (listing, timed)

    @rule(pick=st.integers(0, 10_000))
    def reconnect(self, pick: int) -> None:
        """A watcher that last saw event n receives exactly the events after it."""
        last_seen = pick % (len(self.published) + 1)
        assert list(engine.events_since(self.state, last_seen)) == self.published[last_seen:]

    @invariant()
    def engine_agrees_with_the_model(self) -> None:
        state, model = self.state, self.model
        assert (state.phase, state.ends_at) == (model.phase, model.ends)
        assert state.price_fen == model.high
        assert (state.leader.bidder if state.leader else None) == model.leader
        assert state.deadline == model.deadline
        assert state.increments == model.increments

    @invariant()
    def accepted_bids_strictly_increase(self) -> None:
        amounts = [b.amount_fen for b in self.state.bids]
        assert all(a < b for a, b in itertools.pairwise(amounts))
        assert len(set(amounts)) == len(amounts)  # no two equal bids both accepted
        assert self.state.bids == tuple(sorted(self.acknowledgements.values(), key=lambda b: b.seq))  # none lost

    @invariant()
    def the_countdown_rule_holds_on_the_log(self) -> None:
        if self.state.deadline is None:
            return
        starts = [
            e.at
            for e in self.state.log
            if (isinstance(e, BidAccepted) and e.phase == "timed")
            or (isinstance(e, PhaseChanged) and e.after == "timed")
        ]
        assert self.state.deadline == starts[-1] + self.params.countdown

    @invariant()
    def one_gapless_sequence(self) -> None:
        log = self.state.log
        assert [e.seq for e in log] == list(range(1, len(log) + 1))
        assert list(log) == self.published
        assert all(a.at <= b.at for a, b in itertools.pairwise(log))
        assert all((e.before, e.after) in engine.TRANSITIONS for e in log if isinstance(e, PhaseChanged))

    def teardown(self) -> None:
        """Let the procedure run out, then the winner and price are the model's."""
        if self.state.phase == "frozen" and self.state.ends_at is None:
            self.resume(delay=240)
        self.advance(seconds=2 * 24 * 3600)
        self.engine_agrees_with_the_model()
        # Shown by --hypothesis-show-statistics: which paths the walks reached.
        event("path", " > ".join(e.after for e in self.state.log if isinstance(e, PhaseChanged)))
        for kind in sorted({e.kind for e in self.state.log} | {f"{e.phase}_bid" for e in self.state.bids}):
            event(kind)
        assert self.state.phase == "closed"
        if self.model.too_few:
            expected: engine.Outcome = NoDeal(NoDealReason.TOO_FEW_BIDDERS)
        elif self.model.leader is None:
            expected = NoDeal(NoDealReason.NO_BID)
        else:
            assert self.model.high is not None
            [winning] = [ack for ack in self.acknowledgements.values() if ack.amount_fen == self.model.high]
            expected = Deal(self.model.leader, self.model.high, bid_seq=winning.seq)
            assert engine.outcome(self.state, self.model.high) == expected  # at the reserve: a deal
            assert engine.outcome(self.state, self.model.high + 1) == NoDeal(NoDealReason.BELOW_RESERVE)
        step = engine.close(self.state, at=self.now, reserve_fen=None)
        assert step.events == (Closed(seq=self.state.last_seq + 1, at=self.now, outcome=expected, reserve_fen=None),)


AuctionMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=50, deadline=None)
TestAuctionEngineModel = AuctionMachine.TestCase
