import pytest


@pytest.fixture(autouse=True)
def _empty_exchange_outbox():
    """Each test starts with an empty in-memory outbox and no simulated failures."""
    from ggzy.exchange import backends

    backends.outbox.clear()
    backends.failures.clear()
    yield
    backends.failures.clear()
