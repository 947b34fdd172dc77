"""Consistency of derived data with the items it derives from: find problems, repair them.

Foreign keys keep orphans out in normal operation; they appear after a restore with
triggers disabled, hand-written SQL, or a sharded setup without foreign keys. The other
problems come from lost work (a job row deleted, a worker that died with its row) and
from spaces whose model changed under stored vectors. Repairs use the same services as
the admin: derived rows are deleted, missing work is requested as jobs (the workers do
it), lost jobs are handed to the sweeper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, FileField, OuterRef, Q
from django.utils import timezone

from embeddings.encoders.base import ModelUnavailable
from embeddings.models import (
    Embedding,
    EmbeddingSpace,
    IdentifierToken,
    JobState,
    OcrResult,
    Passage,
    ProcessingJob,
    SearchDocument,
    SpaceState,
    Stage,
)
from embeddings.processing import jobs
from embeddings.processing.reprocess import items_missing
from embeddings.runtime.model_identity import ModelChanged
from embeddings.runtime.registry import get_encoder
from embeddings.text.fulltext import write_identifier_tokens
from embeddings.text.identifiers import extract_identifiers
from embeddings.vectors.spaces import reembed_space
from items.file_cleanup import referenced_names
from items.models import Item, ItemFile, ItemImage

IN_FLIGHT = [JobState.PENDING, JobState.RUNNING, JobState.WAITING]
SAMPLE = 5


@dataclass
class Finding:
    """What one check found: opaque keys its repair understands, and readable samples."""

    keys: list = field(default_factory=list)
    samples: list[str] = field(default_factory=list)

    def add(self, key, sample: str) -> None:
        self.keys.append(key)
        if len(self.samples) < SAMPLE:
            self.samples.append(sample)


@dataclass(frozen=True)
class IndexCheck:
    name: str
    label: str
    find: Callable[[], Finding]
    repair: Callable[[Finding], int] | None  # None: an operator must act
    how_to_fix: str
    problem: bool = True  # False: reported for information, not a failure


@dataclass
class CheckResult:
    check: IndexCheck
    found: int
    fixed: int
    remaining: int
    samples: list[str]


# Orphans


def find_orphan_embeddings() -> Finding:
    finding = Finding()
    orphans = Embedding.objects.exclude(
        Exists(Item.objects.filter(pk=OuterRef("item_id")))
    ) | Embedding.objects.filter(image_id__isnull=False).exclude(
        Exists(
            ItemImage.objects.filter(
                pk=OuterRef("image_id"), item_id=OuterRef("item_id")
            )
        )
    )
    for pk, item_id, image_id in orphans.values_list("pk", "item_id", "image_id"):
        finding.add(pk, f"embedding {pk} (item {item_id}, image {image_id})")
    return finding


def find_orphan_documents() -> Finding:
    finding = Finding()
    gone = SearchDocument.objects.exclude(
        Exists(Item.objects.filter(pk=OuterRef("item_id")))
    )
    for item_id in gone.values_list("item_id", flat=True):
        finding.add(item_id, f"search document of item {item_id}")
    return finding


def find_orphan_passages() -> Finding:
    finding = Finding()
    gone = Passage.objects.exclude(Exists(Item.objects.filter(pk=OuterRef("item_id"))))
    for pk, item_id in gone.values_list("pk", "item_id"):
        finding.add(pk, f"passage {pk} of item {item_id}")
    return finding


def find_orphan_ocr() -> Finding:
    finding = Finding()
    gone = OcrResult.objects.exclude(
        Exists(ItemImage.objects.filter(pk=OuterRef("image_id")))
    )
    for pk, image_id in gone.values_list("pk", "image_id"):
        finding.add(pk, f"OCR result {pk} (image {image_id})")
    return finding


def find_orphan_jobs() -> Finding:
    finding = Finding()
    gone = ProcessingJob.objects.exclude(
        Exists(Item.objects.filter(pk=OuterRef("item_id")))
    )
    for pk, item_id in gone.values_list("pk", "item_id"):
        finding.add(pk, f"job {pk} (item {item_id})")
    return finding


def delete_rows(model) -> Callable[[Finding], int]:
    def repair(finding: Finding) -> int:
        deleted, _ = model.objects.filter(pk__in=finding.keys).delete()
        return min(deleted, len(finding.keys))

    return repair


def find_missing_files() -> Finding:
    """Images and PDFs whose stored file is gone: OCR and vectors describe bytes nobody
    has, and a PDF's pages cannot be rendered again."""
    finding = Finding()
    for model, attribute, label in (
        (ItemImage, "image", "image"),
        (ItemFile, "file", "PDF"),
    ):
        storage = cast(FileField, model._meta.get_field(attribute)).storage
        for pk, item_id, name in model.objects.values_list("pk", "item_id", attribute):
            if not name or not storage.exists(name):
                finding.add(
                    (label, pk),
                    f"{label} {pk} of item {item_id}: {name or '(no file)'}",
                )
    return finding


