"""The PostgreSQL backend with one addition: before connecting (or opening a shell), make
sure the embedded server is running, so that is done on first use, not at settings import."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.backends.postgresql import base, client

from portal.embedded_db import ensure_server


class DatabaseClient(client.DatabaseClient):
    def runshell(self, parameters: Iterable[str]) -> None:
        ensure_server(self.connection.settings_dict)
        super().runshell(parameters)


class DatabaseWrapper(base.DatabaseWrapper):
    client_class = DatabaseClient

    def get_connection_params(self) -> dict[str, Any]:
        # Every new connection (also the test runner's to "postgres") passes here; the
        # server may have been stopped since the last one, so this checks each time.
        ensure_server(self.settings_dict)
        return super().get_connection_params()
