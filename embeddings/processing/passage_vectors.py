"""Passage vectors: every passage of an item's indexed text embedded in a text space.

A text model reads one window (multilingual-e5: 512 tokens), so an item's text vector
sees the start of a long document only; the passages (embeddings/text/passages.py) cover
all of it, and search ranks an item by its best passage (search/branches.py
`passage_query`). Part of the embed stage: the same job, hash discipline and progress
counts as the item's other vectors.

The model reads each passage with the item's title in front (unless the passage already
starts with it), so a passage deep in a manual page still says what the page is about.
All passages of an item share one input hash (its text, the split sizes, the space's
model): when the text changes the passages are cut again and re-embedded together,
since a change early in the text moves every later cut. Rows are written a batch at a
time, so a long document's passages are embedded over several bounded job runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from embeddings.encoders.base import Encoder
from embeddings.models import EmbeddingSpace, Passage
from embeddings.processing.failures import PoisonInput
from embeddings.runtime.model_identity import check_encoder_for_write
from embeddings.text.documents import ItemText, build_item_text
from embeddings.text.passages import Span, split_text
from embeddings.vectors.store import InvalidVector, check_vectors
from items.models import Item


@dataclass(frozen=True)
class PassagePlan:
    """An item's passages in one space as they should be stored."""

    item_id: int
    sha256: str
    spans: tuple[Span, ...]
    inputs: tuple[str, ...]  # what the model reads for each span


def plan_passages(
    *, item: Item, space: EmbeddingSpace, text: ItemText | None = None
) -> PassagePlan | None:
    """The item's passages in `space`, or None if the space embeds no passages."""
    sizes = space.passage_size
    if sizes is None:
        return None
    text = text if text is not None else build_item_text(item)
    size, overlap = sizes
    full = text.full
    spans = tuple(split_text(full, size=size, overlap=overlap)) if full.strip() else ()
    salt = f"{space.pk}:{space.model_signature}:passages:{size}:{overlap}:"
    sha = hashlib.sha256((salt + text.sha256).encode()).hexdigest()
    inputs = tuple(_model_input(text.title, full, span) for span in spans)
    return PassagePlan(item_id=item.pk, sha256=sha, spans=spans, inputs=inputs)


def _model_input(title: str, full: str, span: Span) -> str:
    passage = full[span.start : span.end]
    if not title or span.start < len(title):
        return passage  # the first passage starts with the title already
    return f"{title}\n{passage}"


@dataclass(frozen=True)
class PassageWork:
    """The passages of a plan that are not stored as planned (their number)."""

    plan: PassagePlan
    todo: tuple[int, ...]


def plan_items(
    *,
    items: Sequence[Item],
    space: EmbeddingSpace,
    texts: Mapping[int, ItemText] | None = None,
) -> list[PassagePlan]:
    """The passages of each item in `space` (none if it embeds no passages), from the
    items' assembled `texts` when the caller has them."""
    if space.passage_size is None:
        return []
    texts = texts or {}
    return [
        plan
        for item in items
        if (plan := plan_passages(item=item, space=space, text=texts.get(item.pk)))
        is not None
    ]


def passages_to_embed(
    *, plans: Sequence[PassagePlan], space: EmbeddingSpace, force: bool = False
) -> list[PassageWork]:
    """Per plan, the passages whose stored row is missing or was cut or embedded from
    another input (one query for all the items): what `embed_passages` writes, and
    what a dry run counts. Rows are compared one by one, so a run that stopped after
    part of a long document's passages resumes with the rest."""
    stored: set[tuple[int, int, int, int, str]] = set()
    if not force:
        stored = set(
            Passage.objects.filter(
                space=space, item__in=[plan.item_id for plan in plans]
            ).values_list("item_id", "number", "start", "end", "input_sha256")
        )
    works = []
    for plan in plans:
        todo = tuple(
            number
            for number, span in enumerate(plan.spans)
            if (plan.item_id, number, span.start, span.end, plan.sha256) not in stored
        )
        if todo:
            works.append(PassageWork(plan=plan, todo=todo))
    return works


def delete_beyond(
    *, items: Sequence[Item], space: EmbeddingSpace, plans: Sequence[PassagePlan]
) -> None:
    """Drop the passages past the end of each item's current split (`plans`: a shorter
    text), and all of them in a space that no longer embeds passages."""
    if space.passage_size is None:
        Passage.objects.filter(space=space, item__in=items).delete()
        return
    beyond = Q(pk__in=[])
    for plan in plans:
        beyond |= Q(item_id=plan.item_id, number__gte=len(plan.spans))
    Passage.objects.filter(beyond, space=space).delete()  # one statement for the batch


def embed_passages(
    works: Sequence[PassageWork],
    *,
    space: EmbeddingSpace,
    encoder: Encoder,
    batch_size: int,
    limit: int | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Encode up to `limit` passages (all without one) in batches across items and store
    them batch by batch, each replacing the row of its number; returns passages
    embedded. A worker's job passes a limit (EMBED_PASSAGES_PER_JOB) and continues in a
    new run, so a 500-page PDF never meets the task's time limit."""
    queue = [(work.plan, number) for work in works for number in work.todo]
    queue = queue[:limit] if limit is not None else queue
    for start in range(0, len(queue), batch_size):
        chunk = queue[start : start + batch_size]
        payload = [space.document_prefix + plan.inputs[n] for plan, n in chunk]
        try:
            checked = check_vectors(
                encoder.encode_texts(payload, query=False),
                space=space,
                count=len(chunk),
            )
        except InvalidVector as exc:
            raise PoisonInput(f"space {space.name}: {exc}") from exc
        _store(space, chunk, checked, encoder=encoder)
        if on_batch:
            on_batch(len(chunk))
    return len(queue)


def _store(space: EmbeddingSpace, chunk, vectors, *, encoder) -> None:
    with transaction.atomic():
        # Under the space's row lock: never another model's vectors beside the stored.
        check_encoder_for_write(space=space, encoder=encoder)
        for plan, number in chunk:
            Passage.objects.filter(
                space=space, item_id=plan.item_id, number=number
            ).delete()
        Passage.objects.bulk_create(
            Passage(
                space=space,
                item_id=plan.item_id,
                number=number,
                start=plan.spans[number].start,
                end=plan.spans[number].end,
                vector=vector.tolist(),
                input_sha256=plan.sha256,
            )
            for (plan, number), vector in zip(chunk, vectors, strict=True)
        )


def forget_passages(*, items: Sequence[Item], spaces: Sequence[EmbeddingSpace]) -> None:
    """Mark the passages stale (a forced reindex): they answer until replaced."""
    Passage.objects.filter(item__in=items, space__in=spaces).update(input_sha256="")
