"""The embedded default under concurrent writers: four processes append to the witness log at
once; every write is accepted (none fails with "database is locked"), the sequence is gapless and
the chain verifies. Writers queue because every write transaction begins IMMEDIATE."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from django.db import connection

from ggzy.core.testing.installation import ROOT, migrated_sqlite_env

WRITER = """
import django, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from ggzy.witness.services import event_record
worker = sys.argv[1]
for n in range(int(sys.argv[2])):
    event_record(action="load.write", object_type="load", object_id=f"{worker}-{n}", after={"n": n})
print("ok")
"""
VERIFY = """
import django, os
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from ggzy.witness.models import WitnessEvent
from ggzy.witness import selectors
seqs = list(WitnessEvent.objects.order_by("seq").values_list("seq", flat=True))
print(WitnessEvent.objects.filter(action="load.write").count(), seqs == list(range(1, len(seqs) + 1)),
      selectors.chain_verify().ok)
"""

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the embedded SQLite default only")


def test_concurrent_writers_queue_instead_of_failing(tmp_path):
    env = migrated_sqlite_env(tmp_path)
    writers, per_writer = 4, 60
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(index), str(per_writer)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(writers)
    ]
    results = [process.communicate(timeout=300) for process in processes]
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err[-2000:]
        assert out.strip() == "ok"
    check = subprocess.run(
        [sys.executable, "-c", VERIFY], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert check.stdout.split() == [str(writers * per_writer), "True", "True"]
    with sqlite3.connect(tmp_path / "ggzy.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
