"""The work behind each job: render a PDF's pages, OCR an item's images, index its text,
embed it in a space.

Each stage computes only what is missing: inputs are hashed (with the OCR settings or
the space version), and an unchanged input makes no OCR or model call. `STAGES`, at the
end, is the one registry of stages: what is not current for an item, how to run it and
how to forget its output, shared by the workers (`run_job`) and `reindex` (plan and run).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import close_old_connections, connection, transaction
from django.db.models import Exists, OuterRef, Q
from PIL import Image

from embeddings.encoders.base import Encoder, ModelMisconfigured, ModelUnavailable
from embeddings.encoders.fingerprint import WINDOWS
from embeddings.models import (
    Embedding,
    EmbeddingSpace,
    OcrResult,
    SearchDocument,
    Stage,
    WindowHash,
)
from embeddings.ocr.reader import OcrConfig, OcrFailed, OcrTimeout, read_text
from embeddings.processing import jobs
from embeddings.processing.failures import PoisonInput, classify_failure
from embeddings.processing.passage_vectors import (
    delete_beyond,
    embed_passages,
    forget_passages,
    passages_to_embed,
    plan_items,
)
from embeddings.processing.pdf_pages import (
    has_text_layer,
    pending_pages,
    render_item_pages,
)
from embeddings.runtime.model_identity import check_encoder_for_write
from embeddings.runtime.registry import get_encoder
from embeddings.text.documents import ItemText, build_item_text
from embeddings.text.fulltext import store_search_document
from embeddings.vectors.store import InvalidVector, check_vectors, to_bit_string
from items.models import Item, ItemFile, ItemImage

logger = logging.getLogger(__name__)


def run_job(job_id: int) -> str:
    """Run one job end to end; returns what happened (for logs and tests)."""
    job = jobs.claim_job(job_id)
    if job is None:
        return "skipped"
    work = STAGES[Stage(job.stage)]
    try:
        done = work.run(item=job.item, space=job.space)
        more = (
            work.chunked
            and done > 0
            and work.pending(item=job.item, space=job.space, force=False)
        )
    except ModelUnavailable as exc:
        if not isinstance(exc, ModelMisconfigured):
            jobs.wait_for_model(job, reason=str(exc))
            return "waiting"
        failure = classify_failure(exc)
        logger.error("Job %s (%s) failed: %s", job.pk, job.stage, failure.message)
    except Exception as exc:  # the SoftTimeLimitExceeded of a hung call is one too
        failure = classify_failure(exc)
        logger.exception("Job %s (%s) failed: %s", job.pk, job.stage, failure.kind)
    else:
        if more:
            # A bounded run (a PDF's next pages, the next scans to OCR): continue in a
            # new run, so progress is stored and no run meets the time limit.
            jobs.continue_job(job)
            return "continued"
        jobs.finish_job(job)
        return "done"
    if not connection.in_atomic_block:
        # After a lost database connection, record the failure on a fresh one.
        close_old_connections()
    jobs.fail_job(job, error=failure.message, retry=failure.retry)
    return "failed"


def ocr_item(
    *, item: Item, space: EmbeddingSpace | None = None, limit: int | None = None
) -> int:
    """OCR up to `limit` (OCR_IMAGES_PER_JOB) images whose bytes or OCR settings changed;
    returns images read."""
    from django.conf import settings

    limit = settings.OCR_IMAGES_PER_JOB if limit is None else limit
    config = OcrConfig.from_settings()
    read = 0
    for image in images_to_ocr(item=item, config=config)[:limit]:
        fingerprint = config.fingerprint(image.sha256)
        with open_image(image) as picture:
            try:
                output = read_text(picture, config=config)
            except OcrTimeout as exc:  # a busy machine, not a bad image: retried
                name = f"image {image.pk} ({image.original_name})"
                raise OcrTimeout(f"{name}: {exc}") from exc
            except OcrFailed as exc:
                raise PoisonInput(
                    f"image {image.pk} ({image.original_name}): {exc}"
                ) from exc
        OcrResult.objects.update_or_create(
            image=image,
            defaults={
                "text": output.text,
                "confidence": output.confidence,
                "languages": config.languages,
                "engine_version": output.engine_version,
                "input_sha256": fingerprint,
                "duration_ms": output.duration_ms,
            },
        )
        read += 1
    return read


def images_to_ocr(*, item: Item, config: OcrConfig) -> list[ItemImage]:
    """The item's images whose stored OCR is missing or was read from other bytes or
    settings: what `ocr_item` reads, and what a dry run counts. PDF pages with a text
    layer are not read: their own text is exact, OCR of it could only add errors."""
    return [
        image
        for image in item.images.all().select_related("ocr")
        if not has_text_layer(image) and not _ocr_is_current(image, config=config)
    ]


def _ocr_is_current(image: ItemImage, *, config: OcrConfig) -> bool:
    # A missing reverse one-to-one raises an AttributeError subclass, hence getattr.
    stored = getattr(image, "ocr", None)
    return stored is not None and stored.input_sha256 == config.fingerprint(
        image.sha256
    )


def index_item(*, item: Item, space: EmbeddingSpace | None = None) -> bool:
    """Rebuild the item's weighted tsvector if its assembled text changed."""
    text = build_item_text(item)
    if search_document_is_current(item=item, text=text):
        return False
    return store_search_document(item=item, text=text)


