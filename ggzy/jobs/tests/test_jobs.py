"""The database job queue: jobs run when due by the injected clock, failures retry with backoff
and finally fail, a key makes enqueueing idempotent, and periodic tasks run once per period."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from ggzy.core import clock
from ggzy.jobs import registry, services
from ggzy.jobs.choices import JobStatus
from ggzy.jobs.models import Job

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 10, 8, 9, 0, tzinfo=clock.BEIJING)
CALLS: list[dict] = []


@registry.task("test.record")
def _record(**kwargs):
    CALLS.append(kwargs)


@registry.task("test.explode")
def _explode(**kwargs):
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()
    yield
    registry.PERIODIC.pop("test.tick", None)


def test_a_job_runs_only_when_due():
    with time_machine.travel(START, tick=False) as traveller:
        job = services.job_enqueue(name="test.record", args={"lot": 7}, run_at=START + dt.timedelta(hours=1))
        assert services.run_due_jobs() == 0
        traveller.shift(dt.timedelta(minutes=59, seconds=59))
        assert services.run_due_jobs() == 0
        traveller.shift(dt.timedelta(seconds=1))
        assert services.run_due_jobs() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert CALLS == [{"lot": 7}]


def test_a_key_makes_enqueue_idempotent():
    with time_machine.travel(START, tick=False):
        first = services.job_enqueue(name="test.record", args={"n": 1}, key="deadline:lot:7")
        second = services.job_enqueue(name="test.record", args={"n": 2}, key="deadline:lot:7")
    assert first.pk == second.pk
    assert Job.objects.filter(key="deadline:lot:7").count() == 1


def test_unknown_job_is_refused():
    with pytest.raises(ValueError):
        services.job_enqueue(name="no.such.job")


def test_failures_retry_with_backoff_then_fail():
    with time_machine.travel(START, tick=False) as traveller:
        job = services.job_enqueue(name="test.explode")
        for attempt in range(1, job.max_attempts + 1):
            assert services.run_due_jobs() == 1
            job.refresh_from_db()
            assert job.attempts == attempt
            assert "boom" in job.last_error
            if attempt < job.max_attempts:
                assert job.status == JobStatus.PENDING
                assert job.run_at > clock.now()
                assert services.run_due_jobs() == 0  # not before its retry time
                traveller.move_to(job.run_at)
    assert job.status == JobStatus.FAILED


def test_a_job_abandoned_by_a_dead_worker_is_taken_again():
    with time_machine.travel(START, tick=False) as traveller:
        services.job_enqueue(name="test.record", args={"n": 1})
        claimed = services.job_claim_next()
        assert claimed is not None and claimed.status == JobStatus.RUNNING
        assert services.job_claim_next() is None  # leased
        traveller.shift(services.LEASE + dt.timedelta(seconds=1))
        again = services.job_claim_next()
        assert again is not None and again.pk == claimed.pk and again.attempts == 2


def test_periodic_task_runs_once_per_period():
    ticks: list[dt.datetime] = []
    registry.periodic(name="test.tick", every_seconds=300)(lambda: ticks.append(clock.now()))
    with time_machine.travel(START, tick=False) as traveller:
        assert "test.tick" in services.run_due_periodic()
        assert "test.tick" not in services.run_due_periodic()
        traveller.shift(dt.timedelta(seconds=299))
        assert "test.tick" not in services.run_due_periodic()
        traveller.shift(dt.timedelta(seconds=1))
        assert "test.tick" in services.run_due_periodic()
    assert len(ticks) == 2


def test_the_witness_checkpoint_is_a_periodic_task():
    from ggzy.witness.models import WitnessCheckpoint
    from ggzy.witness.services import event_record

    event_record(action="test.step")
    with time_machine.travel(START, tick=False):
        services.run_due_periodic()
    assert WitnessCheckpoint.objects.exists()
