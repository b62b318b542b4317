"""Run every benchmark under bench/ (bench_*.py), each in its own process, and print its report.

Every benchmark reports its figures as a ratio to a floor measured in the same run on the same
machine (../shared/domain/perf-floors.md explains why absolute figures are not comparable).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.stem} ==", flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