ORPHAN_FILE_GRACE = timedelta(
    hours=1
)  # an upload writes its file before its row commits


def _stored_files(storage, folder: str):
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _stored_files(storage, f"{folder}/{sub}")


def find_orphan_files() -> Finding:
    """Image, thumbnail and PDF files no row refers to, older than the grace period. Deletes
    and replacements remove their files (items/file_cleanup.py); these are left by a crash
    between an upload's write and its commit, or a restore. A draft's image must not linger."""
    finding = Finding()
    storage = ItemImage._meta.get_field("image").storage
    referenced = referenced_names()
    cutoff = timezone.now() - ORPHAN_FILE_GRACE
    for folder in ("items", "thumbs", "files"):
        for name in _stored_files(storage, folder):
            if name not in referenced and storage.get_modified_time(name) < cutoff:
                finding.add(name, name)
    return finding


def delete_files(finding: Finding) -> int:
    storage = ItemImage._meta.get_field("image").storage
    referenced = referenced_names(finding.keys)
    deleted = 0
    for name in finding.keys:
        if name not in referenced:  # re-checked: a row may have appeared meanwhile
            storage.delete(name)
            deleted += 1
    return deleted


# Missing work


def _no_job(stage: Stage, space: EmbeddingSpace | None = None, states=IN_FLIGHT):
    return ~Exists(
        ProcessingJob.objects.filter(
            item_id=OuterRef("pk"), stage=stage, space=space, state__in=states
        )
    )


def _published_lacking(stage: Stage) -> Finding:
    """Published items lacking `stage`'s output, with no job that would produce it
    (pending, running, waiting, or failed: failures are reported on their own)."""
    finding = Finding()
    items = items_missing(stage=stage, items=Item.objects.published()).filter(
        _no_job(stage, states=[*IN_FLIGHT, JobState.FAILED])
    )
    for pk in items.values_list("pk", flat=True):
        finding.add(pk, f"item {pk}")
    return finding


def find_missing_documents() -> Finding:
    return _published_lacking(Stage.INDEX)


def find_missing_pages() -> Finding:
    """Published items with a PDF whose pages are not all rendered from its current
    bytes, and no job that would render them."""
    return _published_lacking(Stage.PAGES)


def request_pages(finding: Finding) -> int:
    with transaction.atomic():
        for item_id in finding.keys:
            jobs.request_processing(item_id=item_id)  # pages, then what reads them
    return len(finding.keys)


def request_documents(finding: Finding) -> int:
    with transaction.atomic():
        for item_id in finding.keys:
            jobs.request_processing(item_id=item_id, stages=(Stage.INDEX,))
    return len(finding.keys)


# Read in batches: a long document's text is large, and the whole corpus is compared.
IDENTIFIER_BATCH = 1000


