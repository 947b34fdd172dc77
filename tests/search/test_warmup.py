"""Warm-up before traffic, and /health/live and /health/ready reporting it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from search import embedding_cache
from search import warmup as warmup_module
from search.warmup import WARM_UP_TEXT, warm_up, warm_up_state


@pytest.fixture(autouse=True)
def fresh_state(monkeypatch):
    monkeypatch.setattr(warmup_module, "_state", warmup_module.WarmUpState())


def _cached_query_vector(space, text: str):
    key = embedding_cache.cache_key(
        space_id=space.pk,
        signature=space.model_signature,
        kind="text",
        payload=(space.query_prefix + text).encode(),
    )
    return embedding_cache.get(key)


def test_warm_up_runs_the_query_path_through_every_active_text_space(
    test_clip_space,
):
    embedding_cache.clear()
    assert _cached_query_vector(test_clip_space, WARM_UP_TEXT) is None
    state = warm_up()
    assert state.status == "done" and state.took_ms is not None
    # The space's encoder really embedded the warm-up query (loaded and ran once).
    assert _cached_query_vector(test_clip_space, WARM_UP_TEXT) is not None
    assert warm_up_state() is state


@pytest.mark.django_db
def test_live_answers_without_touching_anything():
    response = APIClient().get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "alive"}


def test_ready_is_200_once_warmed_and_503_while_warming(test_clip_space):
    client = APIClient()
    assert client.get("/health/ready").json()["warm_up"]["status"] == "not run"
    warm_up()
    body = client.get("/health/ready").json()
    assert body["status"] == "ready" and body["warm_up"]["status"] == "done"
    assert body["database"]["ok"] is True

    warm_up_state().status = "running"
    response = client.get("/health/ready")
    assert response.status_code == 503 and response.json()["status"] == "not ready"


def test_ready_retries_a_failed_warm_up_once_the_database_answers(test_clip_space):
    warm_up_state().status = "failed"
    response = APIClient().get("/health/ready")
    assert response.status_code == 200
    assert response.json()["warm_up"]["status"] == "done"
