"""Delivery back-ends. Settings name one per channel (NOTIFICATION_SMS_BACKEND, NOTIFICATION_EMAIL_BACKEND).

- console: writes the message to the log (the embedded demo);
- memory: keeps messages in `outbox` (tests);
- smtp e-mail: Django's configured mail backend;
- http SMS gateway: POSTs JSON to NOTIFICATION_SMS_URL with an HMAC-SHA256 signature header, the
  common shape of provincial SMS platforms; adapt `HttpSmsBackend.payload` for another gateway.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

log = logging.getLogger("ggzy.notifications")


@dataclass(frozen=True)
class Message:
    address: str
    subject: str
    body: str


class Backend(Protocol):
    def send(self, message: Message) -> None: ...


class ConsoleBackend:
    def send(self, message: Message) -> None:
        log.info("notification to %s: %s | %s", message.address, message.subject, message.body)


outbox: list[Message] = []


class MemoryBackend:
    def send(self, message: Message) -> None:
        outbox.append(message)


class EmailBackend:
    def send(self, message: Message) -> None:
        send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.address])


class HttpSmsBackend:
    timeout_seconds = 10

    def payload(self, message: Message) -> bytes:
        return json.dumps({"mobile": message.address, "content": message.body}, ensure_ascii=False).encode()

    def send(self, message: Message) -> None:
        body = self.payload(message)
        signature = hmac.new(settings.NOTIFICATION_SMS_SECRET.encode(), body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            settings.NOTIFICATION_SMS_URL,
            data=body,
            headers={"Content-Type": "application/json; charset=utf-8", "X-Signature": signature},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
            if response.status >= 300:
                raise OSError(f"SMS gateway answered HTTP {response.status}")


def backend_for(channel: str) -> Backend:
    path = settings.NOTIFICATION_BACKENDS[channel]
    backend: Backend = import_string(path)()
    return backend
