"""Notices are never edited: corrections and withdrawals are notices of their own, and the portal
finds any substring of a title or body, by trade type, notice type, region, date and status."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from ggzy.accounts.choices import Role
from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.core.testing.parties import make_user, signed_in_client
from ggzy.disclosure import selectors, services
from ggzy.disclosure.choices import NoticeNature, NoticeStatus, NoticeType
from ggzy.disclosure.models import Notice
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=clock.BEIJING)


def _publish(title="伊宁市第三中学教学楼建设工程招标公告", body="招标人：伊宁市教育局。地点：伊宁市解放路。", **extra):
    values = {
        "actor": None,
        "title": title,
        "notice_type": NoticeType.TENDER,
        "trade_type": TradeType.CONSTRUCTION,
        "region_code": "654002",
        "body": body,
        "system": True,
    }
    values.update(extra)
    return services.notice_publish(**values)


def test_a_correction_is_a_new_version_and_the_old_one_stays_readable_marked_superseded():
    with time_machine.travel(NOW, tick=False):
        staff = make_user(Role.CENTER_STAFF)
        original = _publish()
        with pytest.raises(PermissionDenied):
            services.notice_correct(actor=make_user(Role.BIDDER), notice=original, body="改")
        with pytest.raises(ValidationError, match="更正内容"):
            services.notice_correct(actor=staff, notice=original, body="  ")
        correction = services.notice_correct(actor=staff, notice=original, body="开标时间改为12月1日。")
        with pytest.raises(ValidationError, match="现行有效"):
            services.notice_correct(actor=staff, notice=original, body="再改")  # only the current version
        second = services.notice_correct(actor=staff, notice=correction, body="开标地点改为第二开标室。")
    original.refresh_from_db()
    correction.refresh_from_db()
    assert original.status == correction.status == NoticeStatus.SUPERSEDED
    assert (second.nature, second.previous, second.version) == (NoticeNature.CORRECTION, correction, 3)
    assert services.current_version(original) == second
    assert selectors.notice_versions(correction) == [original, correction, second]
    page = Client().get(reverse("disclosure:detail", args=[original.pk])).content.decode()
    assert "本公告已更正" in page and reverse("disclosure:detail", args=[second.pk]) in page
    assert "伊宁市解放路" in page  # the old text is still there to read
    actions = WitnessEvent.objects.filter(action__startswith="notice.").order_by("seq").values_list("action", flat=True)
    assert list(actions) == ["notice.published", "notice.corrected", "notice.corrected"]


def test_a_withdrawal_is_itself_a_published_notice():
    with time_machine.travel(NOW, tick=False):
        staff = make_user(Role.CENTER_STAFF)
        original = _publish()
        events = WitnessEvent.objects.count()
        with pytest.raises(ValidationError, match="撤回理由"):
            services.notice_withdraw(actor=staff, notice=original, reason="")
        assert WitnessEvent.objects.count() == events and Notice.objects.count() == 1
        withdrawal = services.notice_withdraw(actor=staff, notice=original, reason="招标人撤回，另行公告。")
    original.refresh_from_db()
    assert original.status == NoticeStatus.WITHDRAWN
    assert (withdrawal.notice_type, withdrawal.previous) == (NoticeType.WITHDRAWAL, original)
    assert "撤回" in withdrawal.title and withdrawal.status == NoticeStatus.PUBLISHED
    listed = Client().get(reverse("disclosure:list")).content.decode()
    assert withdrawal.title.replace("《", "&lt;")[:4] in listed or "关于撤回" in listed
    assert "已撤回" in listed  # the withdrawn notice is still listed, marked
    with pytest.raises(ValidationError):
        services.notice_withdraw(actor=staff, notice=withdrawal, reason="撤回撤回公告")


def test_staff_correct_and_withdraw_on_pages():
    with time_machine.travel(NOW, tick=False):
        original = _publish()
        client = signed_in_client(make_user(Role.CENTER_STAFF))
        assert "发布更正公告" in client.get(reverse("disclosure:detail", args=[original.pk])).content.decode()
        assert "发布更正公告" not in Client().get(reverse("disclosure:detail", args=[original.pk])).content.decode()
        url = reverse("disclosure:correct", args=[original.pk])
        assert "请填写" in client.post(url, {"body": ""}).content.decode() or Notice.objects.count() == 1
        response = client.post(url, {"title": "", "body": "更正：联系人电话改为0999-8888888。"})
        correction = Notice.objects.get(nature=NoticeNature.CORRECTION)
        assert response.url == reverse("disclosure:detail", args=[correction.pk])
        client.post(reverse("disclosure:withdraw", args=[correction.pk]), {"reason": "项目暂停。"})
    assert Notice.objects.get(pk=correction.pk).status == NoticeStatus.WITHDRAWN


def test_a_system_notice_is_published_once_per_fact():
    with time_machine.travel(NOW, tick=False):
        _publish(source="tender:1")
        with pytest.raises(ValidationError, match="已经发布"):
            _publish(source="tender:1")
    assert Notice.objects.count() == 1


def test_the_list_finds_any_substring_and_filters_by_region_date_type_and_status():
    with time_machine.travel(NOW, tick=False) as traveller:
        school = _publish()
        traveller.shift(dt.timedelta(days=3))
        road = _publish(
            title="霍城县清水河镇道路工程中标候选人公示",
            body="第一中标候选人：新疆天山路桥建设有限公司。",
            notice_type=NoticeType.CANDIDATE_PUBLICITY,
            region_code="654023",
        )
        procurement = _publish(
            title="伊犁州人民医院医疗设备采购公告",
            body="采购人：伊犁州人民医院。",
            trade_type=TradeType.GOVERNMENT_PROCUREMENT,
            region_code="654000",
        )
        services.notice_withdraw(actor=make_user(Role.CENTER_STAFF), notice=procurement, reason="需求调整")

    def found(**filters):
        return {n.pk for n in selectors.notices_public(**filters)}

    assert found(query="天山路桥") == {road.pk}  # a company name inside the body
    assert found(query="解放路") == {school.pk}  # a place name: two characters of a longer word
    assert found(query="伊宁") == {school.pk}
    assert found(region_code="654000") >= {school.pk, road.pk, procurement.pk}  # the whole prefecture
    assert found(region_code="654023") == {road.pk}
    assert found(notice_type=NoticeType.CANDIDATE_PUBLICITY) == {road.pk}
    assert found(trade_type=TradeType.GOVERNMENT_PROCUREMENT, notice_type=NoticeType.TENDER) == {procurement.pk}
    assert found(status=NoticeStatus.WITHDRAWN) == {procurement.pk}
    assert found(published_to=dt.date(2026, 11, 2)) == {school.pk}
    assert school.pk not in found(published_from=dt.date(2026, 11, 3))

    page = Client().get(reverse("disclosure:list"), {"q": "天山路桥"}).content.decode()
    assert "<mark>天山路桥</mark>" in page and "伊宁市第三中学" not in page
    bad = Client().get(reverse("disclosure:list"), {"region_code": "ab"}).content.decode()
    assert "行政区划代码" in bad


def test_an_atom_feed_per_query_a_sitemap_and_a_project_timeline(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    with time_machine.travel(NOW, tick=False):
        school = _publish()
        road = _publish(title="霍城县道路工程招标公告", body="霍城县", region_code="654023")
    atom = Client().get(reverse("disclosure:atom"), {"q": "霍城"})
    assert atom["Content-Type"].startswith("application/atom+xml")
    entries = ET.fromstring(atom.content).findall("{http://www.w3.org/2005/Atom}entry")
    assert [e.findtext("{http://www.w3.org/2005/Atom}title") for e in entries] == [road.title]

    index = ET.fromstring(Client().get(reverse("disclosure:sitemap_index")).content)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    first = index.find(f"{ns}sitemap/{ns}loc").text
    urls = ET.fromstring(Client().get(first.replace("http://testserver", "")).content)
    locs = {u.findtext(f"{ns}loc") for u in urls.findall(f"{ns}url")}
    assert {f"http://testserver{reverse('disclosure:detail', args=[n.pk])}" for n in (school, road)} == locs
    assert Client().get(reverse("disclosure:sitemap", args=[2])).status_code == 404
    assert Client().get(reverse("disclosure:timeline", args=["NOPE"])).status_code == 404


def test_bigrams_narrow_the_search_and_a_real_substring_check_decides():
    from ggzy.disclosure import search

    assert search.query_grams("天山路桥") == sorted(search.grams("天山路桥"))
    assert search.query_grams("路") == []  # one character: no bigram, only the substring check
    assert search.grams("A B") == []  # a pair across a space is not a bigram
    assert search.grams("AB") == search.grams("ab")  # case folded
    with time_machine.travel(NOW, tick=False):
        apart = _publish(title="公告", body="天山山路路桥")  # holds every bigram of 天山路桥, not the string
        together = _publish(title="公告", body="新疆天山路桥建设有限公司")
    assert [n.pk for n in selectors.notices_public(query="天山路桥")] == [together.pk]
    assert {n.pk for n in selectors.notices_public(query="路")} == {apart.pk, together.pk}


def _lookups(node) -> set[str]:
    if hasattr(node, "children"):
        return set().union(*(_lookups(child) for child in node.children))
    return {getattr(node, "lookup_name", "")}


def test_a_caseless_query_compares_exactly_and_a_cased_one_ignores_case():
    with time_machine.travel(NOW, tick=False):
        upper = _publish(title="公告", body="采用BIM技术的伊宁市项目")
        lower = _publish(title="公告", body="采用bim技术")
    assert _lookups(selectors.notices_public(query="伊宁市").query.where) >= {"contains"}  # PostgreSQL has statistics
    assert "contains" not in _lookups(selectors.notices_public(query="bim").query.where)
    assert "icontains" in _lookups(selectors.notices_public(query="bim").query.where)
    assert {n.pk for n in selectors.notices_public(query="Bim技术")} == {upper.pk, lower.pk}
    assert [n.pk for n in selectors.notices_public(query="伊宁市")] == [upper.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the search time limit is a PostgreSQL statement_timeout")
def test_a_search_past_its_time_limit_asks_to_narrow_it_on_the_page_and_in_the_api(settings, monkeypatch):
    from ggzy.disclosure import search

    settings.SEARCH_TIME_LIMIT_MS = 50
    with pytest.raises(ValidationError) as caught, search.time_limit(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.5)")
    assert caught.value.error_dict["q"][0].code == "search_too_broad"
    with search.time_limit(), connection.cursor() as cursor:  # a quick query passes, the limit is lifted after
        cursor.execute("SELECT 1")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        assert cursor.fetchone()[0] == "0"

    # The page and the API: a search that the database stops is answered with the request to narrow it.
    real = selectors.notices_public

    def slow(**filters):
        queryset = real(**filters)
        return queryset.extra(where=["pg_sleep(0.2) IS NOT NULL"]) if filters.get("query") else queryset

    monkeypatch.setattr(selectors, "notices_public", slow)
    with time_machine.travel(NOW, tick=False):
        _publish()
    page = Client().get(reverse("disclosure:list"), {"q": "伊宁"})
    assert page.status_code == 200
    assert "检索范围过宽" in page.content.decode()
    assert (
        Client().get(reverse("disclosure:list")).content.decode().count("伊宁市第三中学") == 1
    )  # no query: no limit hit
    answer = Client().get("/api/v1/notices/", {"q": "伊宁"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["code"] == "search_too_broad"
