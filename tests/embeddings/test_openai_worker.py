"""A real `celery worker` and a model server outage: the worker parks the job, the sweeper
task (run by the worker, as beat schedules it) releases it once the server is back."""

from __future__ import annotations

import time

import pytest

from embeddings.models import Embedding, EmbeddingSpace, JobState, ProcessingJob, Stage
from embeddings.tasks import sweep_jobs
from embeddings.vectors.spaces import create_space
from items.services import create_item

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(job: ProcessingJob, state: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state == state:
            return
        time.sleep(0.1)
    raise AssertionError(
        f"job {job.pk} is {job.state}, never {state}: {job.last_error}"
    )


def test_the_worker_waits_out_an_outage_and_finishes_with_no_manual_step(
    celery_worker_process, fake_servers
):
    EmbeddingSpace.objects.update(
        state="retired"
    )  # only the remote space is maintained
    server = fake_servers()
    space = create_space(
        name="remote", label="remote", backend="openai", model_name="fake-embed",
        modality="text", dimension=32, state="active",
        options={"urls": [server.url], "retries": 1, "backoff_seconds": 0.05},
    )  # fmt: skip
    server.kill()

    item = create_item(title="Saved during an outage", body="the server is down")
    job = ProcessingJob.objects.get(item=item, stage=Stage.EMBED, space=space)
    wait_for(job, JobState.WAITING)
    space.refresh_from_db()
    assert space.available is False and server.url in space.unavailable_reason
    assert job.attempts == 0

    server.start()
    sweep_jobs.apply_async(queue=f"{celery_worker_process}default")  # beat's schedule

    wait_for(job, JobState.DONE)
    assert Embedding.objects.filter(item=item, space=space).count() == 1
    space.refresh_from_db()
    assert space.available is True
