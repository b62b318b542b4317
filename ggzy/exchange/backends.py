"""Push back-ends. The setting EXCHANGE_BACKEND names one:

- disabled: nothing is sent; records are collected and marked as not sent (development, demo);
- memory: keeps deliveries in `outbox` and fails while `failures` holds messages (tests);
- http: POSTs the XML document to EXCHANGE_ENDPOINT_URL with a timeout; a network error or any
  answer other than 2xx is a failure, which the service retries with back-off.

A back-end raises on failure; the service decides about retries (services.exchange_deliver).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Delivery:
    message_id: str
    dataset: str
    key: str
    version: int
    document: str


class ExchangeError(Exception):
    """The receiver did not take the document."""


class Backend(Protocol):
    enabled: bool

    def send(self, delivery: Delivery) -> None: ...


class DisabledBackend:
    enabled = False

    def send(self, delivery: Delivery) -> None:
        raise ExchangeError(_("数据交换未启用。"))


outbox: list[Delivery] = []
failures: list[str] = []


class MemoryBackend:
    enabled = True

    def send(self, delivery: Delivery) -> None:
        if failures:
            raise ExchangeError(failures.pop(0))
        outbox.append(delivery)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST and return the HTTP status (tests replace this function: no network in tests)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


class HttpBackend:
    enabled = True

    def send(self, delivery: Delivery) -> None:
        headers = {
            "Content-Type": "application/xml; charset=utf-8",
            "X-Message-Id": delivery.message_id,
            "X-Data-Set": delivery.dataset,
        }
        if settings.EXCHANGE_ENDPOINT_TOKEN:
            headers["Authorization"] = "Bearer " + settings.EXCHANGE_ENDPOINT_TOKEN
        try:
            status = post(
                settings.EXCHANGE_ENDPOINT_URL,
                delivery.document.encode("utf-8"),
                headers,
                float(settings.EXCHANGE_TIMEOUT_SECONDS),
            )
        except OSError as exc:  # refused, unreachable, timed out (URLError and TimeoutError are OSErrors)
            raise ExchangeError(_("无法连接省级平台：{error}").format(error=exc)) from exc
        if not 200 <= status < 300:
            raise ExchangeError(_("省级平台返回 HTTP {status}。").format(status=status))


def backend_for() -> Backend:
    backend: Backend = import_string(settings.EXCHANGE_BACKEND)()
    return backend
