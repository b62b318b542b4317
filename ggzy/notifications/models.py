"""Messages to people outside the platform's pages: SMS and e-mail, sent by the worker."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import Channel, DeliveryStatus


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人账号"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    address = models.CharField(_("手机号或邮箱"), max_length=254)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    # What caused it (e.g. "experts.selection:12"), so a sender can be idempotent.
    topic = models.CharField(_("事由"), max_length=100)
    status = models.CharField(_("状态"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "channel", "address"], name="notifications_once_per_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.topic}"
