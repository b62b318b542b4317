from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class WitnessConfig(AppConfig):
    name = "ggzy.witness"
    label = "witness"
    verbose_name = _("见证日志")

    def ready(self) -> None:
        from .db import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="witness_sqlite_functions")
