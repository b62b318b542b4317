# mypy: disable-error-code="arg-type,union-attr,assignment,index"
"""Properties of the verifiable expert draw (issue 4).

"No recused expert is ever selected; a replay with the revealed seed always reproduces the draw;
a different seed gives a different order."

The pure properties run on `draw.py` with many generated examples. The database property builds a
random pool per example inside a savepoint, runs the real `draw_run` and checks every expert
against an oracle written here from the recusal rules as the regulations state them, not from
`filters.py`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.db import transaction
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st

from ggzy.accounts import services as accounts_services
from ggzy.accounts.choices import OrganizationKind, Role, Sector
from ggzy.accounts.uscc import make_uscc
from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.core.testing.parties import make_org, make_user
from ggzy.experts import draw, selectors, services
from ggzy.experts.choices import (
    ACTIVE_SELECTION_STATES,
    DrawStatus,
    ExpertStatus,
    RecusalRule,
    RegionScope,
    SelectionState,
    TitleLevel,
)
from ggzy.experts.models import DrawLine, DrawRequest, Expert, Selection
from ggzy.experts.tests.helpers import closed_lot, id_card, make_expert, pool_manager, request_draw, run_draw
from ggzy.rules import services as rules_services
from ggzy.rules.selectors import RuleMissing, rule_get
from ggzy.tendering import bids
from ggzy.tendering.models import TenderLot
from ggzy.tendering.tests.helpers import SealingBidder

# ---------------------------------------------------------------- pure properties of draw.py

SEEDS = st.binary(min_size=draw.SEED_BYTES, max_size=draw.SEED_BYTES)
WITNESS_TEXTS = st.text(alphabet="0123456789", min_size=4, max_size=32)
REQUEST_IDS = st.integers(min_value=1, max_value=2**63 - 1)
LINE_NUMBERS = st.integers(min_value=0, max_value=2**32 - 1)
# A small number space, so that the lines of one draw share experts (an expert holds several specialties).
NUMBERS = st.integers(min_value=1, max_value=200).map(lambda n: f"E{n:07d}")


@dataclass(frozen=True)
class Record:
    """What a draw publishes, plus the seed revealed after the award."""

    seed: bytes
    witness_text: str
    request_id: int
    candidates: list[list[str]]
    picks: list[draw.Pick]

    def replay(self, **changes: Any) -> list[str]:
        facts = {
            "seed": self.seed,
            "commitment": draw.seed_commitment(self.seed),
            "witness_text": self.witness_text,
            "request_id": self.request_id,
            "candidates": self.candidates,
            "picks": self.picks,
        }
        facts.update(changes)
        return draw.replay(**facts)


@st.composite
def records(pull: st.DrawFn, *, min_candidates: int = 0) -> Record:
    """A draw as the service runs it: each line's head-count, then top-ups on random lines."""
    seed, text, request_id = pull(SEEDS), pull(WITNESS_TEXTS), pull(REQUEST_IDS)
    lines = pull(st.lists(st.lists(NUMBERS, unique=True, min_size=min_candidates, max_size=15), min_size=1, max_size=4))
    counts = [pull(st.integers(min_value=0, max_value=len(line) + 1)) for line in lines]
    top_ups = pull(st.lists(st.integers(min_value=0, max_value=len(lines) - 1), max_size=12))
    # The draw ranks the lists as the filter returned them; the record keeps them sorted.
    as_filtered = [pull(st.permutations(line)) for line in lines]
    effective = draw.effective_seed(seed, text)
    walker = draw.Walker(
        [draw.ranking(effective, request_id=request_id, line=n, candidates=c) for n, c in enumerate(as_filtered)]
    )
    picks = []
    for line in [n for n, count in enumerate(counts) for _ in range(count)] + top_ups:
        number = walker.next(line)
        if number is not None:
            picks.append(draw.Pick(line=line, number=number))
    return Record(seed, text, request_id, [sorted(line) for line in lines], picks)


@settings(max_examples=300)
@given(records())
def test_a_replay_with_the_revealed_seed_reproduces_every_pick_including_top_ups(record):
    assert record.replay() == []


