"""A separate, migrated installation on a SQLite file, for tests that run the platform in other processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def migrated_sqlite_env(directory: Path, *, profile: str = "test") -> dict[str, str]:
    """Environment variables for a fresh installation in `directory`, already migrated."""
    env = {
        **os.environ,
        "GGZY_ENV": profile,
        "DATABASE_URL": f"sqlite:///{directory / 'ggzy.sqlite3'}",
        "GGZY_DATA_DIR": str(directory),
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return env
