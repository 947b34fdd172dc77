"""Celery tasks: thin wrappers that take job ids and call the pipeline services."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from embeddings import jobs, pipeline

# Hard limits stop a stuck tesseract or model call; the job is then retried or failed
# by the sweeper (the row stays "running" until it is stale).
OCR_LIMITS = {"soft_time_limit": 300, "time_limit": 360}
EMBED_LIMITS = {"soft_time_limit": 600, "time_limit": 720}


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
