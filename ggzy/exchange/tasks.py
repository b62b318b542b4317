"""Background jobs of the exchange app: thin functions that take ids and call services."""

from django.conf import settings

from ggzy.jobs.registry import periodic, task

from . import services


@task(services.PUSH_JOB)
def push(*, record_id: int, version: int, push: int) -> None:
    services.exchange_deliver(record_id=record_id, version=version, push=push)


@periodic(name="exchange.collect", every_seconds=int(settings.EXCHANGE_COLLECT_SECONDS))
def collect() -> None:
    services.exchange_collect()
