"""The auction engine: listing (挂牌) + timed bidding (限时竞价), auction (拍卖) and online competitive
bidding (网络竞价) as one state machine with parameters (issue 7). Pure: no database, no clock of
its own, no floats.

Land (招拍挂), mining rights and state property all use the same model (rules-cn.md §4.1, §4.2, §5):
a period of free bidding that closes at a fixed time, then, when the rules call for it, a timed
round whose countdown restarts on every new bid. Every number comes in through `Parameters` (the
rule table supplies them); the engine holds no legal literal.

Units
- Money is integer fen. Bids are not required to be multiples of the increment (Fujian rules).
- Time is an aware `datetime`, always passed in by the caller (the service asks `clock.now()`
  inside its lock, so instants never go backwards; server time is authoritative, Fujian rules).
  Every instant is converted to UTC on the way in, so `+ timedelta` is exact elapsed time and
  microseconds are the resolution; there is no float anywhere. A naive datetime is refused.

Bidding (Fujian online land rules, rules-cn.md §4.1; 39号令)
- The first bid is at least the start price; each later bid is at least one increment above the
  current highest (the listing increment in the listing, `timed_increment_fen` in the timed
  round). An equal bid is therefore refused: "equal bids, the earlier wins" holds by construction.
- A bid is irrevocable. An accepted bid is acknowledged with its sequence number; the same
  idempotency key again returns that acknowledgement and changes nothing; the same key with a
  different bidder or amount is refused (`key_reused`). A refused bid records nothing, so a retry
  of a refused key is a fresh attempt.
- Only qualified bidders bid. In the timed round either every qualified bidder may bid (Fujian
  land: "even one that never bid during listing") or only those with a valid listing bid (德州
  mining rule, §4.2): `Parameters.timed_eligibility`.
- A bidder is an opaque string: the anonymous bid number (竞买号), never a name (Fujian rules).
- The increments may be adjusted during the listing (39号令: "the increment may be adjusted during
  listing"): `adjust_increments`, before the start or in the listing (also while a listing is
  frozen), never once the preparation or the timed round has begun. An `IncrementsChanged` event
  tells every watcher; bids already accepted stand, the next bid is judged by the new increment.

The close of the listing (Fujian rules; 39号令 "end of listing")
- If at least `timed_min_bidders` different bidders (Fujian: 2) placed a bid when no more than
  `last_window` (Fujian: 1 h) of listing time was left, a preparation stage (Fujian: 15 min)
  follows, then the timed round: the countdown (Fujian: 5 min) starts when the preparation ends
  and restarts on every accepted bid; it ends the round when it runs out. The round starts at the
  listing high + one timed increment. `timed_min_bidders=0` makes the timed round always follow
  (网络竞价 with a free period, §5); `last_window` equal to the whole listing counts every listing
  bidder (德州).
- Otherwise bidding closes: one bidder at or above the start price wins; several bidders, the
  highest wins.
- Without a listing period (`listing_end=None`: 拍卖, 网络竞价) the timed round starts at `start_at`
  with its countdown, unless fewer bidders are qualified then than `min_bidders` (mining-right
  auctions: 3, rules-cn.md §4.2, "otherwise stop or re-organise"): bidding closes at the start and
  the result is no deal (`too_few_bidders`).
- The result (`outcome`, `close`): no bid → no deal; the highest bid below the sealed reserve →
  no deal (39号令: "top bid below the reserve → terminated"; "not below the reserve"); otherwise the
  highest bidder wins at their bid. The reserve enters the engine only there, after bidding has
  closed, and is published in the `Closed` event (39号令: the reserve is confidential until the
  listing or auction ends).
- State property (企业国有资产法 art. 54, §5): with exactly one qualified transferee there is no
  bidding; `negotiate` records a deal by agreement at no less than the floor, before the start.

Faults (Fujian rules)
- `freeze` stops the clock of the listing, the preparation or the timed round.
- `resume` announces the instant of resumption: immediately, or at any time, when the fault is
  fixed within `quick_fix` of the freeze (Fujian: 1 h); otherwise with at least `resume_notice`
  (Fujian: 24 h) of notice. The engine resumes when the announced instant comes.
- A frozen listing is extended by the frozen time, so no listing time is lost. If the freeze began
  in the last window the extension is at most `freeze_extension_cap` (Fujian: 1 h); a listing
  whose capped end has already passed when trading resumes closes at the resumption (and goes to
  the timed round if the last-window bidders ask for it). This is the engine's reading of
  "extended by at least the frozen time (at most 1 h if the freeze happened in the last hour)".
- A freeze during the preparation or the timed round restarts the preparation stage at the
  resumption; the countdown then starts afresh when it ends. Accepted bids stand.

State machine (`TRANSITIONS` is the table; every phase change goes through it)
    scheduled ─start─▶ listing ─end, enough last-window bidders─▶ preparation ─end─▶ timed ─countdown─▶ closed
    scheduled ─start, no listing period─▶ timed;   listing ─end otherwise─▶ closed
    scheduled ─negotiate─▶ closed;   listing | preparation | timed ─freeze─▶ frozen
    frozen ─resume─▶ listing (extended) | preparation (restarted)
Each phase has one instant at which it ends by the clock (`State.ends_at`: the start, the listing
end, the preparation end, the countdown deadline, the announced resumption); `tick` performs every
transition that is due, at the instant it was due.

Events and watchers
Every change a watcher may see is an event with a sequence number: 1, 2, 3 … without gaps, in the
order the engine applied them. `State.log` is the whole sequence; `events_since(state, n)` is what a
watcher that last saw event n must receive next. Refusals are replies to the bidder, not events.

Invariants (checked by tests/test_engine_model.py against an independent model)
- An accepted bid is never lost: it stays in the log and the leader is the highest accepted bid.
- Accepted amounts strictly increase, so no two accepted bids are equal and there is one winner.
- In the timed round the deadline is exactly the last accepted timed bid (or the round's start)
  plus the countdown.
- Sequence numbers increase by one; every watcher sees the same sequence.
- Every operation is a function of (state, arguments): a refused bid leaves the state as the clock
  alone would have left it; a duplicate key leaves it untouched; an operation that raises
  `EngineError` changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar


class Method(StrEnum):
    LISTING = "listing"  # 挂牌, then 限时竞价 when the rules call for it
    AUCTION = "auction"  # 拍卖: straight into timed bidding
    ONLINE_BIDDING = "online_bidding"  # 网络竞价: with or without a free bidding period


class Phase(StrEnum):
    SCHEDULED = "scheduled"
    LISTING = "listing"
    PREPARATION = "preparation"
    TIMED = "timed"
    CLOSED = "closed"
    FROZEN = "frozen"


class TimedEligibility(StrEnum):
    QUALIFIED = "qualified"  # every qualified bidder (Fujian land)
    LISTING_BIDDERS = "listing_bidders"  # only bidders with an accepted listing bid (德州 mining)


class Refusal(StrEnum):
    """Why a bid was refused: a code, the page translates it."""

    NOT_STARTED = "not_started"
    CLOSED = "closed"
    PREPARATION = "preparation"
    FROZEN = "frozen"
    NOT_QUALIFIED = "not_qualified"
    NOT_ELIGIBLE = "not_eligible_for_timed_round"
    BELOW_START = "below_start_price"
    BELOW_INCREMENT = "below_increment"
    KEY_REUSED = "key_reused"


class NoDealReason(StrEnum):
    NO_BID = "no_bid"
    BELOW_RESERVE = "below_reserve"
    TOO_FEW_BIDDERS = "too_few_bidders"


class ErrorCode(StrEnum):
    """Operator and programming errors: the operation is impossible, nothing changes."""

    CLOCK_BEHIND = "clock_behind"
    NOT_RUNNING = "not_running"
    NOT_FROZEN = "not_frozen"
    RESUME_IN_PAST = "resume_in_past"
    NOTICE_TOO_SHORT = "notice_too_short"
    NOT_CLOSED = "not_closed"
    ALREADY_CLOSED = "already_closed"
    ADMISSION_CLOSED = "admission_closed"
    NOT_NEGOTIABLE = "not_negotiable"
    BIDDING_STARTED = "bidding_started"
    NOT_SINGLE_TRANSFEREE = "not_single_transferee"
    BELOW_FLOOR = "below_floor"
    UNKNOWN_EVENT = "unknown_event"
    INCREMENTS_FIXED = "increments_fixed"
    INCREMENTS_UNCHANGED = "increments_unchanged"


class EngineError(Exception):
    def __init__(self, code: ErrorCode) -> None:
        super().__init__(code.value)
        self.code = code


# (before, after) → what causes it. The only phase changes there are.
TRANSITIONS: Mapping[tuple[Phase, Phase], str] = MappingProxyType(
    {
        (Phase.SCHEDULED, Phase.LISTING): "start_at comes (listing_end set)",
        (Phase.SCHEDULED, Phase.TIMED): "start_at comes (no listing period): countdown from the start",
        (Phase.SCHEDULED, Phase.CLOSED): "negotiate: deal with the single qualified transferee; or the start "
        "without a listing period with fewer qualified bidders than min_bidders",
        (Phase.LISTING, Phase.PREPARATION): "listing end, at least timed_min_bidders bidders in the last window",
        (Phase.LISTING, Phase.CLOSED): "listing end otherwise",
        (Phase.PREPARATION, Phase.TIMED): "preparation end: the countdown starts",
        (Phase.TIMED, Phase.CLOSED): "the countdown runs out",
        (Phase.LISTING, Phase.FROZEN): "freeze",
        (Phase.PREPARATION, Phase.FROZEN): "freeze",
        (Phase.TIMED, Phase.FROZEN): "freeze",
        (Phase.FROZEN, Phase.LISTING): "resumption of a listing: its end moves by the frozen time (capped)",
        (Phase.FROZEN, Phase.PREPARATION): "resumption of a preparation or timed round: the preparation restarts",
    }
)

RUNNING = frozenset({Phase.LISTING, Phase.PREPARATION, Phase.TIMED})


def _check_transition(before: Phase, after: Phase) -> None:
    if (before, after) not in TRANSITIONS:
        raise AssertionError(f"no transition {before} → {after}")


def _utc(value: dt.datetime, name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise TypeError(f"{name} is an aware datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} is naive: every instant carries its time zone")
    return value.astimezone(dt.UTC)


def _fen(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} is an integer number of fen")  # never a float
    return value


def _duration(value: object, name: str, *, positive: bool = False) -> dt.timedelta:
    if not isinstance(value, dt.timedelta):
        raise TypeError(f"{name} is a timedelta")
    if value < dt.timedelta(0) or (positive and not value):
        raise ValueError(f"{name} must be {'positive' if positive else 'zero or more'}")
    return value


@dataclass(frozen=True, kw_only=True)
class Parameters:
    """One procedure's rules. The values come from the rule table; None means "not applicable"."""

    method: Method
    start_price_fen: int
    increment_fen: int  # listing increment
    timed_increment_fen: int  # increment of the timed round
    start_at: dt.datetime  # start of the listing, or of the timed round when there is no listing
    listing_end: dt.datetime | None = None  # None: no listing period
    last_window: dt.timedelta | None = None  # listing only: the "last hour"
    timed_min_bidders: int | None = None  # listing only: last-window bidders that call the timed round
    preparation: dt.timedelta
    countdown: dt.timedelta
    timed_eligibility: TimedEligibility = TimedEligibility.QUALIFIED
    freeze_extension_cap: dt.timedelta | None = None  # listing only: cap for a freeze in the last window
    quick_fix: dt.timedelta  # a freeze resumed within this of its start needs no notice
    resume_notice: dt.timedelta  # otherwise the resumption is announced this long in advance
    single_transferee_negotiation: bool = False  # state property: one qualified transferee → agreement
    min_bidders: int | None = None  # no listing period only: fewer qualified at the start → no deal

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "method", Method(self.method))
        set_(self, "timed_eligibility", TimedEligibility(self.timed_eligibility))
        for name in ("start_price_fen", "increment_fen", "timed_increment_fen"):
            if _fen(getattr(self, name), name) <= 0:
                raise ValueError(f"{name} must be positive")
        set_(self, "start_at", _utc(self.start_at, "start_at"))
        _duration(self.preparation, "preparation")
        _duration(self.countdown, "countdown", positive=True)
        _duration(self.quick_fix, "quick_fix")
        _duration(self.resume_notice, "resume_notice")
        if self.min_bidders is not None:
            if isinstance(self.min_bidders, bool) or not isinstance(self.min_bidders, int):
                raise TypeError("min_bidders is an integer")
            if self.min_bidders < 1:
                raise ValueError("min_bidders must be one or more")
            if self.listing_end is not None:
                raise ValueError("min_bidders is for procedures without a listing period")
        if self.listing_end is None:
            if self.method == Method.LISTING:
                raise ValueError("a listing has a listing period")
            if self.timed_eligibility == TimedEligibility.LISTING_BIDDERS:
                raise ValueError("without a listing period every qualified bidder bids in the timed round")
            if (self.last_window, self.timed_min_bidders, self.freeze_extension_cap) != (None, None, None):
                raise ValueError("last_window, timed_min_bidders and freeze_extension_cap are for listings")
            return
        if self.method == Method.AUCTION:
            raise ValueError("an auction has no listing period")
        set_(self, "listing_end", _utc(self.listing_end, "listing_end"))
        assert self.listing_end is not None
        if self.listing_end <= self.start_at:
            raise ValueError("the listing ends after it starts")
        if self.last_window is None or self.timed_min_bidders is None:
            raise ValueError("a listing needs last_window and timed_min_bidders")
        _duration(self.last_window, "last_window")
        if isinstance(self.timed_min_bidders, bool) or not isinstance(self.timed_min_bidders, int):
            raise TypeError("timed_min_bidders is an integer")
        if self.timed_min_bidders < 0:
            raise ValueError("timed_min_bidders must be zero or more")
        if self.freeze_extension_cap is not None:
            _duration(self.freeze_extension_cap, "freeze_extension_cap")


