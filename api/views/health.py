"""GET /health (a full report), /health/live (the process answers) and /health/ready (it can
serve searches at full speed: database reachable, query models warmed)."""

from __future__ import annotations

from django.db import DatabaseError, connection
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from embeddings.models import EmbeddingSpace


class _Probe(APIView):
    """Health endpoints answer anyone and never read credentials."""

    permission_classes = [AllowAny]
    authentication_classes: list = []


class HealthView(_Probe):
    @extend_schema(
        summary="Readiness of the database, broker, OCR and each embedding space",
        responses={
            200: OpenApiResponse(description="ok or degraded"),
            503: OpenApiResponse(description="the database is unreachable"),
        },
        tags=["health"],
    )
    def get(self, request):
        database = _database()
        body = {
            "database": database,
            "broker": _broker(),
            "ocr": _ocr(),
            "spaces": _spaces() if database["ok"] else [],
        }
        if not database["ok"]:
            body["status"] = "error"
            return Response(body, status=503)
        degraded = (
            not body["broker"]["ok"]
            or not body["ocr"]["ok"]
            or any(
                s["state"] == "active" and s["available"] is False
                for s in body["spaces"]
            )
        )
        body["status"] = "degraded" if degraded else "ok"
        return Response(body)


class LiveView(_Probe):
    @extend_schema(
        summary="Liveness: the web process answers (touches nothing else)",
        responses={200: OpenApiResponse(description="alive")},
        tags=["health"],
    )
    def get(self, request):
        return Response({"status": "alive"})


class ReadyView(_Probe):
    @extend_schema(
        summary="Readiness: the database answers and this process has warmed its models",
        responses={
            200: OpenApiResponse(description="ready"),
            503: OpenApiResponse(description="not ready, with the reason"),
        },
        tags=["health"],
    )
    def get(self, request):
        from search.warmup import warm_up, warm_up_state

        database = _database()
        warm = warm_up_state()
        if warm.status == "failed" and database["ok"]:
            # The cause (typically the database being down at boot) may have healed:
            # warm up again rather than stay unready until a restart.
            warm = warm_up()
        body = {
            "database": database,
            "warm_up": {
                "status": warm.status,
                "took_ms": warm.took_ms,
                "detail": warm.detail,
            },
        }
        ready = database["ok"] and warm.status not in ("running", "failed")
        body["status"] = "ready" if ready else "not ready"
        return Response(body, status=200 if ready else 503)


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
            )
            row = cursor.fetchone()
            cursor.execute("SHOW server_version")
            (server,) = cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "error": str(exc).strip()}
    return {"ok": True, "server_version": server, "pgvector": row[0] if row else None}


def _broker() -> dict:
    from portal.celery import app

    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # kombu raises many types for an unreachable broker
        return {"ok": False, "error": str(exc)}
    return {"ok": True}


def _ocr() -> dict:
    from embeddings.ocr import OcrUnavailable, available_languages, engine_version

    try:
        return {"ok": True, "engine": f"tesseract {engine_version()}",
                "languages": sorted(available_languages())}  # fmt: skip
    except (OcrUnavailable, OSError) as exc:
        return {"ok": False, "error": str(exc)}


def _spaces() -> list[dict]:
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
            "test_only": space.test_only,
        }
        for space in EmbeddingSpace.objects.order_by("name")
    ]
