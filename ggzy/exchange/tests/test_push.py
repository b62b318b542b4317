"""Incremental, idempotent push: unchanged records send nothing, a changed record is sent again as
a correction with the next version, failures are retried with back-off until the record is marked
failed, and the staff can push it again."""

from __future__ import annotations

import datetime as dt
import io
import urllib.error
from typing import Any, ClassVar

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from ggzy.accounts.choices import Role
from ggzy.accounts.models import Organization
from ggzy.core import clock
from ggzy.core.testing.parties import make_user
from ggzy.exchange import backends, envelope, services
from ggzy.exchange.choices import DataSet, PushStatus
from ggzy.exchange.models import ExchangeRecord
from ggzy.jobs import registry
from ggzy.jobs import services as jobs_services
from ggzy.jobs.models import Job
from ggzy.tendering import clarifications
from ggzy.witness import selectors as witness_selectors
from ggzy.witness.models import WitnessEvent

from .helpers import DEADLINE, NOW, published_project

pytestmark = pytest.mark.django_db

DISABLED = "ggzy.exchange.backends.DisabledBackend"
MEMORY = "ggzy.exchange.backends.MemoryBackend"
HTTP = "ggzy.exchange.backends.HttpBackend"
FOUR = {DataSet.PROJECT, DataSet.TENDER_PROJECT, DataSet.SECTION, DataSet.NOTICE}


def _push_jobs() -> int:
    return Job.objects.filter(name=services.PUSH_JOB).count()


def _row(dataset: str) -> ExchangeRecord:
    return ExchangeRecord.objects.get(dataset=dataset)


def _sent(dataset: str) -> list[envelope.Parsed]:
    return [envelope.parse(d.document) for d in backends.outbox if d.dataset == dataset]


def _postpone(agent: Any, tender: Any) -> None:
    clarifications.clarification_issue(
        actor=agent,
        tender=tender,
        body="第三章技术标准修改，截止顺延一周。",
        new_deadline=DEADLINE + dt.timedelta(days=7),
    )


def test_running_twice_sends_nothing_new():
    with time_machine.travel(NOW, tick=False) as traveller:
        published_project(agent=make_user(Role.AGENT))
        first = services.exchange_collect()
        assert set(first.new) == FOUR and first.changed == 4
        assert {r.status for r in ExchangeRecord.objects.all()} == {PushStatus.PENDING}
        assert _push_jobs() == 4
        jobs_services.run_due_jobs()
        assert {d.dataset for d in backends.outbox} == FOUR and len(backends.outbox) == 4
        assert {(r.status, r.version, r.sent_version) for r in ExchangeRecord.objects.all()} == {("sent", 1, 1)}
        events = WitnessEvent.objects.filter(action__startswith="exchange.").count()

        traveller.shift(dt.timedelta(hours=5))  # later: only the data timestamp would differ
        again = services.exchange_collect()
        jobs_services.run_due_jobs()
    assert again.changed == 0 and set(again.unchanged) == FOUR
    assert _push_jobs() == 4 and len(backends.outbox) == 4
    assert WitnessEvent.objects.filter(action__startswith="exchange.").count() == events
    assert witness_selectors.chain_verify().ok


