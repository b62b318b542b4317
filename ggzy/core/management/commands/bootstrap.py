from typing import Any

from django.core.management.base import BaseCommand

from ggzy.core import reference_data


class Command(BaseCommand):
    help = "Load the reference data every installation needs (rules, calendar, catalog, service guide). Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = reference_data.load()
        for name, count in summary.items():
            self.stdout.write(f"{name}: {count}")
