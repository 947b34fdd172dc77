"""Per-space index options (`options.index`): each storage builds its index, queries use
it, results match exact search, changed options rebuild it and bad ones are refused."""

from __future__ import annotations

import numpy as np
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from embeddings.models import Embedding, EmbeddingSpace
from embeddings.vectors.indexes import (
    ensure_space_index,
    index_name,
    passage_index_name,
)
from embeddings.vectors.spaces import create_space
from embeddings.vectors.store import nearest
from items.models import Item, Status
from search.branches import vector_query
from search.filters import Filters, visible_items

pytestmark = pytest.mark.django_db
DIM = 64
ROWS = 300
K = 10


def _space(name: str, index: dict | None = None) -> EmbeddingSpace:
    options: dict = {"seed": 0}
    if index is not None:
        options["index"] = index
    return create_space(
        name=name, label=f"{name} (test only)", backend="open_clip",
        model_name="portal-test-tiny-clip", modality="both", dimension=DIM,
        test_only=True, state="active", options=options,
    )  # fmt: skip


def _definition(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else ""


@pytest.fixture
def vectors() -> np.ndarray:
    """Clustered unit vectors (20 centres), as real embeddings are, not uniform noise."""
    rng = np.random.default_rng(3)
    centres = rng.standard_normal((20, DIM))
    x = centres[rng.integers(0, 20, ROWS)] + 0.8 * rng.standard_normal((ROWS, DIM))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _store(space: EmbeddingSpace, vectors: np.ndarray) -> list[int]:
    items = Item.objects.bulk_create(
        [Item(title=f"v{i}", status=Status.PUBLISHED) for i in range(len(vectors))]
    )
    Embedding.objects.bulk_create(
        Embedding(space=space, item=item, source="text", vector=v, input_sha256="t")
        for item, v in zip(items, vectors, strict=True)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE embeddings_embedding")
    return [item.pk for item in items]


@pytest.mark.parametrize(
    ("storage", "expression"),
    [
        ("vector", f"(vector)::vector({DIM})"),
        ("halfvec", f"(vector)::halfvec({DIM})"),
        ("binary", f"(binary_quantize((vector)::vector({DIM})))::bit({DIM})"),
    ],
)
def test_each_storage_builds_its_index_and_the_planner_uses_it(storage, expression):
    space = _space(f"ix-{storage}", {"storage": storage})
    definition = _definition(index_name(space.pk))
    assert "USING hnsw" in definition and expression in definition
    assert expression in _definition(passage_index_name(space.pk))
    query = nearest(space, np.ones(DIM, dtype=np.float32), k=K)
    with transaction.atomic(), connection.cursor() as cursor:
        # A test table is tiny, so the planner would scan it (or the space_id index,
        # then sort); what is asserted is that the query's expression is the index's,
        # so it can be used at all: the only plan left that needs no disabled node.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        plan = query.explain()
    assert index_name(space.pk) in plan


@pytest.mark.parametrize(
    "index",
    [
        {"storage": "vector"},
        {"storage": "halfvec"},
        # 64 bits rank too coarsely for 10 × k candidates of 300 to hold every true
        # neighbour; 30 × k reaches all rows, so the exact re-rank alone decides.
        {"storage": "binary", "rerank": 30},
    ],
)
def test_nearest_matches_exact_search(index, vectors):
    space = _space(f"exact-{index['storage']}", index)
    ids = _store(space, vectors)
    rng = np.random.default_rng(8)
    for _ in range(5):
        q = vectors[rng.integers(ROWS)] + 0.3 * rng.standard_normal(DIM)
        q = (q / np.linalg.norm(q)).astype(np.float32)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # through the index
            found = list(nearest(space, q, k=K).values_list("item_id", "distance"))
        sims = vectors @ q
        exact = np.argsort(-sims)[:K]
        assert {item for item, _ in found} == {ids[i] for i in exact}
        # The annotated distance is the exact cosine distance whatever the storage.
        assert sorted(d for _, d in found) == pytest.approx(
            sorted(1 - sims[exact]), abs=1e-5
        )


def test_changed_build_options_rebuild_the_index_and_query_options_do_not():
    space = _space("rebuild")
    assert "halfvec" not in _definition(index_name(space.pk))
    signature = space.model_signature

    space.options = {**space.options, "index": {"storage": "halfvec", "m": 24}}
    space.full_clean()
    space.save()
    rebuilt = ensure_space_index(
        space_id=space.pk,
        dimension=DIM,
        metric=space.metric,
        options=space.index_options,
    )
    assert rebuilt == [index_name(space.pk), passage_index_name(space.pk)]
    definition = _definition(index_name(space.pk))
    assert "halfvec_cosine_ops" in definition and "m='24'" in definition
    # How vectors are indexed is not which vectors the model makes: nothing re-embeds.
    assert space.model_signature == signature

    space.options["index"]["ef_search"] = 300
    assert (
        ensure_space_index(
            space_id=space.pk,
            dimension=DIM,
            metric=space.metric,
            options=space.index_options,
        )
        == []
    )


def test_an_index_from_before_options_counts_as_built_with_the_defaults():
    space = _space("legacy")
    with connection.cursor() as cursor:
        cursor.execute(f"COMMENT ON INDEX {index_name(space.pk)} IS NULL")
    assert (
        ensure_space_index(
            space_id=space.pk,
            dimension=DIM,
            metric=space.metric,
            options=space.index_options,
        )
        == []
    )


def test_a_space_ef_search_reaches_the_branch_query():
    items = visible_items(None, Filters())
    vector = np.ones(DIM, dtype=np.float32)
    wide = _space("wide", {"ef_search": settings.HNSW_EF_SEARCH + 100})
    query = vector_query(
        space=wide, vector=vector, source="text", items=items, window=10
    )
    assert query.ef_search == settings.HNSW_EF_SEARCH + 100
    # At or below the connection's default no SET (and no transaction) is needed.
    narrow = _space("narrow", {"ef_search": 40})
    query = vector_query(space=narrow, vector=vector, source="text", items=items, window=10)  # fmt: skip
    assert query.ef_search == 0


@pytest.mark.parametrize(
    ("index", "message"),
    [
        ({"storage": "pq"}, "storage must be one of"),
        ({"m": 200}, "m must be between"),
        ({"m": "16"}, "m must be a whole number"),
        ({"m": 32, "ef_construction": 40}, "at least 2 × m"),
        ({"ef_search": 5000}, "ef_search must be between"),
        ({"rerank": 4}, "binary storage only"),
        ({"storage": "binary", "rerank": 0}, "rerank must be between"),
        ({"lists": 100}, "unknown keys: lists"),
        ("halfvec", "must be an object"),
    ],
)
def test_bad_index_options_are_refused(index, message):
    space = EmbeddingSpace(
        name="bad", label="bad", backend="open_clip", model_name="portal-test-tiny-clip",
        modality="both", dimension=DIM, test_only=True, options={"index": index},
    )  # fmt: skip
    with pytest.raises(ValidationError) as raised:
        space.full_clean()
    assert message in " ".join(raised.value.message_dict["options"])


def test_a_hamming_space_keeps_bit_storage():
    space = EmbeddingSpace(
        name="bits", label="bits", backend="fingerprint", modality="image",
        dimension=256, metric="hamming", normalize=False,
        options={"index": {"storage": "halfvec"}},
    )  # fmt: skip
    with pytest.raises(ValidationError) as raised:
        space.full_clean()
    assert "Only cosine spaces" in " ".join(raised.value.message_dict["options"])


def _admin_post(admin_client, space: EmbeddingSpace, options: dict):
    """Post the space's change form as a browser would, with `options` replaced."""
    import json

    from django.urls import reverse

    url = reverse("admin:embeddings_embeddingspace_change", args=[space.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {}
    for field in form:
        value = field.value()
        if isinstance(value, bool):
            if value:
                data[field.name] = "on"
        elif value is not None:
            data[field.name] = value
    data["options"] = json.dumps(options)
    return admin_client.post(url, data, follow=True)


def test_the_admin_refuses_bad_index_options_and_rebuilds_on_a_change(
    admin_client, test_clip_space
):
    refused = _admin_post(admin_client, test_clip_space, {"index": {"m": 1000}})
    assert "options.index.m must be between" in refused.content.decode()
    assert "halfvec" not in _definition(index_name(test_clip_space.pk))

    saved = _admin_post(
        admin_client, test_clip_space, {"index": {"storage": "halfvec"}}
    )
    assert "Index options changed: rebuilt" in saved.content.decode()
    assert "halfvec_cosine_ops" in _definition(index_name(test_clip_space.pk))
