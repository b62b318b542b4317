"""Settings come only from the environment; production refuses the demo secret and DEBUG."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "GGZY_ENV", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "CRITICAL"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    "env,message",
    [
        ({"GGZY_ENV": "production", "DATABASE_URL": "postgres://u:p@127.0.0.1:1/db"}, "SECRET_KEY"),
        (
            {
                "GGZY_ENV": "production",
                "SECRET_KEY": "ggzy-demo-secret-not-for-production",
                "DATABASE_URL": "postgres://u:p@127.0.0.1:1/db",
            },
            "demo SECRET_KEY",
        ),
        (
            {"GGZY_ENV": "production", "SECRET_KEY": "x" * 50, "DEBUG": "true", "DATABASE_URL": "postgres://u:p@h:1/d"},
            "DEBUG",
        ),
        ({"GGZY_ENV": "production", "SECRET_KEY": "x" * 50}, "DATABASE_URL"),
    ],
)
def test_production_refuses_to_start(env, message):
    result = _check(env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_real_settings(tmp_path):
    result = _check(
        {
            "GGZY_ENV": "production",
            "SECRET_KEY": "k" * 50,
            "DATABASE_URL": "postgres://u:p@127.0.0.1:1/db",
            "GGZY_DATA_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 0, result.stderr


def test_production_hashes_passwords_with_argon2():
    code = "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup(); {code}",
        ],
        cwd=ROOT,
        env={**os.environ, "GGZY_ENV": "production", "SECRET_KEY": "k" * 50, "DATABASE_URL": "postgres://u:p@h:1/d"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"