# For a list of n ≥ 8 distinct candidates, two unrelated effective seeds give the same order with
# probability 1/n! ≤ 1/8! < 2.5e-5 (SHA-256 taken as a random function). Over 200 examples that is
# < 0.5 %, too much for a test that must never fail by chance, so the examples are derandomized:
# the same 200 every run (they pass), still 200 independent chances for a bug to show.
@settings(max_examples=200, derandomize=True)
@given(
    seed=SEEDS,
    text=WITNESS_TEXTS,
    request_id=REQUEST_IDS,
    line=LINE_NUMBERS,
    candidates=st.lists(NUMBERS, unique=True, min_size=8, max_size=40),
    data=st.data(),
)
def test_a_different_seed_or_witness_text_gives_a_different_order(seed, text, request_id, line, candidates, data):
    other_seed = data.draw(SEEDS.filter(lambda s: s != seed), label="other seed")
    other_text = data.draw(WITNESS_TEXTS.filter(lambda t: t != text), label="other witness text")

    def order(seed: bytes, text: str) -> list[str]:
        return draw.ranking(draw.effective_seed(seed, text), request_id=request_id, line=line, candidates=candidates)

    assert order(seed, text) != order(other_seed, text)
    assert order(seed, text) != order(seed, other_text)  # the witness's number counts, whatever the seed


@settings(max_examples=300)
@given(
    effective=SEEDS,
    request_id=REQUEST_IDS,
    line=LINE_NUMBERS,
    candidates=st.lists(NUMBERS, unique=True, min_size=1, max_size=40),
    extra=NUMBERS,
    data=st.data(),
)
def test_adding_or_removing_one_candidate_never_changes_the_order_of_the_others(
    effective, request_id, line, candidates, extra, data
):
    assume(extra not in candidates)

    def rank(numbers: list[str]) -> list[str]:
        return draw.ranking(effective, request_id=request_id, line=line, candidates=numbers)

    base = rank(candidates)
    assert sorted(base) == sorted(candidates)
    assert rank(data.draw(st.permutations(candidates), label="same list, other order")) == base
    assert [n for n in rank([*candidates, extra]) if n != extra] == base
    removed = data.draw(st.sampled_from(candidates), label="removed")
    assert rank([n for n in candidates if n != removed]) == [n for n in base if n != removed]


@settings(max_examples=300)
@given(
    rankings=st.lists(st.lists(NUMBERS, unique=True, max_size=12), min_size=1, max_size=4),
    calls=st.lists(st.integers(min_value=0, max_value=3), max_size=40),
)
def test_the_walker_takes_the_best_free_expert_of_the_line_and_never_one_twice(rankings, calls):
    walker = draw.Walker(rankings)
    taken: list[str] = []
    for call in calls:
        line = call % len(rankings)
        best_free = next((n for n in rankings[line] if n not in taken), None)
        assert walker.next(line) == best_free
        if best_free is not None:
            taken.append(best_free)
        for other, ranked in enumerate(rankings):
            assert walker.remaining(other) == sum(1 for n in ranked if n not in taken)
    assert len(set(taken)) == len(taken)
    assert walker.taken == set(taken)


@settings(max_examples=300)
@given(record=records(min_candidates=1), data=st.data())
def test_the_replay_detects_a_swapped_or_replaced_pick(record, data):
    picks = record.picks
    assume(len(picks) >= 2)
    i, j = sorted(data.draw(st.lists(st.integers(0, len(picks) - 1), min_size=2, max_size=2, unique=True)))
    swapped = list(picks)
    swapped[i] = draw.Pick(line=picks[i].line, number=picks[j].number)
    swapped[j] = draw.Pick(line=picks[j].line, number=picks[i].number)
    problems = record.replay(picks=swapped)
    assert problems and problems[0].startswith(f"pick {i + 1} ")

    stranger = data.draw(NUMBERS.filter(lambda n: n != picks[j].number), label="replacement")
    replaced = [*picks[:j], draw.Pick(line=picks[j].line, number=stranger), *picks[j + 1 :]]
    problems = record.replay(picks=replaced)
    assert problems and problems[0].startswith(f"pick {j + 1} ")


