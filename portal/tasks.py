"""Worker-level tasks that belong to no app."""

from __future__ import annotations

import os
import socket

from celery import shared_task
from django.db import connection
from django.utils import timezone


@shared_task(name="portal.ping")
def ping() -> dict[str, object]:
    """Answer from a worker with where it runs and whether it reaches the database.

    Used by readiness checks to prove that a worker consumes the queue end to end.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        database_ok = cursor.fetchone() == (1,)
    return {
        "hostname": socket.gethostname(),
        "pid": os.getpid(),
        "database": database_ok,
        "at": timezone.now().isoformat(),
    }
