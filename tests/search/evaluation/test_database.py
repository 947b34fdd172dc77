"""An unmigrated database is a one-line instruction, not a traceback."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.migration import Migration

from search.evaluation.database import require_migrated


@pytest.mark.django_db
def test_a_migrated_database_passes():
    require_migrated()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "command", [("load_eval_set", "gnome-help-ko"), ("evaluate", "some-set")]
)
def test_commands_ask_for_migrate_before_touching_tables(monkeypatch, command):
    pending = [(Migration("0004_lexical_terms", "embeddings"), False)]
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, t: pending)
    with pytest.raises(CommandError, match=r"embeddings\.0004_lexical_terms.*migrate"):
        call_command(*command)
