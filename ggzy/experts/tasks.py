"""Background jobs of the experts app."""

from ggzy.jobs.registry import task

from . import services


@task("experts.response_timeout")
def response_timeout(*, selection_id: int) -> None:
    services.selection_timeout(selection_id=selection_id)
