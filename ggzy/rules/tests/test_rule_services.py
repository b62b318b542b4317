"""rule_version_create never edits a rule in place and never rewrites history; rules_seed is idempotent."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.rules import selectors, services
from ggzy.rules.choices import Evidence, RuleUnit
from ggzy.rules.models import RuleParameter
from ggzy.witness.models import WitnessEvent

from .helpers import d, witness_seq

C = TradeType.CONSTRUCTION
KEY = "tender.bid_preparation_min_days"
NOW = "2026-03-10 10:00 +0800"


def _create(actor: Any, **overrides: Any) -> RuleParameter:
    fields = {
        "actor": actor,
        "key": KEY,
        "trade_type": C,
        "method": "",
        "value": Decimal(25),
        "unit": RuleUnit.CALENDAR_DAY,
        "source": "伊犁州测试规定 第1条",
        "evidence": Evidence.SECONDARY,
        "effective_from": d("2026-04-01"),
        "note": "地方从严",
    }
    fields.update(overrides)
    return services.rule_version_create(**fields)


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_new_version_closes_the_open_row_and_inserts_the_next_version(seeded_rules, system_admin):
    old = RuleParameter.objects.get(key=KEY, trade_type=C, method="", effective_to__isnull=True)
    seq = witness_seq()

    new = _create(system_admin)

    old.refresh_from_db()
    assert old.effective_to == d("2026-04-01")
    assert old.value == 20  # the old row keeps its value: never edited in place
    assert (new.version, new.value, new.effective_from, new.effective_to) == (
        old.version + 1,
        25,
        d("2026-04-01"),
        None,
    )
    assert new.name == old.name  # name carried over
    assert new.created_by == system_admin
    assert selectors.rule_get(KEY, trade_type=C, on=d("2026-03-31")).value == 20
    assert selectors.rule_get(KEY, trade_type=C, on=d("2026-04-01")).value == 25
    # a project registered before the change keeps its rule
    assert selectors.rule_get(KEY, trade_type=C, on=d("2025-12-01")).parameter_id == old.pk
    event = WitnessEvent.objects.get(seq=seq + 1)
    assert event.action == "rules.version_created"
    assert event.object_id == str(new.pk)
    assert event.before["previous"]["effective_to"] is None
    assert event.after["previous"]["effective_to"] == "2026-04-01"
    assert event.after["created"]["value"] == "25"
    assert witness_seq() == seq + 1


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_today_is_allowed(seeded_rules, system_admin):
    new = _create(system_admin, effective_from=d("2026-03-10"))
    assert selectors.rule_get(KEY, trade_type=C, on=d("2026-03-10")).parameter_id == new.pk


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_past_date_is_refused_and_nothing_is_written(seeded_rules, system_admin):
    count, seq = RuleParameter.objects.count(), witness_seq()
    with pytest.raises(ValidationError) as caught:
        _create(system_admin, effective_from=d("2026-03-09"))
    assert "生效日期不得早于今天" in caught.value.message_dict["effective_from"][0]
    assert RuleParameter.objects.count() == count
    assert RuleParameter.objects.get(key=KEY, trade_type=C, method="").effective_to is None
    assert witness_seq() == seq


@pytest.mark.django_db
def test_a_date_not_after_the_latest_version_is_refused_and_nothing_is_written(seeded_rules, system_admin):
    with time_machine.travel(NOW, tick=False):
        _create(system_admin, effective_from=d("2026-06-01"))
        count, seq = RuleParameter.objects.count(), witness_seq()
        for start in ("2026-05-01", "2026-06-01"):
            with pytest.raises(ValidationError) as caught:
                _create(system_admin, effective_from=d(start), value=30)
            assert "2026-06-01" in caught.value.message_dict["effective_from"][0]
    assert RuleParameter.objects.count() == count
    assert witness_seq() == seq


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_an_invalid_value_leaves_the_old_row_open(seeded_rules, system_admin):
    seq = witness_seq()
    with pytest.raises(ValidationError) as caught:
        _create(system_admin, value=Decimal("2.5"))
    assert "整数" in caught.value.message_dict["value"][0]
    assert RuleParameter.objects.get(key=KEY, trade_type=C, method="").effective_to is None
    assert RuleParameter.objects.filter(key=KEY, trade_type=C).count() == 1
    assert witness_seq() == seq


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_only_the_system_administrator_may_add_versions(seeded_rules, center_staff, bidder):
    count, seq = RuleParameter.objects.count(), witness_seq()
    for actor in (center_staff, bidder, None):
        with pytest.raises(PermissionDenied):
            _create(actor)
    assert RuleParameter.objects.count() == count
    assert witness_seq() == seq


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_new_scope_starts_at_version_one_and_needs_a_name(seeded_rules, system_admin):
    with pytest.raises(ValidationError):
        _create(system_admin, key="local.bid_preparation_min_days")
    rule = _create(
        system_admin,
        key="tender.bid_preparation_min_days",
        method=ProcurementMethod.SELECTIVE_TENDER,
        name="邀请招标投标文件编制最短期限",
    )
    assert rule.version == 1
    # the selective-tender row is now the most specific one for that method only
    assert (
        selectors.rule_get(KEY, trade_type=C, method=ProcurementMethod.SELECTIVE_TENDER, on=d("2026-04-01")).value == 25
    )
    assert selectors.rule_get(KEY, trade_type=C, method=ProcurementMethod.OPEN_TENDER, on=d("2026-04-01")).value == 20


@pytest.mark.django_db
def test_rules_seed_is_idempotent_and_keeps_later_staff_versions(system_admin):
    RuleParameter.objects.all().delete()
    rows = services.seed_rows()

    created = services.rules_seed()
    assert len(created) == len(rows) == RuleParameter.objects.count()

    with time_machine.travel(NOW, tick=False):
        staff_version = _create(system_admin)
    seq = witness_seq()
    assert services.rules_seed() == []
    assert witness_seq() == seq
    assert RuleParameter.objects.count() == len(rows) + 1
    staff_version.refresh_from_db()
    assert staff_version.effective_to is None and staff_version.value == 25
    closed = RuleParameter.objects.get(key=KEY, trade_type=C, version=1)
    assert closed.effective_to == d("2026-04-01")


@pytest.mark.django_db
def test_a_seed_row_that_overlaps_a_staff_version_is_skipped(tmp_path, system_admin):
    RuleParameter.objects.all().delete()
    with time_machine.travel(NOW, tick=False):
        _create(system_admin, key="local.only", name="本地规则", effective_from=d("2026-04-01"))
    seed = {
        "rules": [
            {
                "key": "local.only",
                "name": "本地规则",
                "trade_type": C,
                "method": "",
                "value": "9",
                "unit": "calendar_day",
                "source": "x",
                "evidence": "confirmed",
                "note": "",
                "effective_from": "2000-01-01",
                "effective_to": None,
                "version": 1,
            }
        ]
    }
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(seed), encoding="utf-8")
    assert services.rules_seed(path=path) == []
    assert RuleParameter.objects.filter(key="local.only").count() == 1


@pytest.mark.django_db
def test_seed_file_covers_the_named_rules_with_consistent_fields():
    rows = services.seed_rows()
    keys = {row["key"] for row in rows}
    for key in (
        "tender.bid_preparation_min_days",
        "tender.clarification_min_days_before_deadline",
        "tender.objection_documents_min_days_before_deadline",
        "tender.objection_answer_days",
        "tender.min_bidders",
        "tender.bid_security_max_percent",
        "tender.bid_security_max_fen",
        "tender.security_refund_days",
        "tender.contract_sign_days",
        "tender.candidate_publicity_within_days",
        "tender.candidate_publicity_min_days",
        "tender.report_to_supervisor_days",
        "committee.min_members",
        "committee.expert_min_fraction",
        "gp.document_availability_min_working_days",
        "gp.committee_min_members_large",
        "gp.large_project_budget_fen",
        "gp.contract_publish_working_days",
        "gp.price_weight_goods_min_percent",
        "consultation.price_weight_goods_min_percent",
        "consultation.price_weight_goods_max_percent",
        "sme.price_deduction_min_percent",
        "sme.price_deduction_max_percent",
        "listing.min_days",
        "listing.timed_bidding_countdown_minutes",
        "property.formal_disclosure_min_working_days",
        "expert.draw_lead_max_working_days",
        "expert.max_age",
        "archive.retention_years",
    ):
        assert key in keys, key
    by_key = {(row["key"], row["trade_type"], row["method"]): row for row in rows if row["effective_to"] is None}
    assert by_key[("tender.bid_security_max_fen", C, "")]["value"] == "80000000"  # 80万元
    assert by_key[("tender.bid_security_max_fen", C, "")]["evidence"] == "unconfirmed"
    assert by_key[("expert.max_age", TradeType.GOVERNMENT_PROCUREMENT, "")]["value"] == "70"
    assert by_key[("listing.min_days", TradeType.LAND_USE, ProcurementMethod.LISTING)]["unit"] == "working_day"
    assert by_key[("property.formal_disclosure_min_working_days", TradeType.STATE_PROPERTY, "")]["value"] == "20"
    for row in rows:
        assert row["source"] and row["name"], row
        assert row["evidence"] in Evidence.values and row["unit"] in RuleUnit.values


@pytest.mark.django_db
def test_load_rules_command_is_idempotent(capsys):
    RuleParameter.objects.all().delete()
    call_command("load_rules")
    first = RuleParameter.objects.count()
    assert first == len(services.seed_rows())
    seq = witness_seq()
    call_command("load_rules")
    assert RuleParameter.objects.count() == first
    assert witness_seq() == seq
    assert "新增 0 条" in capsys.readouterr().out
