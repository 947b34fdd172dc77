"""Job rows: recording what must be computed, handing it to workers, and recovering.

Rows are written in the same transaction as the item save; the Celery message is sent
after commit and is only a nudge. If the broker is down at save time or a worker dies
mid-job, the row says so and `sweep_jobs` sends it again, so nothing is lost.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from embeddings.models import EmbeddingSpace, JobState, ProcessingJob, SpaceState, Stage

logger = logging.getLogger(__name__)

TASK_FOR_STAGE = {
    Stage.PAGES: "embeddings.render_pages",
    Stage.OCR: "embeddings.ocr_item",
    Stage.INDEX: "embeddings.index_item",
    Stage.EMBED: "embeddings.embed_item",
}
QUEUE_FOR_STAGE = {
    Stage.PAGES: "ocr",  # CPU-bound rendering, like OCR
    Stage.OCR: "ocr",
    Stage.INDEX: "embed",
    Stage.EMBED: "embed",
}
# A stage's job waits while one of these of the same item is pending or running: pages
# make the images that OCR reads, and OCR text is part of what is indexed and embedded.
PREREQUISITES: dict[Stage, tuple[Stage, ...]] = {
    Stage.PAGES: (),
    Stage.OCR: (Stage.PAGES,),
    Stage.INDEX: (Stage.PAGES, Stage.OCR),
    Stage.EMBED: (Stage.PAGES, Stage.OCR),
}
BLOCKING_STAGES = tuple(
    sorted({s for before in PREREQUISITES.values() for s in before})
)
# Publishing must not hold up an editor's save for long when Redis is unreachable;
# the sweeper sends the job later.
PUBLISH_RETRY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}


def maintained_spaces() -> QuerySet[EmbeddingSpace]:
    """Spaces whose vectors are kept current: active ones and those being built."""
    return EmbeddingSpace.objects.filter(
        state__in=[SpaceState.ACTIVE, SpaceState.BUILDING]
    )


def request_processing(
    *,
    item_id: int,
    stages: tuple[Stage, ...] = (Stage.PAGES, Stage.OCR, Stage.INDEX, Stage.EMBED),
    spaces: list[EmbeddingSpace] | None = None,
) -> None:
    """Record that an item must be (re)processed and dispatch what is ready after commit.

    One row per item, stage and space: existing rows are reset to pending, except a
    running one, which only gets the new `requested_at`; when that run ends it sees the
    newer request and queues itself again (so a job never runs twice at once). Whether
    work is really needed is decided by input hashes when the job runs.
    """
    now = timezone.now()
    if Stage.PAGES in stages and not _has_files(item_id):
        stages = tuple(s for s in stages if s != Stage.PAGES)  # no PDF, no pages job
    keys: list[tuple[Stage, int | None]] = [
        (s, None) for s in stages if s != Stage.EMBED
    ]
    if Stage.EMBED in stages:
        chosen = spaces if spaces is not None else list(maintained_spaces())
        keys += [(Stage.EMBED, space.pk) for space in chosen]
    if not keys:
        return
    rows = ", ".join(
        ["(%s, %s, %s, 'pending', 0, '', %s, NULL, NULL, NULL, %s)"] * len(keys)
    )
    params: list = []  # mixed ints, strings and datetimes
    for stage, space_id in keys:
        params += [item_id, stage, space_id, now, now]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO embeddings_processingjob (item_id, stage, space_id, state, attempts,
                last_error, requested_at, enqueued_at, started_at, finished_at, updated_at)
            VALUES {rows}
            ON CONFLICT (item_id, stage, space_id) DO UPDATE SET
                requested_at = EXCLUDED.requested_at,
                updated_at = EXCLUDED.updated_at,
                state = CASE WHEN {_RUNNING} THEN 'running' ELSE 'pending' END,
                attempts = CASE WHEN {_RUNNING} THEN {_JOB}.attempts ELSE 0 END,
                last_error = CASE WHEN {_RUNNING} THEN {_JOB}.last_error ELSE '' END,
                enqueued_at = CASE WHEN {_RUNNING} THEN {_JOB}.enqueued_at ELSE NULL END,
                started_at = CASE WHEN {_RUNNING} THEN {_JOB}.started_at ELSE NULL END,
                finished_at = NULL
            """,
            params,
        )
    transaction.on_commit(lambda: dispatch_ready_jobs(item_ids=[item_id]))


def _has_files(item_id: int) -> bool:
    from items.models import ItemFile

    return ItemFile.objects.filter(item_id=item_id).exists()


_JOB = "embeddings_processingjob"
_RUNNING = f"{_JOB}.state = 'running'"


