"""The probes behind `manage.py check` and `/health` are one implementation."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from embeddings.checks import check_pgvector
from embeddings.health import health_report, probe_broker, probe_database

pytestmark = pytest.mark.django_db


def test_check_and_health_read_the_same_pgvector():
    probe = probe_database()
    assert probe.ok and probe.details["pgvector"].startswith("0.8")
    assert check_pgvector() == []
    body = APIClient().get("/health").json()
    assert body["database"]["pgvector"] == probe.details["pgvector"]
    assert body["database"]["server_version"] == probe.details["server_version"]


def test_an_unreachable_broker_degrades_the_report(monkeypatch):
    from celery import current_app

    # Port 9 on loopback (discard) has no Redis: the probe must say so, not hang.
    monkeypatch.setattr(current_app.conf, "broker_url", "redis://127.0.0.1:9/0")
    assert probe_broker().ok is False
    body, database_ok = health_report()
    assert database_ok is True
    assert body["broker"]["ok"] is False and body["broker"]["error"]
    assert body["status"] == "degraded"
