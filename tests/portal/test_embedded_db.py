"""The embedded PostgreSQL 18 + pgvector bootstrap used when DATABASE_URL is unset."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from portal.embedded_db import ensure_embedded_database, stop_embedded_server


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


def test_bootstrap_initialises_starts_reuses_and_stops(tmp_path: Path):
    data_dir = tmp_path / "var"
    first = ensure_embedded_database(
        data_dir=data_dir, name="bootstrap_a", stop_on_exit=False
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
            data_dir=data_dir, name="bootstrap_b", stop_on_exit=False
        )
        assert second["HOST"] == first["HOST"]
        assert (data_dir / "pgdata" / "postmaster.pid").read_text().split()[0] == pid
        with psycopg.connect(dbname="bootstrap_b", **conninfo) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (
                "bootstrap_b",
            )
    finally:
        assert stop_embedded_server(data_dir=data_dir) is True
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()
    assert stop_embedded_server(data_dir=data_dir) is False
