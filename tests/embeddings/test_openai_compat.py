"""The `openai` space backend against a fake OpenAI-compatible server over real HTTP:
payloads, keys, replicas and failover, the circuit breaker, bad vectors, Matryoshka."""

from __future__ import annotations

import io
import json
import time

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from embeddings.encoders.base import ModelUnavailable
from embeddings.models import Embedding, EmbeddingSpace, JobState, ProcessingJob, Stage
from embeddings.processing.jobs import sweep_jobs
from embeddings.runtime.registry import forget, get_encoder
from embeddings.text.documents import build_item_text
from embeddings.vectors.spaces import create_space
from items.services import add_image
from search import embedding_cache
from tests.conftest import make_image_bytes
from tests.fake_model_server import bag_of_words, free_port_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _only_remote_spaces():
    """The default local spaces are retired so each test embeds in its remote space only."""
    EmbeddingSpace.objects.update(state="retired")
    forget()
    embedding_cache.clear()
    yield
    forget()


def remote_space(*urls, name="remote", dimension=32, modality="text", **options):
    return create_space(
        name=name, label=f"{name} (fake server)", backend="openai",
        model_name="fake-embed", modality=modality, dimension=dimension, state="active",
        # Short backoff keeps the tests fast; the defaults are for real networks.
        options={"urls": list(urls), "retries": 1, "backoff_seconds": 0.05, **options},
    )  # fmt: skip


def embed_job(item, space) -> ProcessingJob:
    return ProcessingJob.objects.get(item=item, stage=Stage.EMBED, space=space)


def unit(vector) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def stored_vector(item, space) -> np.ndarray:
    row = Embedding.objects.get(item=item, space=space, image=None)
    return np.asarray(row.vector, dtype=np.float32)


def test_items_are_embedded_with_the_key_read_from_the_named_variable(
    fake_servers, make_item, run_pipeline, monkeypatch
):
    monkeypatch.setenv("FAKE_EMBED_KEY", "s3cret-key")
    server = fake_servers(api_key="s3cret-key")
    space = remote_space(server.url, api_key_env="FAKE_EMBED_KEY")
    item = make_item(title="Solar panel", body="photovoltaic cells convert light")

    run_pipeline(item)

    assert embed_job(item, space).state == JobState.DONE
    text = build_item_text(item).for_embedding
    assert np.allclose(stored_vector(item, space), unit(bag_of_words(text, 32)))
    (call,) = server.embed_requests()
    assert call["authorization"] == "Bearer s3cret-key"
    assert call["body"] == {"model": "fake-embed", "input": [text],
                            "encoding_format": "float"}  # fmt: skip
    space.refresh_from_db()
    assert space.available is True
    assert "s3cret-key" not in json.dumps(space.options)


def test_a_missing_key_variable_is_unavailable_and_jobs_wait(
    fake_servers, make_item, run_pipeline, monkeypatch
):
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    server = fake_servers(api_key="k")
    space = remote_space(server.url, api_key_env="NO_SUCH_KEY_VAR")
    item = make_item()

    run_pipeline(item)

    assert embed_job(item, space).state == JobState.WAITING
    space.refresh_from_db()
    assert space.available is False and "NO_SUCH_KEY_VAR" in space.unavailable_reason
    assert server.embed_requests() == []


def test_images_go_as_data_uris_or_in_the_vllm_message_shape(
    fake_servers, make_item, run_pipeline
):
    server = fake_servers()
    plain = remote_space(server.url, name="plain", modality="both", send_modality=True)
    chat = remote_space(server.url, name="chat", modality="both",
                        input_format="messages", document_instruction="Represent it.")  # fmt: skip
    item = make_item(title="Blue box")
    add_image(item=item, upload=io.BytesIO(make_image_bytes()), filename="box.png")

    run_pipeline(item)

    assert {embed_job(item, s).state for s in (plain, chat)} == {JobState.DONE}
    bodies = [r["body"] for r in server.embed_requests()]
    inputs = [b["input"] for b in bodies if "input" in b]
    assert any(value[0].startswith("data:image/png;base64,") for value in inputs)
    kinds = {b["input"][0][:5]: b["modality"] for b in bodies if "input" in b}
    assert kinds == {"data:": "image", "Blue ": "text"}  # infinity's CLIP needs to know
    conversations = [b["messages"] for b in bodies if "messages" in b]
    assert len(conversations) == 2  # one per input: the image and the text
    for messages in conversations:
        assert messages[0] == {"role": "system",
                               "content": [{"type": "text", "text": "Represent it."}]}  # fmt: skip
        assert messages[1]["role"] == "user"
    parts = [m[1]["content"][0] for m in conversations]
    assert {p["type"] for p in parts} == {"image_url", "text"}
    image_part = next(p for p in parts if p["type"] == "image_url")
    assert image_part["image_url"]["url"].startswith("data:image/png;base64,")
    assert Embedding.objects.filter(space=chat, item=item).count() == 2


