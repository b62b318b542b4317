from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "ggzy.projects"
    label = "projects"
    verbose_name = _("交易项目")
