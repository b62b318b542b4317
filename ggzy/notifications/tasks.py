"""Background jobs of the notifications app."""

from ggzy.jobs.registry import task

from . import services


@task("notifications.deliver")
def deliver(*, notification_id: int) -> None:
    services.notification_deliver(notification_id=notification_id)
