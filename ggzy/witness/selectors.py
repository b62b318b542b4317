"""Reads of the witness log, including the verifier that recomputes the chain."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .chain import GENESIS_HASH, digest, event_hash
from .models import WitnessCheckpoint, WitnessEvent, WitnessHead


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


@dataclass(frozen=True)
class Problem:
    seq: int
    event_id: int | None
    kind: str  # changed | missing | inserted | reordered | head | checkpoint
    message: str


@dataclass(frozen=True)
class Verification:
    checked: int
    head: Head
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def head_get() -> Head:
    row = WitnessHead.objects.filter(pk=1).first()
    if row is None:
        return Head(seq=0, hash=GENESIS_HASH)
    return Head(seq=row.seq, hash=row.hash)


def events_for_object(*, object_type: str, object_id: str) -> QuerySet[WitnessEvent]:
    return WitnessEvent.objects.filter(object_type=object_type, object_id=object_id).order_by("seq")


def events_after(*, seq: int, actions: Sequence[str], limit: int) -> list[WitnessEvent]:
    """Events with the given actions after `seq`, in sequence order. The sequence is gapless and
    follows commit order (appends lock the head until commit), so a reader that resumes after the
    last seq it saw never misses or repeats an event, however writers interleave."""
    return list(WitnessEvent.objects.filter(action__in=actions, seq__gt=seq).order_by("seq")[:limit])


def events_latest(*, limit: int = 50) -> QuerySet[WitnessEvent]:
    return WitnessEvent.objects.order_by("-seq")[:limit]


def _events_in_order(batch: int = 2000) -> Iterator[WitnessEvent]:
    # Walk by primary key, not by seq: a row whose seq was rewritten still shows up where it was stored.
    last_id = 0
    while True:
        rows = list(WitnessEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def chain_verify() -> Verification:
    """Recompute the whole chain and name the first event that does not hold."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    hash_to_seq: dict[str, int] = {}
    for event in _events_in_order():
        problem = _check_event(event, expected_seq, prev_hash)
        if problem is not None:
            return Verification(checked=checked, head=head_get(), problem=problem)
        hash_to_seq[event.hash] = event.seq
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    head = head_get()
    last_seq = expected_seq - 1
    if head.seq != last_seq or head.hash != prev_hash:
        if head.seq > last_seq:
            message = _("日志尾部缺失：记录的日志头为第 {head} 号事件，实际只有 {last} 个事件。").format(
                head=head.seq, last=last_seq
            )
            return Verification(checked, head, Problem(last_seq + 1, None, "missing", message))
        message = _("日志头（第 {head} 号）与重算结果（第 {last} 号）不一致。").format(head=head.seq, last=last_seq)
        return Verification(checked, head, Problem(head.seq, None, "head", message))
    for checkpoint in WitnessCheckpoint.objects.order_by("seq"):
        if hash_to_seq.get(checkpoint.hash) != checkpoint.seq:
            message = _("已发布的检查点（第 {seq} 号事件）与日志不符：该检查点之前的历史被改写。").format(
                seq=checkpoint.seq
            )
            return Verification(checked, head, Problem(checkpoint.seq, None, "checkpoint", message))
    return Verification(checked=checked, head=head, problem=None)


def _check_event(event: WitnessEvent, expected_seq: int, prev_hash: str) -> Problem | None:
    if event.seq > expected_seq:
        elsewhere = WitnessEvent.objects.filter(seq=expected_seq).values_list("id", flat=True).first()
        if elsewhere is not None:
            message = _("第 {seq} 号事件（记录编号 {id}）位置错误：事件被重排。").format(seq=expected_seq, id=elsewhere)
            return Problem(expected_seq, elsewhere, "reordered", message)
        message = _("第 {seq} 号事件缺失（已被删除）。").format(seq=expected_seq)
        return Problem(expected_seq, None, "missing", message)
    if event.seq < expected_seq:
        message = _("第 {seq} 号事件（记录编号 {id}）位置错误：序号重复或被重排。").format(seq=event.seq, id=event.id)
        return Problem(event.seq, event.id, "reordered", message)
    if event.before_digest != digest(event.before) or event.after_digest != digest(event.after):
        message = _("第 {seq} 号事件的变更内容被修改：摘要不符。").format(seq=event.seq)
        return Problem(event.seq, event.id, "changed", message)
    if event.prev_hash != prev_hash:
        message = _("第 {seq} 号事件与前一事件的链接断开：其前插入、删除或重排了事件。").format(seq=event.seq)
        return Problem(event.seq, event.id, "inserted", message)
    recomputed = event_hash(
        seq=event.seq,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        actor_roles=event.actor_roles,
        organization_id=event.organization_id,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        before_digest=event.before_digest,
        after_digest=event.after_digest,
        prev_hash=event.prev_hash,
    )
    if recomputed != event.hash:
        message = _("第 {seq} 号事件被修改：哈希不符。").format(seq=event.seq)
        return Problem(event.seq, event.id, "changed", message)
    return None


def checkpoint_latest() -> WitnessCheckpoint | None:
    return WitnessCheckpoint.objects.order_by("-seq").first()


def checkpoints_latest(*, limit: int = 20) -> QuerySet[WitnessCheckpoint]:
    return WitnessCheckpoint.objects.order_by("-seq")[:limit]