def test_a_change_is_sent_again_as_a_correction_with_the_next_version():
    with time_machine.travel(NOW, tick=False) as traveller:
        agent = make_user(Role.AGENT)
        project, tender = published_project(agent=agent)
        services.exchange_collect()
        jobs_services.run_due_jobs()
        first_notice = _sent(DataSet.NOTICE)[0]
        traveller.shift(dt.timedelta(days=1))
        _postpone(agent, tender)
        Organization.objects.filter(pk=project.supervisor_id).update(name="伊宁市住房和城乡建设局（更名）")
        result = services.exchange_collect()
        assert dict(result.corrected) == {DataSet.NOTICE: 1, DataSet.TENDER_PROJECT: 1}
        assert set(result.unchanged) == {DataSet.PROJECT, DataSet.SECTION}
        notice = _row(DataSet.NOTICE)
        assert (notice.version, notice.is_correction, notice.status) == (2, True, PushStatus.PENDING)
        jobs_services.run_due_jobs()

    assert len(backends.outbox) == 6
    second_notice = _sent(DataSet.NOTICE)[1]
    assert first_notice.head["VERSION"] == "1" and first_notice.fields["NOTICE_NATURE"] == "1"
    assert second_notice.head["VERSION"] == "2" and second_notice.head["IS_CORRECTION"] == "1"
    assert second_notice.head["MESSAGE_ID"].endswith(f":GCJS_NOTICE:{tender.code}:2")
    assert second_notice.fields["NOTICE_NATURE"] == "2"
    assert second_notice.fields["IS_POSTPONE"] == "1"
    assert second_notice.fields["BID_DOC_REFER_END_TIME"] == "20261204100000"
    assert second_notice.fields["BID_OPEN_TIME"] == "20261204100000"
    assert "第1号澄清/修改（2026-11-03 10:00）：\n第三章技术标准修改" in second_notice.fields["NOTICE_CONTENT"]
    assert second_notice.fields["DATA_TIMESTAMP"] == "20261103100000"
    tender_project = _sent(DataSet.TENDER_PROJECT)[1]  # a data set without NOTICE_NATURE
    assert tender_project.head["VERSION"] == "2" and tender_project.head["IS_CORRECTION"] == "1"
    assert tender_project.fields["SUPERVISE_DEPT_NAME"] == "伊宁市住房和城乡建设局（更名）"
    assert "NOTICE_NATURE" not in tender_project.fields
    assert (_row(DataSet.NOTICE).status, _row(DataSet.NOTICE).sent_version) == (PushStatus.SENT, 2)
    assert _row(DataSet.PROJECT).version == 1


def test_while_disabled_records_are_kept_unsent_and_go_out_once_enabled(settings):
    settings.EXCHANGE_BACKEND = DISABLED
    with time_machine.travel(NOW, tick=False) as traveller:
        agent = make_user(Role.AGENT)
        _project, tender = published_project(agent=agent)
        services.exchange_collect()
        assert {r.status for r in ExchangeRecord.objects.all()} == {PushStatus.NOT_SENT}
        assert _push_jobs() == 0
        traveller.shift(dt.timedelta(days=1))
        _postpone(agent, tender)
        services.exchange_collect()
        notice = _row(DataSet.NOTICE)
        # The receiver never had version 1: version 2 is not a correction.
        assert (notice.version, notice.is_correction, notice.status) == (2, False, PushStatus.NOT_SENT)

        settings.EXCHANGE_BACKEND = MEMORY
        result = services.exchange_collect()
        assert set(result.requeued) == FOUR and result.changed == 0
        jobs_services.run_due_jobs()
    sent = _sent(DataSet.NOTICE)
    assert len(sent) == 1 and sent[0].head["VERSION"] == "2" and sent[0].head["IS_CORRECTION"] == "0"
    assert sent[0].fields["NOTICE_NATURE"] == "1"
    assert {r.status for r in ExchangeRecord.objects.all()} == {PushStatus.SENT}


def test_a_queued_version_superseded_by_a_newer_one_is_not_sent():
    with time_machine.travel(NOW, tick=False):
        agent = make_user(Role.AGENT)
        _project, tender = published_project(agent=agent)
        services.exchange_collect()
        _postpone(agent, tender)
        services.exchange_collect()
        jobs_services.run_due_jobs()
    notices = _sent(DataSet.NOTICE)
    assert [n.head["VERSION"] for n in notices] == ["2"]
    assert notices[0].head["IS_CORRECTION"] == "0"  # the receiver never had version 1
    assert Job.objects.filter(name=services.PUSH_JOB, status="done").count() == 5  # the stale job did nothing


class RacingBackend:
    """Delivers like the memory back-end; while the first notice is on its way, the notice changes
    and is collected again (what a second worker could do at that moment)."""

    enabled = True
    change: ClassVar[list[Any]] = []

    def send(self, delivery: backends.Delivery) -> None:
        if delivery.dataset == DataSet.NOTICE and self.change:
            agent, tender = self.change.pop()
            _postpone(agent, tender)
            services.exchange_collect()
        backends.outbox.append(delivery)


