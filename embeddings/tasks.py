"""Celery tasks: thin wrappers that take job ids and call the pipeline services."""

from __future__ import annotations

import logging
from dataclasses import asdict

from celery import shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError

from embeddings.processing import jobs, pipeline
from embeddings.runtime import registry

logger = logging.getLogger(__name__)

# A hung tesseract or model call is stopped by the soft limit, which raises inside the
# task: the job records the time limit as its error and is retried with backoff. The hard
# limit kills a call that ignores it; that row stays "running" until the sweeper finds it
# stale. When the database itself is unreachable (a PostgreSQL restart) the job row cannot
# be claimed or updated, so the message is retried instead, with backoff.
RETRY_UNREACHABLE_DB = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": 8,
}
OCR_LIMITS = {"soft_time_limit": 300, "time_limit": 360, **RETRY_UNREACHABLE_DB}
EMBED_LIMITS = {"soft_time_limit": 600, "time_limit": 720, **RETRY_UNREACHABLE_DB}


@shared_task(name="embeddings.render_pages", acks_late=True, **OCR_LIMITS)
def render_pages(job_id: int) -> str:
    return pipeline.run_job(job_id)


@shared_task(name="embeddings.ocr_item", acks_late=True, **OCR_LIMITS)
def ocr_item(job_id: int) -> str:
    return pipeline.run_job(job_id)


@shared_task(name="embeddings.index_item", acks_late=True, **EMBED_LIMITS)
def index_item(job_id: int) -> str:
    return pipeline.run_job(job_id)


@shared_task(name="embeddings.embed_item", acks_late=True, **EMBED_LIMITS)
def embed_item(job_id: int) -> str:
    return pipeline.run_job(job_id)


@shared_task(name="embeddings.sweep_jobs")
def sweep_jobs() -> dict[str, int]:
    return asdict(jobs.sweep_jobs())


@worker_ready.connect
def probe_spaces_at_start(**kwargs) -> None:
    """A model that changed under a space's vectors is found as the worker starts, not
    at its first job: the space is marked, search skips it, the sweeper fails its jobs."""
    failed = registry.probe_spaces_at_start(jobs.maintained_spaces())
    for name, reason in failed.items():
        logger.warning("Space %s cannot be served by this worker: %s", name, reason)
