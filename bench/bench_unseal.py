"""Unsealing sealed bids at an opening, as a ratio to raw AES-256-GCM decryption in the same run.

Seals BENCH_BIDS bids of BENCH_MB MB each (default 200 × 20 MB; the content is one os.urandom
buffer, each bid has its own opening data, hence its own package, key and ciphertext) into a
temporary directory, unwraps each bid's content key (the bidder's side: at the opening the platform
receives the key, not the private key), then measures, interleaved over BENCH_REPEAT rounds (median
reported):

  (a) floor: cryptography's AESGCM.decrypt of a BENCH_MB buffer, one call per bid;
  (b) the platform's opening, bidtool.unseal(content_key=…, check_file_digests=False) of every
      bid: the key checked against the header's key commitment, every segment authenticated by
      GCM, the head's commitment compared with the receipt's. The per-file SHA-256 re-hash is left
      to a job after the opening (docs/sealed-bid-format.md §13.1);
  (c) the full check (the bid tool's default): (b) plus the SHA-256 re-hash of every file and the
      comparison with the manifest's file digests.
Nothing is written in (a)–(c); the envelopes come from the page cache (one untimed pass of (b)
first, so that the writeback of the sealed envelopes does not disturb the first round). Every ratio
is to the floor (a) of the same run.

For the design notes it also prints the SHA-256 floor (one core), the opening on one thread, the
opening writing the files to disk, the job that re-hashes the written files after the opening, and
the ceiling of any design that re-hashes with SHA-256. MB = 10^6 bytes. The issue's goal is
(b)/(a) ≥ 0.5.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIDS = int(os.environ.get("BENCH_BIDS", "200"))
MB = int(os.environ.get("BENCH_MB", "20"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
USCC_FIRST17 = "91650100MA7788990"


def _rate(total_bytes: int, seconds: float) -> float:
    return total_bytes / seconds / 1e6


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    import bidtool
    from bidtool.uscc import uscc_check_character

    size = MB * 1_000_000
    total = BIDS * size
    workdir = Path(tempfile.mkdtemp(prefix="ggzy-bench-unseal-"))
    try:
        content = os.urandom(size)
        source = workdir / "技术标.pdf"
        source.write_bytes(content)
        sealing, signing = bidtool.generate_sealing_key(), bidtool.generate_signing_key()
        uscc = USCC_FIRST17 + uscc_check_character(USCC_FIRST17)
        envelopes = []
        start = time.perf_counter()
        for number in range(BIDS):
            sealed = bidtool.seal(
                out=workdir / f"bid-{number:03d}.ggzybid",
                files=[source],
                opening_data={"price_fen": 100_000_000 + number, "duration_days": 180, "quality": "合格"},
                lot_code="BENCH-LOT-001",
                bidder_uscc=uscc,
                sealing_public_key=sealing.public_key(),
                signing_private_key=signing,
            )
            content_key = bidtool.unwrap_content_key(sealed.path, sealing)
            envelopes.append((sealed.path, sealed.commitment, content_key))
        seal_seconds = time.perf_counter() - start

        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        aead = AESGCM(key)
        ciphertext = aead.encrypt(nonce, content, None)
        del content

        def floor() -> None:
            for _ in range(BIDS):
                aead.decrypt(nonce, ciphertext, None)

        def sha_floor() -> None:
            view = memoryview(ciphertext)[:size]
            for _ in range(BIDS):
                hashlib.sha256(view).digest()

        def unseal(*, check_file_digests: bool, workers: int | None = None) -> Callable[[], None]:
            def run() -> None:
                for path, commitment, content_key in envelopes:
                    bidtool.unseal(
                        path,
                        content_key=content_key,
                        expected_commitment=commitment,
                        check_file_digests=check_file_digests,
                        workers=workers,
                    )

            return run

        unseal(check_file_digests=False)()  # warm-up: the envelopes in the page cache, the pool started
        floors, openings, fulls = [], [], []
        for _ in range(REPEAT):
            floors.append(_rate(total, _timed(floor)))
            openings.append(_rate(total, _timed(unseal(check_file_digests=False))))
            fulls.append(_rate(total, _timed(unseal(check_file_digests=True))))
        sha_rate = _rate(total, _timed(sha_floor))
        single = _rate(total, _timed(unseal(check_file_digests=False, workers=1)))
        written = min(BIDS, 20)
        writing = checking = 0.0
        for number, (path, commitment, content_key) in enumerate(envelopes[:written]):
            out = workdir / f"opened-{number}"
            start = time.perf_counter()
            bidtool.unseal(
                path, content_key=content_key, out_dir=out, expected_commitment=commitment, check_file_digests=False
            )
            writing += time.perf_counter() - start
            start = time.perf_counter()
            bidtool.check_unsealed_files(out, expected_commitment=commitment)
            checking += time.perf_counter() - start
            shutil.rmtree(out)
        to_disk, file_check = _rate(written * size, writing), _rate(written * size, checking)

        floor_rate = statistics.median(floors)
        opening_rate, full_rate = statistics.median(openings), statistics.median(fulls)
        workers = bidtool.default_workers()
        ceiling = workers / (1 / sha_rate + 1 / floor_rate)  # any design that re-hashes the plaintext
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        def line(label: str, rate: float, note: str = "") -> None:
            print(f"{label:<44}{rate:8,.0f} MB/s   {note}".rstrip())

        def of_floor(rate: float) -> str:
            return f"= {rate / floor_rate:.2f} × (a)"

        def rounds(rates: list[float]) -> str:
            return f"rounds {[round(rate) for rate in rates]}"

        print(f"{BIDS} bids × {MB} MB, {os.cpu_count()} cores, {workers} unseal threads, median of {REPEAT} rounds")
        line("sealing (setup):", _rate(total, seal_seconds))
        line("(a) floor, AES-256-GCM decrypt:", floor_rate, rounds(floors))
        line("(b) opening (key commitment, auth, head):", opening_rate, rounds(openings))
        print(f"{'    ratio (b)/(a):':<44}{opening_rate / floor_rate:8.2f}   (goal ≥ 0.5)")
        line("(c) full check (b + SHA-256 of the files):", full_rate, rounds(fulls))
        print(f"{'    ratio (c)/(a):':<44}{full_rate / floor_rate:8.2f}")
        line("    SHA-256 of the same bytes, 1 core:", sha_rate, f"(c)/SHA-256 {full_rate / sha_rate:.2f}")
        line("    opening on 1 thread:", single, of_floor(single))
        line(f"    opening writing files ({written} bids):", to_disk, of_floor(to_disk))
        line(f"    file check job after it ({written} bids):", file_check, of_floor(file_check))
        line(f"    ceiling of a SHA-256 re-hash, {workers} threads:", ceiling, of_floor(ceiling))
        print(f"    peak RSS {peak:,.0f} MiB (the floor alone holds a {MB} MB ciphertext and its plaintext)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
