"""Background jobs of the tendering app."""

from ggzy.jobs.registry import task

from . import opening, services


@task("tendering.opening_complete")
def opening_complete(*, tender_lot_id: int) -> None:
    opening.opening_complete(tender_lot_id=tender_lot_id)


@task("tendering.bid_files_check")
def bid_files_check(*, bid_id: int) -> None:
    opening.bid_files_check(bid_id=bid_id)


@task("tendering.close_submissions")
def close_submissions(*, tender_id: int) -> None:
    services.tender_close_submissions(tender_id=tender_id)
