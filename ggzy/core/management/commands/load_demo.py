from typing import Any

from django.core.management.base import BaseCommand

from ggzy.core import demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent; refused in production)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = demo.load()
        self.stdout.write("demo: " + ", ".join(f"{k} +{v}" for k, v in created.items()))