# ---------------------------------------------------------------- events (what watchers see)


@dataclass(frozen=True, kw_only=True)
class PhaseChanged:
    kind: ClassVar[str] = "phase_changed"
    seq: int
    at: dt.datetime
    before: Phase
    after: Phase
    ends_at: dt.datetime | None  # when the new phase ends by the clock (the countdown deadline in TIMED)


@dataclass(frozen=True, kw_only=True)
class BidAccepted:
    kind: ClassVar[str] = "bid_accepted"
    seq: int
    at: dt.datetime
    bidder: str
    amount_fen: int
    phase: Phase  # LISTING or TIMED


@dataclass(frozen=True, kw_only=True)
class CountdownRestarted:
    kind: ClassVar[str] = "countdown_restarted"
    seq: int
    at: dt.datetime
    deadline: dt.datetime


@dataclass(frozen=True, kw_only=True)
class Frozen:
    kind: ClassVar[str] = "frozen"
    seq: int
    at: dt.datetime
    paused: Phase
    reason: str  # a code, e.g. "system_fault"


@dataclass(frozen=True, kw_only=True)
class ResumeAnnounced:
    kind: ClassVar[str] = "resume_announced"
    seq: int
    at: dt.datetime
    resume_at: dt.datetime


@dataclass(frozen=True, kw_only=True)
class Resumed:
    kind: ClassVar[str] = "resumed"
    seq: int
    at: dt.datetime
    phase: Phase
    ends_at: dt.datetime
    frozen_for: dt.timedelta


