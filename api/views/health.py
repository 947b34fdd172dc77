"""GET /health (a full report), /health/live (the process answers) and /health/ready (it can
serve searches at full speed: database reachable, query models warmed)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from embeddings.selectors import health_report
from search.selectors import readiness


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
        body, database_ok = health_report()
        return Response(body, status=200 if database_ok else 503)


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
        body, ready = readiness()
        return Response(body, status=200 if ready else 503)