def search_document_is_current(*, item: Item, text: ItemText) -> bool:
    """Whether the stored tsvector was built from this text (the index stage's test),
    with the text's layout stored beside it (rows from before it was are rewritten)."""
    return SearchDocument.objects.filter(
        item=item, input_sha256=text.sha256, part_lengths__isnull=False
    ).exists()


@dataclass
class EmbeddingInput:
    item_id: int
    image: ItemImage | None
    sha256: str
    text: str = ""


def embed_item(*, item: Item, space: EmbeddingSpace | None) -> int:
    """Embed the item's text and images in `space`, and up to EMBED_PASSAGES_PER_JOB of
    its passages (the job continues for the rest); returns vectors computed."""
    from django.conf import settings

    assert space is not None, "embedding jobs always name a space"
    return embed_items(
        items=[item], space=space, passage_limit=settings.EMBED_PASSAGES_PER_JOB
    )


def embed_items(
    *,
    items: Sequence[Item],
    space: EmbeddingSpace,
    batch_size: int | None = None,
    on_batch: Callable[[int], None] | None = None,
    passage_limit: int | None = None,
) -> int:
    """Embed many items in one space, batching model calls across items (at most
    `passage_limit` passages, all without one)."""
    from django.conf import settings

    batch_size = batch_size or settings.EMBED_BATCH_SIZE
    # Each item's text is assembled once, for its text vector and its passages.
    item_texts = (
        {item.pk: build_item_text(item) for item in items} if space.embeds_text else {}
    )
    wanted = [
        inp
        for item in items
        for inp in collect_inputs(item=item, space=space, text=item_texts.get(item.pk))
    ]
    plans = plan_items(items=items, space=space, texts=item_texts)
    _delete_outdated(items=items, space=space, wanted=wanted, plans=plans)
    todo = inputs_to_embed(items=items, space=space, wanted=wanted)
    passages = passages_to_embed(plans=plans, space=space)
    if not todo and not passages:
        return 0
    encoder = get_encoder(space)
    images = [(inp, inp.image) for inp in todo if inp.image is not None]
    texts = [inp for inp in todo if inp.image is None]
    for start in range(0, len(images), batch_size):
        pairs = images[start : start + batch_size]
        chunk = [inp for inp, _ in pairs]
        pictures = [_load_rgb(image) for _, image in pairs]
        windows = encoder.encode_windows(pictures) if space.stores_windows else None
        _store(
            space,
            chunk,
            encoder.encode_images(pictures),
            encoder=encoder,
            windows=windows,
        )
        if on_batch:
            on_batch(len(chunk))
    for start in range(0, len(texts), batch_size):
        chunk = texts[start : start + batch_size]
        payload = [space.document_prefix + inp.text for inp in chunk]
        _store(
            space, chunk, encoder.encode_texts(payload, query=False), encoder=encoder
        )
        if on_batch:
            on_batch(len(chunk))
    embedded = embed_passages(
        passages,
        space=space,
        encoder=encoder,
        batch_size=batch_size,
        limit=passage_limit,
        on_batch=on_batch,
    )
    return len(todo) + embedded


def inputs_to_embed(
    *,
    items: Sequence[Item],
    space: EmbeddingSpace,
    wanted: Sequence[EmbeddingInput] | None = None,
) -> list[EmbeddingInput]:
    """The inputs whose stored vector is missing or was computed from another input hash
    (or, in a space that stores region hashes, an image's are missing or fewer than the
    layout's: vectors stored before windows existed, or before a level was added): what
    `embed_items` encodes, and what a dry run counts."""
    if wanted is None:
        wanted = [
            inp for item in items for inp in collect_inputs(item=item, space=space)
        ]
    rows = Embedding.objects.filter(space=space, item__in=items)
    if space.stores_windows:
        # An image's windows are written together, so having the layout's last one
        # means having them all: one index probe instead of a count.
        windowed = WindowHash.objects.filter(
            embedding=OuterRef("pk"), window=len(WINDOWS) - 1
        )
        rows = rows.filter(Q(image__isnull=True) | Exists(windowed))
    stored = {
        (row.item_id, row.image_id): row.input_sha256
        for row in rows.only("item_id", "image_id", "input_sha256")
    }
    return [inp for inp in wanted if stored.get(_key(inp)) != inp.sha256]


