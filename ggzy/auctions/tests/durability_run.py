"""Durability run (issue 7): bids under load on PostgreSQL, kill -9 of the database server,
restart; every acknowledged bid must be stored exactly once.

    python -m ggzy.auctions.tests.durability_run                     # makes and removes its own cluster
    python -m ggzy.auctions.tests.durability_run --cluster WORKDIR   # a cluster made by Cluster.create

The server is killed, so it is always a private throwaway cluster (`Cluster`: initdb in a temporary
directory, TCP on 127.0.0.1 only, fsync and synchronous_commit on), never the CI's or a developer's
database: the run refuses a directory without the marker file `Cluster.create` writes, a
DATABASE_URL other than the cluster's, and a server whose data_directory is not the cluster's. This
process starts the server (as a child subreaper, so it can reap what it kills) and stops it at the
end.

What it does: migrate and load the reference data; a land listing (tests/helpers.py) with
`--bidders` qualified bidders, the clock moved into the listing period (time-machine); one thread
per bidder places bids through `services.sale_bid` (amount = last known price + one increment + a
random extra, a fresh uuid key). An acknowledgement is recorded as (key, amount, seq); a refusal is
counted and the bidder moves on; a database error (the server died, is down or is recovering)
closes the thread's connection and retries THE SAME KEY AND AMOUNT until an acknowledgement or a
refusal, as a client holding an idempotency key does. A controller kills the server with SIGKILL
once `--kill-after` bids are acknowledged (the postmaster of `postmaster.pid`, stopped first so it
forks nothing, and every process under it), restarts it `--down` seconds later with pg_ctl (crash
recovery), lets `--acks-between` more bids be acknowledged, and so on `--kills` times. When the
load has stopped the server is killed once more, idle, and restarted, so every acknowledgement of
the run has been through a crash. A fresh connection then checks: every acknowledged key is stored
once, with its amount and seq, and nothing else is stored; the event seqs are 1..last_seq; the bid
seqs are the `bid_accepted` events' with the same amounts; amounts strictly increase with seq; the
sale's price and leader are the last bid's; and the sale still takes the next bid with the next
seq (its state replays).

The last line of stdout is a JSON summary; the exit status is 0 only when everything held.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import datetime as dt
import functools
import itertools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

MARKER = "GGZY-DURABILITY-THROWAWAY"  # only a directory holding this file may be killed
SERVER_USER = "postgres"  # initdb refuses root: as root, the server runs as this user
RETRY_FOR = 60.0  # seconds one bid may keep failing on database errors before the run gives up
T = TypeVar("T")


def log(text: str) -> None:
    print(f"[durability] {text}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the throwaway cluster


def server_binaries() -> Path | None:
    """The directory holding initdb and pg_ctl: PATH first, then the newest /usr/lib/postgresql/*/bin."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).resolve().parent == Path(pg_ctl).resolve().parent:
        return Path(initdb).resolve().parent
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb") if (p.parent / "pg_ctl").exists()]
    found.sort(key=lambda d: [int(x) if x.isdigit() else 0 for x in d.parent.name.split(".")])
    return found[-1] if found else None


def cluster_problem() -> str:
    """Why no throwaway cluster can be made here ("" when one can)."""
    if server_binaries() is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin"
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root, and there is no {SERVER_USER} user to run initdb as"
        if shutil.which("runuser") is None:
            return "running as root, and there is no runuser to run initdb as the postgres user"
    return ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclasses.dataclass
class Cluster:
    """A private PostgreSQL cluster in `workdir`, TCP on 127.0.0.1 only, trust authentication."""

    workdir: Path
    bin_dir: Path
    port: int

    @property
    def data(self) -> Path:
        return self.workdir / "data"

    @property
    def url(self) -> str:
        return f"postgres://ggzy:ggzy@127.0.0.1:{self.port}/ggzy"

    @classmethod
    def create(cls, parent: Path | None = None) -> Cluster:
        """initdb (as the postgres user when root, in the system temp directory, which that user can
        reach; otherwise in `parent`). Not started: the process that kills the server starts it
        (`serve`), so the killed postmaster is its child and can be reaped."""
        problem = cluster_problem()
        if problem:
            raise RuntimeError(problem)
        bin_dir = server_binaries()
        assert bin_dir is not None
        root = os.geteuid() == 0
        workdir = Path(tempfile.mkdtemp(prefix="ggzy-durability-", dir=None if root else parent))
        (workdir / MARKER).write_text("a throwaway cluster of ggzy/auctions/tests/durability_run.py\n")
        if root:
            shutil.chown(workdir, SERVER_USER, SERVER_USER)
        cluster = cls(workdir=workdir, bin_dir=bin_dir, port=free_port())
        try:
            cluster._tool("initdb", "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
            # Everything in postgresql.conf, so a plain `pg_ctl start` after the kill restarts it alike.
            with (cluster.data / "postgresql.conf").open("a") as conf:
                conf.write(
                    f"\n# {MARKER}\nlisten_addresses = '127.0.0.1'\nport = {cluster.port}\n"
                    "unix_socket_directories = ''\nfsync = on\nsynchronous_commit = on\nfull_page_writes = on\n"
                    "max_connections = 40\n"
                )
            (workdir / "cluster.json").write_text(json.dumps({"bin_dir": str(bin_dir), "port": cluster.port}))
        except BaseException:
            cluster.remove()
            raise
        return cluster

    @classmethod
    def open(cls, workdir: Path) -> Cluster:
        """A cluster made by `create` (refused without its marker file)."""
        if not (workdir / MARKER).is_file():
            raise SystemExit(f"{workdir} is not a throwaway cluster of this script (no {MARKER} file): not killing it")
        facts = json.loads((workdir / "cluster.json").read_text())
        return cls(workdir=workdir, bin_dir=Path(facts["bin_dir"]), port=int(facts["port"]))

    def _tool(self, name: str, *args: str) -> None:
        command = [str(self.bin_dir / name), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90)
        if done.returncode != 0:
            raise RuntimeError(f"{name} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> None:
        """Start and wait until it accepts connections (after crash recovery, if any)."""
        self._tool("pg_ctl", "-D", str(self.data), "-l", str(self.workdir / "server.log"), "-w", "-t", "60", "start")

    def serve(self) -> None:
        """Start it the first time: the role and database ggzy (superuser), unless they exist."""
        import psycopg

        self.start()
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as db:
            if db.execute("SELECT 1 FROM pg_roles WHERE rolname = 'ggzy'").fetchone() is None:
                db.execute("CREATE ROLE ggzy LOGIN SUPERUSER PASSWORD 'ggzy'")
            if db.execute("SELECT 1 FROM pg_database WHERE datname = 'ggzy'").fetchone() is None:
                db.execute("CREATE DATABASE ggzy OWNER ggzy")

    def postmaster_pid(self) -> int | None:
        with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        return None

    def kill9(self) -> int:
        """SIGKILL the postmaster and every process under it; returns how many were killed."""
        if not (self.workdir / MARKER).is_file():
            raise RuntimeError(f"refusing to kill a cluster without the {MARKER} file")
        pid = self.postmaster_pid()
        if pid is None or not _alive(pid):
            raise RuntimeError("the server is not running")
        os.kill(pid, signal.SIGSTOP)  # it forks no new backend while its children are listed
        victims = [pid, *_descendants(pid)]
        for victim in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        # This process is their subreaper: the postmaster is its child, and each backend becomes its
        # child once the postmaster has died. Reaping them in that order waits for each to be gone.
        for victim in victims:
            try:
                os.waitpid(victim, 0)
            except ChildProcessError:
                if _alive(victim):
                    raise RuntimeError(f"killed process {victim} is not this process's child to wait for") from None
        if _exists(pid):
            # An unreaped zombie keeps its pid, and PostgreSQL then takes postmaster.pid for a live server.
            raise RuntimeError(f"the killed postmaster {pid} was not reaped (start the server from this process)")
        return len(victims)

    def stop(self) -> None:
        """Stop it if it runs (fast shutdown; SIGKILL if that fails)."""
        pid = self.postmaster_pid()
        if pid is None or not _alive(pid):
            return
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self._tool("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        if _alive(pid) and (self.workdir / MARKER).is_file():
            with contextlib.suppress(RuntimeError):
                self.kill9()
        _reap([pid])

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def become_subreaper() -> None:
    """Orphans under this process (the postmaster once pg_ctl has exited, the backends once the
    postmaster is killed) are re-parented to it instead of init, so it can reap them: an init that
    does not reap (as in some containers) would leave the killed postmaster a zombie whose pid
    still looks alive to the next postmaster."""
    import ctypes

    pr_set_child_subreaper = 36
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def _reap(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def _exists(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _alive(pid: int) -> bool:
    """Running (a zombie, already dead and only waiting to be reaped, is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
                children[ppid].append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


# ---------------------------------------------------------------- the load


@dataclasses.dataclass
class Tally:
    """What the bidders were told, shared between the threads (under `guard`)."""

    guard: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    acknowledged: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)  # key → (amount, seq)
    best: int | None = None  # the highest acknowledged amount
    refusals: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    database_errors: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    retries: int = 0  # database calls made again after a connection-level error
    retried_bids: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)  # → answer
    in_flight: int = 0
    failures: list[str] = dataclasses.field(default_factory=list)
    failed: threading.Event = dataclasses.field(default_factory=threading.Event)  # every thread gives up
    # Notified on every acknowledgement, retry and failure (shares `guard`): the controller waits on it.
    changed: threading.Condition = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.guard)

    def wait_until(self, ready: Callable[[], bool], timeout: float | None = None) -> bool:
        """Block until `ready()` (read under the guard) or the run failed; False if it failed or timed out."""
        with self.changed:
            self.changed.wait_for(lambda: ready() or self.failed.is_set(), timeout)
            return ready() and not self.failed.is_set()

    @property
    def acks(self) -> int:
        with self.guard:
            return len(self.acknowledged)

    def fail(self, text: str) -> None:
        with self.changed:
            self.failures.append(text)
            self.failed.set()
            self.changed.notify_all()


def retrying(call: Callable[[], T], tally: Tally) -> T:
    """`call()` until it returns or raises anything but a connection-level database error; after
    such an error the thread's connection is dropped and the same call is made again."""
    from django.db import DatabaseError, InterfaceError, OperationalError, connection

    deadline = time.monotonic() + RETRY_FOR
    while True:
        try:
            return call()
        except (OperationalError, InterfaceError) as error:
            with tally.changed:
                tally.retries += 1
                tally.database_errors[type(error.__cause__ or error).__name__] += 1
                tally.changed.notify_all()
            with contextlib.suppress(DatabaseError):
                connection.close()
            if tally.failed.is_set() or time.monotonic() > deadline:
                raise
            tally.failed.wait(0.05 + random.random() * 0.1)  # the client's back-off; a failed run ends it


def bidder_loop(
    n: int, actor: Any, sale: Any, options: argparse.Namespace, tally: Tally, stop: threading.Event
) -> None:
    from django.core.exceptions import ValidationError
    from django.db import connections

    from ggzy.auctions import services
    from ggzy.auctions.models import Sale

    from .helpers import INCREMENT, START_PRICE

    rng = random.Random(options.seed * 1000 + n)
    known: int | None = None
    try:
        while not stop.is_set():
            with tally.guard:
                if tally.best is not None and (known is None or tally.best > known):
                    known = tally.best
            amount = (START_PRICE if known is None else known + INCREMENT) + rng.randrange(0, INCREMENT // 2)
            key = str(uuid.uuid4())
            attempts = 0

            def bid(amount: int = amount, key: str = key) -> Any:
                nonlocal attempts
                attempts += 1
                return services.sale_bid(actor=actor, sale=sale, amount_fen=amount, key=key)

            with tally.guard:
                tally.in_flight += 1
            try:
                ack = retrying(bid, tally)
            except ValidationError as refusal:
                ack = None
                with tally.guard:
                    tally.refusals[refusal.code or "refused"] += 1
                    if attempts > 1:
                        tally.retried_bids["refused"] += 1
            finally:
                with tally.guard:
                    tally.in_flight -= 1
            if ack is None:
                price = retrying(lambda: Sale.objects.values_list("price_fen", flat=True).get(pk=sale.pk), tally)
                known = price if price is not None else known
                continue
            if ack.amount_fen != amount:
                raise AssertionError(f"acknowledged {ack.amount_fen} for a bid of {amount}")
            if ack.duplicate and attempts == 1:
                raise AssertionError(f"a fresh key {key} was answered as a duplicate")
            with tally.changed:
                if key in tally.acknowledged:
                    raise AssertionError(f"key {key} acknowledged twice")
                tally.acknowledged[key] = (ack.amount_fen, ack.seq)
                tally.changed.notify_all()
                tally.best = max(tally.best or 0, ack.amount_fen)
                if attempts > 1:
                    # A duplicate: the first attempt had committed but its reply was lost with the server.
                    tally.retried_bids["acknowledged_as_duplicate" if ack.duplicate else "acknowledged"] += 1
            known = ack.amount_fen
    except BaseException as error:  # noqa: BLE001 - a thread hands every failure to the run
        tally.fail(f"bidder {n}: {type(error).__name__}: {error}")
        stop.set()
    finally:
        connections.close_all()


def server_settings() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        found = {}
        for name in ("fsync", "synchronous_commit", "full_page_writes", "server_version", "data_directory"):
            cursor.execute(f"SHOW {name}")
            found[name] = str(cursor.fetchone()[0])
    return found


def controller(
    cluster: Cluster, options: argparse.Namespace, tally: Tally, stop: threading.Event, report: dict[str, Any]
) -> None:
    """Kill -9 after `kill_after` acknowledgements, restart, and so on; stop the load at the end."""
    from django.db import connections

    def wait_for(acks: int) -> bool:
        return tally.wait_until(lambda: len(tally.acknowledged) >= acks)

    try:
        target = options.kill_after
        for _round in range(options.kills):
            if not wait_for(target):
                return
            with tally.guard:
                at_kill, in_flight, retries = len(tally.acknowledged), tally.in_flight, tally.retries
            killed = cluster.kill9()
            log(f"kill -9 of the server ({killed} processes) after {at_kill} acks, {in_flight} bids in flight")
            # The server stays dead until every bidder has run into it (at most `down` seconds).
            everyone_failed = retries + options.bidders
            tally.wait_until(lambda: tally.retries >= everyone_failed, timeout=options.down)  # noqa: B023 - waited on here
            began = time.monotonic()
            cluster.start()
            report["recovery_seconds"].append(round(time.monotonic() - began, 2))
            report["kills_under_load"].append({"acks_before": at_kill, "in_flight": in_flight, "processes": killed})
            check = retrying(server_settings, tally)
            if (check["fsync"], check["synchronous_commit"]) != ("on", "on"):
                raise AssertionError(f"after the restart fsync={check['fsync']} sc={check['synchronous_commit']}")
            target = tally.acks + options.acks_between
        wait_for(target)
    except BaseException as error:  # noqa: BLE001 - a thread hands every failure to the run
        tally.fail(f"controller: {type(error).__name__}: {error}")
    finally:
        stop.set()
        connections.close_all()


# ---------------------------------------------------------------- the check


def verify(sale_pk: int, tally: Tally) -> list[str]:
    """Compare what the bidders were told with what the database holds, from a fresh connection."""
    from django.db import connection

    from ggzy.auctions.models import Sale, SaleBid, SaleEvent

    connection.close()
    violations: list[str] = []
    bids = list(
        SaleBid.objects.filter(sale_id=sale_pk).order_by("seq").values_list("key", "amount_fen", "seq", "registration")
    )
    events = list(SaleEvent.objects.filter(sale_id=sale_pk).order_by("seq").values_list("seq", "kind", "payload"))
    sale = Sale.objects.get(pk=sale_pk)

    stored: dict[str, list[tuple[int, int]]] = collections.defaultdict(list)
    for key, amount, seq, _registration in bids:
        stored[key].append((amount, seq))
    for key, (amount, seq) in tally.acknowledged.items():
        rows = stored.get(key, [])
        if len(rows) != 1:
            violations.append(f"acknowledged key {key} (amount {amount}, seq {seq}) stored {len(rows)} times")
        elif rows[0] != (amount, seq):
            violations.append(f"key {key}: acknowledged (amount, seq) ({amount}, {seq}), stored {rows[0]}")
    for key in stored.keys() - tally.acknowledged.keys():
        violations.append(f"key {key} stored but never acknowledged (every attempt ended in an answer)")

    seqs = [seq for seq, _kind, _payload in events]
    if seqs != list(range(1, len(seqs) + 1)) or sale.last_seq != len(seqs):
        violations.append(f"event seqs are not 1..last_seq (last_seq {sale.last_seq}, {len(seqs)} events)")
    accepted = [(seq, payload.get("amount_fen")) for seq, kind, payload in events if kind == "bid_accepted"]
    if accepted != [(seq, amount) for _key, amount, seq, _registration in bids]:
        violations.append("the bid_accepted events differ from the stored bids (seq, amount)")
    amounts = [amount for _key, amount, _seq, _registration in bids]
    if any(later <= earlier for earlier, later in itertools.pairwise(amounts)):
        violations.append("amounts do not strictly increase with seq")
    if len(set(amounts)) != len(amounts):
        violations.append("two bids have the same amount")
    if bids and (sale.price_fen, sale.leader_id) != (amounts[-1], bids[-1][3]):
        violations.append(f"the sale's price {sale.price_fen} is not the highest bid {amounts[-1]}")
    if not bids:
        violations.append("no bid stored")
    return violations


# ---------------------------------------------------------------- the run


def run(cluster: Cluster, options: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    import time_machine
    from django.core.management import call_command
    from django.db import connection, connections

    from ggzy.auctions import services
    from ggzy.core import reference_data
    from ggzy.jobs import services as jobs_services

    from . import helpers

    report: dict[str, Any] = {"kills_under_load": [], "recovery_seconds": []}
    began = time.monotonic()
    if connection.vendor != "postgresql":
        raise SystemExit("the durability run needs PostgreSQL")
    facts = server_settings()
    if Path(facts["data_directory"]).resolve() != cluster.data.resolve():
        raise SystemExit(f"DATABASE_URL is served from {facts['data_directory']}, not the throwaway {cluster.data}")
    if (facts["fsync"], facts["synchronous_commit"]) != ("on", "on"):
        raise SystemExit(f"fsync={facts['fsync']}, synchronous_commit={facts['synchronous_commit']}: acks not durable")
    report["server"] = {k: v for k, v in facts.items() if k != "data_directory"}
    call_command("migrate", verbosity=0, interactive=False)
    reference_data.load()
    report["setup_seconds"] = round(time.monotonic() - began, 1)

    tally = Tally()
    stop = threading.Event()
    with time_machine.travel(helpers.NOW, tick=False) as traveller:
        world = helpers.land_world()
        sale = helpers.create_listing(world)
        helpers.qualified_bidders(world, options.bidders)
        traveller.move_to(helpers.START + dt.timedelta(hours=1))  # inside the listing period
        jobs_services.run_due_jobs()
        connections.close_all()
        log(f"sale {sale.pk} listing, {options.bidders} bidders; load begins")
        load_began = time.monotonic()
        threads = [
            threading.Thread(target=bidder_loop, args=(n, actor, sale, options, tally, stop), daemon=True)
            for n, actor in enumerate(world.bidders)
        ]
        threads.append(threading.Thread(target=controller, args=(cluster, options, tally, stop, report), daemon=True))
        for thread in threads:
            thread.start()
        if not stop.wait(options.deadline):
            tally.fail(f"the load did not finish within {options.deadline} s")
            stop.set()
        for thread in threads:
            thread.join(RETRY_FOR + 10)
        report["load_seconds"] = round(time.monotonic() - load_began, 1)
        if any(thread.is_alive() for thread in threads):
            tally.fail("a thread did not stop")

        # Every acknowledgement so far through one more crash, with no load.
        if not tally.failures:
            try:
                killed = cluster.kill9()  # no load: nobody to keep it down for
                cluster.start()
                log(f"final kill -9 ({killed} processes) and restart with the load stopped")
                report["final_kill"] = True
            except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
                tally.fail(f"final kill and restart: {type(error).__name__}: {error}")
        violations = [] if tally.failures else verify(sale.pk, tally)
        if not tally.failures and not violations:
            # The state replays after recovery: the sale still takes the next bid, numbered next.
            sale.refresh_from_db()
            after = functools.partial(
                services.sale_bid,
                actor=world.bidders[0],
                sale=sale,
                amount_fen=(tally.best or 0) + helpers.INCREMENT,
                key="after-recovery",
            )
            ack = retrying(after, tally)
            if ack.duplicate or ack.seq != sale.last_seq + 1:
                violations.append(f"the bid after recovery got seq {ack.seq}, not {sale.last_seq + 1}")
            report["bid_after_recovery_seq"] = ack.seq
        connections.close_all()

    kills = len(report["kills_under_load"]) + (1 if report.get("final_kill") else 0)
    report |= {
        "acks": len(tally.acknowledged),
        "retries": tally.retries,
        "retried_bids": dict(tally.retried_bids),
        "kills": kills,
        "refusals": sum(tally.refusals.values()),
        "refusal_codes": dict(tally.refusals),
        "database_errors": dict(tally.database_errors),
        "failures": tally.failures,
        "violations": violations[:20],
        "verified": not tally.failures and not violations and kills >= 1 and bool(tally.acknowledged),
        "duration_seconds": round(time.monotonic() - began, 1),
    }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cluster", type=Path, help="a cluster directory made by Cluster.create (default: make one)")
    parser.add_argument("--bidders", type=int, default=8, help="bidder threads (default 8)")
    parser.add_argument("--kill-after", type=int, default=50, help="acknowledgements before the first kill")
    parser.add_argument("--acks-between", type=int, default=100, help="acknowledgements after each restart")
    parser.add_argument("--kills", type=int, default=1, help="kills under load (default 1), then one idle")
    parser.add_argument("--down", type=float, default=1.0, help="seconds the server stays dead")
    parser.add_argument("--deadline", type=float, default=80.0, help="seconds the load may take")
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args(argv)

    own = options.cluster is None
    cluster = Cluster.create() if own else Cluster.open(options.cluster)
    try:
        if own:
            os.environ["DATABASE_URL"] = cluster.url
        url = os.environ.setdefault("DATABASE_URL", cluster.url)
        if url != cluster.url:
            raise SystemExit(f"DATABASE_URL {url} is not the throwaway cluster's {cluster.url}: refusing to kill it")
        become_subreaper()
        cluster.serve()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        os.environ.setdefault("GGZY_ENV", "test")
        os.environ.setdefault("GGZY_DATA_DIR", str(cluster.workdir / "ggzy-data"))
        report = run(cluster, options)
    finally:
        if own:
            cluster.remove()
        else:
            cluster.stop()
    print(json.dumps(report, ensure_ascii=False), flush=True)
    return 0 if report["verified"] else 1


@contextlib.contextmanager
def throwaway(parent: Path | None = None) -> Iterator[Cluster]:
    """A cluster for the length of the block, stopped and removed after it."""
    cluster = Cluster.create(parent)
    try:
        yield cluster
    finally:
        cluster.remove()


if __name__ == "__main__":
    sys.exit(main())
