"""Background jobs of the auctions app."""

from ggzy.jobs.registry import task

from . import services


@task("auctions.sale_tick")
def sale_tick(*, sale_id: int) -> None:
    services.sale_tick(sale_id=sale_id)
