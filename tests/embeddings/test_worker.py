"""End to end through Redis and real `celery worker` processes: saves, outages, crashes."""

from __future__ import annotations

import io
import time
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from embeddings.models import (
    Embedding,
    JobState,
    OcrResult,
    ProcessingJob,
    SearchDocument,
    Stage,
)
from embeddings.processing import jobs
from items.models import Item
from items.services import add_image, create_item
from tests.admin_forms import item_inlines
from tests.conftest import WorkerProcess, make_image_bytes, render_lines

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]
SETTLED = {JobState.DONE, JobState.WAITING, JobState.FAILED}


def wait_until_settled(item_ids: list[int], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = set(
            ProcessingJob.objects.filter(item_id__in=item_ids).values_list(
                "state", flat=True
            )
        )
        if states and states <= SETTLED:
            return
        time.sleep(0.25)
    pending = ProcessingJob.objects.filter(item_id__in=item_ids).exclude(
        state__in=SETTLED
    )
    raise AssertionError(
        f"jobs still unsettled: {list(pending.values('stage', 'state'))}"
    )


def wait_for_state(job: ProcessingJob, state: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state == state:
            return
        time.sleep(0.05)
    raise AssertionError(f"job {job.pk} never reached {state}; it is {job.state}")


def assert_processed_once(item: Item) -> None:
    """Every stage done (the CLIP space waits for weights), one result per input."""
    states = dict(
        ProcessingJob.objects.filter(item=item).values_list("space__name", "state")
    )
    assert states.pop("clip-multilingual") == JobState.WAITING
    assert set(states.values()) == {JobState.DONE}, states
    images = item.images.count()
    assert OcrResult.objects.filter(image__item=item).count() == images
    assert SearchDocument.objects.filter(item=item).count() == 1
    assert (
        Embedding.objects.filter(item=item, space__name="fingerprint").count() == images
    )
    assert Embedding.objects.filter(item=item, space__name="e5-small").count() == 1


def test_admin_save_is_processed_by_the_worker(
    client, django_user_model, celery_worker_process
):
    editor = django_user_model.objects.create_superuser(
        "ed", "ed@example.com", "pw-123456"
    )
    client.force_login(editor)
    data = {
        "kind": "document", "title": "Lab notice", "body": "", "subject": "과학",
        "tags": "", "language": "mixed", "status": "published", "metadata": "{}",
        **item_inlines(images=2),
        "images-0-image": SimpleUploadedFile("notice.png", render_lines(["실험실 안전 수칙", "Wear goggles"])),
        "images-0-position": "0",
        "images-1-image": SimpleUploadedFile("photo.png", make_image_bytes()),
        "images-1-position": "0",
    }  # fmt: skip
    response = client.post(reverse("admin:items_item_add"), data)
    assert response.status_code == 302
    item = Item.objects.get(title="Lab notice")

    wait_until_settled([item.pk])
    assert_processed_once(item)
    assert "실험실" in SearchDocument.objects.get(item=item).text
    listing = client.get(reverse("admin:items_item_changelist")).content.decode()
    assert "Processed" in listing


def test_broker_outage_at_save_time_loses_nothing(monkeypatch, celery_worker_process):
    def broker_down(*args, **kwargs):
        from kombu.exceptions import OperationalError

        raise OperationalError(
            "Error 111 connecting to 127.0.0.1:6379. Connection refused."
        )

    monkeypatch.setattr(jobs.current_app, "send_task", broker_down)
    items = []
    for n in range(3):
        item = create_item(
            title=f"브로커 장애 {n}", body="저장은 되어야 한다", status="published"
        )
        add_image(
            item=item,
            upload=io.BytesIO(make_image_bytes(color=f"#{n}0{n}0a0")),
            filename="x.png",
        )
        items.append(item)
    assert all(
        job.enqueued_at is None and job.state == JobState.PENDING
        for job in ProcessingJob.objects.filter(item__in=items)
    )

    monkeypatch.undo()  # the broker is back
    report = jobs.sweep_jobs()
    assert report.sent == len(items)  # one OCR job per item; the rest follow it
    wait_until_settled([item.pk for item in items])
    for item in items:
        assert_processed_once(item)
        assert ProcessingJob.objects.get(item=item, stage=Stage.OCR).attempts == 1


def test_killed_worker_mid_job_is_recovered(settings):
    # Queues of its own, so the only consumer is the worker this test kills.
    settings.QUEUE_PREFIX = f"crash-{uuid.uuid4().hex[:6]}-"
    doomed = WorkerProcess(settings.QUEUE_PREFIX, "doomed")
    page = render_lines(
        [
            f"{n}번 문항: 다음 글을 읽고 물음에 답하시오. Read and answer."
            for n in range(45)
        ]
    )
    item = create_item(title="긴 시험지", body="", status="published")
    add_image(item=item, upload=io.BytesIO(page), filename="exam.png")
    ocr_job = ProcessingJob.objects.get(item=item, stage=Stage.OCR)
    try:
        wait_for_state(ocr_job, JobState.RUNNING)
        doomed.kill()
    finally:
        doomed.stop()
    ocr_job.refresh_from_db()
    assert (
        ocr_job.state == JobState.RUNNING
    )  # the row remembers a job nobody is running
    assert not OcrResult.objects.filter(image__item=item).exists()

    survivor = WorkerProcess(settings.QUEUE_PREFIX, "survivor")
    try:
        settings.JOB_STALE_RUNNING_SECONDS = 0
        report = jobs.sweep_jobs()
        assert report.recovered == 1
        wait_until_settled([item.pk])
    finally:
        survivor.stop()
    assert_processed_once(item)
    ocr_job.refresh_from_db()
    assert ocr_job.attempts == 2
