"""Writes of the exchange app: collect the national data-set records and push them, incrementally
and idempotently (docs/national-data.md).

- `exchange_collect` builds every public record, compares its content digest with the last one
  collected and, for a new or changed record, stores the next version and queues its push in the
  same transaction (outbox). Unchanged records cost nothing: running it twice sends nothing new.
- `exchange_deliver` (the job "exchange.push") sends one version through the configured back-end;
  on failure it queues the next attempt with exponential back-off, and after
  EXCHANGE_MAX_ATTEMPTS it marks the record failed for the staff to see and push again
  (`exchange_retry`).
- A version is a correction when the receiver has already acknowledged an earlier version of the
  record: NOTICE_NATURE=2 on notices, IS_CORRECTION=1 in the envelope of every data set.
Delivery is at least once; the receiver recognises a repeated version by its MESSAGE_ID.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ggzy.accounts.models import User
from ggzy.core import clock
from ggzy.core.locks import lock, lock_instance
from ggzy.jobs import services as jobs_services
from ggzy.witness.services import event_record

from . import backends, datasets, envelope, policies
from .choices import PushStatus
from .models import ExchangeRecord

log = logging.getLogger(__name__)

PUSH_JOB = "exchange.push"
MAX_RETRY_DELAY = dt.timedelta(hours=1)


@dataclass
class CollectResult:
    new: Counter[str] = field(default_factory=Counter)
    corrected: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    requeued: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> int:
        return sum(self.new.values()) + sum(self.corrected.values())


def retry_delay(attempts: int) -> dt.timedelta:
    """Back-off after the n-th failed attempt: base × 2^(n−1), at most an hour."""
    seconds = int(settings.EXCHANGE_RETRY_SECONDS) * 2 ** max(attempts - 1, 0)
    return min(dt.timedelta(seconds=seconds), MAX_RETRY_DELAY)


def _enqueue(row: ExchangeRecord, *, run_at: dt.datetime | None = None) -> None:
    """Queue a push of the row's current version; the caller saves the row. Each push has its own
    number, so a job left over from an earlier push finds it is stale and does nothing."""
    row.enqueued += 1
    jobs_services.job_enqueue(
        name=PUSH_JOB,
        args={"record_id": row.pk, "version": row.version, "push": row.enqueued},
        run_at=run_at,
        key=f"{PUSH_JOB}:{row.pk}:{row.enqueued}",
    )


def _event(action: str, row: ExchangeRecord, *, actor: User | None = None, **extra: object) -> None:
    after: dict[str, object] = {
        "dataset": row.dataset,
        "key": row.key,
        "version": row.version,
        "status": row.status,
        **extra,
    }
    event_record(action=action, actor=actor, obj=row, after=after)


@transaction.atomic
def _record_save(record: datasets.Record, *, enabled: bool) -> str:
    """Store one built record; returns "new", "corrected", "unchanged" or "requeued"."""
    digest = datasets.content_digest(record)
    row = ExchangeRecord.objects.select_for_update().filter(dataset=record.dataset, key=record.key).first()
    if row is not None and row.content_sha256 == digest:
        if enabled and row.status == PushStatus.NOT_SENT:  # collected while disabled, sent now
            row.status = PushStatus.PENDING
            row.attempts = 0
            _enqueue(row)
            row.save(update_fields=["status", "attempts", "enqueued"])
            _event("exchange.record_queued", row, before=PushStatus.NOT_SENT)
            return "requeued"
        return "unchanged"
    now = clock.now()
    outcome = "new" if row is None else "corrected"
    if row is None:
        row = ExchangeRecord(dataset=record.dataset, key=record.key, version=1)
    else:
        row.version += 1
    correction = row.sent_version > 0
    version = datasets.stamped(record, at=now, correction=correction)
    row.deal_code = record.deal_code
    row.content_sha256 = digest
    row.document = envelope.document(version, version=row.version, correction=correction, at=now, digest=digest)
    row.is_correction = correction
    row.collected_at = now
    row.status = PushStatus.PENDING if enabled else PushStatus.NOT_SENT
    row.attempts = 0
    row.full_clean()
    row.save()
    if enabled:
        _enqueue(row)
        row.save(update_fields=["enqueued"])
    _event("exchange.record_versioned", row, sha256=digest, correction=correction)
    return outcome


def exchange_collect(*, dry_run: bool = False) -> CollectResult:
    """Build every public record and queue a push for each new or changed one (a periodic job and
    the `exchange_push` command). With `dry_run` nothing is written: the result says what would be.

    Each record is saved in its own short transaction under its row lock, so a collect never holds
    up the platform's other writers for long, and one that fails leaves the others done."""
    enabled = backends.backend_for().enabled
    result = CollectResult()
    for record in datasets.records_build():
        if dry_run:
            outcome = _dry_run_outcome(record)
        else:
            try:
                outcome = _record_save(record, enabled=enabled)
            except IntegrityError:  # a concurrent collect inserted it first; the next run compares
                log.warning("exchange record %s %s collected concurrently", record.dataset, record.key)
                continue
        getattr(result, outcome)[record.dataset] += 1
    return result


