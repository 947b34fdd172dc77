"""Operator requests: redo OCR, re-embed, and find what was never processed."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from embeddings.jobs import maintained_spaces, request_processing
from embeddings.models import (
    Embedding,
    EmbeddingSpace,
    OcrResult,
    SearchDocument,
    Stage,
)
from items.models import Item, ItemImage


@transaction.atomic
def redo_ocr(*, item_ids: list[int]) -> int:
    """Mark stored OCR stale so it really runs again, then reprocess everything after it.

    The old text stays searchable until the new text replaces it."""
    OcrResult.objects.filter(image__item_id__in=item_ids).update(input_sha256="")
    for item_id in item_ids:
        request_processing(item_id=item_id)
    return len(item_ids)


@transaction.atomic
def reembed(*, item_ids: list[int], spaces: list[EmbeddingSpace] | None = None) -> int:
    """Compute vectors again (in the given spaces or all); old ones serve until replaced."""
    chosen = spaces if spaces is not None else list(maintained_spaces())
    Embedding.objects.filter(item_id__in=item_ids, space__in=chosen).update(
        input_sha256=""
    )
    for item_id in item_ids:
        request_processing(item_id=item_id, stages=(Stage.EMBED,), spaces=chosen)
    return len(item_ids)


def items_missing(
    *,
    stage: Stage,
    space: EmbeddingSpace | None = None,
    items: QuerySet[Item] | None = None,
) -> QuerySet[Item]:
    """Items lacking the output of `stage` (in `space`, for embeddings).

    OCR: an image without an OCR result. Index: no search document. Embed: for image
    spaces an image without a vector; for text spaces no text vector.
    """
    items = items if items is not None else Item.objects.all()
    if stage == Stage.OCR:
        unread = ItemImage.objects.filter(item=OuterRef("pk")).exclude(
            Exists(OcrResult.objects.filter(image=OuterRef("pk")))
        )
        return items.filter(Exists(unread))
    if stage == Stage.INDEX:
        return items.exclude(Exists(SearchDocument.objects.filter(item=OuterRef("pk"))))
    assert space is not None, "embedding needs a space"
    condition = Q()
    if space.embeds_images:
        unembedded = ItemImage.objects.filter(item=OuterRef("pk")).exclude(
            Exists(Embedding.objects.filter(space=space, image=OuterRef("pk")))
        )
        condition |= Q(Exists(unembedded))
    if space.embeds_text:
        text_vector = Embedding.objects.filter(
            space=space, item=OuterRef("pk"), image__isnull=True
        )
        condition |= ~Q(Exists(text_vector))
    return items.filter(condition)
