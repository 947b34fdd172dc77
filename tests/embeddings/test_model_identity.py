"""A model changed behind a space's unchanged configuration (weights file replaced, another
dimension, another served revision) is detected at load, never mixed into the space's
vectors, shown, and re-embedded by `check_index --fix --check changed-models`."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command

from embeddings import tasks
from embeddings.checks import check_spaces
from embeddings.encoders.open_clip_model import TEST_CONFIG_DIR
from embeddings.health import describe_spaces
from embeddings.models import Embedding, EmbeddingSpace, JobState, ProcessingJob, Stage
from embeddings.processing.pipeline import embed_items
from embeddings.runtime.model_identity import ModelChanged
from embeddings.runtime.registry import forget, get_encoder
from embeddings.vectors.spaces import create_space
from items.services import add_image
from search import embedding_cache
from search.engine import SearchRequest, run_search
from tests.conftest import make_image_bytes

pytestmark = pytest.mark.django_db

ARCHITECTURE = "portal-test-tiny-clip"


def write_weights(path: Path, *, seed: int) -> None:
    """A checkpoint of the tiny test architecture with seeded random weights (TEST ONLY),
    swapped in atomically at `path` as an operator replacing a model file would."""
    import open_clip
    import torch

    open_clip.add_model_config(TEST_CONFIG_DIR)
    torch.manual_seed(seed)
    model = open_clip.create_model(ARCHITECTURE, pretrained=None)
    partial = path.with_suffix(".partial")
    torch.save(model.state_dict(), partial)
    os.replace(partial, path)


@pytest.fixture(autouse=True)
def _only_this_space():
    """Default spaces retired: each test embeds in its own space only."""
    EmbeddingSpace.objects.update(state="retired")
    forget()
    embedding_cache.clear()
    yield
    forget()


@pytest.fixture
def weights(tmp_path) -> Path:
    path = tmp_path / "tiny-clip.pt"
    write_weights(path, seed=0)
    return path


@pytest.fixture
def space(weights) -> EmbeddingSpace:
    """An open_clip space loading a local weights file (a test checkpoint)."""
    import open_clip

    open_clip.add_model_config(TEST_CONFIG_DIR)  # the architecture must be known
    return create_space(
        name="clip-file", label="Tiny CLIP from a weights file (test checkpoint)",
        backend="open_clip", model_name=ARCHITECTURE, weights=str(weights),
        modality="both", dimension=64, state="active",
    )  # fmt: skip


@pytest.fixture
def embedded(space, make_item, run_pipeline):
    item = make_item(title="삼각형의 넓이", body="밑변과 높이로 넓이를 구한다.")
    add_image(item=item, upload=io.BytesIO(make_image_bytes()), filename="photo.png")
    run_pipeline(item)
    assert Embedding.objects.filter(space=space, item=item).count() == 2
    return item


def stored(space) -> dict[tuple[int, int | None], tuple[str, list[float]]]:
    return {
        (row.item_id, row.image_id): (row.input_sha256, list(row.vector))
        for row in Embedding.objects.filter(space=space)
    }


def check_index(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("check_index", *args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def counts(output: str, label: str) -> tuple[int, ...]:
    """Found, fixed and left on the table row that starts with `label`."""
    match = re.search(rf"^{re.escape(label)}\s+(\d+)\s+(\d+)\s+(\d+)", output, re.M)
    assert match, f"no row {label!r} in:\n{output}"
    return tuple(int(n) for n in match.groups())


def replace_model(weights: Path) -> None:
    """Another model behind the same path; the processes restart (caches gone)."""
    write_weights(weights, seed=1)
    forget()
    embedding_cache.clear()


def test_the_first_load_records_what_the_model_does(embedded, space):
    space.refresh_from_db()
    identity = space.model_identity
    assert identity["dimension"] == 64
    assert identity["signature"] == space.model_signature
    assert {kind: len(v) for kind, v in identity["probes"].items()} == {
        "text": 64,
        "image": 64,
    }
    assert space.model_changed_reason == ""
    # The same model loaded again (another process) is the same model.
    forget()
    get_encoder(space)


def test_a_replaced_weights_file_is_refused_and_nothing_is_mixed_in(
    embedded, space, weights, make_item, run_pipeline
):
    before = stored(space)
    replace_model(weights)
    newcomer = make_item(title="새 문항", body="원의 넓이를 구하시오.")
    add_image(
        item=newcomer, upload=io.BytesIO(make_image_bytes(color="#1133aa")),
        filename="new.png",
    )  # fmt: skip
    embedded.body = "밑변과 높이로 삼각형의 넓이를 구한다."  # re-embedding requested
    embedded.save()

    run_pipeline(newcomer)
    run_pipeline(embedded)

    for item in (newcomer, embedded):
        job = ProcessingJob.objects.get(item=item, stage=Stage.EMBED, space=space)
        assert job.state == JobState.FAILED
        assert job.attempts == 1
        assert job.last_error.startswith(
            "[configuration error, not retried] model changed:"
        )
        assert "similarity" in job.last_error
    assert stored(space) == before  # no new vector, none replaced
    space.refresh_from_db()
    assert space.available is False
    assert space.unavailable_reason.startswith("model changed:")
    assert "check_index --fix --check changed-models" in space.model_changed_reason
    (shown,) = [s for s in describe_spaces() if s["name"] == space.name]
    assert shown["needs_reembed"] is True and shown["available"] is False
    shown_in_admin = admin.site._registry[EmbeddingSpace].availability(space)
    assert "model changed: re-embed needed" in shown_in_admin
    assert "check_index --fix --check changed-models" in shown_in_admin
    (warning,) = [w for w in check_spaces() if space.name in w.msg]
    assert "changed-models" in warning.hint
    response = run_search(SearchRequest(text="삼각형의 넓이", k=5), user=None)
    assert response.unavailable[space.name].startswith("model changed:")
    assert not any(name.startswith(f"{space.name}:") for name in response.branches)


def test_an_encoder_of_another_model_cannot_store_once_the_space_records_one(
    embedded, space, weights
):
    """A worker that loaded its model before another process recorded a different one
    (the write-time check under the space's row lock)."""
    stale_row = EmbeddingSpace.objects.get(pk=space.pk)
    get_encoder(stale_row)  # the old model, cached
    other = EmbeddingSpace.objects.get(pk=space.pk)
    other.model_identity = {
        **other.model_identity,
        "probes": {kind: [-x for x in v] for kind, v in other.model_identity["probes"].items()},
    }  # fmt: skip
    EmbeddingSpace.objects.filter(pk=space.pk).update(
        model_identity=other.model_identity
    )
    Embedding.objects.filter(space=space).delete()
    with pytest.raises(ModelChanged):
        embed_items(items=[embedded], space=stale_row)
    assert not Embedding.objects.filter(space=space).exists()


def test_check_index_fix_re_embeds_the_space_with_the_new_model(
    embedded, space, weights, run_pipeline
):
    before = stored(space)
    replace_model(weights)
    run_pipeline(embedded)  # refused, as above
    version = EmbeddingSpace.objects.get(pk=space.pk).version

    status, output = check_index()
    assert status == 1
    assert counts(output, "spaces whose model changed under their vectors") == (1, 0, 1)
    status, output = check_index("--fix", "--check", "changed-models")
    assert status == 0, output

    space.refresh_from_db()
    assert space.version == version + 1
    assert space.available is True and space.model_changed_reason == ""
    assert not Embedding.objects.filter(space=space).exists()
    job = ProcessingJob.objects.get(item=embedded, stage=Stage.EMBED, space=space)
    assert job.state == JobState.PENDING

    forget()  # a worker
    run_pipeline(embedded)
    after = stored(space)
    assert after.keys() == before.keys()
    for key, (sha, vector) in after.items():
        assert sha != before[key][0]
        assert float(np.dot(vector, before[key][1])) < 0.9  # the new model's vectors
    assert check_index()[0] == 0


def test_a_worker_start_finds_the_changed_model_before_any_job(
    embedded, space, weights
):
    replace_model(weights)
    tasks.probe_spaces_at_start()
    space.refresh_from_db()
    assert space.available is False
    assert space.model_changed_reason.startswith("model changed:")


def test_a_space_without_vectors_adopts_the_model_it_loads(embedded, space, weights):
    recorded = EmbeddingSpace.objects.get(pk=space.pk).model_identity
    Embedding.objects.filter(space=space).delete()
    replace_model(weights)
    get_encoder(EmbeddingSpace.objects.get(pk=space.pk))
    space.refresh_from_db()
    assert space.available is True
    assert space.model_identity["probes"] != recorded["probes"]


def test_putting_the_previous_model_back_clears_the_state(embedded, space, weights):
    replace_model(weights)
    with pytest.raises(ModelChanged):
        get_encoder(EmbeddingSpace.objects.get(pk=space.pk))
    write_weights(weights, seed=0)
    forget()
    get_encoder(EmbeddingSpace.objects.get(pk=space.pk))
    space.refresh_from_db()
    assert space.available is True and space.model_changed_reason == ""


# A model server: no probe call at load (it may be this portal); what it lists is kept.


def remote_space(server, *, dimension):
    return create_space(
        name="remote", label="remote (fake server)", backend="openai",
        model_name="fake-embed", modality="text", dimension=dimension, state="active",
        options={"urls": [server.url], "retries": 1, "backoff_seconds": 0.05},
    )  # fmt: skip


def test_another_revision_behind_a_served_model_name_is_refused(
    fake_servers, make_item, run_pipeline
):
    server = fake_servers(root="org/fake-embed@rev-a", dimension=8)
    remote = remote_space(server, dimension=8)
    item = make_item(title="served")
    run_pipeline(item)
    before = stored(remote)
    assert len(before) == 1
    assert not server.embed_requests()[0]["body"]["input"][0].startswith(
        "Model identity"
    )

    server.root = "org/fake-embed@rev-b"
    forget()
    with pytest.raises(ModelChanged, match="rev-b"):
        get_encoder(EmbeddingSpace.objects.get(pk=remote.pk))
    item.body = "changed"
    item.save()
    run_pipeline(item)
    assert stored(remote) == before


def test_another_dimension_under_the_same_space_is_refused(
    fake_servers, make_item, run_pipeline
):
    server = fake_servers(dimension=8)
    remote = remote_space(server, dimension=8)
    item = make_item(title="served")
    run_pipeline(item)
    # The model now makes 4 values and the space was edited to match, behind the
    # pipeline's back (the admin keeps the dimension read-only).
    server.dimension = 4
    EmbeddingSpace.objects.filter(pk=remote.pk).update(dimension=4)
    forget()
    with pytest.raises(
        ModelChanged, match="4-dimension vectors, the stored ones have 8"
    ):
        get_encoder(EmbeddingSpace.objects.get(pk=remote.pk))
    assert Embedding.objects.filter(space=remote).count() == 1
