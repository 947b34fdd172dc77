"""Report on, tune or stop the embedded PostgreSQL server under PORTAL_VAR_DIR."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.embedded_db import (
    machine_memory_bytes,
    shared_buffers_mb,
    stop_embedded_server,
    tune_embedded_server,
)


class Command(BaseCommand):
    help = (
        "Show the embedded PostgreSQL server's status, stop it, or tune it for this "
        "machine (shared_buffers; restarts it when that changes)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["status", "stop", "tune"])
        parser.add_argument(
            "--shared-buffers-mb",
            type=int,
            default=None,
            help="tune: shared_buffers in MB (default: a quarter of the memory, "
            "128 to 2048)",
        )

    def handle(self, *args, action: str, **options) -> None:
        if settings.DATABASE_URL:
            raise CommandError(
                "DATABASE_URL is set: the embedded server is not in use."
            )
        if action == "tune":
            wanted = options["shared_buffers_mb"] or shared_buffers_mb(
                machine_memory_bytes()
            )
            if wanted < 16:
                raise CommandError("--shared-buffers-mb must be at least 16")
            from django.db import connections

            connections.close_all()
            restarted = tune_embedded_server(
                data_dir=settings.VAR_DIR,
                shared_buffers=wanted,
                system_dir=settings.EMBEDDED_DB_SYSTEM_DIR,
            )
            state = "restarted with" if restarted else "already running with"
            self.stdout.write(f"{state} shared_buffers {wanted} MB")
            return
        if action == "stop":
            # Release Django's connections first so the fast shutdown does not log them
            # as terminated.
            from django.db import connections

            connections.close_all()
            stopped = stop_embedded_server(
                data_dir=settings.VAR_DIR, system_dir=settings.EMBEDDED_DB_SYSTEM_DIR
            )
            self.stdout.write("stopped" if stopped else "not running")
            return
        from django.db import connection

        # Connecting starts the server if it is not running, and fills in its socket.
        connection.ensure_connection()
        db = connection.settings_dict
        pgdata = (settings.VAR_DIR / "pgdata").resolve()
        self.stdout.write(
            f"running; socket {db['HOST']} port {db['PORT']} database {db['NAME']}; "
            f"data {pgdata}"
        )
