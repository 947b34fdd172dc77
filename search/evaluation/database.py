"""Evaluation commands need the portal's tables; say so instead of a database traceback."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


class NotMigrated(RuntimeError):
    """The database lacks migrations the evaluation commands rely on."""


def require_migrated(alias: str = DEFAULT_DB_ALIAS) -> None:
    executor = MigrationExecutor(connections[alias])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        first = pending[0][0]
        raise NotMigrated(
            f"The database is missing {len(pending)} migration(s) (first: "
            f"{first.app_label}.{first.name}). Run `manage.py migrate` first."
        )