@settings(max_examples=200)
@given(record=records(), data=st.data())
def test_the_replay_refuses_a_seed_that_does_not_match_the_commitment(record, data):
    wrong_seed = data.draw(SEEDS.filter(lambda s: s != record.seed), label="wrong seed")
    refused = ["the revealed seed does not match the published commitment"]
    assert record.replay(seed=wrong_seed) == refused
    assert record.replay(seed=record.seed[:-1]) == refused
    assert record.replay(commitment=draw.seed_commitment(wrong_seed)) == refused


# ---------------------------------------------------------------- recusal over a random pool

BEIJING = clock.BEIJING


def _at(year: int, month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=BEIJING)


REGISTERED = _at(2025, 9, 1, 9)  # Monday: every project of the test is registered
BID_DEADLINE = _at(2025, 9, 26, 10)  # Friday
EVALUATION = _at(2026, 12, 2, 14)  # Wednesday
EVALUATION_HOURS = 8
DAY = EVALUATION.date()
CAP = 2  # both draw caps lowered (a centre may) so that a few past selections reach them
LINES = (("A01", 2, 1), ("A02", 1, 0))  # specialty, head-count, reserves


@dataclass(frozen=True)
class Past:
    """An earlier draw whose selections count for booking, frequency or same-party caps."""

    lot: str  # "same_owner" (the owner's other project), "same_agent" (the agent's), "other"
    starts: dt.datetime
    hours: int


PAST = {
    "year_before_window": Past("same_owner", _at(2025, 12, 1, 9), 1),
    "year_first_day": Past("same_owner", _at(2025, 12, 2, 9), 1),
    "october_same_agent": Past("same_agent", _at(2026, 10, 14, 9), 1),
    "month_before_window": Past("other", _at(2026, 11, 2, 13), 1),
    "month_first_instant": Past("other", _at(2026, 11, 2, 14), 1),
    "november_same_agent": Past("same_agent", _at(2026, 11, 18, 9), 1),
    "november_other": Past("other", _at(2026, 11, 25, 9), 1),
    "overlapping": Past("other", _at(2026, 12, 2, 9), 6),
    "right_after": Past("other", _at(2026, 12, 2, 22), 1),
}

OWNER_REPRESENTATIVE, AGENT_REPRESENTATIVE = "王建国", "李秀英"
EMPLOYERS = ("owner", "agent", "bidder", "supervisor", "other")
CONFLICTS = (*EMPLOYERS, "owner_person", "agent_person", "other_person")


@dataclass(frozen=True)
class Facts:
    """One generated expert, as the pool manager and the expert declared it."""

    specialties: tuple[str, ...]
    status: str = ExpertStatus.ACTIVE
    status_until: dt.date | None = None
    title_level: int = TitleLevel.SENIOR
    practice_since: dt.date = dt.date(2000, 7, 1)
    birth_date: dt.date = dt.date(1975, 5, 1)
    last_bad_record_on: dt.date | None = None
    region_code: str = "654002"
    employer: str = ""
    conflicts: tuple[str, ...] = ()
    past: tuple[tuple[str, str], ...] = ()  # (key of PAST, state of the expert's selection there)


def _mostly(usual: st.SearchStrategy[Any], unusual: st.SearchStrategy[Any], one_in: int = 8) -> st.SearchStrategy[Any]:
    """One example in `one_in` takes the unusual branch; shrinking goes to the usual one."""
    return st.integers(min_value=1, max_value=one_in).flatmap(lambda k: unusual if k == one_in else usual)


def _around(day: dt.date, days: int = 4) -> st.SearchStrategy[dt.date]:
    return st.dates(min_value=day - dt.timedelta(days=days), max_value=day + dt.timedelta(days=days))


# Confirmed four times as often as any other answer, so that the caps are reached now and then.
PAST_STATES = st.sampled_from([*[SelectionState.CONFIRMED] * 3, *SelectionState])

SPECIALTIES = st.sampled_from(
    [
        # Branches are disjoint: an expert in both lines' pools hits the known defect of
        # test_an_expert_in_two_lines_cannot_be_picked_for_both, which is not what this test is about.
        ("A01", "A0101", "A0102"),
        ("A01", "A0101", "A0102"),
        ("A02", "A0201"),
        ("B01", "B0101"),
    ]
).flatmap(lambda branch: st.lists(st.sampled_from(branch), min_size=1, max_size=2, unique=True).map(tuple))

