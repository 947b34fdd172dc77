"""`manage.py reindex` as a service: plan (dry run) and run OCR, indexing and embedding in
batches, in this process, with the same hashing as the workers (so a rerun after an
interruption continues where it stopped: finished items are skipped)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from embeddings.documents import build_item_text
from embeddings.encoders.base import ModelMisconfigured, ModelUnavailable
from embeddings.jobs import record_outcome
from embeddings.models import (
    Embedding,
    EmbeddingSpace,
    JobState,
    OcrResult,
    SearchDocument,
    Stage,
)
from embeddings.ocr import OcrConfig
from embeddings.pipeline import collect_inputs, embed_items, index_item, ocr_item
from embeddings.reprocess import items_missing
from items.models import Item

logger = logging.getLogger(__name__)


@dataclass
class ReindexSummary:
    items: int = 0
    ocr_images: int = 0
    indexed: int = 0
    vectors: Counter = field(default_factory=Counter)
    unavailable: dict[str, str] = field(default_factory=dict)
    failures: list[tuple[int, str, str]] = field(default_factory=list)
    seconds: float = 0.0


def select_items(
    *,
    item_ids: list[int] | None,
    missing: bool,
    spaces: list[EmbeddingSpace],
    stages: tuple[Stage, ...],
) -> QuerySet[Item]:
    """Items to work on, in id order; with `missing`, only those lacking some output."""
    items = Item.objects.all()
    if item_ids:
        items = items.filter(pk__in=item_ids)
    if missing:
        wanted = Item.objects.none()
        for stage in stages:
            if stage == Stage.EMBED:
                for space in spaces:
                    wanted = wanted | items_missing(
                        stage=stage, space=space, items=items
                    )
            else:
                wanted = wanted | items_missing(stage=stage, items=items)
        items = items.filter(pk__in=wanted.values("pk"))
    return items.order_by("pk")


def plan_reindex(
    *,
    items: QuerySet[Item],
    spaces: list[EmbeddingSpace],
    stages: tuple[Stage, ...],
    force: bool,
) -> dict[str, int]:
    """What a run would do, per stage: images to OCR, items to index, inputs to embed."""
    config = OcrConfig.from_settings()
    plan: Counter = Counter()
    for item in items.prefetch_related("images__ocr"):
        if Stage.OCR in stages:
            for image in item.images.all():
                ocr = getattr(image, "ocr", None)
                if (
                    force
                    or ocr is None
                    or ocr.input_sha256 != config.fingerprint(image.sha256)
                ):
                    plan["ocr: images"] += 1
        if Stage.INDEX in stages:
            sha = build_item_text(item).sha256
            if (
                force
                or not SearchDocument.objects.filter(
                    item=item, input_sha256=sha
                ).exists()
            ):
                plan["index: items"] += 1
        if Stage.EMBED in stages:
            for space in spaces:
                stored = dict(
                    Embedding.objects.filter(space=space, item=item).values_list(
                        "image_id", "input_sha256"
                    )
                )
                for inp in collect_inputs(item=item, space=space):
                    key = inp.image.pk if inp.image is not None else None
                    if force or stored.get(key) != inp.sha256:
                        plan[f"embed {space.name}: inputs"] += 1
    return dict(plan)


def run_reindex(
    *,
    items: QuerySet[Item],
    spaces: list[EmbeddingSpace],
    stages: tuple[Stage, ...],
    force: bool,
    batch_size: int,
    progress: Callable[[int], None] | None = None,
) -> ReindexSummary:
    summary = ReindexSummary()
    started = time.monotonic()
    ids = list(items.values_list("pk", flat=True))
    live_spaces = list(spaces)
    for start in range(0, len(ids), batch_size):
        since = timezone.now()
        batch = list(
            Item.objects.filter(pk__in=ids[start : start + batch_size])
            .order_by("pk")
            .prefetch_related("images")
        )
        if force:
            _forget(batch, spaces=live_spaces, stages=stages)
        for item in batch:
            _per_item(item, stages=stages, summary=summary, since=since)
        if Stage.EMBED in stages:
            for space in list(live_spaces):
                if not _embed_batch(batch, space=space, summary=summary, since=since):
                    live_spaces.remove(space)
                    # Park the rest too, so the sweeper releases them with the model.
                    for item_id in ids[start + batch_size :]:
                        record_outcome(
                            item_id=item_id, stage=Stage.EMBED, space=space,
                            state=JobState.WAITING, since=since,
                            error=summary.unavailable[space.name],
                        )  # fmt: skip
        summary.items += len(batch)
        if progress:
            progress(len(batch))
    summary.seconds = time.monotonic() - started
    return summary


def _forget(
    batch: list[Item], *, spaces: list[EmbeddingSpace], stages: tuple[Stage, ...]
) -> None:
    with transaction.atomic():
        if Stage.OCR in stages:
            OcrResult.objects.filter(image__item__in=batch).delete()
        if Stage.INDEX in stages:
            SearchDocument.objects.filter(item__in=batch).delete()
        if Stage.EMBED in stages:
            Embedding.objects.filter(item__in=batch, space__in=spaces).delete()


def _per_item(
    item: Item, *, stages: tuple[Stage, ...], summary: ReindexSummary, since
) -> None:
    for stage, work in ((Stage.OCR, ocr_item), (Stage.INDEX, index_item)):
        if stage not in stages:
            continue
        try:
            result = work(item=item)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            summary.failures.append((item.pk, stage, error))
            record_outcome(
                item_id=item.pk,
                stage=stage,
                space=None,
                state=JobState.FAILED,
                error=error,
                since=since,
            )
            continue
        if stage == Stage.OCR:
            summary.ocr_images += int(result)
        else:
            summary.indexed += int(bool(result))
        record_outcome(
            item_id=item.pk, stage=stage, space=None, state=JobState.DONE, since=since
        )


def _embed_batch(
    batch: list[Item], *, space: EmbeddingSpace, summary: ReindexSummary, since
) -> bool:
    """Embed a batch in one space; False if the space's model is unavailable."""
    try:
        summary.vectors[space.name] += embed_items(items=batch, space=space)
        outcomes = {item.pk: (JobState.DONE, "") for item in batch}
    except ModelUnavailable as exc:
        summary.unavailable[space.name] = str(exc)
        # A misconfigured space fails visibly, as in the workers; missing weights wait.
        state = (
            JobState.FAILED if isinstance(exc, ModelMisconfigured) else JobState.WAITING
        )
        for item in batch:
            record_outcome(
                item_id=item.pk, stage=Stage.EMBED, space=space, state=state,
                error=str(exc), since=since,
            )  # fmt: skip
        return False
    except Exception:
        # One bad input must not sink the batch: isolate it by embedding item by item.
        outcomes = {}
        for item in batch:
            try:
                summary.vectors[space.name] += embed_items(items=[item], space=space)
                outcomes[item.pk] = (JobState.DONE, "")
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                summary.failures.append((item.pk, f"embed {space.name}", error))
                outcomes[item.pk] = (JobState.FAILED, error)
    for item_id, (state, error) in outcomes.items():
        record_outcome(
            item_id=item_id, stage=Stage.EMBED, space=space, state=state, error=error,
            since=since,
        )  # fmt: skip
    return True
