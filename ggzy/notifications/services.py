"""Writes of the notifications app: queue a message in the caller's transaction, deliver it later."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ggzy.accounts.models import User
from ggzy.core import clock
from ggzy.core.locks import lock
from ggzy.jobs.services import job_enqueue

from .backends import Message, backend_for
from .choices import Channel, DeliveryStatus
from .models import Notification


@transaction.atomic
def notification_send(
    *, topic: str, subject: str, body: str, recipient: User | None = None, mobile: str = "", email: str = ""
) -> list[Notification]:
    """Queue one message per given address. The same topic to the same address is sent once.

    Runs in the caller's transaction (outbox): a message exists if and only if the change that
    caused it committed. The worker delivers it (job "notifications.deliver") and retries."""
    queued: list[Notification] = []
    for channel, address in ((Channel.SMS, mobile), (Channel.EMAIL, email)):
        if not address:
            continue
        existing = Notification.objects.filter(topic=topic, channel=channel, address=address).first()
        if existing is not None:
            queued.append(existing)
            continue
        notification = Notification(
            recipient=recipient,
            channel=channel,
            address=address,
            subject=subject,
            body=body,
            topic=topic,
            created_at=clock.now(),
        )
        notification.full_clean()
        try:
            with transaction.atomic():
                notification.save()
        except IntegrityError:
            queued.append(Notification.objects.get(topic=topic, channel=channel, address=address))
            continue
        job_enqueue(
            name="notifications.deliver",
            args={"notification_id": notification.pk},
            key=f"notifications.deliver.{notification.pk}",
        )
        queued.append(notification)
    return queued


def notification_deliver(*, notification_id: int) -> Notification:
    """Send one queued message. Raises on a back-end failure, so the job is retried."""
    with transaction.atomic():
        notification = lock(Notification, pk=notification_id)
        if notification.status == DeliveryStatus.SENT:
            return notification
        Notification.objects.filter(pk=notification.pk).update(attempts=notification.attempts + 1)
    message = Message(address=notification.address, subject=notification.subject, body=notification.body)
    try:
        backend_for(notification.channel).send(message)
    except Exception as exc:
        Notification.objects.filter(pk=notification.pk).update(status=DeliveryStatus.FAILED, error=str(exc)[:300])
        raise
    Notification.objects.filter(pk=notification.pk).update(status=DeliveryStatus.SENT, sent_at=clock.now(), error="")
    notification.refresh_from_db()
    return notification
