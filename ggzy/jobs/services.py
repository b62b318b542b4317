"""Writes of the jobs app: enqueue, claim, finish, and run what is due."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from typing import Any

from django.db import connection, transaction

from ggzy.core import clock

from .choices import JobStatus
from .models import Job, PeriodicRun
from .registry import PERIODIC, TASKS

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)


@transaction.atomic
def job_enqueue(
    *, name: str, args: dict[str, Any] | None = None, run_at: dt.datetime | None = None, key: str | None = None
) -> Job:
    """Queue a job in the caller's transaction. With a key, a second enqueue returns the first job."""
    if name not in TASKS:
        raise ValueError(f"unknown job {name}")
    if key is not None:
        existing = Job.objects.filter(key=key).first()
        if existing is not None:
            return existing
    now = clock.now()
    job = Job(name=name, args=args or {}, key=key, run_at=run_at or now, created_at=now)
    job.full_clean()
    job.save()
    return job


def _due_jobs(now: dt.datetime) -> Any:
    pending = Job.objects.filter(status=JobStatus.PENDING, run_at__lte=now)
    stale = Job.objects.filter(status=JobStatus.RUNNING, locked_until__lt=now)
    return (pending | stale).order_by("run_at", "id")


@transaction.atomic
def job_claim_next() -> Job | None:
    now = clock.now()
    queryset = _due_jobs(now)
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    job = queryset.first()
    if job is None:
        return None
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=job.attempts + 1, locked_until=now + LEASE)
    job.refresh_from_db()
    return job


@transaction.atomic
def job_finish(*, job: Job, error: str = "") -> Job:
    now = clock.now()
    if not error:
        Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE, finished_at=now, last_error="", locked_until=None)
    elif job.attempts >= job.max_attempts:
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, finished_at=now, last_error=error, locked_until=None
        )
    else:
        retry_at = now + dt.timedelta(seconds=min(3600, 10 * 2**job.attempts))
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.PENDING, run_at=retry_at, last_error=error, locked_until=None
        )
    job.refresh_from_db()
    return job


def job_run(job: Job) -> Job:
    try:
        TASKS[job.name](**job.args)
    except Exception:
        log.exception("job %s failed", job)
        return job_finish(job=job, error=traceback.format_exc()[-4000:])
    return job_finish(job=job)


def run_due_jobs(*, limit: int = 100) -> int:
    """Run jobs that are due now; returns how many ran."""
    ran = 0
    while ran < limit:
        job = job_claim_next()
        if job is None:
            break
        job_run(job)
        ran += 1
    return ran


def run_due_periodic() -> list[str]:
    """Run every periodic task whose time has come; each runs in one worker only."""
    ran: list[str] = []
    for periodic in PERIODIC.values():
        with transaction.atomic():
            now = clock.now()
            row, _created = PeriodicRun.objects.select_for_update().get_or_create(
                name=periodic.name, defaults={"next_run_at": now}
            )
            if row.next_run_at > now:
                continue
            PeriodicRun.objects.filter(pk=row.pk).update(
                last_run_at=now, next_run_at=now + dt.timedelta(seconds=periodic.every_seconds)
            )
        try:
            periodic.fn()
        except Exception:
            log.exception("periodic task %s failed", periodic.name)
        ran.append(periodic.name)
    return ran


@transaction.atomic
def job_reschedule(*, key: str, run_at: dt.datetime) -> Job | None:
    """Move a pending job (e.g. a deadline) to a new time; returns it, or None if there is none."""
    job = Job.objects.select_for_update().filter(key=key, status=JobStatus.PENDING).first()
    if job is None:
        return None
    Job.objects.filter(pk=job.pk).update(run_at=run_at)
    job.refresh_from_db()
    return job