def find_stale_identifiers() -> Finding:
    """Search documents whose identifier tokens are not those of their text: written
    by hand-written SQL or a restore, or by an extractor that has changed since. An
    index job would skip them (their text is current), so the check compares each
    document's stored tokens with its text's (one pass; ~1 s per 10k short items)."""
    finding = Finding()
    last = 0
    while True:
        batch = list(
            SearchDocument.objects.filter(item_id__gt=last)
            .order_by("item_id")
            .values_list("item_id", "text")[:IDENTIFIER_BATCH]
        )
        if not batch:
            return finding
        last = batch[-1][0]
        stored: dict[int, set[str]] = {item_id: set() for item_id, _ in batch}
        for item_id, token in IdentifierToken.objects.filter(
            document_id__in=list(stored)
        ).values_list("document_id", "token"):
            stored[item_id].add(token)
        for item_id, text in batch:
            expected = extract_identifiers(text)
            if stored[item_id] != expected:
                missing = len(expected - stored[item_id])
                extra = len(stored[item_id] - expected)
                finding.add(
                    item_id, f"item {item_id}: {missing} missing, {extra} extra"
                )


def rewrite_identifiers(finding: Finding) -> int:
    """Rewrite the tokens from the stored text, as the index stage writes them."""
    documents = SearchDocument.objects.filter(item_id__in=finding.keys)
    with transaction.atomic(), connection.cursor() as cursor:
        for item_id, text in documents.values_list("item_id", "text"):
            write_identifier_tokens(cursor, item_id=item_id, text=text)
    return len(finding.keys)


def served_spaces(*, available: bool) -> list[EmbeddingSpace]:
    """Active spaces whose model loads (or was never probed), or those that do not."""
    spaces = EmbeddingSpace.objects.filter(state=SpaceState.ACTIVE)
    if available:
        return list(spaces.exclude(available=False))
    return list(spaces.filter(available=False))


def _missing_embeddings(spaces: list[EmbeddingSpace], states) -> Finding:
    finding = Finding()
    for space in spaces:
        items = items_missing(
            stage=Stage.EMBED, space=space, items=Item.objects.published()
        ).filter(_no_job(Stage.EMBED, space, states))
        for pk in items.values_list("pk", flat=True):
            finding.add((pk, space.pk), f"item {pk} in {space.name}")
    return finding


def find_missing_embeddings() -> Finding:
    """Published items lacking vectors in a served space, with no job that would add
    them (pending, running, waiting, or failed: failures are reported on their own)."""
    return _missing_embeddings(
        served_spaces(available=True), [*IN_FLIGHT, JobState.FAILED]
    )


def find_unavailable_coverage() -> Finding:
    return _missing_embeddings(served_spaces(available=False), [JobState.FAILED])


def request_embeddings(finding: Finding) -> int:
    spaces = {space.pk: space for space in EmbeddingSpace.objects.all()}
    with transaction.atomic():
        for item_id, space_id in finding.keys:
            jobs.request_processing(
                item_id=item_id, stages=(Stage.EMBED,), spaces=[spaces[space_id]]
            )
    return len(finding.keys)


# Jobs


def stale_jobs() -> Q:
    """Jobs nobody is working on: pending and not picked up (not counting those that
    rightly wait for their item's pages or OCR), or running past the time a worker can
    take."""
    now = timezone.now()
    pending_cutoff = now - timedelta(seconds=settings.JOB_STALE_PENDING_SECONDS)
    running_cutoff = now - timedelta(seconds=settings.JOB_STALE_RUNNING_SECONDS)
    not_picked_up = Q(enqueued_at__lt=pending_cutoff) | Q(
        enqueued_at__isnull=True, requested_at__lt=pending_cutoff
    )
    pending = Q(state=JobState.PENDING) & not_picked_up & jobs.prerequisites_done()
    running = Q(state=JobState.RUNNING, started_at__lt=running_cutoff)
    return pending | running


