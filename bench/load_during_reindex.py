"""Load: concurrent search clients against the production web server while a reindex runs.

Builds an environment of its own (bench/stack.py): a private `redis-server`, an embedded
PostgreSQL under `var/loadbench/`, a real Celery worker (prefork, 2 processes, beat
inside, as `bin/run` starts it) and gunicorn with `portal/gunicorn_conf.py`. It creates
(or reuses, by the metadata marker) N image items through the item services — small
generated images, half of them with Korean and English text so OCR runs — and lets the
worker process them. Then it starts `manage.py reindex --force` over those items (or,
with `--reindex jobs`, a backfill through the job queue: OCR redone and every vector
re-embedded by the worker) and, once the reindex is working, drives keep-alive HTTP
clients (threads, `http.client`) for the window with a mix of Korean and English text
searches (API and search page), image searches (base64 through the API) and item pages.

Every second (four times a second for transactions) it samples `pg_stat_activity`:
client connections in use against `max_connections`, and any connection "idle in
transaction" — a transaction held open while its process does something else, such as
a model call or OCR. The API's search rate limit is lifted for the run (stack.start_web).

    DEBUG=0 .venv/bin/python bench/load_during_reindex.py            # 1,000 items, 20 × 60 s
    .venv/bin/python bench/load_during_reindex.py --items 50 --clients 4 --seconds 10

Prints a table, writes a PNG (latency, connections and reindex progress over time) and
exits 1 on any error (non-2xx or connection error), when connections ran out, when a
connection stayed idle in transaction longer than `--max-idle-in-transaction` seconds, or
when the reindex failed. Results and the command: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import io
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from stack import (
    ROOT,
    Redis,
    Worker,
    free_port,
    start_web,
    stop_group,
    wait_for,
    wait_ready,
)

sys.path.insert(0, str(ROOT))
VAR = ROOT / "var" / "loadbench"
PREFIX = "loadbench-"
QUEUES = [PREFIX + q for q in ("ocr", "embed", "default")]
MARKER = "load-during-reindex"  # Item.metadata["bench"] of the items this bench made
REDIS_PORT = free_port()
os.environ.update(
    DJANGO_SETTINGS_MODULE="portal.settings",
    PORTAL_VAR_DIR=str(VAR),
    EMBEDDED_DB_NAME="portal_loadbench",
    CELERY_BROKER_URL=f"redis://127.0.0.1:{REDIS_PORT}/0",
    CELERY_RESULT_BACKEND=f"redis://127.0.0.1:{REDIS_PORT}/0",
    QUEUE_PREFIX=PREFIX,
)
os.environ.pop("DATABASE_URL", None)

# (Korean, English) topics of the generated items and of the queries.
TOPICS = [
    ("삼각형의 넓이", "area of a triangle"),
    ("광합성의 원리", "photosynthesis in plants"),
    ("이차방정식의 근", "roots of a quadratic equation"),
    ("조선 시대의 역사", "history of the Joseon dynasty"),
    ("물의 순환", "the water cycle"),
    ("분수의 덧셈", "adding fractions"),
    ("태양계 행성", "planets of the solar system"),
    ("세포의 구조", "structure of a cell"),
    ("영어 문법 시제", "English grammar tenses"),
    ("무선 키보드 배터리", "wireless keyboard battery"),
    ("노트북 충전기", "laptop charger"),
    ("스테인리스 물병", "stainless steel water bottle"),
    ("전기 회로와 저항", "electric circuits and resistance"),
    ("지구의 자전", "rotation of the earth"),
    ("확률과 통계", "probability and statistics"),
    ("한국의 전통 음식", "traditional Korean food"),
    ("화산과 지진", "volcanoes and earthquakes"),
    ("민주주의와 선거", "democracy and elections"),
    ("소설 읽기", "reading a short story"),
    ("블루투스 스피커", "bluetooth speaker"),
]
KO_QUESTIONS = ["{}에 대해 설명하시오", "{}는 무엇인가요", "{} 문제", "{}"]
EN_QUESTIONS = ["{}", "how does {} work", "{} exercise", "explain {}"]
# Request types and their share of the mix.
MIX = {
    "text-ko api": 0.30,
    "text-en api": 0.20,
    "search page": 0.10,
    "image api": 0.15,
    "item page": 0.25,
}


# ---- the corpus ----------------------------------------------------------------------


def item_image(n: int) -> bytes:
    """Even items: two lines of text (Korean, then English + code), so OCR reads them;
    odd items: coloured shapes, which the text-presence gate lets skip OCR."""
    from PIL import Image, ImageDraw

    from tests.conftest import render_lines

    ko, en = TOPICS[n % len(TOPICS)]
    if n % 2 == 0:
        return render_lines(
            [f"{n}번 문항: {ko}", f"{en} LB-{n:04d}"], size=28, width=760
        )
    rng = random.Random(n)
    image = Image.new("RGB", (320, 240), tuple(rng.randrange(160, 256) for _ in "rgb"))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(0, 280), rng.randrange(0, 200)
        box = [x, y, x + rng.randrange(20, 120), y + rng.randrange(20, 100)]
        colour = tuple(rng.randrange(0, 200) for _ in "rgb")
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def make_corpus(count: int) -> list[int]:
    """Ids of `count` bench items, creating the missing ones through the services (the
    save signal records their jobs; the worker processes them)."""
    from items.models import Item
    from items.services import add_image, create_item

    ids = list(
        Item.objects.filter(metadata__bench=MARKER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for n in range(len(ids), count):
        ko, en = TOPICS[n % len(TOPICS)]
        item = create_item(
            title=f"{ko} {n}번 — {en} (LB-{n:04d})",
            body=f"다음은 {ko}에 관한 문항입니다. This item is about {en}.",
            subject="부하 시험",
            language="mixed",
            status="published",
            metadata={"bench": MARKER, "n": n},
        )
        add_image(item=item, upload=io.BytesIO(item_image(n)), filename=f"lb-{n}.png")
        ids.append(item.pk)
        if (n + 1) % 100 == 0:
            print(f"  created {n + 1}/{count} items", flush=True)
    return ids[:count]


def settled(item_ids: list[int]) -> bool:
    from embeddings.models import JobState, ProcessingJob

    open_jobs = ProcessingJob.objects.filter(
        item_id__in=item_ids, state__in=[JobState.PENDING, JobState.RUNNING]
    )
    return not open_jobs.exists()


# ---- clients ---------------------------------------------------------------------------


@dataclass
class Sample:
    at: float  # seconds since the window opened, when the request was sent
    kind: str
    ms: float
    error: str | None


class Client(threading.Thread):
    """One user: a keep-alive connection, one request after another until the deadline."""

    def __init__(self, number: int, *, port: int, plan: RequestPlan, window: Window):
        super().__init__(name=f"client-{number}", daemon=True)
        self.rng = random.Random(number)
        self.port = port
        self.plan = plan
        self.window = window
        self.samples: list[Sample] = []
        self.reconnects = 0
        self.connection: http.client.HTTPConnection | None = None

    def run(self) -> None:
        kinds, shares = zip(*MIX.items(), strict=True)
        while time.monotonic() < self.window.ends:
            kind = self.rng.choices(kinds, shares)[0]
            method, path, body = self.plan.build(kind, self.rng)
            at = time.monotonic() - self.window.starts
            started = time.perf_counter()
            error = self._send(method, path, body)
            ms = (time.perf_counter() - started) * 1000
            self.samples.append(Sample(at=at, kind=kind, ms=ms, error=error))
        if self.connection is not None:
            self.connection.close()

    def _send(self, method: str, path: str, body: bytes | None) -> str | None:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=60
            )
            self.reconnects += 1
        headers = {"Host": "127.0.0.1"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            payload = response.read()
            if response.will_close:
                self._drop()
        except (OSError, http.client.HTTPException) as exc:
            self._drop()
            return f"{type(exc).__name__}: {exc}"
        if not 200 <= response.status < 300:
            return f"HTTP {response.status} {path[:60]}: {payload[:160]!r}"
        return None

    def _drop(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None


@dataclass
class Window:
    starts: float = 0.0
    ends: float = 0.0


class RequestPlan:
    """Requests of each type, built from the corpus: topics for text queries, items'
    own images (resized, so not byte-identical) for image queries, their ids for pages."""

    def __init__(self, item_ids: list[int]) -> None:
        from PIL import Image

        self.item_ids = item_ids
        self.images: list[str] = []
        for n in range(min(24, len(item_ids))):
            picture = Image.open(io.BytesIO(item_image(n)))
            width, height = picture.size
            picture = picture.resize((int(width * 0.9), int(height * 0.9)))
            out = io.BytesIO()
            picture.save(out, format="PNG")
            self.images.append(base64.b64encode(out.getvalue()).decode())

    def build(self, kind: str, rng: random.Random) -> tuple[str, str, bytes | None]:
        ko, en = rng.choice(TOPICS)
        if kind == "text-ko api":
            text = rng.choice(KO_QUESTIONS).format(ko)
            return "POST", "/api/search/", _json({"text": text, "k": 10})
        if kind == "text-en api":
            text = rng.choice(EN_QUESTIONS).format(en)
            if rng.random() < 0.2:
                text = f"LB-{rng.randrange(len(self.item_ids)):04d}"  # an identifier
            return "GET", "/api/search/?" + urllib.parse.urlencode({"q": text}), None
        if kind == "search page":
            query = urllib.parse.urlencode({"q": rng.choice(KO_QUESTIONS).format(ko)})
            return "GET", f"/?{query}", None
        if kind == "image api":
            image = rng.choice(self.images)
            return "POST", "/api/search/", _json({"image_b64": image, "k": 10})
        if kind == "item page":
            return "GET", f"/items/{rng.choice(self.item_ids)}/", None
        raise ValueError(kind)


def _json(body: dict) -> bytes:
    return json.dumps(body).encode()


# ---- the database sampler ----------------------------------------------------------------


@dataclass
class DbSample:
    at: float  # seconds since the window opened (negative before it)
    in_use: int
    active: int
    idle_in_transaction: int
    by_app: dict[str, int]


@dataclass
class Progress:
    at: float
    ocr_items: int
    indexed_items: int
    embedded_items: int


@dataclass
class IdleInTransaction:
    seconds: float
    app: str
    query: str


class Sampler(threading.Thread):
    """pg_stat_activity four times a second, reindex progress once a second, on a
    connection of its own (not counted)."""

    def __init__(self, *, item_ids: list[int], window: Window, since) -> None:
        super().__init__(name="sampler", daemon=True)
        self.item_ids = item_ids
        self.window = window
        self.since = since  # the reindex's start (database clock)
        self.stop = threading.Event()
        self.samples: list[DbSample] = []
        self.progress: list[Progress] = []
        self.longest_idle: IdleInTransaction | None = None
        self.max_connections = 0
        self.reserved = 0

    def run(self) -> None:
        from django.db import connection

        from embeddings.models import ProcessingJob

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('max_connections')::int,"
                " current_setting('superuser_reserved_connections')::int"
                " + coalesce(current_setting('reserved_connections', true), '0')::int"
            )
            self.max_connections, self.reserved = cursor.fetchone()
            tick = 0
            while not self.stop.is_set():
                at = time.monotonic() - self.window.starts
                cursor.execute(
                    "SELECT coalesce(application_name, ''), state,"
                    " extract(epoch FROM now() - state_change), left(query, 160)"
                    " FROM pg_stat_activity"
                    " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
                )
                rows = cursor.fetchall()
                by_app: dict[str, int] = {}
                for app, state, age, query in rows:
                    by_app[app or "?"] = by_app.get(app or "?", 0) + 1
                    if state == "idle in transaction" and (
                        self.longest_idle is None or age > self.longest_idle.seconds
                    ):
                        self.longest_idle = IdleInTransaction(float(age), app, query)
                self.samples.append(
                    DbSample(
                        at=at,
                        in_use=len(rows),
                        active=sum(r[1] == "active" for r in rows),
                        idle_in_transaction=sum(
                            (r[1] or "").startswith("idle in transaction") for r in rows
                        ),
                        by_app=by_app,
                    )
                )
                if tick % 4 == 0:
                    # Items through each stage since the reindex began, from the job
                    # rows both `reindex` (record_outcome) and the workers finish.
                    cursor.execute(
                        "SELECT stage, count(DISTINCT item_id)"
                        f" FROM {ProcessingJob._meta.db_table}"
                        " WHERE item_id = ANY(%s) AND state = 'done'"
                        " AND finished_at >= %s GROUP BY stage",
                        [self.item_ids, self.since],
                    )
                    done = dict(cursor.fetchall())
                    self.progress.append(Progress(at, done.get("ocr", 0),
                                                  done.get("index", 0),
                                                  done.get("embed", 0)))  # fmt: skip
                tick += 1
                self.stop.wait(0.25)
        connection.close()

    def progress_at(self, at: float) -> Progress:
        """The last progress sample at or before `at`."""
        before = [p for p in self.progress if p.at <= at]
        return before[-1] if before else Progress(at, 0, 0, 0)


# ---- report ------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


def latency_table(samples: list[Sample], seconds: float) -> str:
    lines = [
        "| request | requests | errors | P50 ms | P95 ms | P99 ms | max ms | req/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    groups = {kind: [s for s in samples if s.kind == kind] for kind in MIX}
    groups["all"] = samples
    for kind, group in groups.items():
        ms = [s.ms for s in group]
        errors = sum(s.error is not None for s in group)
        name = f"**{kind}**" if kind == "all" else kind
        lines.append(
            f"| {name} | {len(group)} | {errors} | {pct(ms, 50):.0f} | "
            f"{pct(ms, 95):.0f} | {pct(ms, 99):.0f} | {max(ms, default=0):.0f} | "
            f"{len(group) / seconds:.1f} |"
        )
    return "\n".join(lines)


def plot(
    samples: list[Sample], sampler: Sampler, *, seconds: float, total: int, path: Path
) -> None:
    """Three panels over the window: P50/P95 latency per second (all requests), client
    connections in use (and idle in transaction) against max_connections, reindex
    progress. PIL, as bench/http_search.py (matplotlib is not installed)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=13)
    width, panel, left, right = 1000, 220, 70, 20
    image = Image.new("RGB", (width, 3 * panel + 40), "white")
    draw = ImageDraw.Draw(image)
    span = max(seconds, 1.0)
    seconds_list = range(int(np.ceil(span)))
    p50, p95 = [], []
    for second in seconds_list:
        ms = [s.ms for s in samples if second <= s.at < second + 1]
        p50.append(pct(ms, 50) if ms else None)
        p95.append(pct(ms, 95) if ms else None)
    db = [d for d in sampler.samples if 0 <= d.at <= span]
    progress = [p for p in sampler.progress if 0 <= p.at <= span]

    def panel_at(index: int, title: str, y_max: float, unit: str):
        top = 30 + index * panel
        bottom = top + panel - 40
        draw.text((left, top - 22), title, fill="black", font=font)
        draw.rectangle([left, top, width - right, bottom], outline=(180, 180, 180))
        for fraction in (0, 0.25, 0.5, 0.75, 1):
            y = bottom - fraction * (bottom - top)
            draw.line([(left, y), (width - right, y)], fill=(235, 235, 235))
            draw.text(
                (4, y - 7), f"{fraction * y_max:.0f}{unit}", fill="grey", font=font
            )
        for t in range(0, int(span) + 1, max(1, int(span) // 10)):
            x = left + t / span * (width - left - right)
            draw.text((x - 6, bottom + 3), f"{t}s", fill="grey", font=font)

        def line(points, colour, label, slot):
            pts = [
                (left + t / span * (width - left - right),
                 bottom - min(v, y_max) / y_max * (bottom - top))
                for t, v in points if v is not None
            ]  # fmt: skip
            if len(pts) > 1:
                draw.line(pts, fill=colour, width=2)
            draw.text((width - right - 240, top + 4 + 15 * slot), label,
                      fill=colour, font=font)  # fmt: skip

        return line

    top_ms = max([v for v in p95 if v is not None], default=1.0) * 1.1
    line = panel_at(0, "Latency per second, all requests (ms)", top_ms, "")
    line([(t + 0.5, v) for t, v in zip(seconds_list, p95, strict=True)],
         (220, 120, 40), "P95", 0)  # fmt: skip
    line([(t + 0.5, v) for t, v in zip(seconds_list, p50, strict=True)],
         (70, 120, 200), "P50", 1)  # fmt: skip
    usable = sampler.max_connections - sampler.reserved
    line = panel_at(1, "PostgreSQL client connections (pg_stat_activity)",
                    sampler.max_connections, "")  # fmt: skip
    line([(0, usable), (span, usable)], (200, 40, 40),
         f"usable max ({usable} of {sampler.max_connections})", 0)  # fmt: skip
    line([(d.at, d.in_use) for d in db], (70, 120, 200), "in use", 1)
    line([(d.at, d.active) for d in db], (90, 170, 90), "active", 2)
    line([(d.at, d.idle_in_transaction) for d in db], (220, 120, 40),
         "idle in transaction", 3)  # fmt: skip
    line = panel_at(2, f"Reindex progress during the window (of {total} items)",
                    total, "")  # fmt: skip
    line([(p.at, p.indexed_items) for p in progress], (70, 120, 200), "indexed", 0)
    line([(p.at, p.embedded_items) for p in progress], (90, 170, 90), "embedded", 1)
    image.save(path)


# ---- the run -------------------------------------------------------------------------------


def start_reindex(mode: str, item_ids: list[int], log: Path):
    """`manage.py reindex --force` over the items (a child process), or a backfill
    queued for the worker; returns the process (None for jobs)."""
    if mode == "jobs":
        from embeddings.processing.reprocess import redo_ocr, reembed

        redo_ocr(item_ids=item_ids)  # OCR and the index run again…
        reembed(item_ids=item_ids)  # …and every vector is computed again
        return None
    return subprocess.Popen(
        [sys.executable, "manage.py", "reindex", "--force",
         "--items", ",".join(map(str, item_ids))],
        cwd=ROOT, env={**os.environ, "PGAPPNAME": "loadbench-reindex"},
        stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def scan_logs(paths: list[Path]) -> list[str]:
    """Lines in the servers' logs that mean trouble under load."""
    needles = ("Traceback", "too many clients", "remaining connection slots",
               "WORKER TIMEOUT", "[CRITICAL]")  # fmt: skip
    found = []
    for path in paths:
        if path.exists():
            for line in path.read_text(errors="replace").splitlines():
                if any(n in line for n in needles):
                    found.append(f"{path.name}: {line.strip()[:200]}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--reindex", choices=["command", "jobs"], default="command",
                        help="manage.py reindex --force (default) or a backfill via jobs")  # fmt: skip
    parser.add_argument("--max-idle-in-transaction", type=float, default=1.0,
                        help="seconds a connection may sit idle in a transaction")  # fmt: skip
    parser.add_argument("--png", default=str(ROOT / "docs" / "bench-load-reindex.png"))
    args = parser.parse_args()

    run_id = time.strftime("%Y%m%d-%H%M%S")
    logs = VAR / "logs" / run_id
    logs.mkdir(parents=True, exist_ok=True)
    redis = Redis(REDIS_PORT)
    redis.start()
    prepare = {**os.environ, "DEBUG": "0"}  # collectstatic's manifest, as bin/run makes
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, check=True,
                       env=prepare)  # fmt: skip
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from portal.embedded_db import stop_embedded_server

    os.environ["PGAPPNAME"] = "loadbench-worker"
    worker = Worker("loadbench", queues=QUEUES, log_dir=logs, concurrency=2, beat=True)
    os.environ["PGAPPNAME"] = "loadbench-bench"
    web = reindex = None
    try:
        started = time.monotonic()
        item_ids = make_corpus(args.items)
        connection.close()  # the sampler and clients have their own
        took = wait_for(lambda: settled(item_ids), "the corpus to be processed", 3600)
        print(f"Corpus: {len(item_ids)} items ready in {time.monotonic() - started:.0f} s"
              f" (processing waited {took:.0f} s)")  # fmt: skip

        port = free_port()
        web = start_web(port, logs / "gunicorn.log", env={"PGAPPNAME": "loadbench-web"})
        ready = wait_ready(f"http://127.0.0.1:{port}")
        print(f"gunicorn ready in {ready:.0f} s on port {port}")
        plan = RequestPlan(item_ids)

        window = Window(starts=time.monotonic() + 3600)  # moved when the window opens
        since = timezone.now()
        sampler = Sampler(item_ids=item_ids, window=window, since=since)
        reindex = start_reindex(args.reindex, item_ids, logs / "reindex.log")
        reindex_started = time.monotonic()
        sampler.start()
        # The window opens once the reindex is working: its models loaded (Kiwi, e5 —
        # seconds each on a busy machine) and a first batch through every stage.
        wait_for(lambda: bool(sampler.progress) and sampler.progress[-1].embedded_items > 0,
                 "the reindex to start working", 900)  # fmt: skip
        window.starts = time.monotonic()
        window.ends = window.starts + args.seconds
        print(f"Window: {args.clients} clients × {args.seconds:.0f} s, reindex "
              f"({args.reindex}) working after {window.starts - reindex_started:.0f} s")  # fmt: skip
        clients = [
            Client(n, port=port, plan=plan, window=window) for n in range(args.clients)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        window_seconds = time.monotonic() - window.starts
        at_open, at_close = sampler.progress_at(0), sampler.progress_at(window_seconds)
        reindex_running_at_close = (
            reindex.poll() is None if reindex is not None else not settled(item_ids)
        )
        print("Window closed; waiting for the reindex to finish")
        if reindex is not None:
            reindex_rc = reindex.wait(timeout=7200)
        else:
            wait_for(lambda: settled(item_ids), "the backfill", 7200)
            reindex_rc = 0
        reindex_seconds = time.monotonic() - reindex_started
        time.sleep(1.5)
        sampler.stop.set()
        sampler.join(timeout=10)
    finally:
        if web is not None:
            stop_group(web)
        if reindex is not None:
            stop_group(reindex)
        worker.stop()
        redis.stop()
        stop_embedded_server(data_dir=VAR, system_dir=settings.EMBEDDED_DB_SYSTEM_DIR)

    samples = sorted((s for c in clients for s in c.samples), key=lambda s: s.at)
    errors = [s for s in samples if s.error]
    print()
    print(f"{len(samples)} requests from {args.clients} clients in {window_seconds:.1f} s "
          f"({len(samples) / window_seconds:.1f} req/s), {len(errors)} errors, "
          f"{sum(c.reconnects for c in clients)} connections opened")  # fmt: skip
    print(latency_table(samples, window_seconds))
    for sample in errors[:8]:
        print(f"  error ({sample.kind}, {sample.at:.1f} s): {sample.error}")

    in_window = [d for d in sampler.samples if 0 <= d.at <= window_seconds]
    usable = sampler.max_connections - sampler.reserved
    peak = max(sampler.samples, key=lambda d: d.in_use)
    peak_window = max(in_window, key=lambda d: d.in_use)
    idle = sampler.longest_idle
    rate = (at_close.indexed_items - at_open.indexed_items) / window_seconds
    summary = (logs / "reindex.log").read_text(errors="replace") if reindex else ""
    print()
    print("| database and reindex | value |")
    print("|---|---|")
    print(f"| max_connections (usable by the portal) | {sampler.max_connections} "
          f"({usable}) |")  # fmt: skip
    print(f"| client connections in use, window: max / median | {peak_window.in_use} "
          f"/ {int(np.median([d.in_use for d in in_window]))} |")  # fmt: skip
    print(f"| at the window's peak, per process | "
          f"{', '.join(f'{k} {v}' for k, v in sorted(peak_window.by_app.items()))} |")  # fmt: skip
    print(f"| client connections in use, whole run: max | {peak.in_use} |")
    print(f"| samples with a connection idle in transaction | "
          f"{sum(d.idle_in_transaction > 0 for d in sampler.samples)} of "
          f"{len(sampler.samples)} |")  # fmt: skip
    print("| longest idle in transaction | "
          + (f"{idle.seconds * 1000:.0f} ms ({idle.app}: `{idle.query[:80]}`) |"
             if idle else "none seen |"))  # fmt: skip
    print(f"| reindex during the window: items indexed | {at_open.indexed_items} → "
          f"{at_close.indexed_items} of {len(item_ids)} ({rate:.1f} items/s) |")  # fmt: skip
    print(f"| reindex during the window: items through OCR / embedding | "
          f"{at_close.ocr_items - at_open.ocr_items} / "
          f"{at_close.embedded_items - at_open.embedded_items} |")  # fmt: skip
    print(f"| reindex still running when the window closed | "
          f"{'yes' if reindex_running_at_close else 'no'} |")  # fmt: skip
    print(f"| reindex total | {reindex_seconds:.0f} s, exit status {reindex_rc} |")
    for line in summary.splitlines():
        if line.startswith(("Reindexed", "Item ", "Space ")):
            print(f"  reindex: {line.strip()[:200]}")
    trouble = scan_logs([logs / "gunicorn.log", logs / "worker-loadbench.log",
                         logs / "reindex.log"])  # fmt: skip
    for line in trouble[:10]:
        print(f"  log: {line}")
    plot(samples, sampler, seconds=window_seconds, total=len(item_ids),
         path=Path(args.png))  # fmt: skip
    dump = {
        "progress": [vars(p) for p in sampler.progress],
        "database": [vars(d) for d in sampler.samples],
        "requests": [vars(s) for s in samples],
    }
    (logs / "samples.json").write_text(json.dumps(dump))
    print(f"chart: {args.png}; logs and samples.json: {logs}")

    failures = []
    if errors:
        failures.append(f"{len(errors)} request errors")
    if peak.in_use >= usable:
        failures.append(f"connections ran out ({peak.in_use} of {usable} usable)")
    if idle and idle.seconds > args.max_idle_in_transaction:
        failures.append(f"a connection idle in transaction for {idle.seconds:.1f} s")
    if reindex_rc != 0:
        failures.append(f"the reindex exited with {reindex_rc}")
    if trouble:
        failures.append(f"{len(trouble)} trouble lines in the logs")
    print("FAILED: " + "; ".join(failures) if failures else "OK")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
