"""Background jobs of the witness app."""

from ggzy.jobs.registry import periodic

from . import services


@periodic(name="witness.checkpoint", every_seconds=300)
def witness_checkpoint() -> None:
    services.checkpoint_publish()
