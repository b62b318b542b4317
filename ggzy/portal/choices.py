"""Choice sets of the portal app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class GuideSection(models.TextChoices):
    SERVICE_ITEMS = "service_items", _("服务事项")
    PROCESSES = "processes", _("服务流程")
    NORMS = "norms", _("工作规范")
    SUPERVISION_CHANNELS = "supervision_channels", _("监督渠道")