def test_a_version_collected_while_the_previous_one_was_on_its_way_goes_as_a_correction(settings):
    settings.EXCHANGE_BACKEND = "ggzy.exchange.tests.test_push.RacingBackend"
    with time_machine.travel(NOW, tick=False):
        agent = make_user(Role.AGENT)
        _project, tender = published_project(agent=agent)
        services.exchange_collect()
        RacingBackend.change[:] = [(agent, tender)]
        jobs_services.run_due_jobs()
    first, second = _sent(DataSet.NOTICE)
    assert (first.head["VERSION"], first.fields["NOTICE_NATURE"]) == ("1", "1")
    # collected before version 1 was acknowledged, marked as a correction when it was sent
    assert (second.head["VERSION"], second.head["IS_CORRECTION"], second.fields["NOTICE_NATURE"]) == ("2", "1", "2")
    notice = _row(DataSet.NOTICE)
    assert (notice.status, notice.sent_version, notice.is_correction) == (PushStatus.SENT, 2, True)
    assert envelope.parse(notice.document).fields["NOTICE_NATURE"] == "2"  # the download shows what was sent


def test_failures_are_retried_with_back_off():
    backends.failures[:] = ["省级平台返回 HTTP 503。", "timed out"]
    with time_machine.travel(NOW, tick=False) as traveller:
        published_project(agent=make_user(Role.AGENT))
        services.exchange_collect()
        assert jobs_services.run_due_jobs() == 4
        project, tender_project = _row(DataSet.PROJECT), _row(DataSet.TENDER_PROJECT)
        assert (project.status, project.attempts, project.last_error) == ("pending", 1, "省级平台返回 HTTP 503。")
        assert (tender_project.attempts, tender_project.last_error) == (1, "timed out")
        assert {_row(d).status for d in (DataSet.SECTION, DataSet.NOTICE)} == {PushStatus.SENT}
        retry = Job.objects.get(key=f"{services.PUSH_JOB}:{project.pk}:2")
        assert retry.run_at == NOW + dt.timedelta(seconds=60)
        assert jobs_services.run_due_jobs() == 0
        traveller.shift(dt.timedelta(seconds=59))
        assert jobs_services.run_due_jobs() == 0
        traveller.shift(dt.timedelta(seconds=1))
        assert jobs_services.run_due_jobs() == 2
    project = _row(DataSet.PROJECT)
    assert (project.status, project.attempts, project.last_error) == (PushStatus.SENT, 2, "")
    assert [d.dataset for d in backends.outbox].count(DataSet.PROJECT) == 1


def test_after_the_last_attempt_the_record_is_failed_and_staff_push_it_again(settings):
    settings.EXCHANGE_MAX_ATTEMPTS = 3
    backends.failures[:] = [f"错误{n}" for n in range(12)]  # every attempt of the four records
    with time_machine.travel(NOW, tick=False) as traveller:
        published_project(agent=make_user(Role.AGENT))
        services.exchange_collect()
        jobs_services.run_due_jobs()  # attempt 1, next in 60 s
        traveller.shift(dt.timedelta(seconds=60))
        jobs_services.run_due_jobs()  # attempt 2, next in 120 s
        traveller.shift(dt.timedelta(seconds=119))
        assert jobs_services.run_due_jobs() == 0
        traveller.shift(dt.timedelta(seconds=1))
        assert jobs_services.run_due_jobs() == 4  # attempt 3: given up
        traveller.shift(dt.timedelta(days=1))
        assert jobs_services.run_due_jobs() == 0
        rows = list(ExchangeRecord.objects.all())
        assert {(r.status, r.attempts) for r in rows} == {(PushStatus.FAILED, 3)}
        assert {r.last_error for r in rows} == {"错误8", "错误9", "错误10", "错误11"}
        assert WitnessEvent.objects.filter(action="exchange.record_failed").count() == 4
        assert backends.outbox == []

        staff = make_user(Role.CENTER_STAFF)
        project = _row(DataSet.PROJECT)
        services.exchange_retry(actor=staff, record=project)
        project.refresh_from_db()
        assert (project.status, project.attempts) == (PushStatus.PENDING, 0)
        jobs_services.run_due_jobs()
    project.refresh_from_db()
    assert (project.status, project.attempts, project.last_error) == (PushStatus.SENT, 1, "")
    assert [d.dataset for d in backends.outbox] == [DataSet.PROJECT]
    retried = WitnessEvent.objects.get(action="exchange.record_retried")
    assert retried.actor_id == staff.pk
    assert witness_selectors.chain_verify().ok