FACTS = st.builds(
    Facts,
    specialties=SPECIALTIES,
    status=_mostly(st.just(ExpertStatus.ACTIVE), st.sampled_from(ExpertStatus)),
    status_until=_mostly(st.none(), _around(DAY, 2)),
    title_level=_mostly(st.sampled_from([TitleLevel.ASSOCIATE_SENIOR, TitleLevel.SENIOR]), st.sampled_from(TitleLevel)),
    practice_since=_mostly(
        st.dates(dt.date(1985, 1, 1), dt.date(2012, 12, 31)),
        st.one_of(_around(dt.date(2018, 12, 2)), st.dates(dt.date(2013, 1, 1), dt.date(2026, 6, 30))),
    ),
    birth_date=_mostly(
        st.dates(dt.date(1960, 1, 1), dt.date(1990, 12, 31)),
        st.one_of(_around(dt.date(1956, 12, 2)), st.dates(dt.date(1945, 1, 1), dt.date(1959, 12, 31))),
    ),
    last_bad_record_on=_mostly(
        st.none(), st.one_of(_around(dt.date(2023, 12, 2)), st.dates(dt.date(2015, 1, 1), dt.date(2026, 11, 30)))
    ),
    region_code=_mostly(st.just("654002"), st.sampled_from(["654003", "654000", "650102", "652301", "110101"])),
    employer=_mostly(st.sampled_from(["", "other"]), st.sampled_from(EMPLOYERS)),
    conflicts=_mostly(
        st.just(()), st.lists(st.sampled_from(CONFLICTS), min_size=1, max_size=2, unique=True).map(tuple)
    ),
    past=_mostly(
        st.just(()),
        st.dictionaries(st.sampled_from(sorted(PAST)), PAST_STATES, min_size=1, max_size=len(PAST)).map(
            lambda d: tuple(sorted(d.items()))
        ),
        one_in=3,
    ),
)


@dataclass
class World:
    manager: Any
    supervisor_user: Any
    operator: Any
    usccs: dict[str, str]  # "owner", "agent", "bidder", "supervisor", "other"
    people: dict[str, str]  # "owner_person", "agent_person", "other_person"
    requests: dict[str, int] = field(default_factory=dict)  # by region scope, witnessed and ready
    past: dict[str, int] = field(default_factory=dict)  # DrawRequest ids of PAST
    rules: dict[str, int | None] = field(default_factory=dict)


def _organization(serial: int, representative: str) -> Any:
    return accounts_services.organization_create(
        actor=None,
        uscc=make_uscc(f"91654002MA{9_000_000 + serial:07d}"),
        name=f"性质测试单位{serial}",
        kind=OrganizationKind.MARKET_ENTITY,
        region_code="654002",
        legal_representative=representative,
    )


