"""Shared fixtures: media, images, items, the tiny test encoder, the pipeline, workers."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from embeddings.models import EmbeddingSpace, JobState, ProcessingJob, Stage
from embeddings.processing.pipeline import run_job
from embeddings.runtime.registry import forget
from embeddings.vectors.spaces import create_space
from items.models import Item, ItemKind, Language, Status
from items.services import add_image, create_item
from search import embedding_cache
from tests.factories import ItemFactory, make_image_bytes
from tests.fake_model_server import FakeModelServer

ROOT = Path(__file__).resolve().parent.parent
# A Redis database of its own, so a developer's running portal never sees test tasks.
TEST_BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="session", autouse=True)
def media_root(tmp_path_factory) -> Iterator[Path]:
    """Uploads of this session go to a temporary directory that worker processes share."""
    from django.conf import settings

    saved = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    yield settings.MEDIA_ROOT
    settings.MEDIA_ROOT = saved


@pytest.fixture(autouse=True)
def fresh_corpus_statistics() -> None:
    """BM25's corpus statistics and the synonyms are cached per process; every test
    builds its own (a rolled-back test's synonyms must not reach the next)."""
    from embeddings.text.lexical import forget_stats
    from search.models import forget_synonyms

    forget_stats()
    forget_synonyms()


@pytest.fixture
def image_bytes() -> Callable[..., bytes]:
    return make_image_bytes


@pytest.fixture
def make_item(db) -> Callable[..., Item]:
    """Create a valid published Korean test item; keyword arguments override fields."""
    return ItemFactory


QUEUES = ("ocr", "embed", "default")


@pytest.fixture(scope="session", autouse=True)
def pipeline_test_settings() -> Iterator[str]:
    """Send every task of this session to the test Redis database, on queues of its own.

    Also allows the fixed-seed test encoder and shortens retry backoff. Yields the queue
    prefix; workers started by tests consume `<prefix>ocr`, `<prefix>embed`, `<prefix>default`.
    """
    from django.conf import settings

    from portal.celery import app

    prefix = f"test-{uuid.uuid4().hex[:8]}-"
    overrides = {
        "QUEUE_PREFIX": prefix,
        "EMBEDDINGS_ALLOW_TEST_MODELS": True,
        "JOB_RETRY_BASE_SECONDS": 1,
    }
    saved = {name: getattr(settings, name) for name in overrides}
    for name, value in overrides.items():
        setattr(settings, name, value)
    app.conf.update(
        broker_url=TEST_BROKER_URL,
        result_backend=TEST_BROKER_URL,
        task_default_queue=f"{prefix}default",
    )
    yield prefix
    for name, value in saved.items():
        setattr(settings, name, value)
    import redis

    redis.Redis.from_url(TEST_BROKER_URL).delete(*(prefix + q for q in QUEUES))


def worker_environment(test_db_name: str, prefix: str) -> dict[str, str]:
    """Environment for a worker process that uses the test database and the test broker."""
    from django.conf import settings

    env = dict(os.environ)
    env.update(
        CELERY_BROKER_URL=TEST_BROKER_URL,
        CELERY_RESULT_BACKEND=TEST_BROKER_URL,
        QUEUE_PREFIX=prefix,
        EMBEDDINGS_ALLOW_TEST_MODELS="1",
        JOB_RETRY_BASE_SECONDS="1",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
    )
    if env.get("DATABASE_URL"):
        base, _, _ = env["DATABASE_URL"].rpartition("/")
        env["DATABASE_URL"] = f"{base}/{test_db_name}"
    else:
        env["EMBEDDED_DB_NAME"] = test_db_name
    return env


class WorkerProcess:
    """A real `celery worker` process; `kill()` simulates a crash (SIGKILL)."""

    def __init__(self, prefix: str, name: str) -> None:
        from django.db import connection

        (ROOT / "var").mkdir(exist_ok=True)
        self.log_path = ROOT / "var" / f"celery-{prefix}{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "portal", "worker",
                "--pool=solo", "--without-heartbeat", "--without-gossip", "--without-mingle",
                "-n", f"{name}@%h", "-Q", ",".join(prefix + q for q in QUEUES),
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=worker_environment(connection.settings_dict["NAME"], prefix),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait_ready(prefix)

    def _wait_ready(self, prefix: str, timeout: float = 90) -> None:
        """Wait until the worker has executed a task (not merely started)."""
        from celery.exceptions import TimeoutError as CeleryTimeout

        from portal.tasks import ping

        result = ping.apply_async(queue=f"{prefix}default")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"worker exited ({self.process.returncode}); see {self.log_path}"
                )
            try:
                result.get(timeout=1)
                return
            except CeleryTimeout:
                continue
        raise RuntimeError(
            f"worker did not answer within {timeout:.0f} s; see {self.log_path}"
        )

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup, django_db_blocker, pipeline_test_settings, media_root
) -> Iterator[str]:
    """A real worker for the session, consuming this session's queues. Yields the prefix."""
    worker = WorkerProcess(pipeline_test_settings, "session")
    try:
        yield pipeline_test_settings
    finally:
        worker.stop()


