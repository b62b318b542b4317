"""Background jobs of the evaluation app."""

from ggzy.jobs.registry import task

from . import outcome


@task("evaluation.contract_deadline")
def contract_deadline(*, tender_lot_id: int) -> None:
    outcome.contract_deadline_check(tender_lot_id=tender_lot_id)


@task("evaluation.supervisor_report_deadline")
def supervisor_report_deadline(*, tender_lot_id: int) -> None:
    outcome.supervisor_report_deadline_check(tender_lot_id=tender_lot_id)


@task("evaluation.publicity_deadline")
def publicity_deadline(*, tender_lot_id: int) -> None:
    outcome.publicity_deadline_check(tender_lot_id=tender_lot_id)
