"""System checks so `manage.py check` tells an operator what the pipeline is missing."""

from __future__ import annotations

import shutil

from django.conf import settings
from django.core import checks
from django.db import DatabaseError

from embeddings.health import MIN_PGVECTOR, pgvector_version, probe_database


def check_tesseract(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not shutil.which("tesseract"):
        return [
            checks.Error(
                "tesseract is not installed; images cannot be OCR'd.",
                hint="apt-get install tesseract-ocr tesseract-ocr-kor tesseract-ocr-eng",
                id="embeddings.E001",
            )
        ]
    from embeddings.ocr.reader import available_languages

    wanted = set(settings.OCR_LANGUAGES.split("+"))
    missing = sorted(wanted - available_languages())
    if missing:
        return [
            checks.Error(
                f"tesseract lacks the language data {', '.join(missing)} (OCR_LANGUAGES="
                f"{settings.OCR_LANGUAGES}).",
                hint="apt-get install "
                + " ".join(f"tesseract-ocr-{m}" for m in missing),
                id="embeddings.E002",
            )
        ]
    return []


def check_pgvector(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    database = probe_database()
    if not database.ok:
        return [
            checks.Warning(
                f"Could not ask the database for pgvector: {database.error}",
                id="embeddings.W001",
            )
        ]
    version = database.details["pgvector"] or database.details["available_pgvector"]
    if version is None:
        return [
            checks.Error(
                "The pgvector extension is not available in this PostgreSQL.",
                hint="Install pgvector >= 0.8 on the database server, or unset DATABASE_URL "
                "to use the embedded server.",
                id="embeddings.E003",
            )
        ]
    if pgvector_version(version) < MIN_PGVECTOR:
        return [
            checks.Error(
                f"pgvector {version} is too old; iterative index scans need >= 0.8.",
                id="embeddings.E004",
            )
        ]
    return []


def check_spaces(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Report spaces whose model is known to be unavailable (as last probed)."""
    from embeddings.models import EmbeddingSpace, SpaceState

    try:
        spaces = list(
            EmbeddingSpace.objects.exclude(state=SpaceState.RETIRED).filter(
                available=False
            )
        )
    except DatabaseError:
        return []  # tables not migrated yet; migrate's own checks come first
    return [
        checks.Warning(
            f"Embedding space {space.name!r} is unavailable: {space.unavailable_reason}",
            hint=(
                "Its jobs fail and search skips it until `manage.py check_index --fix "
                "--check changed-models` re-embeds it, or the previous model is back."
                if space.model_changed_reason
                else "Its jobs wait; install the weights (see docs/models.md) and they run."
            ),
            id="embeddings.W002",
        )
        for space in spaces
    ]


def register() -> None:
    checks.register(check_tesseract)
    checks.register(check_pgvector)
    checks.register(check_spaces)
