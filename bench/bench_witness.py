"""Witness log append rate against the floor of one durable single-row INSERT per transaction.

Each witness event is its own transaction (lock the head, hash, insert, update the head), like a
service that records one act. The floor inserts one row into a bare table per transaction on the
same connection. Runs on a fresh SQLite file (WAL, synchronous=FULL, IMMEDIATE) unless
DATABASE_URL points elsewhere.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
N = int(os.environ.get("BENCH_N", "2000"))


def main() -> None:
    workdir = tempfile.mkdtemp(prefix="ggzy-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ["GGZY_DATA_DIR"] = workdir
    os.environ.setdefault("GGZY_ENV", "test")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from ggzy.witness import selectors
    from ggzy.witness.services import event_record

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        cursor.execute("CREATE TABLE bench_floor (id BIGINT PRIMARY KEY, payload TEXT NOT NULL)")

    def floor() -> float:
        start = time.perf_counter()
        for n in range(N):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("INSERT INTO bench_floor (id, payload) VALUES (%s, %s)", [n, "x" * 200])
        return N / (time.perf_counter() - start)

    def witness() -> float:
        start = time.perf_counter()
        for n in range(N):
            event_record(action="bench.step", object_type="bench", object_id=str(n), after={"n": n, "pad": "x" * 150})
        return N / (time.perf_counter() - start)

    floor_rate = floor()
    witness_rate = witness()
    verify_start = time.perf_counter()
    ok = selectors.chain_verify().ok
    verify_rate = selectors.head_get().seq / (time.perf_counter() - verify_start)
    print(f"database: {connection.vendor}, {N} transactions each")
    print(f"floor (one INSERT per transaction): {floor_rate:,.0f}/s")
    print(f"witness event_record:               {witness_rate:,.0f}/s  ratio {witness_rate / floor_rate:.2f}")
    print(f"witness_verify:                     {verify_rate:,.0f} events/s  chain ok: {ok}")


if __name__ == "__main__":
    main()
