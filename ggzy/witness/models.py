"""The witness log (见证日志): an append-only, hash-chained record of every state change.

Each event stores the hash of the event before it, so changing, deleting, inserting or
reordering any event breaks the chain from that point on (`manage.py witness_verify`).
The head (sequence number and hash) is published on the portal and in signed checkpoints,
so the whole chain cannot be rewritten unnoticed either. Database triggers refuse UPDATE
and DELETE on events (migration 0002).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class WitnessEvent(models.Model):
    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    occurred_at = models.DateTimeField(_("发生时间"))
    # Plain ids, not foreign keys: the log outlives the rows it speaks of and never cascades.
    actor_id = models.BigIntegerField(_("操作人编号"), null=True, blank=True)
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    actor_roles = models.CharField(_("操作人角色"), max_length=200, blank=True)
    organization_id = models.BigIntegerField(_("所属主体编号"), null=True, blank=True)
    action = models.CharField(_("动作"), max_length=80)
    object_type = models.CharField(_("对象类型"), max_length=80, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=80, blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    before_digest = models.CharField(_("变更前摘要"), max_length=64, blank=True)
    after_digest = models.CharField(_("变更后摘要"), max_length=64, blank=True)
    prev_hash = models.CharField(_("前一事件哈希"), max_length=64)
    hash = models.CharField(_("事件哈希"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("见证事件")
        verbose_name_plural = _("见证事件")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="witness_object_idx"),
            models.Index(fields=["action", "seq"], name="witness_action_seq_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class WitnessHead(models.Model):
    """One row: the last sequence number and hash. Locking it serialises appends, so the
    sequence is gapless and follows commit order."""

    seq = models.PositiveBigIntegerField(_("序号"), default=0)
    hash = models.CharField(_("哈希"), max_length=64, default=GENESIS_HASH)
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("见证日志头")
        verbose_name_plural = _("见证日志头")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:16]}"


class WitnessCheckpoint(models.Model):
    """A published head: once a checkpoint is out, history before it cannot change unnoticed."""

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    hash = models.CharField(_("哈希"), max_length=64)
    created_at = models.DateTimeField(_("发布时间"))

    class Meta:
        verbose_name = _("见证检查点")
        verbose_name_plural = _("见证检查点")
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:16]}"
