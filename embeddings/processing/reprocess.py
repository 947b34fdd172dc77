"""Operator requests: redo OCR, re-embed, and find what was never processed."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce, Left, Length

from embeddings.models import (
    Embedding,
    EmbeddingSpace,
    OcrResult,
    Passage,
    SearchDocument,
    Stage,
)
from embeddings.processing.jobs import maintained_spaces, request_processing
from embeddings.processing.pdf_pages import MIN_TEXT_LAYER_CHARS
from items.models import Item, ItemFile, ItemImage


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
    """Items lacking the output of `stage` (in `space`, for embeddings)."""
    items = items if items is not None else Item.objects.all()
    return items.filter(_MISSING[stage](space))


def _pages_missing(space: EmbeddingSpace | None) -> Q:
    """A PDF whose pages were rendered from other bytes, or not all of them."""
    stored = (
        ItemImage.objects.filter(source_file=OuterRef("pk"))
        .values("source_file")
        .annotate(n=Count("pk"))
        .values("n")
    )
    unrendered = (
        ItemFile.objects.filter(item=OuterRef("pk"))
        .annotate(stored=Coalesce(Subquery(stored), 0))
        .filter(~Q(rendered_sha256=F("sha256")) | Q(stored__lt=F("page_count")))
    )
    return Q(Exists(unrendered))


def _ocr_missing(space: EmbeddingSpace | None) -> Q:
    """An image without an OCR result, other than a PDF page with its own text."""
    visible = Length(
        Func(
            Left("text_layer", 2000),
            Value(r"\s"),
            Value(""),
            Value("g"),
            function="regexp_replace",
            output_field=TextField(),
        )
    )
    unread = (
        ItemImage.objects.filter(item=OuterRef("pk"))
        .exclude(Exists(OcrResult.objects.filter(image=OuterRef("pk"))))
        .annotate(visible=visible)
        .filter(visible__lt=MIN_TEXT_LAYER_CHARS)
    )
    return Q(Exists(unread))


def _index_missing(space: EmbeddingSpace | None) -> Q:
    return ~Q(Exists(SearchDocument.objects.filter(item=OuterRef("pk"))))


def _embed_missing(space: EmbeddingSpace | None) -> Q:
    """For image spaces an image without a vector; for text spaces no text vector."""
    assert space is not None, "embedding needs a space"
    condition = Q(pk__in=[])
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
    if space.passage_size is not None:
        # Items indexed before passages existed, or whose passages were lost.
        passages = Passage.objects.filter(space=space, item=OuterRef("pk"))
        condition |= ~Q(Exists(passages))
    return condition


_MISSING: dict[Stage, Callable[[EmbeddingSpace | None], Q]] = {
    Stage.PAGES: _pages_missing,
    Stage.OCR: _ocr_missing,
    Stage.INDEX: _index_missing,
    Stage.EMBED: _embed_missing,
}