def _world(traveller: Any, tmp_path: Any, trade_type: str) -> World:
    """Lots, parties and the earlier draws, built once per test through the services."""
    admin = make_user(Role.SYSTEM_ADMIN)
    for key in ("expert.draw_cap_count", "expert.same_party_cap_count"):
        rules_services.rule_version_create(
            actor=admin,
            key=key,
            trade_type="",
            method="",
            value=CAP,
            unit="count",
            source="测试：本地政策",
            evidence="unconfirmed",
            effective_from=clock.today(),
            note="",
        )
    owner = make_user(Role.OWNER, org=_organization(1, OWNER_REPRESENTATIVE))
    agent = make_user(Role.AGENT, org=_organization(2, AGENT_REPRESENTATIVE))
    sector = Sector.FINANCE if trade_type == TradeType.GOVERNMENT_PROCUREMENT else Sector.HOUSING_CONSTRUCTION
    supervisor = make_org(kind=OrganizationKind.SUPERVISORY_AUTHORITY, sector=sector)
    supervisor_user = make_user(Role.SUPERVISOR, org=supervisor)
    bidder = SealingBidder.registered(name="property-bidder")
    world = World(
        manager=pool_manager(),
        supervisor_user=supervisor_user,
        operator=make_user(Role.CENTER_STAFF),
        usccs={
            "owner": owner.organization.uscc,
            "agent": agent.organization.uscc,
            "bidder": bidder.uscc,
            "supervisor": supervisor.uscc,
            "other": make_uscc("91654002MA9999999"),
        },
        people={"owner_person": OWNER_REPRESENTATIVE, "agent_person": AGENT_REPRESENTATIVE, "other_person": "赵路人"},
    )
    witness = make_user(Role.CENTER_STAFF)
    lot = closed_lot(owner=owner, agent=agent, supervisor=supervisor, deadline=BID_DEADLINE, trade_type=trade_type)
    agents = {"same_owner": make_user(Role.AGENT), "same_agent": agent, "other": make_user(Role.AGENT)}
    owners = {"same_owner": owner, "same_agent": make_user(Role.OWNER), "other": make_user(Role.OWNER)}
    lots = {key: closed_lot(owner=owners[key], agent=agents[key], deadline=BID_DEADLINE) for key in agents}
    # Only the filler holds D03: every earlier draw picks it, and it is in no line of the test.
    make_expert(
        world.manager, with_account=False, specialties=["D03"], id_card_number=id_card(999, dt.date(1975, 5, 1))
    )
    traveller.shift(dt.timedelta(days=3))
    tender_lot = TenderLot.objects.get(lot=lot)
    sealed = bidder.seal(tmp_path / "bid", lot=tender_lot, opening_data={"price": 1})
    bids.bid_submit(actor=bidder.user, tender_lot=tender_lot, envelope=sealed.path)

    for key, past in sorted(PAST.items(), key=lambda item: item[1].starts):
        traveller.move_to(past.starts.replace(hour=8))
        earlier = request_draw(
            agents[past.lot], lots[past.lot], starts=past.starts, hours=past.hours, lines=[_line("D03", 1)]
        )
        run_draw(earlier, operator=world.operator, witness=witness)
        earlier.refresh_from_db()
        assert earlier.status == DrawStatus.DRAWN, earlier.failure_reason
        world.past[key] = earlier.pk

    traveller.move_to(EVALUATION.replace(hour=8, minute=30))
    for scope in RegionScope:
        request = request_draw(
            agent,
            lot,
            starts=EVALUATION,
            hours=EVALUATION_HOURS,
            scope=scope,
            lines=[_line(code, count, reserves) for code, count, reserves in LINES],
        )
        services.draw_witness_join(actor=witness, request=request, witness_text="20261202")
        world.requests[scope] = request.pk
    project = lot.project
    scope_of_rules = {"trade_type": project.trade_type, "method": project.procurement_method, "on": project.rules_date}
    for key in (
        "expert.min_title_level",
        "expert.min_years_experience",
        "expert.title_level_without_years",
        "expert.max_age",
        "expert.clean_record_years",
        "expert.draw_cap_count",
        "expert.draw_cap_days",
        "expert.same_party_cap_count",
        "expert.same_party_cap_months",
    ):
        try:
            world.rules[key] = rule_get(key, **scope_of_rules).as_int()
        except RuleMissing:
            world.rules[key] = None
    traveller.move_to(EVALUATION - dt.timedelta(hours=1))
    return world


def _line(code: str, count: int, reserves: int = 0) -> services.LineInput:
    return services.LineInput(specialty_code=code, count=count, reserves=reserves)


# ---- the oracle: the rules restated from the regulations and the rule table, one expert at a time


def _full_years(since: dt.date, day: dt.date) -> int:
    """Completed years from `since` to `day`, as one counts an age."""
    return day.year - since.year - ((day.month, day.day) < (since.month, since.day))


