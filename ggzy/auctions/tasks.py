"""Background jobs of the auctions app."""

from ggzy.jobs.registry import task

from . import results, services


@task("auctions.sale_tick")
def sale_tick(*, sale_id: int) -> None:
    services.sale_tick(sale_id=sale_id)


@task(results.REFUND_DEADLINE_TASK)
def deposit_refund_deadline(*, sale_id: int) -> None:
    results.deposit_refund_deadline_check(sale_id=sale_id)


@task(results.CONFIRMATION_DEADLINE_TASK)
def confirmation_deadline(*, sale_id: int) -> None:
    results.confirmation_deadline_check(sale_id=sale_id)


@task(services.REVIEW_DEADLINE_TASK)
def review_deadline(*, registration_id: int) -> None:
    services.review_deadline_check(registration_id=registration_id)


@task(services.RESERVE_KEY_TASK)
def reserve_key_overdue(*, sale_id: int) -> None:
    services.reserve_key_overdue_check(sale_id=sale_id)
