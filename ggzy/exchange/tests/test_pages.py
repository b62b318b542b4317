"""The staff page, the XML download, the retry button and the API list (who may open them is in
tests/test_permission_matrix.py)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from ggzy.accounts.choices import Role
from ggzy.core.testing.parties import make_user, signed_in_client
from ggzy.exchange import backends, envelope, services
from ggzy.exchange.choices import DataSet, PushStatus
from ggzy.exchange.models import ExchangeRecord
from ggzy.jobs import services as jobs_services

from .helpers import NOW, published_project

pytestmark = pytest.mark.django_db


def _world() -> None:
    published_project(agent=make_user(Role.AGENT))
    backends.failures[:] = ["省级平台返回 HTTP 500。"]
    services.exchange_collect()
    jobs_services.run_due_jobs()


def test_the_staff_list_shows_status_attempts_and_errors_and_filters():
    with time_machine.travel(NOW, tick=False):
        _world()
        client = signed_in_client(make_user(Role.CENTER_STAFF))
        page = client.get(reverse("exchange:records"))
        text = page.content.decode()
        assert page.status_code == 200
        assert all(
            dataset in text for dataset in ("GCJS_PROJECT", "GCJS_TENDER_PROJECT", "GCJS_SECTION", "GCJS_NOTICE")
        )
        assert "省级平台返回 HTTP 500。" in text and "待推送" in text and "已推送" in text
        only = client.get(reverse("exchange:records"), {"dataset": "GCJS_NOTICE"}).content.decode()
        assert "<code>GCJS_NOTICE</code>" in only and "<code>GCJS_PROJECT</code>" not in only
        pending = client.get(reverse("exchange:records"), {"status": "pending"}).content.decode()
        assert "<code>GCJS_PROJECT</code>" in pending and "<code>GCJS_SECTION</code>" not in pending


def test_the_xml_download_is_the_stored_document():
    with time_machine.travel(NOW, tick=False):
        _world()
        record = ExchangeRecord.objects.get(dataset=DataSet.NOTICE)
        response = signed_in_client(make_user(Role.CENTER_STAFF)).get(reverse("exchange:record_xml", args=[record.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="GCJS_NOTICE-{record.key}-v1.xml"'
    assert response.content.decode("utf-8") == record.document
    assert envelope.parse(response.content).dataset == "GCJS_NOTICE"


def test_the_retry_button_queues_a_failed_record_again(settings):
    settings.EXCHANGE_MAX_ATTEMPTS = 1
    with time_machine.travel(NOW, tick=False):
        _world()
        failed = ExchangeRecord.objects.get(status=PushStatus.FAILED)
        client = signed_in_client(make_user(Role.CENTER_STAFF))
        response = client.post(reverse("exchange:record_retry", args=[failed.pk]), follow=True)
        assert "已重新排队推送。" in response.content.decode()
        jobs_services.run_due_jobs()
        failed.refresh_from_db()
        assert failed.status == PushStatus.SENT
        again = client.post(reverse("exchange:record_retry", args=[failed.pk]), follow=True)
        assert "只有推送失败的记录可以重新推送。" in again.content.decode()
        assert client.get(reverse("exchange:record_retry", args=[failed.pk])).status_code == 405


def test_the_api_lists_the_records_with_filters():
    with time_machine.travel(NOW, tick=False):
        _world()
        client = signed_in_client(make_user(Role.CENTER_STAFF))
        everything = client.get("/api/v1/exchange/records").json()
        notices = client.get("/api/v1/exchange/records", {"dataset": "GCJS_NOTICE"}).json()
        pending = client.get("/api/v1/exchange/records", {"status": "pending"}).json()
    assert everything["count"] == 4
    assert [item["dataset"] for item in notices["items"]] == ["GCJS_NOTICE"]
    item = notices["items"][0]
    assert set(item) == {
        "id",
        "dataset",
        "key",
        "deal_code",
        "version",
        "is_correction",
        "content_sha256",
        "status",
        "attempts",
        "last_error",
        "collected_at",
        "sent_at",
        "sent_version",
    }
    assert (item["version"], item["status"], item["sent_version"]) == (1, "sent", 1)
    assert [(i["dataset"], i["attempts"], i["last_error"]) for i in pending["items"]] == [
        ("GCJS_PROJECT", 1, "省级平台返回 HTTP 500。")
    ]