@dataclass(frozen=True, kw_only=True)
class IncrementsChanged:
    kind: ClassVar[str] = "increments_changed"
    seq: int
    at: dt.datetime
    increment_fen: int
    timed_increment_fen: int


@dataclass(frozen=True)
class Deal:
    bidder: str
    price_fen: int
    bid_seq: int | None  # the accepted bid; None for a negotiated deal
    negotiated: bool = False


@dataclass(frozen=True)
class NoDeal:
    reason: NoDealReason


Outcome = Deal | NoDeal


@dataclass(frozen=True, kw_only=True)
class Closed:
    kind: ClassVar[str] = "closed"
    seq: int
    at: dt.datetime
    outcome: Outcome
    reserve_fen: int | None  # published now: secret until the close


Event = (
    PhaseChanged | BidAccepted | CountdownRestarted | Frozen | ResumeAnnounced | Resumed | Closed | IncrementsChanged
)


# ---------------------------------------------------------------- state and replies


@dataclass(frozen=True)
class Freeze:
    paused: Phase
    at: dt.datetime
    ends_at: dt.datetime  # when the paused phase would have ended
    resume_at: dt.datetime | None = None


@dataclass(frozen=True, kw_only=True)
class State:
    """Everything the rules decide on. Never mutated: every operation returns a new one."""

    params: Parameters
    qualified: frozenset[str]
    clock: dt.datetime  # the latest instant the engine was given
    phase: Phase = Phase.SCHEDULED
    ends_at: dt.datetime | None = None  # when the current phase ends by the clock
    leader: BidAccepted | None = None
    window_bidders: frozenset[str] = frozenset()  # bid with ≤ last_window of listing left
    listing_bidders: frozenset[str] = frozenset()
    freeze: Freeze | None = None
    too_few_bidders: bool = False  # bidding never started: fewer qualified than `min_bidders`
    result: Outcome | None = None
    log: tuple[Event, ...] = ()
    keys: Mapping[str, int] = field(default_factory=dict, hash=False)  # idempotency key → seq; copied, never mutated
    adjusted: tuple[int, int] | None = None  # (listing, timed) increments set by `adjust_increments`

    @property
    def increments(self) -> tuple[int, int]:
        """The listing and timed-round increments in force."""
        return self.adjusted or (self.params.increment_fen, self.params.timed_increment_fen)

    @property
    def last_seq(self) -> int:
        return len(self.log)

    @property
    def price_fen(self) -> int | None:
        return self.leader.amount_fen if self.leader else None

    @property
    def deadline(self) -> dt.datetime | None:
        """The countdown deadline, during the timed round."""
        return self.ends_at if self.phase == Phase.TIMED else None

    @property
    def bids(self) -> tuple[BidAccepted, ...]:
        return tuple(event for event in self.log if isinstance(event, BidAccepted))

    def minimum_bid_fen(self) -> int | None:
        """The least a bid may be now (or when bidding resumes); None once bidding has closed."""
        phase = self.freeze.paused if self.freeze else self.phase
        if phase == Phase.CLOSED:
            return None
        if self.leader is None:
            return self.params.start_price_fen
        listing, timed = self.increments
        return self.leader.amount_fen + (listing if phase == Phase.LISTING else timed)