def find_stale_jobs() -> Finding:
    finding = Finding()
    rows = ProcessingJob.objects.filter(stale_jobs()).select_related("space")
    for job in rows.order_by("pk"):
        finding.add(job.pk, f"job {job.pk}: {job}")
    return finding


def sweep_stale_jobs(finding: Finding) -> int:
    jobs.sweep_jobs()
    still = ProcessingJob.objects.filter(stale_jobs(), pk__in=finding.keys).count()
    return len(finding.keys) - still


def find_failed_jobs() -> Finding:
    finding = Finding()
    rows = ProcessingJob.objects.filter(state=JobState.FAILED).order_by("pk")
    for pk, item_id, error in rows.values_list("pk", "item_id", "last_error"):
        finding.add(pk, f"job {pk} (item {item_id}): {error[:80]}")
    return finding


# A model changed under a space's vectors


def find_changed_models() -> Finding:
    """Maintained spaces with vectors whose model, as loaded now, is not the one that
    made them (embeddings/runtime/model_identity.py); each such model is loaded here to know."""
    finding = Finding()
    for space in jobs.maintained_spaces():
        if not Embedding.objects.filter(space=space).exists():
            continue
        try:
            get_encoder(space)
        except ModelChanged as exc:
            finding.add(space.pk, f"{space.name}: {exc}")
        # Anything else that stops the model from loading leaves nothing to compare; it
        # is reported by unavailable-spaces and the space's failed jobs.
        except Exception:  # a broken model must not stop the other checks
            continue
    return finding


def reembed_changed_spaces(finding: Finding) -> int:
    """Re-embed each in place with the model that loads now (`reembed_space`)."""
    fixed = 0
    for space in EmbeddingSpace.objects.filter(pk__in=finding.keys):
        try:
            reembed_space(space)
        except ModelUnavailable:
            continue
        fixed += 1
    return fixed


# Vectors of a superseded model


def find_superseded_vectors() -> Finding:
    """Vectors whose input hash does not match the space's current model signature and
    the current input (the same hash `collect_inputs` computes), vectors of a modality
    the space no longer embeds, and vectors of the wrong dimension. Items with work in
    flight are left alone: that work replaces them."""
    finding = Finding()
    for space in jobs.maintained_spaces():
        salt = f"{space.pk}:{space.model_signature}:"
        if space.column == "bits":
            wrong_size = "e.bits IS NULL OR length(e.bits) <> %(dim)s"
        else:
            wrong_size = "e.vector IS NULL OR vector_dims(e.vector) <> %(dim)s"
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT e.id, e.item_id, e.image_id
                FROM embeddings_embedding e
                LEFT JOIN items_itemimage im ON im.id = e.image_id
                LEFT JOIN embeddings_searchdocument sd ON sd.item_id = e.item_id
                WHERE e.space_id = %(space)s
                  AND NOT EXISTS (
                    SELECT 1 FROM embeddings_processingjob j
                    WHERE j.item_id = e.item_id
                      AND j.state IN ('pending', 'running')
                      AND (j.space_id = %(space)s OR j.stage IN ('ocr', 'index')))
                  AND (
                    {wrong_size}
                    OR (e.image_id IS NOT NULL AND (NOT %(images)s OR im.id IS NULL
                        OR e.input_sha256 <> encode(sha256(convert_to(
                            %(salt)s || im.sha256, 'UTF8')), 'hex')))
                    OR (e.image_id IS NULL AND (NOT %(texts)s
                        OR (sd.item_id IS NOT NULL AND e.input_sha256 <> encode(
                            sha256(convert_to(%(salt)s || sd.input_sha256, 'UTF8')),
                            'hex')))))
                ORDER BY e.id
                """,
                {
                    "space": space.pk,
                    "dim": space.dimension,
                    "salt": salt,
                    "images": space.embeds_images,
                    "texts": space.embeds_text,
                },
            )
            for pk, item_id, image_id in cursor.fetchall():
                what = f"image {image_id}" if image_id else "text"
                finding.add(
                    (pk, item_id, space.pk), f"{space.name}: item {item_id} {what}"
                )
    return finding


def replace_superseded_vectors(finding: Finding) -> int:
    """Delete them (a different model's vectors must not answer queries in this space's
    index) and request the space's embeddings for their items again."""
    spaces = {space.pk: space for space in EmbeddingSpace.objects.all()}
    with transaction.atomic():
        deleted, _ = Embedding.objects.filter(
            pk__in=[pk for pk, _, _ in finding.keys]
        ).delete()
        for item_id, space_id in sorted({(i, s) for _, i, s in finding.keys}):
            jobs.request_processing(
                item_id=item_id, stages=(Stage.EMBED,), spaces=[spaces[space_id]]
            )
    return deleted


