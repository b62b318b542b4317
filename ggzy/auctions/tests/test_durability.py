"""Durability on PostgreSQL (issue 7): bids under load, kill -9 of the database server, restart;
every acknowledged bid is stored exactly once (bids carry an idempotency key).

SLOW (about a minute): it makes a throwaway PostgreSQL cluster of its own and runs
`durability_run.py` against it in a subprocess (see that module for what is checked). The server it
kills is that cluster's, never the suite's database. It runs only in the PostgreSQL pass of the
suite (on SQLite it is skipped, as the other PostgreSQL tests) and needs the server binaries
(initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin; as root, the postgres user and runuser.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from . import durability_run

ROOT = Path(__file__).resolve().parents[3]
TIMEOUT = 120  # seconds for the whole run (setup, load, kills, check); about 50 s on an idle machine

pytestmark = pytest.mark.postgres


def test_acknowledged_bids_survive_kill_9_of_the_database_server(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("slow durability run: only in the PostgreSQL pass of the suite")
    problem = durability_run.cluster_problem()
    if problem:
        pytest.skip(f"no throwaway PostgreSQL cluster possible: {problem}")

    with durability_run.throwaway(tmp_path) as cluster:
        env = os.environ | {
            "DATABASE_URL": cluster.url,  # the throwaway cluster, not the suite's database
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "GGZY_ENV": "test",
            "GGZY_DATA_DIR": str(tmp_path / "data"),
        }
        command = [sys.executable, "-m", "ggzy.auctions.tests.durability_run", "--cluster", str(cluster.workdir)]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        lines = done.stdout.strip().splitlines()
        summary = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
        context = f"exit {done.returncode}; summary {summary}; stderr:\n{done.stderr[-4000:]}"
        print(json.dumps(summary))  # shown with -s, and on a failure

    assert done.returncode == 0 and summary.get("verified") is True, context
    assert summary["kills"] >= 2 and summary["kills_under_load"], context  # under load, and idle at the end
    assert summary["acks"] > 0 and summary["violations"] == [] and summary["failures"] == [], context
    assert summary["retries"] > 0, context  # the kill met bids in flight, which were retried with their key
    assert summary["server"]["fsync"] == "on" and summary["server"]["synchronous_commit"] == "on", context
