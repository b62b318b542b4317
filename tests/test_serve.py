"""`manage.py serve` (what `make run` starts): the ASGI server answers the home page and the
OpenAPI document, the worker runs beside it, and both stop together."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest
from django.db import connection

from ggzy.core.testing.installation import ROOT, migrated_sqlite_env

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="serves the embedded default")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


def test_serve_answers_home_and_openapi_then_stops(tmp_path):
    env = migrated_sqlite_env(tmp_path, profile="development")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        # Wait on the server's and the worker's own word that they run (blocking reads, no
        # sleeping, no polling): on a loaded machine either may come first.
        seen: list[str] = []
        assert server.stdout is not None
        for line in server.stdout:
            seen.append(line)
            text = "".join(seen)
            if "Uvicorn running on" in text and "worker started" in text:
                break
        else:
            raise AssertionError("server did not start: " + "".join(seen)[-2000:])
        status, headers, body = _get(base + "/")
        assert status == 200
        assert "伊犁州公共资源交易平台" in body.decode()
        assert "script-src 'self'" in headers["content-security-policy"]
        status, _headers, body = _get(base + "/api/v1/openapi.json")
        assert status == 200
        assert json.loads(body)["openapi"].startswith("3.")
        status, _headers, _body = _get(base + "/static/ggzy/ggzy.css")
        assert status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        rest, _ = server.communicate(timeout=30)
    output = "".join(seen) + rest
    assert "worker started" in output
    assert server.returncode == 0, output[-2000:]
