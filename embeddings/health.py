"""Probes of what the pipeline depends on (database and pgvector, broker, OCR, spaces),
shared by the system checks (`manage.py check`) and the `/health` report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection

from embeddings.models import EmbeddingSpace

# Iterative index scans (filtered HNSW queries that still return k rows) need 0.8.
MIN_PGVECTOR = (0, 8)


@dataclass(frozen=True)
class Probe:
    """One dependency's answer: ok or not, the details to show, and the error if any."""

    ok: bool
    details: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        if not self.ok:
            return {"ok": False, "error": self.error}
        return {"ok": True, **self.details}


def probe_database() -> Probe:
    """The server answers; its version and the installed pgvector (None if not created).

    `available_pgvector` is the version the server could install, for the check's hint."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
            )
            installed = cursor.fetchone()
            cursor.execute(
                "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'"
            )
            available = cursor.fetchone()
            cursor.execute("SHOW server_version")
            (server,) = cursor.fetchone()
    except DatabaseError as exc:
        return Probe(ok=False, error=str(exc).strip())
    return Probe(
        ok=True,
        details={
            "server_version": server,
            "pgvector": installed[0] if installed else None,
            "available_pgvector": available[0] if available else None,
        },
    )


def pgvector_version(version: str) -> tuple[int, int]:
    return tuple(int(part) for part in version.split(".")[:2])  # type: ignore[return-value]


def probe_broker() -> Probe:
    # The app Django configured (portal/__init__ creates it); naming it through celery
    # keeps this layer from importing the project's wiring.
    from celery import current_app

    try:
        with current_app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # kombu raises many types for an unreachable broker
        return Probe(ok=False, error=str(exc))
    return Probe(ok=True)


def probe_ocr() -> Probe:
    from embeddings.ocr.reader import (
        OcrUnavailable,
        available_languages,
        engine_version,
    )

    try:
        return Probe(
            ok=True,
            details={
                "engine": f"tesseract {engine_version()}",
                "languages": sorted(available_languages()),
            },
        )
    except (OcrUnavailable, OSError) as exc:
        return Probe(ok=False, error=str(exc))


def describe_spaces() -> list[dict[str, Any]]:
    """Every space with its model and last known availability."""
    return [
        {
            "name": space.name,
            "label": space.label,
            "backend": space.backend,
            "model": space.model_name or space.backend,
            "weights": space.weights,
            "device": "cpu",
            "dimension": space.dimension,
            "modality": space.modality,
            "state": space.state,
            "available": space.available,
            "reason": space.unavailable_reason,
            "checked_at": space.checked_at,
            # The model loaded now did not make the stored vectors: re-embed needed.
            "needs_reembed": bool(space.model_changed_reason),
            "test_only": space.test_only,
        }
        for space in EmbeddingSpace.objects.order_by("name")
    ]


def health_report() -> tuple[dict[str, Any], bool]:
    """The full /health body and whether the database answered (else the body is an error).

    Degraded: the broker or OCR is down, or an active space's model is unavailable."""
    database = probe_database()
    body: dict[str, Any] = {
        "database": _database_dict(database),
        "broker": probe_broker().as_dict(),
        "ocr": probe_ocr().as_dict(),
        "spaces": describe_spaces() if database.ok else [],
    }
    if not database.ok:
        body["status"] = "error"
        return body, False
    degraded = (
        not body["broker"]["ok"]
        or not body["ocr"]["ok"]
        or any(
            s["state"] == "active" and s["available"] is False for s in body["spaces"]
        )
    )
    body["status"] = "degraded" if degraded else "ok"
    return body, True


def database_status() -> dict[str, Any]:
    """The database part of the health report (also used by readiness)."""
    return _database_dict(probe_database())


def _database_dict(probe: Probe) -> dict[str, Any]:
    if not probe.ok:
        return probe.as_dict()
    return {
        "ok": True,
        "server_version": probe.details["server_version"],
        "pgvector": probe.details["pgvector"],
    }
