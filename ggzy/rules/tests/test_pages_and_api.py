"""The public rules and calendar pages and API, and the staff editing pages."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from ggzy.core.choices import TradeType
from ggzy.core.testing.parties import signed_in_client
from ggzy.rules import selectors
from ggzy.rules.choices import DayKind
from ggzy.rules.models import CalendarDay, RuleParameter

from .helpers import d

NOW = "2026-09-01 10:00 +0800"


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_public_rules_page_lists_rules_in_force_with_source_and_evidence(seeded_rules):
    response = Client().get(reverse("rules:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "投标文件编制最短期限" in html
    assert "招标投标法 第24条" in html
    assert "20日" in html and "已核对原文" in html and "未经核实" in html
    # the 2022 uplift is shown, not the closed 2020 value
    assert "小微企业价格扣除比例下限（货物和服务）" in html
    assert "财库〔2022〕19号" in html
    assert reverse("rules:rule_version_create") not in html  # no editing link for the public


@pytest.mark.django_db
def test_public_rules_page_on_a_past_date_shows_the_rules_then(seeded_rules):
    html = Client().get(reverse("rules:list"), {"on": "2021-06-01"}).content.decode()
    assert "财库〔2020〕46号" in html and "财库〔2022〕19号" not in html


@pytest.mark.django_db
def test_public_calendar_page_shows_holidays_and_make_up_days(calendar_2026):
    response = Client().get(reverse("rules:calendar", kwargs={"year": 2026}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "国庆节" in html and "调休上班日" in html and "2026-10-10" in html
    assert Client().get("/rules/calendar/1800/").status_code == 404


@pytest.mark.django_db
def test_calendar_page_of_an_unseeded_year_says_so():
    CalendarDay.objects.filter(date__year=2031).delete()
    html = Client().get(reverse("rules:calendar", kwargs={"year": 2031})).content.decode()
    assert "尚未录入" in html


@pytest.mark.django_db
def test_calendar_day_edit_by_center_staff(calendar_2026, center_staff, system_admin):
    url = reverse("rules:calendar_day_edit", kwargs={"date": "2026-10-12"})
    assert Client().get(url).status_code == 302  # to the login page
    assert signed_in_client(system_admin).get(url).status_code == 403
    client = signed_in_client(center_staff)
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": DayKind.HOLIDAY, "holiday_name": "自治区假日"})
    assert response.status_code == 302
    row = CalendarDay.objects.get(date=d("2026-10-12"))
    assert (row.kind, row.source) == (DayKind.HOLIDAY, "staff")
    # an invalid correction shows the error on the form
    response = client.post(url, {"kind": DayKind.WEEKEND, "holiday_name": ""})
    assert response.status_code == 200 and "周一至周五不能设为休息日" in response.content.decode()
    assert client.get("/rules/calendar/day/2026-02-30/edit/").status_code == 404


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_rule_version_create_page(seeded_rules, system_admin, center_staff):
    url = reverse("rules:rule_version_create")
    assert Client().get(url).status_code == 302
    assert signed_in_client(center_staff).get(url).status_code == 403
    client = signed_in_client(system_admin)
    prefilled = client.get(url, {"key": "tender.min_bidders", "trade_type": TradeType.CONSTRUCTION})
    assert prefilled.status_code == 200 and "最少投标人数" in prefilled.content.decode()
    data = {
        "key": "tender.min_bidders",
        "name": "",
        "trade_type": TradeType.CONSTRUCTION,
        "method": "",
        "value": "3",
        "unit": "count",
        "source": "招标投标法 第28条",
        "evidence": "confirmed",
        "effective_from": "2026-08-31",
        "note": "",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200 and "生效日期不得早于今天" in refused.content.decode()
    data["effective_from"] = "2026-10-01"
    assert client.post(url, data).status_code == 302
    rule = selectors.rule_get("tender.min_bidders", trade_type=TradeType.CONSTRUCTION, on=d("2026-10-01"))
    assert rule.version == 2 and RuleParameter.objects.get(pk=rule.parameter_id).created_by == system_admin


@pytest.mark.django_db
def test_api_rules_in_force_on_a_date(seeded_rules):
    response = Client().get("/api/v1/rules/", {"on": "2022-07-01"})
    assert response.status_code == 200
    rows = {(row["key"], row["trade_type"], row["method"]): row for row in response.json()}
    sme = rows[("sme.price_deduction_min_percent", TradeType.GOVERNMENT_PROCUREMENT, "")]
    assert (sme["value"], sme["unit"], sme["version"], sme["evidence_mark"]) == ("10", "percent", 2, "⚠️")
    fraction = rows[("committee.expert_min_fraction", TradeType.CONSTRUCTION, "")]
    assert (fraction["value"], fraction["value_display"]) == ("0.666667", "2/3")
    assert rows[("tender.bid_security_max_fen", TradeType.CONSTRUCTION, "")]["value_display"] == "80万元"


@pytest.mark.django_db
def test_api_deadline_calculator(calendar_2026):
    response = Client().get(
        "/api/v1/rules/periods/deadline", {"start": "2026-09-28", "amount": 3, "unit": "calendar_day"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["last_day"] == "2026-10-08"
    assert body["deadline"].startswith("2026-10-08T23:59:59") and body["deadline"].endswith("+08:00")
    assert body["earliest_day_after"] == "2026-10-01"
    working = Client().get(
        "/api/v1/rules/periods/deadline", {"start": "2026-09-30", "amount": 5, "unit": "working_day"}
    )
    assert working.json()["last_day"] == "2026-10-13"
    bad = Client().get("/api/v1/rules/periods/deadline", {"start": "2026-09-28", "amount": 3, "unit": "percent"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "unit"
    assert (
        Client()
        .get("/api/v1/rules/periods/deadline", {"start": "2026-09-28", "amount": -1, "unit": "calendar_day"})
        .status_code
        == 422
    )


@pytest.mark.django_db
def test_api_calendar_year(calendar_2026):
    response = Client().get("/api/v1/rules/calendar/2026")
    assert response.status_code == 200
    days = {row["date"]: row for row in response.json()}
    assert len(days) == 365
    assert (days["2026-10-01"]["kind"], days["2026-10-01"]["is_working_day"]) == ("holiday", False)
    assert days["2026-10-10"]["kind_label"] == "调休上班日"
