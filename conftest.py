"""Project-wide test fixtures: reference data loaded once, factories for parties, and clients
signed in as each role."""

from __future__ import annotations

import os

os.environ.setdefault("GGZY_ENV", "test")

import pytest
from hypothesis import HealthCheck, settings

# Property tests check what is computed, never how fast: on a loaded CI machine the time-based
# health check and per-example deadline would fail a correct test, so both are off everywhere.
settings.register_profile("ggzy", suppress_health_check=[HealthCheck.too_slow], deadline=None)
settings.load_profile("ggzy")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Every test database starts with the reference data an installation has."""
    from ggzy.core import reference_data

    with django_db_blocker.unblock():
        reference_data.load()
    yield
    # The live room's hub of the last test's event loop keeps a thread with a database connection
    # and, on PostgreSQL, a LISTEN connection: closed here, before the test database is dropped.
    from ggzy.auctions import live

    live.abandon(wait=True)
    _end_other_sessions(django_db_blocker)


def _end_other_sessions(blocker) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL refuses to drop a database with sessions on it: a connection just closed whose
    server process has not exited yet, or one a thread left open. The test database is about to be
    dropped, so they are ended, each awaited up to 10 s (`pg_terminate_backend` with a timeout)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


_BLOCKER = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):  # type: ignore[no-untyped-def]
    """After a transactional test's flush (which ran in the teardown just finished), load the
    reference data again so that the tests after it find what every installation has."""
    yield
    # After the last test the test database is already gone (nextitem is None): never touch a database then.
    if nextitem is None or not getattr(item, "ggzy_flushes", False) or _BLOCKER is None:
        return
    from ggzy.core import reference_data
    from ggzy.witness import db as witness_db

    with _BLOCKER.unblock():
        witness_db.purge_set(allowed=False)
        reference_data.load()


@pytest.fixture(autouse=True)
def _witness_purge_for_flush(request):  # type: ignore[no-untyped-def]
    """Transactional tests end with a flush of every table; the witness log's append-only
    triggers allow that only to a session that asks for it."""
    from ggzy.witness import db as witness_db

    witness_db._state.purge = False
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        transactional = True
    if not transactional:
        yield
        return

    global _BLOCKER
    _BLOCKER = request.getfixturevalue("django_db_blocker")
    request.node.ggzy_flushes = True
    request.getfixturevalue("transactional_db")
    yield
    witness_db.purge_set(allowed=True)


@pytest.fixture
def reference_data(db):  # type: ignore[no-untyped-def]
    """For transactional tests (which start after a flush): load the reference data again."""
    from ggzy.core import reference_data as loader

    loader.load()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Uploaded and sealed files of a test go to a directory of its own, not the installation's."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def _empty_notification_outbox():
    """Each test starts with an empty in-memory outbox (the test settings' notification back-end)."""
    from ggzy.notifications import backends

    backends.outbox.clear()
    yield


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):  # type: ignore[no-untyped-def]
    """The live server stops (and closes its database connection) before the test databases are
    dropped; without this ordering PostgreSQL refuses to drop a database still in use."""
    return live_server
