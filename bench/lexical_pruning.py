"""The lexical (BM25) branch at 100k items: exhaustive scoring beside pruned scoring
(impact-ordered heads of B postings a query, shared by its terms; tails read only
where they could change the ranking), for ranking fidelity and latency, in one run.

Runs against bench/search.py's synthetic corpus (build it first with
`bench/search.py --sizes 100000`; its schema is migrated here, so term rows written
before migration 0013 get their lengths and impacts):

    DEBUG=0 .venv/bin/python bench/lexical_pruning.py [--size 100000] [--queries 60]

Queries: bench/search.py's query generator (one or two topic words, sometimes a common
one) and longer mixed ones (two topics' words and two of the corpus's most common
Korean words, which each occur in most documents: the costly case). For each setting:
P50/P95 of the branch statement (each query run 3 times, best kept, after a warm-up
pass), the head postings it read, and its agreement with exhaustive BM25: Recall@10
and Recall@100 of the exhaustive top lists, and whether every returned score is exact.
The exhaustive side is the same engine with no list cut (B = ∞). Writes a PNG.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("EMBEDDED_DB_NAME", "portal_bench_search")
os.environ.setdefault("DEBUG", "0")
os.environ["EMBEDDINGS_ALLOW_TEST_MODELS"] = "1"

SETTINGS = (2000, 4000, 8000, 16000)
EXHAUSTIVE = 10**9
WINDOW = 100


def _query_texts(count: int) -> list[tuple[str, str]]:
    from bench.search import COMMON_KO, _queries, _topics

    generated = [("generated", q.text) for q in _queries(count // 2, seed=7)]
    rng = np.random.default_rng(11)
    topics = _topics()
    common = COMMON_KO.split()[:4]
    mixed = []
    for _ in range(count - len(generated)):
        a, b = (topics[int(i)] for i in rng.choice(len(topics), 2, replace=False))
        words = [str(rng.choice(a.ko)), str(rng.choice(b.ko)), str(rng.choice(a.en))]
        words += [str(w) for w in rng.choice(common, 2, replace=False)]
        mixed.append(("mixed", " ".join(words)))
    return generated + mixed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument(
        "--plot", default=str(ROOT / "docs" / "bench-lexical-pruning.png")
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from bench.search import _migrate, _use_schema
    from embeddings.text import lexical
    from items.models import Item
    from search import branches
    from search.analysis import analyse_query

    _use_schema(args.size)
    _migrate()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE embeddings_searchterm")
    items = Item.objects.published()
    print(f"{Item.objects.count()} items, window {WINDOW}")
    texts = _query_texts(args.queries)
    analysed = [(kind, analyse_query(t).scoring_text) for kind, t in texts]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT term, count(*) FROM embeddings_searchterm "
            "WHERE term = ANY(%s) GROUP BY term",
            [[lex for _, s in analysed for lex in _lexemes(cursor, s)]],
        )
        df = dict(cursor.fetchall())

    def run(scoring: str, per_term: int) -> list:
        query = branches.lexical_query(
            scoring_text=scoring, constraint="", items=items, window=WINDOW,
            head_postings=per_term,
        )  # fmt: skip
        assert query is not None
        return branches.run_one(query)

    def timed(scoring: str, per_term: int) -> tuple[float, list]:
        best, hits = float("inf"), []
        for _ in range(3):
            started = time.perf_counter()
            hits = run(scoring, per_term)
            best = min(best, time.perf_counter() - started)
        return best * 1000, hits

    for _, scoring in analysed:  # warm-up: caches, statistics
        run(scoring, SETTINGS[0])
    lexical.corpus_stats()
    exact: list[dict[int, float]] = []
    exact_order: list[list[int]] = []
    table: dict[str, dict[str, list]] = {}
    for per_term in (EXHAUSTIVE, *SETTINGS):
        label = "exhaustive" if per_term == EXHAUSTIVE else f"B={per_term}"
        rows: dict[str, list] = {
            "ms": [],
            "read": [],
            "r10": [],
            "r100": [],
            "exact": [],
        }
        for n, (kind, scoring) in enumerate(analysed):
            ms, hits = timed(scoring, per_term)
            with connection.cursor() as cursor:
                lexemes = _lexemes(cursor, scoring)
            rows["ms"].append((kind, ms))
            size = max(branches.HEAD_FLOOR, per_term // max(1, len(lexemes)))
            rows["read"].append(sum(min(df.get(t, 0), size) for t in lexemes))
            ids = [h.item_id for h in hits]
            if per_term == EXHAUSTIVE:
                exact.append({h.item_id: h.score for h in hits})
                exact_order.append(ids)
            want = exact_order[n]
            rows["r10"].append(
                len(set(ids[:10]) & set(want[:10])) / max(1, len(want[:10]))
            )
            rows["r100"].append(len(set(ids) & set(want)) / max(1, len(want)))
            rows["exact"].append(
                all(abs(h.score - exact[n][h.item_id]) < 1e-3
                    for h in hits if h.item_id in exact[n])
            )  # fmt: skip
        table[label] = rows
    _print(table)
    _plot(table, Path(args.plot))
    print(f"chart: {args.plot}")


def _lexemes(cursor, scoring: str) -> list[str]:
    from embeddings.text.fulltext import TEXT_SEARCH_CONFIG

    cursor.execute(
        f"SELECT lexeme FROM unnest(to_tsvector('{TEXT_SEARCH_CONFIG}', %s))", [scoring]
    )
    return [row[0] for row in cursor.fetchall()]


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


def _print(table: dict[str, dict[str, list]]) -> None:
    head = (
        f"{'setting':<11} {'kind':<10} {'P50 ms':>7} {'P95 ms':>7} {'head':>9} "
        f"{'R@10':>6} {'R@100':>6} {'exact':>6}"
    )
    print(head)
    for label, rows in table.items():
        for kind in ("generated", "mixed", "all"):
            picked = [i for i, (k, _) in enumerate(rows["ms"]) if kind in (k, "all")]
            ms = [rows["ms"][i][1] for i in picked]
            print(
                f"{label:<11} {kind:<10} {_pct(ms, 50):>7.1f} {_pct(ms, 95):>7.1f} "
                f"{statistics.mean(rows['read'][i] for i in picked):>9.0f} "
                f"{statistics.mean(rows['r10'][i] for i in picked):>6.3f} "
                f"{statistics.mean(rows['r100'][i] for i in picked):>6.3f} "
                f"{sum(rows['exact'][i] for i in picked):>3}/{len(picked):<2}"
            )


def _plot(table: dict[str, dict[str, list]], path: Path) -> None:
    """Recall@10 of exhaustive BM25 against P95 latency (log), a line per query kind."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=12)
    width, height, left, top = 640, 400, 60, 40
    plot_w, plot_h = width - left - 30, height - top - 50
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((left, 8), "Lexical branch at 100k items: head postings a query (B)",
              fill="black", font=font)  # fmt: skip
    series = {}
    for kind in ("generated", "mixed"):
        points = []
        for label, rows in table.items():
            picked = [i for i, (k, _) in enumerate(rows["ms"]) if k == kind]
            points.append((
                _pct([rows["ms"][i][1] for i in picked], 95),
                statistics.mean(rows["r10"][i] for i in picked), label,
            ))  # fmt: skip
        series[kind] = points
    times = [ms for points in series.values() for ms, _, _ in points]
    lo, hi = np.log10(min(times) * 0.8), np.log10(max(times) * 1.25)
    r_lo = 0.0

    def xy(ms: float, recall: float) -> tuple[float, float]:
        x = left + (np.log10(ms) - lo) / (hi - lo) * plot_w
        return x, top + plot_h - (recall - r_lo) / (1 - r_lo) * plot_h

    draw.rectangle([left, top, left + plot_w, top + plot_h], outline="grey")
    for recall in (0.0, 0.25, 0.5, 0.75, 0.9, 1.0):
        _, y = xy(10**lo, recall)
        draw.line([left, y, left + plot_w, y], fill=(235, 235, 235))
        draw.text((left - 34, y - 6), f"{recall:.2f}", fill="grey", font=font)
    for tick in (10, 20, 30, 50, 100, 200, 300):
        if lo <= np.log10(tick) <= hi:
            x, _ = xy(tick, r_lo)
            draw.text((x - 10, top + plot_h + 4), f"{tick} ms", fill="grey", font=font)
    draw.text((left, height - 22), "P95 of the branch statement (log) vs Recall@10 "
              "of exhaustive BM25", fill="black", font=font)  # fmt: skip
    for (kind, points), colour in zip(
        series.items(), ((40, 90, 200), (210, 90, 30)), strict=True
    ):
        xys = [xy(ms, recall) for ms, recall, _ in points]
        draw.line(xys, fill=colour, width=2)
        for (x, y), (_, _, label) in zip(xys, points, strict=True):
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)
            draw.text((x + 4, y + 2), label, fill=colour, font=font)
        draw.text((left + plot_w - 150, top + 10 + 16 * (kind == "mixed")),
                  f"{kind} queries", fill=colour, font=font)  # fmt: skip
    image.save(path)


if __name__ == "__main__":
    main()
