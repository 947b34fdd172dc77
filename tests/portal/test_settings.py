"""Production mode refuses unsafe settings and passes Django's deployment checks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRONG_SECRET = "s3cr3t-" + "x7Qm2Lr9Vb4Np8Ka1Zc6" * 3


# Set inside this pytest process by the browser tests (Playwright runs an event loop);
# a deployment never has it, and `check --deploy` rightly refuses it.
TEST_ONLY_VARIABLES = ("DJANGO_ALLOW_ASYNC_UNSAFE",)
# What this machine has, not how the portal is configured: a space whose weights are not
# installed here (also reported by /health). Every other warning fails the test.
MACHINE_STATE_CHECKS = {"embeddings.W002"}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_VARIABLES}
    environment = {**inherited, **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_check_deploy_is_clean():
    result = run_manage(
        "check",
        "--deploy",
        "--tag",
        "security",
        "--fail-level",
        "WARNING",
        PORTAL_ENV="production",
        SECRET_KEY=STRONG_SECRET,
        ALLOWED_HOSTS="portal.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_check_deploy_is_clean_with_every_check():
    """All tags, with the production variables of docs/deployment.md: no warning at all
    (the API schema's auth names included) but the machine's model availability, so a
    new warning fails here first."""
    result = run_manage(
        "check", "--deploy",
        PORTAL_ENV="production", SECRET_KEY=STRONG_SECRET,
        ALLOWED_HOSTS="portal.example.com",
        CSRF_TRUSTED_ORIGINS="https://portal.example.com",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    issues = set(re.findall(r"\(([\w.]+\.[EWC]\d{3})\)", result.stdout + result.stderr))
    assert issues <= MACHINE_STATE_CHECKS, result.stdout + result.stderr


def test_production_refuses_debug():
    result = run_manage(
        "check", PORTAL_ENV="production", SECRET_KEY=STRONG_SECRET, DEBUG="1",
        ALLOWED_HOSTS="portal.example.com",
    )  # fmt: skip
    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


def test_production_refuses_default_secret():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**env, "PORTAL_ENV": "production", "ALLOWED_HOSTS": "portal.example.com"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr


def test_bad_boolean_is_a_clear_error():
    result = run_manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_database_schema_comes_first_in_every_connections_search_path():
    show = (
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SHOW search_path'); print(c.fetchone()[0])\n"
        "    c.execute('SHOW hnsw.ef_search'); print(c.fetchone()[0])"
    )
    result = run_manage(
        "shell", "--no-imports", "-c", show, DATABASE_SCHEMA="bench_10000"
    )
    assert result.returncode == 0, result.stderr
    # The schema is added to the connection options; the HNSW ones stay.
    assert result.stdout.split() == ["bench_10000,public", "200"]


def test_database_schema_must_be_an_identifier():
    result = run_manage("check", DATABASE_SCHEMA="bench; DROP TABLE items_item")
    assert result.returncode != 0
    assert "DATABASE_SCHEMA must be a lower-case SQL identifier" in result.stderr
