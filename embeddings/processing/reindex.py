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

from embeddings.encoders.base import ModelMisconfigured, ModelUnavailable
from embeddings.models import EmbeddingSpace, JobState, Stage
from embeddings.processing.jobs import record_outcome
from embeddings.processing.pipeline import STAGES, StageWork, embed_items
from embeddings.processing.reprocess import items_missing
from items.models import Item

logger = logging.getLogger(__name__)


@dataclass
class ReindexSummary:
    items: int = 0
    # Units done per stage label ("ocr: images", "embed e5-small: inputs"): the keys of
    # `plan_reindex`, so a run can be compared with its dry run.
    work: Counter = field(default_factory=Counter)
    vectors: Counter = field(default_factory=Counter)  # per space name
    unavailable: dict[str, str] = field(default_factory=dict)
    failures: list[tuple[int, str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def count(
        self, work: StageWork, done: int, space: EmbeddingSpace | None = None
    ) -> None:
        self.work[work.label(space)] += done
        if space is not None:
            self.vectors[space.name] += done

    @property
    def ocr_images(self) -> int:
        return self.work[STAGES[Stage.OCR].label()]

    @property
    def indexed(self) -> int:
        return self.work[STAGES[Stage.INDEX].label()]


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
            if STAGES[stage].per_space:
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
    """What a run would do, per stage: images to OCR, items to index, inputs to embed.

    Each count is the stage's own `pending` answer, the test its run applies, so the
    plan is the work a run does (keys as in `ReindexSummary.work`)."""
    plan: Counter = Counter()
    for item in items.prefetch_related("images__ocr"):
        for work in _in_pipeline_order(stages):
            for space in spaces if work.per_space else [None]:
                count = work.pending(item=item, space=space, force=force)
                if count:
                    plan[work.label(space)] += count
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
        for work in _in_pipeline_order(stages):
            work.forget(items=batch, spaces=spaces)


def _per_item(
    item: Item, *, stages: tuple[Stage, ...], summary: ReindexSummary, since
) -> None:
    for work in _in_pipeline_order(stages):
        if work.per_space:
            continue  # embedding runs per batch and space, in _embed_batch
        try:
            done = work.run_all(item=item, space=None)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            summary.failures.append((item.pk, work.stage, error))
            record_outcome(
                item_id=item.pk,
                stage=work.stage,
                space=None,
                state=JobState.FAILED,
                error=error,
                since=since,
            )
            continue
        summary.count(work, done)
        record_outcome(
            item_id=item.pk,
            stage=work.stage,
            space=None,
            state=JobState.DONE,
            since=since,
        )


def _in_pipeline_order(stages: tuple[Stage, ...]) -> list[StageWork]:
    """The chosen stages in the registry's order (OCR before the index that reads it),
    whatever order they were asked for in."""
    return [work for stage, work in STAGES.items() if stage in stages]


def _embed_batch(
    batch: list[Item], *, space: EmbeddingSpace, summary: ReindexSummary, since
) -> bool:
    """Embed a batch in one space; False if the space's model is unavailable."""
    work = STAGES[Stage.EMBED]
    try:
        summary.count(work, embed_items(items=batch, space=space), space)
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
                summary.count(work, embed_items(items=[item], space=space), space)
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