@dataclass(frozen=True)
class Accepted:
    bid: BidAccepted
    duplicate: bool = False  # the key was seen before: this is the original acknowledgement


@dataclass(frozen=True)
class Refused:
    reason: Refusal


@dataclass(frozen=True)
class Step:
    """The result of one operation: the new state and the events to publish, in order."""

    state: State
    events: tuple[Event, ...] = ()
    reply: Accepted | Refused | None = None


E = TypeVar(
    "E", PhaseChanged, BidAccepted, CountdownRestarted, Frozen, ResumeAnnounced, Resumed, Closed, IncrementsChanged
)


class _Draft:
    """An operation in progress: the state so far and the events it has emitted."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.events: list[Event] = []

    def update(self, **changes: Any) -> None:
        self.state = replace(self.state, **changes)

    def emit(self, cls: type[E], **fields: Any) -> E:
        event = cls(seq=self.state.last_seq + 1, **fields)
        self.state = replace(self.state, log=(*self.state.log, event))
        self.events.append(event)
        return event

    def goto(self, after: Phase, at: dt.datetime, ends_at: dt.datetime | None) -> None:
        before = self.state.phase
        _check_transition(before, after)
        self.update(phase=after, ends_at=ends_at, clock=at)
        self.emit(PhaseChanged, at=at, before=before, after=after, ends_at=ends_at)

    def step(self, reply: Accepted | Refused | None = None) -> Step:
        return Step(self.state, tuple(self.events), reply)


# ---------------------------------------------------------------- operations


def initial_state(params: Parameters, *, qualified: Iterable[str], at: dt.datetime) -> State:
    """A scheduled procedure, created at `at` with the bidders qualified so far."""
    at = _utc(at, "at")
    if at > params.start_at:
        raise ValueError("the procedure is created before it starts")
    return State(params=params, qualified=frozenset(qualified), clock=at, ends_at=params.start_at)


def _now(state: State, at: dt.datetime) -> dt.datetime:
    at = _utc(at, "at")
    if at < state.clock:
        raise EngineError(ErrorCode.CLOCK_BEHIND)
    return at


def _expire(draft: _Draft, when: dt.datetime) -> None:
    """The current phase has reached its end (`ends_at`) at `when`: take the next transition."""
    state, params = draft.state, draft.state.params
    match state.phase:
        case Phase.SCHEDULED if params.listing_end is not None:
            draft.goto(Phase.LISTING, when, params.listing_end)
        case Phase.SCHEDULED if params.min_bidders is not None and len(state.qualified) < params.min_bidders:
            draft.update(too_few_bidders=True)
            draft.goto(Phase.CLOSED, when, None)
        case Phase.SCHEDULED:
            draft.goto(Phase.TIMED, when, when + params.countdown)
        case Phase.LISTING:
            assert params.timed_min_bidders is not None
            if len(state.window_bidders) >= params.timed_min_bidders:
                draft.goto(Phase.PREPARATION, when, when + params.preparation)
            else:
                draft.goto(Phase.CLOSED, when, None)
        case Phase.PREPARATION:
            draft.goto(Phase.TIMED, when, when + params.countdown)
        case Phase.TIMED:
            draft.goto(Phase.CLOSED, when, None)
        case Phase.FROZEN:
            _resume_now(draft, when)
        case _:
            raise AssertionError(f"{state.phase} has no end")


def _resume_now(draft: _Draft, when: dt.datetime) -> None:
    state, params = draft.state, draft.state.params
    freeze = state.freeze
    assert freeze is not None
    frozen_for = when - freeze.at
    if freeze.paused == Phase.LISTING:
        extension = frozen_for
        left = freeze.ends_at - freeze.at
        assert params.last_window is not None
        if params.freeze_extension_cap is not None and left <= params.last_window:
            extension = min(extension, params.freeze_extension_cap)
        after, ends_at = Phase.LISTING, freeze.ends_at + extension
    else:
        after, ends_at = Phase.PREPARATION, when + params.preparation
    _check_transition(Phase.FROZEN, after)
    draft.update(phase=after, ends_at=ends_at, freeze=None, clock=when)
    draft.emit(Resumed, at=when, phase=after, ends_at=ends_at, frozen_for=frozen_for)


def _advance(draft: _Draft, at: dt.datetime) -> None:
    """Perform every transition due by `at`, each at the instant it was due (never before the
    previous one: a listing whose capped end passed during a freeze closes at the resumption)."""
    while draft.state.ends_at is not None and draft.state.ends_at <= at:
        _expire(draft, max(draft.state.ends_at, draft.state.clock))
    draft.update(clock=at)


def tick(state: State, at: dt.datetime) -> Step:
    """The worker's call: move time to `at`, closing whatever phase has ended."""
    draft = _Draft(state)
    _advance(draft, _now(state, at))
    return draft.step()


