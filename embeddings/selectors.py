"""Reads for the admin and the API: processing state, and the health report."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from embeddings.health import health_report
from embeddings.models import JobState

__all__ = [
    "Processing",
    "filter_by_processing",
    "health_report",
    "processing_state",
    "with_job_counts",
]


class Processing:
    """Values of the processing-status annotation and filter."""

    PROCESSED = "processed"
    PROCESSING = "processing"
    FAILED = "failed"
    WAITING = "waiting"
    NEVER = "never"

    CHOICES = [
        (PROCESSED, "Processed"),
        (PROCESSING, "Processing"),
        (FAILED, "Failed"),
        (WAITING, "Waiting for a model"),
        (NEVER, "Never processed"),
    ]


def with_job_counts(items: QuerySet) -> QuerySet:
    """Annotate items with counts of their jobs by state."""
    return items.annotate(
        jobs_total=Count("jobs", distinct=True),
        jobs_busy=Count(
            "jobs",
            filter=Q(jobs__state__in=[JobState.PENDING, JobState.RUNNING]),
            distinct=True,
        ),
        jobs_failed=Count("jobs", filter=Q(jobs__state=JobState.FAILED), distinct=True),
        jobs_waiting=Count(
            "jobs", filter=Q(jobs__state=JobState.WAITING), distinct=True
        ),
    )


def processing_state(item) -> str:
    """Summarise an annotated item: failures first, then work in progress.

    Jobs waiting for a missing model do not keep an item from counting as processed:
    everything that can run here has run. They are shown beside the state.
    """
    if not item.jobs_total:
        return Processing.NEVER
    if item.jobs_failed:
        return Processing.FAILED
    if item.jobs_busy:
        return Processing.PROCESSING
    return Processing.PROCESSED


def filter_by_processing(items: QuerySet, state: str) -> QuerySet:
    items = with_job_counts(items)
    if state == Processing.NEVER:
        return items.filter(jobs_total=0)
    if state == Processing.FAILED:
        return items.filter(jobs_failed__gt=0)
    if state == Processing.PROCESSING:
        return items.filter(jobs_failed=0, jobs_busy__gt=0)
    if state == Processing.WAITING:
        return items.filter(jobs_waiting__gt=0)
    if state == Processing.PROCESSED:
        return items.filter(jobs_total__gt=0, jobs_failed=0, jobs_busy=0)
    return items