def _month_start(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the last day of a shorter month)."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def oracle(facts: Facts, world: World, scope: str) -> set[str]:
    """The recusal rules that remove this expert from the draw at EVALUATION."""
    rules = world.rules
    removed: set[str] = set()
    if facts.status != ExpertStatus.ACTIVE and (facts.status_until is None or facts.status_until >= DAY):
        removed.add(RecusalRule.STATUS)

    unqualified = []
    if rules["expert.min_title_level"] is not None:
        unqualified.append(facts.title_level < rules["expert.min_title_level"])
    if rules["expert.min_years_experience"] is not None:
        waived = (
            rules["expert.title_level_without_years"] is not None
            and facts.title_level >= rules["expert.title_level_without_years"]
        )
        unqualified.append(_full_years(facts.practice_since, DAY) < rules["expert.min_years_experience"] and not waived)
    if rules["expert.max_age"] is not None:  # "年龄不满70周岁": out from the 70th birthday on
        unqualified.append(_full_years(facts.birth_date, DAY) >= rules["expert.max_age"])
    if rules["expert.clean_record_years"] is not None and facts.last_bad_record_on is not None:
        unqualified.append(_full_years(facts.last_bad_record_on, DAY) < rules["expert.clean_record_years"])
    if any(unqualified):
        removed.add(RecusalRule.ELIGIBILITY)

    same_area = {RegionScope.LOCAL: 4, RegionScope.REGION: 2, RegionScope.CROSS_REGION: 0}[scope]
    if facts.region_code[:same_area] != "654002"[:same_area]:
        removed.add(RecusalRule.REGION)

    parties = {world.usccs[k] for k in ("owner", "agent", "bidder")}
    employer = world.usccs.get(facts.employer, "")
    if employer in parties:
        removed.add(RecusalRule.PARTY_EMPLOYEE)
    if employer == world.usccs["supervisor"]:
        removed.add(RecusalRule.SUPERVISOR_STAFF)
    declared = {world.usccs.get(c) or world.people[c] for c in facts.conflicts}
    if declared & (parties | {world.people["owner_person"], world.people["agent_person"]}):
        removed.add(RecusalRule.DECLARED_CONFLICT)

    ends = EVALUATION + dt.timedelta(hours=EVALUATION_HOURS)
    recent, same_party = 0, 0
    for key, state in facts.past:
        past = PAST[key]
        past_ends = past.starts + dt.timedelta(hours=past.hours)
        # every earlier draw of the test is drawn (live); an answer other than these frees the expert
        if state in ACTIVE_SELECTION_STATES and past.starts < ends and past_ends > EVALUATION:
            removed.add(RecusalRule.BOOKED)
        if state != SelectionState.CONFIRMED or past.starts >= EVALUATION:
            continue
        if past.starts >= EVALUATION - dt.timedelta(days=rules["expert.draw_cap_days"] or 0):
            recent += 1
        if past.lot != "other" and past.starts.date() >= _month_start(DAY, rules["expert.same_party_cap_months"] or 0):
            same_party += 1
    if rules["expert.draw_cap_count"] is not None and recent >= rules["expert.draw_cap_count"]:
        removed.add(RecusalRule.FREQUENCY)
    if rules["expert.same_party_cap_count"] is not None and same_party >= rules["expert.same_party_cap_count"]:
        removed.add(RecusalRule.SAME_PARTY_FREQUENCY)
    return removed


def _expert_build(world: World, index: int, facts: Facts) -> Expert:
    expert = services.expert_create(
        actor=world.manager,
        data={
            "name": f"性质专家{index}",
            "id_card_number": id_card(index, facts.birth_date),
            "birth_date": facts.birth_date,
            "mobile": f"138{index:08d}",
            "employer_name": f"单位{facts.employer or '无'}",
            "employer_uscc": world.usccs.get(facts.employer, ""),
            "region_code": facts.region_code,
            "title_level": facts.title_level,
            "practice_since": facts.practice_since,
            "specialties": list(facts.specialties),
        },
    )
    if facts.status != ExpertStatus.ACTIVE:
        actor = world.supervisor_user if facts.status == ExpertStatus.BANNED else world.manager
        services.expert_status_set(
            actor=actor, expert=expert, status=facts.status, until=facts.status_until, reason="性质测试"
        )
    for conflict in facts.conflicts:
        target = {"organization_uscc": world.usccs[conflict]} if conflict in world.usccs else {}
        services.expert_conflict_declare(
            actor=world.manager,
            expert=expert,
            person_name=world.people.get(conflict, ""),
            relation="亲属或曾任职",
            **target,
        )
    if facts.last_bad_record_on is not None:
        # No service records bad conduct yet (it will come from the credit app): write the fact.
        Expert.objects.filter(pk=expert.pk).update(last_bad_record_on=facts.last_bad_record_on)
    for key, state in facts.past:
        # Past answers are facts of the history; running real draws per example is too slow.
        earlier = DrawRequest.objects.get(pk=world.past[key])
        Selection.objects.create(
            request=earlier, line=earlier.lines.get(), sequence=1000 + index, expert=expert, state=state
        )
    return Expert.objects.get(pk=expert.pk)