def _dry_run_outcome(record: datasets.Record) -> str:
    digest = datasets.content_digest(record)
    row = ExchangeRecord.objects.filter(dataset=record.dataset, key=record.key).first()
    if row is None:
        return "new"
    return "unchanged" if row.content_sha256 == digest else "corrected"


def exchange_deliver(*, record_id: int, version: int, push: int) -> ExchangeRecord:
    """Send one queued version (the job "exchange.push"; idempotent). A version that was sent,
    superseded by a newer one or queued again since does nothing. The network call runs outside
    any transaction; its outcome is recorded under the row lock afterwards."""
    backend = backends.backend_for()
    with transaction.atomic():
        row = lock(ExchangeRecord, pk=record_id)
        if row.status != PushStatus.PENDING or row.version != version or row.enqueued != push:
            return row
        if not backend.enabled:  # switched off while queued: kept for when it is enabled again
            row.status = PushStatus.NOT_SENT
            row.save(update_fields=["status"])
            _event("exchange.record_not_sent", row, before=PushStatus.PENDING)
            return row
        if row.sent_version > 0 and not row.is_correction:
            # The receiver acknowledged an earlier version after this one was collected.
            row.document = envelope.as_correction(row.document)
            row.is_correction = True
        row.attempts += 1
        row.save(update_fields=["document", "is_correction", "attempts"])
        platform_code = settings.EXCHANGE_PLATFORM_CODE
        delivery = backends.Delivery(
            message_id=envelope.message_id(
                platform_code=platform_code, dataset=row.dataset, key=row.key, version=row.version
            ),
            dataset=row.dataset,
            key=row.key,
            version=row.version,
            document=row.document,
        )
    try:
        backend.send(delivery)
    except Exception as exc:  # noqa: BLE001 - any failure of the receiver or the network is retried
        return _failed(record_id=record_id, version=version, push=push, error=str(exc) or type(exc).__name__)
    return _sent(record_id=record_id, version=version)


@transaction.atomic
def _sent(*, record_id: int, version: int) -> ExchangeRecord:
    row = lock(ExchangeRecord, pk=record_id)
    row.sent_version = max(row.sent_version, version)
    fields = ["sent_version"]
    if row.version == version:  # not superseded while it was on the way
        row.status = PushStatus.SENT
        row.sent_at = clock.now()
        row.last_error = ""
        fields += ["status", "sent_at", "last_error"]
    row.save(update_fields=fields)
    _event("exchange.record_sent", row, sent_version=version, attempts=row.attempts)
    return row


@transaction.atomic
def _failed(*, record_id: int, version: int, push: int, error: str) -> ExchangeRecord:
    row = lock(ExchangeRecord, pk=record_id)
    if row.status != PushStatus.PENDING or row.version != version or row.enqueued != push:
        return row  # superseded while it was on the way: the newer push decides
    row.last_error = error[:2000]
    if row.attempts >= int(settings.EXCHANGE_MAX_ATTEMPTS):
        row.status = PushStatus.FAILED
        row.save(update_fields=["last_error", "status"])
        _event("exchange.record_failed", row, attempts=row.attempts, error=row.last_error)
        return row
    _enqueue(row, run_at=clock.now() + retry_delay(row.attempts))
    row.save(update_fields=["last_error", "enqueued"])
    return row


@transaction.atomic
def exchange_retry(*, actor: User, record: ExchangeRecord) -> ExchangeRecord:
    """Trading-center staff push a failed record again, with a fresh count of attempts."""
    if not policies.can_operate(actor):
        raise PermissionDenied(_("只有交易中心工作人员可以重新推送数据。"))
    row = lock_instance(record)
    if not row.can_retry():
        raise ValidationError(_("只有推送失败的记录可以重新推送。"))
    if not backends.backend_for().enabled:
        raise ValidationError(_("数据交换未启用，不能推送。"))
    before = row.status
    row.status = PushStatus.PENDING
    row.attempts = 0
    _enqueue(row)
    row.save(update_fields=["status", "attempts", "enqueued"])
    _event("exchange.record_retried", row, actor=actor, before=before)
    return row
