"""Recusal filters (回避) of a draw: which experts may be drawn for a request, and why the others may not.

Every rule is one SQL condition over the pool, so a draw over 100,000 experts is a handful of
queries. Numbers come from the rule table, for the project's trade type, method and rules date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from ggzy.accounts.models import Organization
from ggzy.core import clock
from ggzy.rules.selectors import RuleMissing, rule_get

from .choices import ACTIVE_SELECTION_STATES, DrawStatus, ExpertStatus, RecusalRule, RegionScope, SelectionState
from .models import DrawRequest, Expert, ExpertConflict, Selection, Specialty

LIVE_DRAWS = (DrawStatus.DRAWN, DrawStatus.COMPLETE)


@dataclass(frozen=True)
class Parties:
    """Who the experts of a lot must be independent of."""

    organizations: list[Organization]
    supervisor_uscc: str
    owner_id: int
    agent_id: int | None

    @property
    def usccs(self) -> list[str]:
        return [organization.uscc for organization in self.organizations]

    @property
    def people(self) -> list[str]:
        return [o.legal_representative for o in self.organizations if o.legal_representative]


@dataclass
class LineResult:
    specialty: Specialty
    pool: int
    removed: dict[str, int] = field(default_factory=dict)
    candidates: list[str] = field(default_factory=list)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month + 1, day=candidate_day)
        except ValueError:
            continue
    raise ValueError(day)


def _optional_int(key: str, **scope: Any) -> int | None:
    try:
        return rule_get(key, **scope).as_int()
    except RuleMissing:
        return None


def rule_conditions(request: DrawRequest, parties: Parties) -> dict[str, Q]:
    """For each recusal rule, the condition that REMOVES an expert."""
    project = request.lot.project
    scope = {"trade_type": project.trade_type, "method": project.procurement_method, "on": project.rules_date}
    day = clock.local(request.evaluation_starts_at).date()

    status = Q(status__in=[ExpertStatus.SUSPENDED, ExpertStatus.BANNED]) & (
        Q(status_until__isnull=True) | Q(status_until__gte=day)
    )

    min_title = _optional_int("expert.min_title_level", **scope)
    years = _optional_int("expert.min_years_experience", **scope)
    waiver = _optional_int("expert.title_level_without_years", **scope)
    max_age = _optional_int("expert.max_age", **scope)
    clean_years = _optional_int("expert.clean_record_years", **scope)
    ineligible = Q(pk__in=[])
    if min_title is not None:
        ineligible |= Q(title_level__lt=min_title)
    if years is not None:
        too_new = Q(practice_since__gt=_years_before(day, years))
        ineligible |= too_new & Q(title_level__lt=waiver) if waiver is not None else too_new
    if max_age is not None:
        ineligible |= Q(birth_date__lte=_years_before(day, max_age))
    if clean_years is not None:
        ineligible |= Q(last_bad_record_on__gt=_years_before(day, clean_years))

    if request.region_scope == RegionScope.LOCAL:
        region = ~Q(region_code__startswith=project.region_code[:4])
    elif request.region_scope == RegionScope.REGION:
        region = ~Q(region_code__startswith=project.region_code[:2])
    else:
        region = Q(pk__in=[])

    conflicts = ExpertConflict.objects.filter(
        Q(organization_uscc__in=parties.usccs) | Q(person_name__in=parties.people)
    ).values("expert_id")
    overlapping = (
        Selection.objects.filter(
            state__in=ACTIVE_SELECTION_STATES,
            request__status__in=LIVE_DRAWS,
            request__evaluation_starts_at__lt=request.evaluation_ends_at,
            request__evaluation_ends_at__gt=request.evaluation_starts_at,
        )
        .exclude(request=request)
        .values("expert_id")
    )

    conditions: dict[str, Q] = {
        RecusalRule.STATUS: status,
        RecusalRule.ELIGIBILITY: ineligible,
        RecusalRule.REGION: region,
        RecusalRule.PARTY_EMPLOYEE: Q(employer_uscc__in=parties.usccs),
        RecusalRule.DECLARED_CONFLICT: Q(pk__in=conflicts),
        RecusalRule.SUPERVISOR_STAFF: Q(employer_uscc=parties.supervisor_uscc),
        RecusalRule.BOOKED: Q(pk__in=overlapping),
    }

    cap = _optional_int("expert.draw_cap_count", **scope)
    cap_days = _optional_int("expert.draw_cap_days", **scope)
    if cap is not None and cap_days is not None:
        since = request.evaluation_starts_at - dt.timedelta(days=cap_days)
        frequent = (
            Selection.objects.filter(
                state=SelectionState.CONFIRMED,
                request__evaluation_starts_at__gte=since,
                request__evaluation_starts_at__lt=request.evaluation_starts_at,
            )
            .exclude(request=request)
            .values("expert")
            .annotate(n=Count("id"))
            .filter(n__gte=cap)
            .values("expert")
        )
        conditions[RecusalRule.FREQUENCY] = Q(pk__in=frequent)

    same_cap = _optional_int("expert.same_party_cap_count", **scope)
    same_months = _optional_int("expert.same_party_cap_months", **scope)
    if same_cap is not None and same_months is not None:
        since_day = _months_before(day, same_months)
        party_ids = [i for i in (parties.owner_id, parties.agent_id) if i is not None]
        same_party = Q(request__lot__project__owner_id__in=party_ids) | Q(request__lot__project__agent_id__in=party_ids)
        repeated = (
            Selection.objects.filter(
                same_party,
                state=SelectionState.CONFIRMED,
                request__evaluation_starts_at__date__gte=since_day,
                request__evaluation_starts_at__lt=request.evaluation_starts_at,
            )
            .exclude(request=request)
            .values("expert")
            .annotate(n=Count("id"))
            .filter(n__gte=same_cap)
            .values("expert")
        )
        conditions[RecusalRule.SAME_PARTY_FREQUENCY] = Q(pk__in=repeated)
    return conditions


def line_pool(specialty: Specialty) -> QuerySet[Expert]:
    """Experts holding the specialty or any specialty below it (codes nest by prefix), as a
    semi-join driven by the specialty, so a small line does not scan the whole pool."""
    holders = Expert.specialties.through.objects.filter(specialty__code__startswith=specialty.code)
    return Expert.objects.filter(pk__in=holders.values("expert_id"))


def removals(conditions: dict[str, Q]) -> dict[str, set[int]]:
    """Each rule evaluated once per draw over the whole pool: the ids of the experts it removes."""
    return {
        rule: set(Expert.objects.filter(condition).values_list("pk", flat=True))
        for rule, condition in conditions.items()
    }


def line_filter(specialty: Specialty, removed: dict[str, set[int]]) -> LineResult:
    pool = dict(line_pool(specialty).values_list("pk", "number"))
    members = pool.keys()
    excluded: set[int] = set()
    counts = {}
    for rule, ids in removed.items():
        hit = ids & members
        counts[rule] = len(hit)
        excluded |= hit
    candidates = sorted(number for pk, number in pool.items() if pk not in excluded)
    return LineResult(specialty=specialty, pool=len(pool), removed=counts, candidates=candidates)