# The pipeline: the tiny test encoder space, rendered text images, an in-process runner.

NANUM = "/usr/share/fonts/truetype/nanum/NanumGothic.ttf"


@pytest.fixture
def test_clip_space(db) -> EmbeddingSpace:
    """A tiny open_clip architecture with fixed-seed random weights. TEST ONLY."""
    return create_space(
        name="test-clip",
        label="Tiny CLIP (test only, fixed-seed random weights)",
        backend="open_clip",
        model_name="portal-test-tiny-clip",
        modality="both",
        dimension=64,
        test_only=True,
        state="active",
    )


def render_lines(lines: list[str], *, size: int = 34, width: int = 1100) -> bytes:
    """A white page with dark text lines in NanumGothic (Korean and Latin glyphs)."""
    font = ImageFont.truetype(NANUM, size)
    line_height = int(size * 1.9)
    image = Image.new("RGB", (width, 40 + line_height * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((30, 20 + index * line_height), line, font=font, fill="#111111")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


STAGE_ORDER = list(Stage)  # the pipeline's order: pages, OCR, index, embed


def process(item: Item, *, rounds: int = 10) -> dict[int, str]:
    """Run the item's runnable jobs in this process, in pipeline order, until none remain.

    Returns the last outcome per job id. Failed jobs that still have attempts become
    pending again and are retried here, as the worker would after its backoff.
    """
    outcomes: dict[int, str] = {}
    for _ in range(rounds):
        runnable = list(
            ProcessingJob.objects.filter(item=item, state=JobState.PENDING).order_by(
                "id"
            )
        )
        if not runnable:
            break
        runnable.sort(key=lambda job: STAGE_ORDER.index(Stage(job.stage)))
        for job in runnable:
            outcomes[job.pk] = run_job(job.pk)
    return outcomes


@pytest.fixture
def run_pipeline() -> Callable[..., dict[int, str]]:
    return process


# A small judged corpus built through the real pipeline (tiny test CLIP, real tesseract).


@dataclass
class Corpus:
    ocr_only: Item  # a phrase exists only in its image
    photo: Item  # found by its exact image
    photo_bytes: bytes
    compound: Item  # a Korean word inside an agglutinated phrase
    mug: Item
    draft: Item


@pytest.fixture
def corpus(db, test_clip_space) -> Corpus:
    forget()
    embedding_cache.clear()
    ocr_only = create_item(
        title="실험 안내문", body="과학실 안내문입니다.", kind=ItemKind.DOCUMENT,
        status=Status.PUBLISHED, language=Language.KOREAN,
    )  # fmt: skip
    add_image(item=ocr_only, upload=io.BytesIO(render_lines(["Beaker cleaning schedule", "비커 세척 당번표"])),
              filename="notice.png")  # fmt: skip
    photo_bytes = make_image_bytes("PNG", size=(300, 200), color="#22aa66")
    photo = create_item(title="Green box", body="A product photo.", kind=ItemKind.PRODUCT,
                        status=Status.PUBLISHED, language=Language.ENGLISH)  # fmt: skip
    add_image(item=photo, upload=io.BytesIO(photo_bytes), filename="green.png")
    compound = create_item(title="넓이 문제", body="밑변이 6인 삼각형의넓이를구하시오.",
                           status=Status.PUBLISHED)  # fmt: skip
    mug = create_item(title="세라믹 머그컵 350 ml", body="커피를 따뜻하게 마시는 컵.",
                      kind=ItemKind.PRODUCT, status=Status.PUBLISHED)  # fmt: skip
    add_image(
        item=mug,
        upload=io.BytesIO(make_image_bytes("JPEG", color="#884422")),
        filename="mug.jpg",
    )
    draft = create_item(title="비공개 초안 머그컵", body="아직 공개되지 않은 머그컵 초안.",
                        kind=ItemKind.PRODUCT, status=Status.DRAFT)  # fmt: skip
    add_image(item=draft, upload=io.BytesIO(photo_bytes), filename="green-copy.png")
    for item in (ocr_only, photo, compound, mug, draft):
        process(item)
    return Corpus(ocr_only=ocr_only, photo=photo, photo_bytes=photo_bytes, compound=compound,
                  mug=mug, draft=draft)  # fmt: skip


@pytest.fixture
def fake_servers() -> Iterator[Callable[..., FakeModelServer]]:
    """Start fake OpenAI-compatible model servers on free ports; stopped after the test."""
    started: list[FakeModelServer] = []

    def start(**fields) -> FakeModelServer:
        server = FakeModelServer(**fields).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()