def test_instructions_apply_per_side_and_are_part_of_the_signature(fake_servers):
    server = fake_servers()
    space = remote_space(server.url, query_instruction="Find the passage")
    encoder = get_encoder(space)

    encoder.encode_texts(["triangle area"], query=True)
    encoder.encode_texts(["triangle area"], query=False)

    sent = [r["body"]["input"] for r in server.embed_requests()]
    assert sent == [["Instruct: Find the passage\nQuery: triangle area"],
                    ["triangle area"]]  # fmt: skip
    before = space.model_signature
    space.options = {**space.options, "urls": [server.url, free_port_url()],
                     "timeout": 5, "max_concurrency": 1}  # fmt: skip
    assert space.model_signature == before  # a replica or a timeout re-embeds nothing
    space.options = {**space.options, "document_instruction": "Represent the passage"}
    assert space.model_signature != before


def test_replicas_take_turns_and_a_killed_one_fails_over(
    fake_servers, make_item, run_pipeline
):
    first, second = fake_servers(), fake_servers()
    space = remote_space(first.url, second.url)
    encoder = get_encoder(space)
    for _ in range(4):
        encoder.encode_texts(["round robin"], query=False)
    assert (len(first.embed_requests()), len(second.embed_requests())) == (2, 2)

    first.kill()
    for _ in range(3):
        encoder.encode_texts(["failover"], query=False)
    item = make_item()
    run_pipeline(item)

    assert embed_job(item, space).state == JobState.DONE
    assert len(second.embed_requests()) == 2 + 3 + 1
    space.refresh_from_db()
    assert space.available is True


def test_a_transient_error_is_retried_after_a_backoff(fake_servers):
    server = fake_servers(fail_next=2)
    space = remote_space(server.url, retries=2)

    vectors = get_encoder(space).encode_texts(["warming up"], query=False)

    assert vectors.shape == (1, 32)
    assert len(server.embed_requests()) == 3  # two 503s, then the answer


def test_all_endpoints_down_parks_jobs_and_they_finish_when_one_is_back(
    fake_servers, make_item, run_pipeline, client
):
    first, second = fake_servers(), fake_servers()
    space = remote_space(first.url, second.url)
    done = make_item(title="Embedded before the outage")
    run_pipeline(done)
    assert embed_job(done, space).state == JobState.DONE

    first.kill()
    second.kill()
    item = make_item(title="Saved during the outage")
    run_pipeline(item)

    job = embed_job(item, space)
    assert job.state == JobState.WAITING and job.attempts == 0
    space.refresh_from_db()
    assert space.available is False
    assert first.url in space.unavailable_reason
    assert second.url in space.unavailable_reason
    health = client.get("/health").json()
    (reported,) = [s for s in health["spaces"] if s["name"] == "remote"]
    assert reported["available"] is False and health["status"] == "degraded"
    page = client.get("/", {"q": "outage"}).content.decode()
    assert "remote (unavailable)" in page
    assert sweep_jobs().released == 0  # still down: the re-check keeps them waiting

    second.start()  # the same port again, as a restarted server
    report = sweep_jobs()  # what beat runs every minute; nobody touches the space
    run_pipeline(item)

    assert report.released == 1
    assert embed_job(item, space).state == JobState.DONE
    space.refresh_from_db()
    assert space.available is True and space.unavailable_reason == ""


def test_the_circuit_fails_fast_while_open_and_closes_on_success(fake_servers):
    server = fake_servers()
    space = remote_space(server.url, retries=0, cooldown_seconds=0.3)
    encoder = get_encoder(space)
    server.status = 503

    with pytest.raises(ModelUnavailable, match="HTTP 503"):
        encoder.encode_texts(["a"], query=False)
    with pytest.raises(ModelUnavailable):
        encoder.encode_texts(["b"], query=False)
    assert len(server.embed_requests()) == 1  # the open circuit sent nothing
    space.refresh_from_db()
    assert space.available is False and "HTTP 503" in space.unavailable_reason

    time.sleep(0.35)
    server.status = 200
    assert encoder.encode_texts(["c"], query=False).shape == (1, 32)
    space.refresh_from_db()
    assert space.available is True


@pytest.mark.parametrize(
    ("answer", "reason"),
    [("nan", "NaN"), ("zero", "zero vector"), ("short", "31 dimensions")],
)
def test_bad_vectors_fail_the_job_with_the_reason(
    fake_servers, make_item, run_pipeline, answer, reason
):
    server = fake_servers(answer=answer)
    space = remote_space(server.url)
    item = make_item()

    run_pipeline(item)

    job = embed_job(item, space)
    assert job.state == JobState.FAILED
    assert reason in job.last_error
    assert not Embedding.objects.filter(space=space).exists()
    space.refresh_from_db()
    assert space.available is True  # the server answers; the vectors are the problem


def test_a_refused_input_is_not_sent_to_the_other_replica(fake_servers):
    first, second = fake_servers(status=400), fake_servers(status=400)
    space = remote_space(first.url, second.url)

    with pytest.raises(ValueError, match="refused the input: HTTP 400"):
        get_encoder(space).encode_texts(["too long"], query=False)

    assert len(first.embed_requests()) + len(second.embed_requests()) == 1