def dispatch_ready_jobs(
    *,
    item_ids: list[int] | None = None,
    stale_before: datetime | None = None,
    resend: bool = False,
) -> int:
    """Send pending jobs whose prerequisites are met; returns how many were sent.

    Without `stale_before`, only jobs never sent are sent; with it, also those sent before
    that time and still pending (their message was lost); with `resend`, every pending job.
    Prerequisites come first (`PREREQUISITES`): an item's OCR waits for its PDF pages,
    its index and embedding jobs for both, because their output is what they read.
    """
    jobs = ProcessingJob.objects.filter(state=JobState.PENDING)
    if item_ids is not None:
        jobs = jobs.filter(item_id__in=item_ids)
    unsent = Q(enqueued_at__isnull=True)
    if stale_before is not None:
        unsent |= Q(enqueued_at__lt=stale_before)
    if not resend:
        jobs = jobs.filter(unsent)
    busy = set(
        ProcessingJob.objects.filter(
            stage__in=BLOCKING_STAGES,
            state__in=[JobState.PENDING, JobState.RUNNING],
            item_id__in=jobs.values("item_id"),
        ).values_list("item_id", "stage")
    )
    sent = 0
    for job in jobs.only("id", "item_id", "stage"):
        if any(
            (job.item_id, before) in busy for before in PREREQUISITES[Stage(job.stage)]
        ):
            continue
        if send_job(job):
            sent += 1
    return sent


def send_job(job: ProcessingJob, *, countdown: float | None = None) -> bool:
    """Publish the job's task; on a broker error leave it for the sweeper."""
    try:
        current_app.send_task(
            TASK_FOR_STAGE[Stage(job.stage)],
            args=[job.pk],
            queue=settings.QUEUE_PREFIX + QUEUE_FOR_STAGE[Stage(job.stage)],
            countdown=countdown,
            retry_policy=PUBLISH_RETRY,
            # The row is the result. Without this, a process that ever waited on a
            # task result (a readiness ping) blocks each send ~20 s retrying the result
            # backend while Redis is down (found by bench/fault_drills.py).
            ignore_result=True,
        )
    except (
        Exception
    ) as exc:  # kombu raises OperationalError and friends for a down broker
        logger.warning(
            "Could not send job %s (%s); the sweeper will retry", job.pk, exc
        )
        return False
    ProcessingJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now())
    return True


def prerequisites_done() -> Q:
    """Jobs none of whose prerequisites (`PREREQUISITES`) of the same item is pending or
    running: the jobs a worker may run now."""
    busy = ProcessingJob.objects.filter(
        item_id=OuterRef("item_id"), state__in=[JobState.PENDING, JobState.RUNNING]
    )
    ready = Q()
    for stage, before in PREREQUISITES.items():
        condition = Q(stage=stage)
        if before:
            condition &= ~Q(Exists(busy.filter(stage__in=before)))
        ready |= condition
    return ready


def claim_job(job_id: int) -> ProcessingJob | None:
    """Move a pending job to running; None if it is gone, someone else has it, or one of
    its prerequisites (the item's pages, its OCR) is pending or running again: a leftover
    message must not index text that new OCR is about to change."""
    claimable = ProcessingJob.objects.filter(pk=job_id, state=JobState.PENDING).filter(
        prerequisites_done()
    )
    claimed = claimable.update(
        state=JobState.RUNNING,
        attempts=F("attempts") + 1,
        started_at=timezone.now(),
        finished_at=None,
    )
    if not claimed:
        return None
    return ProcessingJob.objects.select_related("item", "space").get(pk=job_id)


def finish_job(job: ProcessingJob) -> None:
    """Mark done, unless the item was saved again meanwhile: then it runs again."""
    done = _this_run(job).update(
        state=JobState.DONE, last_error="", finished_at=timezone.now()
    )
    if not done:
        _rerun_if_requested_again(job)
    # A prerequisite finishing unblocks the item's other jobs. Send them even if a
    # message already went out: it may have been refused while OCR was busy (a dispatch
    # that checked before a new save reset OCR marks its send afterwards), and the sweeper
    # would only notice after JOB_STALE_PENDING_SECONDS. A duplicate message is harmless:
    # claims are atomic.
    dispatch_ready_jobs(item_ids=[job.item_id], resend=job.stage in BLOCKING_STAGES)


def continue_job(job: ProcessingJob) -> None:
    """A bounded run did part of the work: queue the job again for the rest, with fresh
    attempts (each run is a new unit of work, not a retry)."""
    continued = _this_run(job).update(
        state=JobState.PENDING, attempts=0, last_error="", enqueued_at=None
    )
    if not continued:
        _rerun_if_requested_again(job)
    dispatch_ready_jobs(item_ids=[job.item_id])


def _this_run(job: ProcessingJob) -> QuerySet[ProcessingJob]:
    """The row, if it still describes the run `job` claimed (not re-requested since)."""
    return ProcessingJob.objects.filter(
        pk=job.pk, state=JobState.RUNNING, requested_at=job.requested_at
    )


def _rerun_if_requested_again(job: ProcessingJob) -> None:
    requeued = ProcessingJob.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
        state=JobState.PENDING, attempts=0, last_error="", enqueued_at=None
    )
    if requeued:
        logger.info(
            "Job %s was requested again while running; running it again", job.pk
        )