def collect_inputs(
    *, item: Item, space: EmbeddingSpace, text: ItemText | None = None
) -> list[EmbeddingInput]:
    """What the space embeds for this item, each with the hash that decides re-work
    (`text`: the item's assembled text, when the caller has it)."""
    salt = f"{space.pk}:{space.model_signature}:"
    inputs: list[EmbeddingInput] = []
    if space.embeds_images:
        for image in item.images.all():
            sha = hashlib.sha256((salt + image.sha256).encode()).hexdigest()
            inputs.append(EmbeddingInput(item_id=item.pk, image=image, sha256=sha))
    if space.embeds_text:
        text = text if text is not None else build_item_text(item)
        if text.for_embedding:
            sha = hashlib.sha256((salt + text.sha256).encode()).hexdigest()
            inputs.append(
                EmbeddingInput(
                    item_id=item.pk, image=None, sha256=sha, text=text.for_embedding
                )
            )
    return inputs


def open_image(image: ItemImage) -> Image.Image:
    """Open and fully decode a stored image; an unreadable file is a poison input."""
    try:
        with image.image.open("rb") as handle:
            picture = Image.open(handle)
            picture.load()
    except FileNotFoundError as exc:
        raise PoisonInput(
            f"image {image.pk}: its file {image.image.name} is missing"
        ) from exc
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise PoisonInput(
            f"image {image.pk} ({image.original_name or image.image.name}) cannot be decoded: {exc}"
        ) from exc
    return picture


def _load_rgb(image: ItemImage) -> Image.Image:
    with open_image(image) as picture:
        return picture.convert("RGB")


def _store(
    space: EmbeddingSpace,
    inputs: list[EmbeddingInput],
    vectors,
    *,
    encoder: Encoder,
    windows=None,
) -> None:
    """Write the vectors (and each image's region hashes, when given) in one transaction:
    a stored vector always has its windows."""
    try:
        checked = check_vectors(vectors, space=space, count=len(inputs))
        regions = (
            [check_vectors(w, space=space, count=len(w)) for w in windows]
            if windows is not None
            else None
        )
    except InvalidVector as exc:
        raise PoisonInput(f"space {space.name}: {exc}") from exc
    with transaction.atomic():
        # Under the space's row lock: never another model's vectors beside the stored.
        check_encoder_for_write(space=space, encoder=encoder)
        for index, (inp, vector) in enumerate(zip(inputs, checked, strict=True)):
            values = {"input_sha256": inp.sha256, "source": _source(inp)}
            if space.column == "bits":
                values["bits"] = to_bit_string(vector)
            else:
                values["vector"] = vector.tolist()
            row, _ = Embedding.objects.update_or_create(
                space=space, item_id=inp.item_id, image=inp.image, defaults=values
            )
            if regions is not None:
                _store_windows(row, regions[index])


def _store_windows(embedding: Embedding, regions) -> None:
    WindowHash.objects.filter(embedding=embedding).delete()
    WindowHash.objects.bulk_create(
        WindowHash(embedding=embedding, window=number, bits=to_bit_string(bits))
        for number, bits in enumerate(regions)
    )


def _delete_outdated(
    *, items: Sequence[Item], space: EmbeddingSpace, wanted, plans: Sequence
) -> None:
    """Remove vectors whose input disappeared (an image deleted, text emptied)."""
    keep = {_key(inp) for inp in wanted}
    rows = Embedding.objects.filter(space=space, item__in=items).only(
        "id", "item_id", "image_id"
    )
    stale = [row.pk for row in rows if (row.item_id, row.image_id) not in keep]
    if stale:
        Embedding.objects.filter(pk__in=stale).delete()
    delete_beyond(items=items, space=space, plans=plans)


def _key(inp: EmbeddingInput) -> tuple[int, int | None]:
    return (inp.item_id, inp.image.pk if inp.image is not None else None)


def _source(inp: EmbeddingInput) -> str:
    return Embedding.Source.IMAGE if inp.image is not None else Embedding.Source.TEXT


# The stage registry. Each stage answers, for one item (and one space, for embedding),
# how many units a run would do now (`pending`: 0 means current; `force` counts every
# unit, as a run after `forget` would), does them (`run`) and drops its stored output so
# that a forced run recomputes it (`forget`). The worker, `reindex` and `reindex
# --dry-run` all go through these, so a dry run counts exactly what a run does.