def _check_draw(world: World, scope: str, pool: list[Facts]) -> None:
    experts = [_expert_build(world, index, facts) for index, facts in enumerate(pool)]
    facts_of = {e.number: facts for e, facts in zip(experts, pool, strict=True)}
    removed_by = {number: oracle(facts, world, scope) for number, facts in facts_of.items()}

    def explain(numbers: list[str]) -> str:
        return f"scope {scope}\n" + "\n".join(f"{n}: {sorted(removed_by[n])} {facts_of[n]}" for n in numbers)

    request = services.draw_run(actor=world.operator, request=DrawRequest.objects.get(pk=world.requests[scope]))
    request.refresh_from_db()

    eligible: dict[int, list[str]] = {}
    for position, (code, _count, _reserves) in enumerate(LINES):
        in_pool = [n for n, facts in facts_of.items() if any(s.startswith(code) for s in facts.specialties)]
        eligible[position] = sorted(n for n in in_pool if not removed_by[n])
        report = request.filter_report["lines"][position]
        assert report["pool"] == len(in_pool)
        expected = {rule.value: sum(1 for n in in_pool if rule in removed_by[n]) for rule in RecusalRule}
        assert report["removed"] == expected, explain(in_pool)
        candidates = DrawLine.objects.get(request=request, position=position).candidates
        assert candidates == eligible[position], explain(in_pool)

    selections = list(request.selections.select_related("expert", "line"))
    for selection in selections:
        assert not removed_by[selection.expert.number], explain([selection.expert.number])
        assert selection.expert.number in eligible[selection.line.position]
    short = any(len(eligible[position]) < count for position, (_code, count, _r) in enumerate(LINES))
    if short:
        assert request.status == DrawStatus.FAILED and not selections
    else:
        assert request.status == DrawStatus.DRAWN
        for position, (_code, count, reserves) in enumerate(LINES):
            states = [s.state for s in selections if s.line.position == position]
            assert states.count(SelectionState.NOTIFIED) == count
            assert states.count(SelectionState.RESERVE) == min(reserves, len(eligible[position]) - count)
    assert selectors.replay_of(request).problems == []


@pytest.mark.django_db
@pytest.mark.parametrize("trade_type", [TradeType.CONSTRUCTION, TradeType.GOVERNMENT_PROCUREMENT])
def test_no_recused_expert_is_ever_selected_and_the_report_counts_every_rule(trade_type, tmp_path):
    with time_machine.travel(REGISTERED, tick=False) as traveller:
        world = _world(traveller, tmp_path, trade_type)

        # No shrinking: one example takes ~0.15 s and a shrink can take minutes; the assertion
        # message lists the line's experts with their facts and the oracle's verdict instead.
        @settings(max_examples=20, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
        @given(pool=st.lists(FACTS, min_size=10, max_size=25), scope=st.sampled_from(RegionScope))
        def check(pool: list[Facts], scope: str) -> None:
            # Each example's pool, history and draw live in a savepoint rolled back at its end.
            with transaction.atomic():
                _check_draw(world, scope, pool)
                transaction.set_rollback(True)

        check()


# ---------------------------------------------------------------- a defect the property found (fixed)


@pytest.mark.django_db
def test_an_expert_in_two_lines_cannot_be_picked_for_both():
    """An expert eligible on two lines is picked once; the second line then runs short, and the
    draw fails cleanly with no pick written (draw_run rehearses the walk before writing)."""
    with time_machine.travel(REGISTERED, tick=False) as traveller:
        manager, operator, witness = pool_manager(), make_user(Role.CENTER_STAFF), make_user(Role.CENTER_STAFF)
        agent = make_user(Role.AGENT)
        lot = closed_lot(owner=make_user(Role.OWNER), agent=agent, deadline=BID_DEADLINE)
        make_expert(manager, specialties=["A0101", "A0201"])
        starts = BID_DEADLINE + dt.timedelta(days=3)
        traveller.move_to(starts - dt.timedelta(hours=2))
        request = request_draw(agent, lot, starts=starts, lines=[_line("A01", 1), _line("A02", 1)])
        run_draw(request, operator=operator, witness=witness)
    request.refresh_from_db()
    assert request.status == DrawStatus.FAILED
    assert "符合条件的专家不足" in request.failure_reason
    assert not request.selections.exists()
