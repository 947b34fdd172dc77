"""Report on or stop the embedded PostgreSQL server under PORTAL_VAR_DIR."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.embedded_db import stop_embedded_server


class Command(BaseCommand):
    help = "Show the embedded PostgreSQL server's status, or stop it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["status", "stop"])

    def handle(self, *args, action: str, **options) -> None:
        if settings.DATABASE_URL:
            raise CommandError(
                "DATABASE_URL is set: the embedded server is not in use."
            )
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