def test_matryoshka_truncation_stores_the_leading_dimensions_renormalised(
    fake_servers, make_item, run_pipeline
):
    server = fake_servers(dimension=64)
    cut = remote_space(server.url, name="cut", dimension=16, truncate=True)
    asked = remote_space(server.url, name="asked", dimension=16, send_dimensions=True)
    item = make_item(title="Matryoshka dolls", body="nested wooden dolls")

    run_pipeline(item)

    text = build_item_text(item).for_embedding
    full = np.asarray(bag_of_words(text, 64))
    assert np.allclose(stored_vector(item, cut), unit(full[:16]))
    sent = [r["body"].get("dimensions") for r in server.embed_requests()]
    assert sorted(sent, key=str) == [16, None]
    assert embed_job(item, asked).state == JobState.DONE
    # Re-normalised by the backend itself, also for spaces that store raw vectors.
    raw = get_encoder(cut).encode_texts([text], query=False)
    assert raw.shape == (1, 16) and np.isclose(np.linalg.norm(raw), 1.0)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "at least one base URL"),
        ({"urls": ["gpu-1:8000"]}, "http(s) URL"),
        ({"urls": ["http://a/v1"], "api_key_env": "sk-live-123"}, "NAME of an"),
        ({"urls": ["http://a/v1"], "input_format": "chat"}, "input_format"),
        ({"urls": ["http://a/v1"], "batch_size": 0}, "batch_size"),
        ({"urls": ["http://a/v1"], "instruction_template": "{task}: {text}"}, "{text}"),
    ],
)
def test_server_options_are_validated(options, message):
    space = EmbeddingSpace(name="bad", label="bad", backend="openai", model_name="m",
                           modality="text", dimension=8, options=options)  # fmt: skip
    with pytest.raises(ValidationError) as raised:
        space.full_clean()
    assert message in str(raised.value.message_dict["options"])


def test_a_server_that_does_not_serve_the_model_is_unavailable(fake_servers):
    server = fake_servers(model="another-model")
    space = remote_space(server.url)

    with pytest.raises(ModelUnavailable, match="does not serve 'fake-embed'"):
        get_encoder(space)
    space.refresh_from_db()
    assert space.available is False and "another-model" in space.unavailable_reason


def test_an_outage_seen_only_by_search_heals_with_the_sweeper(fake_servers, make_item):
    from django.contrib.auth.models import AnonymousUser

    from search.engine import SearchRequest, run_search

    server = fake_servers()
    space = remote_space(server.url)
    branch = "remote:text>text"
    assert branch in run_search(SearchRequest(text="x"), user=AnonymousUser()).branches

    server.kill()
    embedding_cache.clear()
    down = run_search(SearchRequest(text="solar"), user=AnonymousUser())
    assert "remote" in down.unavailable and branch not in down.branches
    space.refresh_from_db()
    assert space.available is False
    assert not ProcessingJob.objects.filter(space=space).exists()  # no job to wait

    server.start()
    sweep_jobs()

    space.refresh_from_db()
    assert space.available is True
    up = run_search(SearchRequest(text="solar"), user=AnonymousUser())
    assert branch in up.branches and "remote" not in up.unavailable


def test_batches_go_out_concurrently_and_come_back_in_input_order(fake_servers):
    server = fake_servers(delay=0.2)
    space = remote_space(server.url, batch_size=2, max_concurrency=3)
    words = ["one", "two", "three", "four", "five", "six"]
    texts = [f"text number {word}" for word in words]

    vectors = get_encoder(space).encode_texts(texts, query=False)

    assert [len(r["body"]["input"]) for r in server.embed_requests()] == [2, 2, 2]
    assert server.max_in_flight == 3
    expected = np.array([unit(bag_of_words(t, 32)) for t in texts])
    assert np.allclose(
        vectors / np.linalg.norm(vectors, axis=1, keepdims=True), expected
    )


def test_a_new_replica_re_embeds_nothing_and_a_new_instruction_re_embeds(
    fake_servers, make_item, run_pipeline
):
    from embeddings.processing.jobs import request_processing

    first, second = fake_servers(), fake_servers()
    space = remote_space(first.url)
    item = make_item(title="Instruction test")
    run_pipeline(item)
    before = stored_vector(item, space)

    space.options = {**space.options, "urls": [first.url, second.url], "timeout": 9}
    space.save()
    request_processing(item_id=item.pk)
    run_pipeline(item)
    assert first.embed_requests() and not second.embed_requests()
    assert len(first.embed_requests()) == 1  # the input hash still matched

    space.options = {**space.options, "document_instruction": "Represent the item"}
    space.save()
    request_processing(item_id=item.pk)
    run_pipeline(item)
    (sent,) = [r["body"]["input"][0] for r in first.embed_requests()[1:]] + [
        r["body"]["input"][0] for r in second.embed_requests()
    ]
    assert sent.startswith("Instruct: Represent the item\nQuery: Instruction test")
    assert not np.allclose(stored_vector(item, space), before)