CHECKS: list[IndexCheck] = [
    IndexCheck("orphan-embeddings", "orphan embeddings (item or image gone)",
               find_orphan_embeddings, delete_rows(Embedding), "delete them"),
    IndexCheck("orphan-documents", "orphan search documents (item gone)",
               find_orphan_documents, delete_rows(SearchDocument), "delete them"),
    IndexCheck("orphan-passages", "orphan passages (item gone)",
               find_orphan_passages, delete_rows(Passage), "delete them"),
    IndexCheck("orphan-ocr", "orphan OCR results (image gone)",
               find_orphan_ocr, delete_rows(OcrResult), "delete them"),
    IndexCheck("orphan-jobs", "orphan jobs (item gone)",
               find_orphan_jobs, delete_rows(ProcessingJob), "delete them"),
    IndexCheck("orphan-files", "orphan media files (no image or PDF row)",
               find_orphan_files, delete_files, "delete them"),
    IndexCheck("missing-files", "images and PDFs whose file is missing from storage",
               find_missing_files, None, "re-upload or delete the image or PDF"),
    IndexCheck("missing-pages", "published items with PDF pages not rendered",
               find_missing_pages, request_pages, "queue page jobs"),
    IndexCheck("missing-documents", "published items without a search document",
               find_missing_documents, request_documents, "queue index jobs"),
    IndexCheck("stale-identifiers", "search documents whose identifier tokens are stale",
               find_stale_identifiers, rewrite_identifiers, "rewrite them from the text"),
    IndexCheck("missing-embeddings", "published items missing embeddings (active spaces)",
               find_missing_embeddings, request_embeddings, "queue embed jobs"),
    IndexCheck("changed-models", "spaces whose model changed under their vectors",
               find_changed_models, reembed_changed_spaces,
               "delete vectors, bump version, re-embed"),
    IndexCheck("superseded-vectors", "vectors from a superseded model or input",
               find_superseded_vectors, replace_superseded_vectors,
               "delete, queue embed jobs"),
    IndexCheck("stale-jobs", "stale jobs (pending or running too long)",
               find_stale_jobs, sweep_stale_jobs, "run the sweeper"),
    IndexCheck("failed-jobs", "failed jobs (reason on each job)",
               find_failed_jobs, None, "fix the input, then Run again", problem=False),
    IndexCheck("unavailable-spaces", "items waiting for an unavailable space's model",
               find_unavailable_coverage, None, "install the weights", problem=False),
]  # fmt: skip


def check_index(
    *, fix: bool = False, only: list[str] | None = None
) -> list[CheckResult]:
    """Run every check (or those named); with `fix`, repair what can be repaired and
    count what remains by running the check again."""
    results = []
    for check in CHECKS:
        if only and check.name not in only:
            continue
        finding = check.find()
        fixed = 0
        remaining = len(finding.keys)
        if fix and check.repair is not None and finding.keys:
            fixed = check.repair(finding)
            remaining = len(check.find().keys)
        results.append(
            CheckResult(
                check=check,
                found=len(finding.keys),
                fixed=fixed,
                remaining=remaining,
                samples=finding.samples,
            )
        )
    return results