def bid(state: State, *, bidder: str, amount_fen: int, at: dt.datetime, key: str) -> Step:
    """A bid by `bidder` (bid number) of `amount_fen` at `at`, with the client's idempotency key.

    Checks, in order: the key (a known key answers from the record, whatever the phase now), the
    phase (`not_started`, `preparation`, `frozen`, `closed`), the bidder (`not_qualified`,
    `not_eligible_for_timed_round`), the amount (`below_start_price`, `below_increment`)."""
    at = _now(state, at)
    _fen(amount_fen, "amount_fen")
    if not isinstance(key, str) or not key:
        raise ValueError("the idempotency key is a non-empty string")
    if key in state.keys:
        original = state.log[state.keys[key] - 1]
        assert isinstance(original, BidAccepted)
        if (original.bidder, original.amount_fen) == (bidder, amount_fen):
            return Step(state, (), Accepted(original, duplicate=True))
        return Step(state, (), Refused(Refusal.KEY_REUSED))

    draft = _Draft(state)
    _advance(draft, at)
    state, params = draft.state, draft.state.params
    refusal = _refusal(state, bidder, amount_fen)
    if refusal is not None:
        return draft.step(Refused(refusal))

    accepted = draft.emit(BidAccepted, at=at, bidder=bidder, amount_fen=amount_fen, phase=state.phase)
    draft.update(leader=accepted, keys={**state.keys, key: accepted.seq})
    if state.phase == Phase.LISTING:
        assert state.ends_at is not None and params.last_window is not None
        in_window = state.ends_at - at <= params.last_window
        draft.update(
            listing_bidders=state.listing_bidders | {bidder},
            window_bidders=(state.window_bidders | {bidder}) if in_window else state.window_bidders,
        )
    else:
        deadline = at + params.countdown
        draft.update(ends_at=deadline)
        draft.emit(CountdownRestarted, at=at, deadline=deadline)
    return draft.step(Accepted(accepted))


