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
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from stack import ROOT, free_port, start_web, stop_group, wait_ready


@dataclass
class Scenario:
    name: str
    clients: int
    latencies: list[float] = field(default_factory=list)  # ms
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    wall: float = 0.0

    def pct(self, q: float) -> float:
        return float(np.percentile(self.latencies, q)) if self.latencies else 0.0


def request(url: str, body: dict | None) -> tuple[float, str | None]:
    started = time.perf_counter()
    try:
        if body is None:
            call = urllib.request.Request(f"{url}/health/live")
        else:
            call = urllib.request.Request(
                f"{url}/api/search/", data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"}, method="POST",
            )  # fmt: skip
        with urllib.request.urlopen(call, timeout=60) as response:
            response.read()
            error = None if response.status == 200 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        error = f"HTTP {exc.code}: {exc.read()[:120]!r}"
    except (urllib.error.URLError, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    return (time.perf_counter() - started) * 1000, error


def run(url: str, name: str, clients: int, bodies: list[dict | None]) -> Scenario:
    scenario = Scenario(name=name, clients=clients)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for latency, error in pool.map(lambda b: request(url, b), bodies):
            scenario.latencies.append(latency)
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
        "| scenario | clients | requests | P50 ms | P95 ms | P99 ms | req/s | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scenarios:
        lines.append(
            f"| {s.name} | {s.clients} | {len(s.latencies)} | {s.pct(50):.1f} | "
            f"{s.pct(95):.1f} | {s.pct(99):.1f} | {len(s.latencies) / s.wall:.1f} | "
            f"{s.errors} |"
        )
    return "\n".join(lines)


def plot(scenarios: list[Scenario], path: Path) -> None:
    """Bars per scenario: P50 filled, P95 outlined, P99 tick; log scale."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=13)
    left, bar, width = 360, 16, 1000
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
        draw.text((10, y), f"{s.name} x{s.clients}"[:50], fill="black", font=font)
        draw.rectangle([left, y, x(s.pct(95)), y + bar - 3], outline=colour)
        draw.rectangle([left, y, x(s.pct(50)), y + bar - 3], fill=colour)
        draw.line([(x(s.pct(99)), y - 1), (x(s.pct(99)), y + bar - 2)], fill="black")
        y += bar + 6
    image.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", default="gnome-help-ko", help="judged set for queries")
    parser.add_argument("--queries", type=int, default=120)
    parser.add_argument("--clients", default="1,8")
    parser.add_argument(
        "--url", help="an already running server (else gunicorn starts)"
    )
    parser.add_argument("--png", default=str(ROOT / "docs" / "bench-http-search.png"))
    args = parser.parse_args()

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
