"""The portal's own /v1/embeddings as the provider of an `openai` space (a live server):
vectors match the local model's, search works through it, replicas fail over, an outage
parks jobs and the sweeper's re-check finishes them once a replica is back."""

from __future__ import annotations

import numpy as np
import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.authtoken.models import Token

from embeddings.models import Embedding, EmbeddingSpace, JobState, ProcessingJob, Stage
from embeddings.processing.jobs import sweep_jobs
from embeddings.runtime.registry import forget
from embeddings.vectors.spaces import create_space
from search import embedding_cache
from search.engine import SearchRequest, run_search

pytestmark = pytest.mark.django_db(transaction=True)
KEY_VARIABLE = "PORTAL_PROVIDER_TOKEN"


@pytest.fixture
def portal_v1(live_server, django_user_model, monkeypatch) -> str:
    """The live portal's /v1 base URL, its token in the variable the space names."""
    user = django_user_model.objects.create_user("provider")
    monkeypatch.setenv(KEY_VARIABLE, Token.objects.create(user=user).key)
    # Only e5-small (the provider's model) and the remote space are maintained here.
    EmbeddingSpace.objects.exclude(name="e5-small").update(state="retired")
    forget()
    embedding_cache.clear()
    yield f"{live_server.url}/v1"
    forget()


def remote_e5(*urls: str) -> EmbeddingSpace:
    return create_space(
        name="e5-remote", label="e5-small served by another portal", backend="openai",
        model_name="e5-small", modality="text", dimension=384, state="active",
        options={"urls": list(urls), "api_key_env": KEY_VARIABLE, "send_input_type": True,
                 "retries": 1, "backoff_seconds": 0.05},
    )  # fmt: skip


def vector(item, space_name: str) -> np.ndarray:
    row = Embedding.objects.get(item=item, space__name=space_name, image=None)
    return np.asarray(row.vector, dtype=np.float32)


def embed_state(item, space) -> str:
    return ProcessingJob.objects.get(item=item, stage=Stage.EMBED, space=space).state


def test_items_embedded_through_the_portal_match_it_and_search_works(
    portal_v1, make_item, run_pipeline
):
    space = remote_e5(portal_v1)
    items = [
        make_item(title="광합성", body="식물은 빛 에너지로 포도당을 만든다."),
        make_item(title="Ceramic mug", body="A coffee cup that keeps drinks warm."),
        make_item(title="삼각형의 넓이", body="밑변과 높이를 곱해 2로 나눈다."),
    ]
    for item in items:
        run_pipeline(item)

    for item in items:
        assert embed_state(item, space) == JobState.DONE
        # The same model behind HTTP: the vector equals the provider's own.
        assert float(vector(item, "e5-remote") @ vector(item, "e5-small")) > 0.999
    branch = "e5-remote:text>text"
    found = run_search(
        SearchRequest(text="coffee cup", mode=branch), user=AnonymousUser()
    )
    assert found.hits[0].item == items[1]
    assert "e5-remote" not in found.unavailable
    found = run_search(
        SearchRequest(text="식물의 광합성", mode=branch), user=AnonymousUser()
    )
    assert found.hits[0].item == items[0]


def test_replicas_in_front_of_the_portal_fail_over_and_recover(
    portal_v1, fake_servers, make_item, run_pipeline
):
    first, second = fake_servers(upstream=portal_v1), fake_servers(upstream=portal_v1)
    space = remote_e5(first.url, second.url)
    before = make_item(title="Before", body="embedded while both replicas run")
    run_pipeline(before)
    assert embed_state(before, space) == JobState.DONE

    first.kill()
    during = make_item(title="During", body="one replica is down")
    sent_before = len(second.embed_requests())
    run_pipeline(during)
    assert embed_state(during, space) == JobState.DONE
    assert len(second.embed_requests()) == sent_before + 1

    second.kill()
    outage = make_item(title="Outage", body="no replica answers")
    run_pipeline(outage)
    assert embed_state(outage, space) == JobState.WAITING
    space.refresh_from_db()
    assert space.available is False and first.url in space.unavailable_reason
    found = run_search(SearchRequest(text="replica"), user=AnonymousUser())
    assert "e5-remote" in found.unavailable  # search says so and still answers

    first.start()  # back on its port; nobody touches the space or the jobs
    assert sweep_jobs().released == 1
    run_pipeline(outage)
    assert embed_state(outage, space) == JobState.DONE
    assert float(vector(outage, "e5-remote") @ vector(outage, "e5-small")) > 0.999
    space.refresh_from_db()
    assert space.available is True
