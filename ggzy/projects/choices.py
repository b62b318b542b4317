"""Choice sets of the projects app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectStatus(models.TextChoices):
    REGISTERED = "registered", _("已进场登记")
    SUSPENDED = "suspended", _("已暂停")
    TERMINATED = "terminated", _("已终止")


class EntryBasis(models.TextChoices):
    MANDATORY = "mandatory", _("目录内应当进场")
    VOLUNTARY = "voluntary", _("自愿进场")