def _refusal(state: State, bidder: str, amount_fen: int) -> Refusal | None:
    params = state.params
    phase_refusals = {
        Phase.SCHEDULED: Refusal.NOT_STARTED,
        Phase.PREPARATION: Refusal.PREPARATION,
        Phase.FROZEN: Refusal.FROZEN,
        Phase.CLOSED: Refusal.CLOSED,
    }
    if state.phase in phase_refusals:
        return phase_refusals[state.phase]
    if bidder not in state.qualified:
        return Refusal.NOT_QUALIFIED
    if (
        state.phase == Phase.TIMED
        and params.timed_eligibility == TimedEligibility.LISTING_BIDDERS
        and bidder not in state.listing_bidders
    ):
        return Refusal.NOT_ELIGIBLE
    if state.leader is None:
        return Refusal.BELOW_START if amount_fen < params.start_price_fen else None
    minimum = state.minimum_bid_fen()
    assert minimum is not None
    return Refusal.BELOW_INCREMENT if amount_fen < minimum else None


def admit(state: State, *, bidder: str, at: dt.datetime) -> Step:
    """A bidder qualified after the procedure was created (registration runs into the listing).
    Not an event: who and how many the bidders are is not published."""
    draft = _Draft(state)
    _advance(draft, _now(state, at))
    paused = draft.state.freeze.paused if draft.state.freeze else draft.state.phase
    if paused not in (Phase.SCHEDULED, Phase.LISTING):
        raise EngineError(ErrorCode.ADMISSION_CLOSED)
    draft.update(qualified=draft.state.qualified | {bidder})
    return draft.step()


