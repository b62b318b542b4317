"""Choice sets (TextChoices) of the 交易目录 app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Entry(models.TextChoices):
    """Whether a catalog category must trade on the platform (regulation art. 8)."""

    MANDATORY = "mandatory", _("应当进场")
    VOLUNTARY = "voluntary", _("鼓励进场")
