"""A job queue kept in the platform's own database: no broker is needed.

A job row is written in the same transaction as the state change that needs it (a
transactional outbox), so a committed change never loses its job and a rolled-back one
never runs it. Workers claim rows with SKIP LOCKED on PostgreSQL; on SQLite the IMMEDIATE
write lock serialises claims.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import JobStatus


class Job(models.Model):
    name = models.CharField(_("任务"), max_length=100)
    args = models.JSONField(_("参数"), default=dict, blank=True)
    key = models.CharField(_("幂等键"), max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(_("状态"), max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    run_at = models.DateTimeField(_("计划执行时间"))
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    max_attempts = models.PositiveIntegerField(_("最多尝试次数"), default=5)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        indexes = [models.Index(fields=["status", "run_at"], name="jobs_due_idx")]

    def __str__(self) -> str:
        return f"{self.name}#{self.pk}"


class PeriodicRun(models.Model):
    name = models.CharField(_("周期任务"), max_length=100, unique=True)
    next_run_at = models.DateTimeField(_("下次执行时间"))
    last_run_at = models.DateTimeField(_("上次执行时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("周期任务")
        verbose_name_plural = _("周期任务")

    def __str__(self) -> str:
        return self.name
