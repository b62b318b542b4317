"""Unsealing sealed bids at an opening, as a ratio to raw AES-256-GCM decryption in the same run.

Seals BENCH_BIDS bids of BENCH_MB MB each (default 200 × 20 MB; the content is one os.urandom
buffer, each bid has its own opening data, hence its own package, key and ciphertext) into a
temporary directory, then measures, interleaved over BENCH_REPEAT rounds (median reported):

  (a) floor: cryptography's AESGCM.decrypt of a BENCH_MB buffer, one call per bid;
  (b) bidtool.unseal of every bid: key unwrap (ECDH + HKDF + AES-KW), authentication of every
      segment, SHA-256 re-hash of the plaintext and comparison with the commitment. Nothing is
      written (the opening only needs the check); the envelopes come from the page cache.

For the design notes it also prints the SHA-256 floor (one core), unseal on one thread, and unseal
writing the files to disk. MB = 10^6 bytes. The issue's goal is (b)/(a) ≥ 0.5.
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
            envelopes.append((sealed.path, sealed.commitment))
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

        def unseal(workers: int | None = None) -> Callable[[], None]:
            def run() -> None:
                for path, commitment in envelopes:
                    bidtool.unseal(path, sealing_private_key=sealing, expected_commitment=commitment, workers=workers)

            return run

        floors, unseals = [], []
        for _ in range(REPEAT):
            floors.append(_rate(total, _timed(floor)))
            unseals.append(_rate(total, _timed(unseal())))
        sha_rate = _rate(total, _timed(sha_floor))
        single = _rate(total, _timed(unseal(1)))
        written = min(BIDS, 20)
        start = time.perf_counter()
        for number, (path, commitment) in enumerate(envelopes[:written]):
            out = workdir / f"opened-{number}"
            bidtool.unseal(path, sealing_private_key=sealing, out_dir=out, expected_commitment=commitment)
            shutil.rmtree(out)
        to_disk = _rate(written * size, time.perf_counter() - start)

        floor_rate, unseal_rate = statistics.median(floors), statistics.median(unseals)
        workers = bidtool.default_workers()
        ceiling = workers / (1 / sha_rate + 1 / floor_rate)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rounds_a, rounds_b = [round(r) for r in floors], [round(r) for r in unseals]
        print(f"{BIDS} bids × {MB} MB, {os.cpu_count()} cores, {workers} unseal threads, median of {REPEAT} rounds")
        print(f"sealing (setup):                        {_rate(total, seal_seconds):8,.0f} MB/s")
        print(f"(a) floor, AES-256-GCM decrypt:         {floor_rate:8,.0f} MB/s   rounds {rounds_a}")
        print(f"(b) unseal (unwrap, auth, re-hash):     {unseal_rate:8,.0f} MB/s   rounds {rounds_b}")
        print(f"    ratio (b)/(a):                      {unseal_rate / floor_rate:8.2f}   (goal ≥ 0.5)")
        versus_sha = unseal_rate / sha_rate
        print(f"    SHA-256 of the same bytes, 1 core:  {sha_rate:8,.0f} MB/s   (b)/SHA-256 {versus_sha:.2f}")
        print(f"    unseal on 1 thread:                 {single:8,.0f} MB/s")
        print(f"    unseal writing files ({written} bids):     {to_disk:8,.0f} MB/s")
        share = ceiling / floor_rate
        print(f"    ceiling of a SHA-256 re-hash on {workers} threads: {ceiling:,.0f} MB/s = {share:.2f} × (a)")
        print(f"    peak RSS {peak:,.0f} MiB (the floor alone holds a {MB} MB ciphertext and its plaintext)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
