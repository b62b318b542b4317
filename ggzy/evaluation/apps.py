from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "ggzy.evaluation"
    label = "evaluation"
    verbose_name = _("评标评审")

    def ready(self) -> None:
        from ggzy.experts import links

        from . import selectors

        links.register(selectors.member_workspaces)  # an expert's invitation leads to the workspace
