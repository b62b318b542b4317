from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpertsConfig(AppConfig):
    name = "ggzy.experts"
    label = "experts"
    verbose_name = _("专家库与专家抽取")