@dataclass(frozen=True)
class StageWork:
    stage: Stage
    unit: str  # what `pending` and `run` count, as the plan labels it
    per_space: bool
    pending: Callable[..., int]  # (*, item, space, force) -> units a run would do
    run: Callable[..., int]  # (*, item, space) -> units done
    forget: Callable[..., None]  # (*, items, spaces) -> None: mark outputs stale
    # A chunked stage's run does a bounded part of the work; `run_all` (reindex) repeats
    # it, a worker continues the job in a new run (`run_job`).
    chunked: bool = False

    def run_all(self, *, item: Item, space: EmbeddingSpace | None) -> int:
        done = self.run(item=item, space=space)
        total = done
        while (
            self.chunked and done and self.pending(item=item, space=space, force=False)
        ):
            done = self.run(item=item, space=space)
            total += done
        return total

    def label(self, space: EmbeddingSpace | None = None) -> str:
        """The plan's and the summary's key: "ocr: images", "embed e5-small: inputs"."""
        where = f" {space.name}" if self.per_space and space is not None else ""
        return f"{self.stage.value}{where}: {self.unit}"


def _pending_pages(*, item: Item, space: EmbeddingSpace | None, force: bool) -> int:
    if force:
        return sum(file.page_count for file in item.files.all())
    return pending_pages(item=item)


def _run_pages(*, item: Item, space: EmbeddingSpace | None = None) -> int:
    return render_item_pages(item=item)


# A forced reindex "forgets" by marking stored outputs stale rather than deleting them:
# every writer upserts, so the old OCR, text and vectors keep answering searches until
# the new ones replace them (deleting first took a batch's items out of the results for
# as long as the batch ran, ~15 s under load: bench/load_during_reindex.py). Stale rows
# left by an interrupted run are what check_index's superseded-vectors check repairs.


def _forget_pages(*, items: Iterable[Item], spaces: Iterable[EmbeddingSpace]) -> None:
    # The pages stage drops a file's old pages just before it renders them again.
    ItemFile.objects.filter(item__in=list(items)).update(rendered_sha256="")


def _pending_ocr(*, item: Item, space: EmbeddingSpace | None, force: bool) -> int:
    if force:
        return sum(not has_text_layer(image) for image in item.images.all())
    return len(images_to_ocr(item=item, config=OcrConfig.from_settings()))


def _pending_index(*, item: Item, space: EmbeddingSpace | None, force: bool) -> int:
    return int(
        force or not search_document_is_current(item=item, text=build_item_text(item))
    )


def _pending_embed(*, item: Item, space: EmbeddingSpace | None, force: bool) -> int:
    assert space is not None, "embedding is counted per space"
    # A unit is a vector: the item's text and images, and each passage of its text.
    passages = sum(
        len(work.todo)
        for work in passages_to_embed(
            plans=plan_items(items=[item], space=space), space=space, force=force
        )
    )
    if force:
        return len(collect_inputs(item=item, space=space)) + passages
    return len(inputs_to_embed(items=[item], space=space)) + passages


def _forget_ocr(*, items: Iterable[Item], spaces: Iterable[EmbeddingSpace]) -> None:
    OcrResult.objects.filter(image__item__in=list(items)).update(input_sha256="")


def _forget_index(*, items: Iterable[Item], spaces: Iterable[EmbeddingSpace]) -> None:
    SearchDocument.objects.filter(item__in=list(items)).update(input_sha256="")


def _forget_embed(*, items: Iterable[Item], spaces: Iterable[EmbeddingSpace]) -> None:
    items, spaces = list(items), list(spaces)
    Embedding.objects.filter(item__in=items, space__in=spaces).update(input_sha256="")
    forget_passages(items=items, spaces=spaces)


def _run_index(*, item: Item, space: EmbeddingSpace | None = None) -> int:
    return int(index_item(item=item, space=space))


STAGES: dict[Stage, StageWork] = {
    Stage.PAGES: StageWork(
        stage=Stage.PAGES, unit="PDF pages", per_space=False,
        pending=_pending_pages, run=_run_pages, forget=_forget_pages, chunked=True,
    ),
    Stage.OCR: StageWork(
        stage=Stage.OCR, unit="images", per_space=False,
        pending=_pending_ocr, run=ocr_item, forget=_forget_ocr, chunked=True,
    ),
    Stage.INDEX: StageWork(
        stage=Stage.INDEX, unit="items", per_space=False,
        pending=_pending_index, run=_run_index, forget=_forget_index,
    ),
    Stage.EMBED: StageWork(
        stage=Stage.EMBED, unit="inputs", per_space=True,
        pending=_pending_embed, run=embed_item, forget=_forget_embed, chunked=True,
    ),
}  # fmt: skip