def freeze(state: State, *, at: dt.datetime, reason: str) -> Step:
    """Stop the clock (a fault): bids are refused until the announced resumption."""
    at = _now(state, at)
    if not isinstance(reason, str) or not reason:
        raise ValueError("the reason is a non-empty code")
    draft = _Draft(state)
    _advance(draft, at)
    current = draft.state
    if current.phase not in RUNNING:
        raise EngineError(ErrorCode.NOT_RUNNING)
    assert current.ends_at is not None
    _check_transition(current.phase, Phase.FROZEN)
    draft.update(phase=Phase.FROZEN, ends_at=None, freeze=Freeze(paused=current.phase, at=at, ends_at=current.ends_at))
    draft.emit(Frozen, at=at, paused=current.phase, reason=reason)
    return draft.step()


def resume(state: State, *, at: dt.datetime, resume_at: dt.datetime) -> Step:
    """Announce when trading resumes (`resume_at == at`: now). A fault fixed within `quick_fix` of
    the freeze may resume at once; a longer one needs `resume_notice` of notice. Announcing again
    replaces the previous announcement, under the same rule."""
    draft = _Draft(state)
    at = _now(state, at)
    resume_at = _utc(resume_at, "resume_at")
    _advance(draft, at)
    current, params = draft.state, draft.state.params
    if current.phase != Phase.FROZEN or current.freeze is None:
        raise EngineError(ErrorCode.NOT_FROZEN)
    if resume_at < at:
        raise EngineError(ErrorCode.RESUME_IN_PAST)
    if resume_at - current.freeze.at > params.quick_fix and resume_at - at < params.resume_notice:
        raise EngineError(ErrorCode.NOTICE_TOO_SHORT)
    draft.update(freeze=replace(current.freeze, resume_at=resume_at), ends_at=resume_at)
    draft.emit(ResumeAnnounced, at=at, resume_at=resume_at)
    _advance(draft, at)
    return draft.step()


