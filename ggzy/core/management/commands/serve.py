"""Serve the platform: the web server and the background worker, together, until stopped.

The web server is uvicorn on `config.asgi:application`: pages and the API on a WSGI thread pool,
the auction room's streams on async views (docs/architecture.md, "Web server")."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the web server (uvicorn) and the background worker; stop both on Ctrl-C."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="web server processes (PostgreSQL only)")

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        worker = subprocess.Popen([python, "manage.py", "run_worker"])
        web = subprocess.Popen(
            [
                python,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host",
                options["host"],
                "--port",
                str(options["port"]),
                "--no-access-log",
                "--lifespan",
                "off",
                "--workers",
                str(options["workers"]),
                # Open auction-room streams would hold a stop forever: they are closed after this,
                # and browsers reconnect with Last-Event-ID.
                "--timeout-graceful-shutdown",
                "5",
            ]
        )
        children = [web, worker]
        self.stdout.write(f"GGZY: http://{options['host']}:{options['port']}/  (Ctrl-C to stop)")

        def stop(signum: int, frame: Any) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop(signal.SIGTERM, None)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
        # A child that ended by the SIGTERM sent above stopped as asked (uvicorn re-raises the
        # signal after its graceful shutdown, so it reports -SIGTERM): that is not a failure.
        codes = [0 if child.returncode == -signal.SIGTERM else child.returncode or 0 for child in children]
        sys.exit(max(codes, key=abs))
