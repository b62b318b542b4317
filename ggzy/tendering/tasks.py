"""Background jobs of the tendering app."""

from ggzy.jobs.registry import task

from . import services


@task("tendering.close_submissions")
def close_submissions(*, tender_id: int) -> None:
    services.tender_close_submissions(tender_id=tender_id)
