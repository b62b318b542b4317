from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenderingConfig(AppConfig):
    name = "ggzy.tendering"
    label = "tendering"
    verbose_name = _("招标投标")
