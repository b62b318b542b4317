import signal
import time
from typing import Any

from django.core.management.base import BaseCommand

from ggzy.jobs import services


class Command(BaseCommand):
    help = "Run the background worker: due jobs (deadlines, notices, pushes) and periodic tasks."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Run what is due now, then exit.")
        parser.add_argument("--poll", type=float, default=1.0, help="Seconds between polls when idle.")

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("worker started")
        self.stdout.flush()  # a supervisor (or `serve`) waits on this line through a pipe
        while not stopping:
            ran = services.run_due_jobs()
            services.run_due_periodic()
            if options["once"]:
                break
            if ran == 0:
                time.sleep(options["poll"])
        self.stdout.write("worker stopped")
