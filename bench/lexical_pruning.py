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

SETTINGS = (2000, 4000, 8000)
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
    from django.conf import settings
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
            size = max(settings.LEXICAL_HEAD_FLOOR, per_term // max(1, len(lexemes)))
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
    """A bar a setting and query kind: P50 filled, P95 outlined (log scale); the
    title says whether every ranking matched the exhaustive one."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=12)
    colours = {"generated": (40, 90, 200), "mixed": (210, 90, 30)}
    bars = []
    for label, rows in table.items():
        for kind in colours:
            picked = [i for i, (k, _) in enumerate(rows["ms"]) if k == kind]
            ms = [rows["ms"][i][1] for i in picked]
            recall = statistics.mean(rows["r10"][i] for i in picked)
            bars.append((f"{label} {kind}", kind, _pct(ms, 50), _pct(ms, 95), recall))
    exact = all(recall == 1.0 for *_, recall in bars)
    left, top, row_h, width = 170, 34, 22, 820
    image = Image.new("RGB", (width, top + row_h * len(bars) + 30), "white")
    draw = ImageDraw.Draw(image)
    title = "Lexical branch at 100k items: P50 (bar) and P95 (outline), ms, log scale"
    title += "; every ranking equals exhaustive BM25's" if exact else ""
    draw.text((10, 8), title, fill="black", font=font)
    lo, hi = np.log10(5), np.log10(max(p95 for _, _, _, p95, _ in bars) * 1.3)

    def x(ms: float) -> float:
        return left + (np.log10(max(ms, 5)) - lo) / (hi - lo) * (width - left - 20)

    for tick in (10, 20, 50, 100, 200, 500):
        if np.log10(tick) <= hi:
            draw.line([x(tick), top - 4, x(tick), top + row_h * len(bars)],
                      fill=(230, 230, 230))  # fmt: skip
            draw.text((x(tick) - 8, top + row_h * len(bars) + 4), f"{tick}",
                      fill="grey", font=font)  # fmt: skip
    for n, (name, kind, p50, p95, _) in enumerate(bars):
        y = top + n * row_h
        draw.text((10, y + 3), name, fill="black", font=font)
        draw.rectangle([left, y + 3, x(p95), y + row_h - 5], outline=colours[kind])
        draw.rectangle([left, y + 3, x(p50), y + row_h - 5], fill=colours[kind])
    image.save(path)


if __name__ == "__main__":
    main()