def fail_job(job: ProcessingJob, *, error: str, retry: bool = True) -> None:
    """Record a failure; with `retry` (errors that can heal), retry with exponential
    backoff until attempts run out, otherwise fail now (embeddings/processing/failures.py)."""
    error = error[:4000]
    if not _this_run(job).exists():
        # Re-requested while running: the new request gets a fresh run and attempts.
        _rerun_if_requested_again(job)
        dispatch_ready_jobs(item_ids=[job.item_id])
        return
    if retry and job.attempts < settings.JOB_MAX_ATTEMPTS:
        _this_run(job).update(state=JobState.PENDING, last_error=error)
        delay = settings.JOB_RETRY_BASE_SECONDS * 2 ** (job.attempts - 1)
        send_job(job, countdown=delay)
        return
    _this_run(job).update(
        state=JobState.FAILED, last_error=error, finished_at=timezone.now()
    )
    logger.error("Job %s failed after %s attempts: %s", job.pk, job.attempts, error)
    # A failed OCR job must not hold the item's index and embeddings back forever.
    dispatch_ready_jobs(item_ids=[job.item_id])


def wait_for_model(job: ProcessingJob, *, reason: str) -> None:
    """The space's model is missing: park the job without counting an attempt."""
    parked = _this_run(job).update(
        state=JobState.WAITING,
        attempts=F("attempts") - 1,
        last_error=reason[:4000],
        finished_at=timezone.now(),
    )
    if not parked:
        _rerun_if_requested_again(job)
        dispatch_ready_jobs(item_ids=[job.item_id])


def _misconfigured(space: EmbeddingSpace) -> bool:
    from embeddings.encoders.base import ModelMisconfigured, ModelUnavailable
    from embeddings.runtime.registry import get_encoder

    try:
        get_encoder(space)  # cached by the probe just made: no second load
    except ModelMisconfigured:
        return True
    except ModelUnavailable:
        return False
    return False


@dataclass(frozen=True)
class SweepReport:
    recovered: int  # running jobs whose worker was lost
    released: int  # waiting jobs whose model became available
    sent: int  # pending jobs sent (again)
    failed: int  # lost jobs with no attempts left, waiting jobs of misconfigured spaces


def sweep_jobs() -> SweepReport:
    """Recover from lost workers, lost messages and models that became available."""
    from embeddings.runtime.registry import probe_space

    now = timezone.now()
    lost = ProcessingJob.objects.filter(
        state=JobState.RUNNING,
        started_at__lt=now - timedelta(seconds=settings.JOB_STALE_RUNNING_SECONDS),
    )
    failed = lost.filter(attempts__gte=settings.JOB_MAX_ATTEMPTS).update(
        state=JobState.FAILED,
        last_error=(
            "The worker running this job was lost (killed, out of memory, or past "
            "the task's hard time limit)."
        ),
        finished_at=now,
    )
    recovered = lost.update(state=JobState.PENDING, enqueued_at=None)

    released = 0
    if shutil.which("tesseract"):
        released += ProcessingJob.objects.filter(
            stage=Stage.OCR, state=JobState.WAITING
        ).update(state=JobState.PENDING, enqueued_at=None, last_error="")
    # Also active spaces marked unavailable with no job waiting: a model server's outage
    # seen only by a search must heal too, and search itself no longer calls the space.
    waiting_spaces = EmbeddingSpace.objects.filter(
        Q(jobs__state=JobState.WAITING) | Q(available=False, state=SpaceState.ACTIVE)
    ).distinct()
    for space in waiting_spaces:
        if probe_space(space):
            released += ProcessingJob.objects.filter(
                space=space, state=JobState.WAITING
            ).update(state=JobState.PENDING, enqueued_at=None, last_error="")
        elif _misconfigured(space):
            # Parked before the space was known to be misconfigured: fail them visibly.
            failed += ProcessingJob.objects.filter(
                space=space, state=JobState.WAITING
            ).update(
                state=JobState.FAILED,
                last_error=f"[configuration error, not retried] {space.unavailable_reason}",
                finished_at=now,
            )

    stale = now - timedelta(seconds=settings.JOB_STALE_PENDING_SECONDS)
    sent = dispatch_ready_jobs(stale_before=stale)
    return SweepReport(recovered=recovered, released=released, sent=sent, failed=failed)


def record_outcome(
    *,
    item_id: int,
    stage: Stage,
    space: EmbeddingSpace | None,
    state: JobState,
    since: datetime,
    error: str = "",
) -> None:
    """Record the result of work done outside a worker (manage.py reindex) on the job row.

    A request made after `since` (when the work read the item) is newer than this result
    and is left for the workers.
    """
    newer = ProcessingJob.objects.filter(
        item_id=item_id,
        stage=stage,
        space=space,
        requested_at__gte=since,
        state__in=[JobState.PENDING, JobState.RUNNING],
    )
    if newer.exists():
        return
    now = timezone.now()
    ProcessingJob.objects.update_or_create(
        item_id=item_id,
        stage=stage,
        space=space,
        defaults={
            "state": state,
            "last_error": error[:4000],
            "requested_at": now,
            "started_at": now,
            "finished_at": now,
        },
    )