def adjust_increments(state: State, *, at: dt.datetime, increment_fen: int, timed_increment_fen: int) -> Step:
    """Set the listing and timed-round increments (39号令: adjustable during the listing). Allowed
    before the start and in the listing, frozen or not; not once the preparation has begun."""
    at = _now(state, at)
    for name, value in (("increment_fen", increment_fen), ("timed_increment_fen", timed_increment_fen)):
        if _fen(value, name) <= 0:
            raise ValueError(f"{name} must be positive")
    draft = _Draft(state)
    _advance(draft, at)
    current = draft.state
    phase = current.freeze.paused if current.freeze else current.phase
    if phase not in (Phase.SCHEDULED, Phase.LISTING):
        raise EngineError(ErrorCode.INCREMENTS_FIXED)
    if current.increments == (increment_fen, timed_increment_fen):
        raise EngineError(ErrorCode.INCREMENTS_UNCHANGED)
    draft.update(adjusted=(increment_fen, timed_increment_fen))
    draft.emit(IncrementsChanged, at=at, increment_fen=increment_fen, timed_increment_fen=timed_increment_fen)
    return draft.step()


def outcome(state: State, reserve_fen: int | None) -> Outcome:
    """The result once bidding has closed, with the sealed reserve (None: no reserve)."""
    if state.phase != Phase.CLOSED:
        raise EngineError(ErrorCode.NOT_CLOSED)
    if isinstance(state.result, Deal) and state.result.negotiated:
        return state.result
    if reserve_fen is not None and _fen(reserve_fen, "reserve_fen") <= 0:
        raise ValueError("a reserve is a positive number of fen")
    if state.too_few_bidders:
        return NoDeal(NoDealReason.TOO_FEW_BIDDERS)
    leader = state.leader
    if leader is None:
        return NoDeal(NoDealReason.NO_BID)
    if reserve_fen is not None and leader.amount_fen < reserve_fen:
        return NoDeal(NoDealReason.BELOW_RESERVE)
    return Deal(bidder=leader.bidder, price_fen=leader.amount_fen, bid_seq=leader.seq)


def close(state: State, *, at: dt.datetime, reserve_fen: int | None) -> Step:
    """Announce the result (and the reserve) after bidding has closed."""
    draft = _Draft(state)
    at = _now(state, at)
    _advance(draft, at)
    if draft.state.result is not None:
        raise EngineError(ErrorCode.ALREADY_CLOSED)
    result = outcome(draft.state, reserve_fen)
    draft.update(result=result)
    draft.emit(Closed, at=at, outcome=result, reserve_fen=reserve_fen)
    return draft.step()


def negotiate(state: State, *, bidder: str, amount_fen: int, floor_fen: int, at: dt.datetime) -> Step:
    """State property with exactly one qualified transferee (企业国有资产法 art. 54): a deal by
    agreement at no less than the floor, recorded before bidding would start."""
    draft = _Draft(state)
    at = _now(state, at)
    _fen(amount_fen, "amount_fen")
    _fen(floor_fen, "floor_fen")
    if not state.params.single_transferee_negotiation:
        raise EngineError(ErrorCode.NOT_NEGOTIABLE)
    _advance(draft, at)
    if draft.state.phase != Phase.SCHEDULED:
        raise EngineError(ErrorCode.BIDDING_STARTED)
    if draft.state.qualified != {bidder}:
        raise EngineError(ErrorCode.NOT_SINGLE_TRANSFEREE)
    if amount_fen < floor_fen:
        raise EngineError(ErrorCode.BELOW_FLOOR)
    result = Deal(bidder=bidder, price_fen=amount_fen, bid_seq=None, negotiated=True)
    draft.goto(Phase.CLOSED, at, None)
    draft.update(result=result)
    draft.emit(Closed, at=at, outcome=result, reserve_fen=floor_fen)
    return draft.step()


def events_since(state: State, after_seq: int) -> tuple[Event, ...]:
    """What a watcher that last saw event `after_seq` (0: none) must receive, in order."""
    if not 0 <= after_seq <= state.last_seq:
        raise EngineError(ErrorCode.UNKNOWN_EVENT)
    return state.log[after_seq:]