def test_retry_delay_doubles_up_to_an_hour(settings):
    settings.EXCHANGE_RETRY_SECONDS = 60
    assert [services.retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert services.retry_delay(20) == dt.timedelta(hours=1)


def test_a_refused_retry_leaves_nothing_behind():
    with time_machine.travel(NOW, tick=False):
        published_project(agent=make_user(Role.AGENT))
        staff = make_user(Role.CENTER_STAFF)
        others = [make_user(role) for role in (Role.SUPERVISOR, Role.AGENT, Role.AUDIT_ADMIN)]
        services.exchange_collect()
        jobs_services.run_due_jobs()
        project = _row(DataSet.PROJECT)
        jobs, events = _push_jobs(), WitnessEvent.objects.count()
        with pytest.raises(ValidationError, match="只有推送失败的记录"):
            services.exchange_retry(actor=staff, record=project)
        ExchangeRecord.objects.filter(pk=project.pk).update(status=PushStatus.FAILED)
        for user in others:
            with pytest.raises(PermissionDenied):
                services.exchange_retry(actor=user, record=project)
    project.refresh_from_db()
    assert (project.status, project.attempts, project.enqueued) == (PushStatus.FAILED, 1, 1)
    assert _push_jobs() == jobs
    assert WitnessEvent.objects.count() == events


def test_a_push_queued_before_the_exchange_was_disabled_waits_for_it(settings):
    with time_machine.travel(NOW, tick=False):
        published_project(agent=make_user(Role.AGENT))
        services.exchange_collect()
        settings.EXCHANGE_BACKEND = DISABLED
        jobs_services.run_due_jobs()
        assert {r.status for r in ExchangeRecord.objects.all()} == {PushStatus.NOT_SENT}
        assert {r.attempts for r in ExchangeRecord.objects.all()} == {0}
        settings.EXCHANGE_BACKEND = MEMORY
        services.exchange_collect()
        jobs_services.run_due_jobs()
    assert len(backends.outbox) == 4
    assert WitnessEvent.objects.filter(action="exchange.record_not_sent").count() == 4
    assert WitnessEvent.objects.filter(action="exchange.record_queued").count() == 4


# --------------------------------------------------------------------------------------------
# The HTTP back-end, with a fake transport (no network)
# --------------------------------------------------------------------------------------------


class FakeTransport:
    def __init__(self, answers: list[int | Exception]) -> None:
        self.answers = answers
        self.calls: list[dict[str, Any]] = []

    def __call__(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
        self.calls.append({"url": url, "body": body, "headers": headers, "timeout": timeout})
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return answer


def _http(settings: Any, monkeypatch: Any, answers: list[int | Exception]) -> FakeTransport:
    settings.EXCHANGE_BACKEND = HTTP
    settings.EXCHANGE_ENDPOINT_URL = "https://province.example.cn/gcjs/receive"
    settings.EXCHANGE_ENDPOINT_TOKEN = "demo-token"
    settings.EXCHANGE_TIMEOUT_SECONDS = 7
    transport = FakeTransport(answers)
    monkeypatch.setattr(backends, "post", transport)
    return transport


def test_http_posts_the_document_and_retries_until_a_2xx(settings, monkeypatch):
    transport = _http(settings, monkeypatch, [503, TimeoutError("timed out"), 200, 201])
    with time_machine.travel(NOW, tick=False) as traveller:
        published_project(agent=make_user(Role.AGENT))
        services.exchange_collect()
        jobs_services.run_due_jobs()
        project, tender_project = _row(DataSet.PROJECT), _row(DataSet.TENDER_PROJECT)
        assert project.last_error == "省级平台返回 HTTP 503。"
        assert tender_project.last_error.startswith("无法连接省级平台：") and "timed out" in tender_project.last_error
        traveller.shift(dt.timedelta(minutes=1))
        jobs_services.run_due_jobs()
    assert {r.status for r in ExchangeRecord.objects.all()} == {PushStatus.SENT}
    assert len(transport.calls) == 6
    call = transport.calls[0]
    parsed = envelope.parse(call["body"])
    assert call["url"] == "https://province.example.cn/gcjs/receive" and call["timeout"] == 7.0
    assert call["headers"] == {
        "Content-Type": "application/xml; charset=utf-8",
        "X-Message-Id": parsed.head["MESSAGE_ID"],
        "X-Data-Set": "GCJS_PROJECT",
        "Authorization": "Bearer demo-token",
    }
    retried = [c for c in transport.calls if envelope.parse(c["body"]).dataset == DataSet.PROJECT]
    assert [c["body"] for c in retried] == [call["body"]] * 2  # the same message, byte for byte


@pytest.mark.parametrize("status", [199, 301, 400, 404, 500])
def test_http_anything_but_2xx_is_a_failure(settings, monkeypatch, status):
    _http(settings, monkeypatch, [status] * 4)
    with time_machine.travel(NOW, tick=False):
        published_project(agent=make_user(Role.AGENT))
        services.exchange_collect()
        jobs_services.run_due_jobs()
    assert {r.last_error for r in ExchangeRecord.objects.all()} == {f"省级平台返回 HTTP {status}。"}
    assert {r.status for r in ExchangeRecord.objects.all()} == {PushStatus.PENDING}


def test_post_uses_urllib_with_the_timeout_and_reads_error_statuses(monkeypatch):
    seen: list[Any] = []

    class Response:
        status = 202

        def __enter__(self) -> Response:
            return self

        def __exit__(self, *args: object) -> None:
            return None

    def fake_urlopen(request: Any, timeout: float) -> Response:
        seen.append((request, timeout))
        if len(seen) == 2:
            raise urllib.error.HTTPError(request.full_url, 502, "Bad Gateway", None, io.BytesIO(b""))  # type: ignore[arg-type]
        return Response()

    monkeypatch.setattr(backends.urllib.request, "urlopen", fake_urlopen)
    assert backends.post("https://x.example/r", b"<a/>", {"X-Test": "1"}, 3.0) == 202
    assert backends.post("https://x.example/r", b"<a/>", {}, 3.0) == 502
    request, timeout = seen[0]
    assert (request.get_method(), request.data, request.get_header("X-test"), timeout) == ("POST", b"<a/>", "1", 3.0)


# --------------------------------------------------------------------------------------------
# The periodic trigger and the command
# --------------------------------------------------------------------------------------------


def test_the_worker_collects_periodically():
    assert "exchange.collect" in registry.PERIODIC
    assert registry.TASKS[services.PUSH_JOB] is not None
    with time_machine.travel(NOW, tick=False):
        published_project(agent=make_user(Role.AGENT))
        assert "exchange.collect" in jobs_services.run_due_periodic()
        jobs_services.run_due_jobs()
    assert len(backends.outbox) == 4


def test_the_command_collects_and_reports_and_a_dry_run_writes_nothing():
    with time_machine.travel(NOW, tick=False):
        agent = make_user(Role.AGENT)
        _project, tender = published_project(agent=agent)
        dry = io.StringIO()
        call_command("exchange_push", "--dry-run", stdout=dry)
        assert "GCJS_NOTICE：新增 1，更正 0，未变 0，补推 0" in dry.getvalue() and "试运行" in dry.getvalue()
        assert not ExchangeRecord.objects.exists()
        out = io.StringIO()
        call_command("exchange_push", stdout=out)
        assert "GCJS_PROJECT：新增 1" in out.getvalue() and "GCJS_WIN_CANDIDATE：新增 0" in out.getvalue()
        assert ExchangeRecord.objects.count() == 4
        _postpone(agent, tender)
        dry = io.StringIO()
        call_command("exchange_push", "--dry-run", stdout=dry)
        assert "GCJS_NOTICE：新增 0，更正 1，未变 0" in dry.getvalue()
    assert _row(DataSet.NOTICE).version == 1
    assert clock.local(_row(DataSet.NOTICE).collected_at) == NOW
