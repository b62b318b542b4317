from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "ggzy.supervision"
    label = "supervision"
    verbose_name = _("行政监督")
