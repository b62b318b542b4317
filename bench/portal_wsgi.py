"""The platform's WSGI application as uvicorn's WSGI interface can serve it.

Django's WSGI handler writes each Set-Cookie value with a leading space (`Morsel.output(header="")`);
gunicorn tolerates it, uvicorn's h11 refuses the response ("Illegal header value"). This strips
header values and changes nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from config.wsgi import application as platform


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        return start_response(status, [(name, value.strip()) for name, value in headers], exc_info)

    return platform(environ, start)
