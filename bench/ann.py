"""ANN index study: HNSW parameters and storage options by Recall@10 and latency.

Synthetic vectors: clustered random unit vectors in 384 dimensions from bench/search.py's
generator (`_clusters(384)`, `Clusters.sample`: 200 topic centres, 10 sub-centres each,
plus noise), not model outputs; query vectors are drawn the same way (not corpus rows).
Each size has a table `ann_<size>.vectors (id, keep, v vector(384))` in a database of its
own (`portal_bench_ann` on the embedded server); `keep` marks a random 5 % of the rows,
the filter of the filtered case. Run:

    nice -n 5 .venv/bin/python bench/ann.py [--sizes 10000,100000] [--queries 200]

Tables and indexes are reused when present (their build times are stored beside them);
`--rebuild` drops them. For each configuration: build time and size of its index,
Recall@10 against exact (numpy brute force over the same float32 vectors) and P50/P95
latency of the SQL statement, without a filter and with `WHERE keep`, on connections set
as production's are (`hnsw.iterative_scan = relaxed_order`, portal/settings.py).

Configurations (all cosine):
- `vector` HNSW, m 16 / ef_construction 64 (pgvector's defaults, today's index) and
  m 32 / ef_construction 128, × ef_search 40, 100, 200, 400; plus production's shape:
  LIMIT window × 3 = 300 rows at ef_search 200, its 10 nearest kept (search/branches.py).
- `halfvec`: an index on `v::halfvec(384)`, queried with the same cast (half the size).
- `binary`: an index on `binary_quantize(v)::bit(384)` (Hamming); its N × 10 nearest
  (N = 4, 10) re-ranked by exact cosine over the full vectors.
- `truncated` 128 / 192: an index on `subvector(v, 1, d)`, re-ranked the same way. The
  portal's e5-small is not Matryoshka-trained, and these synthetic vectors carry their
  structure evenly over all dimensions (so a prefix behaves like a random projection):
  this row is a study of the mechanism, not evidence for truncating a real model's output.
  Cosine ignores scale, so the prefix needs no re-normalising for the index.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("EMBEDDED_DB_NAME", "portal_bench_ann")
os.environ.setdefault("DEBUG", "0")  # DEBUG keeps every statement in memory


def _load_search_bench():
    """bench/search.py, for its corpus generator (imported by path: on sys.path as
    `search` it would shadow the portal's search app)."""
    spec = importlib.util.spec_from_file_location(
        "bench_search", ROOT / "bench/search.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


GENERATOR = 1  # bump when the corpus changes: stored tables are rebuilt
DIM = 384
K = 10
KEEP = 0.05
WARMUP = 5
EF_SEARCH = (40, 100, 200, 400)


@dataclass(frozen=True)
class Index:
    """One HNSW index per size: its expression, operator class and build parameters."""

    name: str
    expression: str
    opclass: str
    m: int = 16
    ef_construction: int = 64

    @property
    def table(self) -> str:
        return f"t_{self.name}"


@dataclass(frozen=True)
class Config:
    """A query over one index: the ORDER BY expression (`{q}` stands for the query
    literal cast to `query_type`), ef_search, and how many candidates to re-rank (0:
    none)."""

    family: str
    index: Index
    order_by: str
    query_type: str
    ef_search: int
    rerank: int = 0
    limit: int = K
    prefix: int = DIM  # dimensions of the query vector the index expression sees
    iterative: str = "relaxed_order"  # production's hnsw.iterative_scan

    @property
    def label(self) -> str:
        parts = [self.family, f"m{self.index.m}/efc{self.index.ef_construction}"]
        parts.append(f"ef {self.ef_search}")
        if self.rerank:
            parts.append(f"re-rank {self.rerank}×{K}")
        if self.limit != K:
            parts.append(f"LIMIT {self.limit}, {K} nearest kept")
        if self.iterative != "relaxed_order":
            parts.append(self.iterative)
        return ", ".join(parts)


VECTOR_16 = Index("vector_m16", "v", "vector_cosine_ops")
VECTOR_32 = Index("vector_m32", "v", "vector_cosine_ops", m=32, ef_construction=128)
HALFVEC = Index("halfvec_m16", f"(v::halfvec({DIM}))", "halfvec_cosine_ops")
BINARY = Index("binary_m16", f"(binary_quantize(v)::bit({DIM}))", "bit_hamming_ops")


def _truncated(dims: int) -> Index:
    return Index(
        f"prefix{dims}_m16",
        f"(subvector(v, 1, {dims})::vector({dims}))",
        "vector_cosine_ops",
    )


def configurations() -> list[Config]:
    out: list[Config] = []
    for index in (VECTOR_16, VECTOR_32):
        out += [
            Config("vector", index, "v <=> {q}", f"vector({DIM})", ef)
            for ef in EF_SEARCH
        ]
    # Production's vector branch: LIMIT window × 3 = 300 at ef_search 200 (its 10
    # nearest kept); over-fetching less, and strict_order, as cheaper ways to the same.
    exact_order = "v <=> {q}"
    out += [
        Config("vector", VECTOR_16, exact_order, f"vector({DIM})", ef, limit=limit)
        for ef, limit in ((200, 300), (40, 40), (100, 100))
    ]
    out += [
        Config(
            "vector",
            VECTOR_16,
            exact_order,
            f"vector({DIM})",
            ef,
            iterative="strict_order",
        )
        for ef in (40, 100)
    ]
    out += [
        Config(
            "halfvec", HALFVEC, f"v::halfvec({DIM}) <=> {{q}}", f"halfvec({DIM})", ef
        )
        for ef in EF_SEARCH
    ]
    for rerank in (4, 10, 40):
        out += [
            Config(
                "binary", BINARY, f"binary_quantize(v)::bit({DIM}) <~> binary_quantize({{q}})",
                f"vector({DIM})", ef, rerank=rerank,
            )
            for ef in EF_SEARCH
        ]  # fmt: skip
    for dims in (128, 192):
        index = _truncated(dims)
        for rerank in (4, 10, 40):
            out += [
                Config(
                    f"truncated {dims}", index,
                    f"subvector(v, 1, {dims})::vector({dims}) <=> {{q}}",
                    f"vector({dims})", ef, rerank=rerank, prefix=dims,
                )
                for ef in EF_SEARCH
            ]  # fmt: skip
    return out


# --- corpus ----------------------------------------------------------------------------


def generate(size: int, queries: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Corpus vectors, the `keep` mask (exactly 5 %, random rows) and query vectors."""
    search_bench = _load_search_bench()
    clusters = search_bench._clusters(DIM)
    rng = np.random.default_rng(size)
    topics = rng.integers(0, search_bench.TOPICS, size)
    subs = rng.integers(0, search_bench.SUBTOPICS, size)
    vectors = clusters.sample(topics, subs, rng)
    keep = np.zeros(size, dtype=bool)
    keep[rng.permutation(size)[: int(size * KEEP)]] = True
    qrng = np.random.default_rng(10**9 + size)
    count = queries + WARMUP
    asked = clusters.sample(
        qrng.integers(0, search_bench.TOPICS, count),
        qrng.integers(0, search_bench.SUBTOPICS, count),
        qrng,
    )
    return vectors, keep, asked


def _literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


def ensure_table(
    size: int, vectors: np.ndarray, keep: np.ndarray, rebuild: bool
) -> str:
    """Schema ann_<size> with the vectors table loaded (reused when it holds this
    generator's rows) and a table of the build times of its indexes."""
    from django.db import connection

    schema = f"ann_{size}"
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS vector")
        if rebuild:
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        cursor.execute(f"SET search_path = {schema}, public")
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS builds (name text PRIMARY KEY, "
            "seconds float8 NOT NULL, generator int NOT NULL)"
        )
        cursor.execute(
            "SELECT to_regclass('vectors') IS NOT NULL AND "
            "(SELECT count(*) FROM builds WHERE name = 'table' AND generator = %s) = 1",
            [GENERATOR],
        )
        if cursor.fetchone()[0]:
            cursor.execute("SELECT count(*) FROM vectors")
            if cursor.fetchone()[0] == size:
                return schema
        cursor.execute("DROP TABLE IF EXISTS vectors")
        cursor.execute("DELETE FROM builds")
        started = time.perf_counter()
        cursor.execute(
            f"CREATE TABLE vectors (id int PRIMARY KEY, keep boolean NOT NULL, "
            f"v vector({DIM}) NOT NULL)"
        )
        with cursor.cursor.copy("COPY vectors (id, keep, v) FROM STDIN") as copy:
            for i in range(size):
                copy.write_row((i, bool(keep[i]), _literal(vectors[i])))
        cursor.execute("VACUUM ANALYZE vectors")
        cursor.execute(
            "INSERT INTO builds VALUES ('table', %s, %s)",
            [time.perf_counter() - started, GENERATOR],
        )
    print(f"  loaded {size} vectors in {time.perf_counter() - started:.1f} s")
    return schema


def ensure_index(index: Index) -> tuple[float, int]:
    """Build the index unless present; returns its build seconds and size in bytes.

    Each index gets its own copy of the table (`t_<index>`): with several indexes on one
    table the planner picks among them (two on `v` differ only in m), so a row would
    not measure the index it names."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seconds FROM builds WHERE name = %s AND to_regclass(%s) IS NOT NULL",
            [index.name, index.name],
        )
        found = cursor.fetchone()
        if found:
            seconds = found[0]
        else:
            cursor.execute(f"DROP TABLE IF EXISTS {index.table}")
            cursor.execute(f"CREATE TABLE {index.table} AS SELECT * FROM vectors")
            cursor.execute(f"VACUUM ANALYZE {index.table}")
            # The whole graph fits in memory at these sizes (a build that spills to
            # disk is much slower); two parallel workers, as the machine has two cores.
            cursor.execute("SET maintenance_work_mem = '2GB'")
            cursor.execute("SET max_parallel_maintenance_workers = 2")
            started = time.perf_counter()
            cursor.execute(
                f"CREATE INDEX {index.name} ON {index.table} USING hnsw "
                f"({index.expression} {index.opclass}) "
                f"WITH (m = {index.m}, ef_construction = {index.ef_construction})"
            )
            seconds = time.perf_counter() - started
            cursor.execute(
                "INSERT INTO builds VALUES (%s, %s, %s) ON CONFLICT (name) DO UPDATE "
                "SET seconds = EXCLUDED.seconds",
                [index.name, seconds, GENERATOR],
            )
            print(f"  built {index.name} in {seconds:.1f} s")
        cursor.execute("SELECT pg_relation_size(%s)", [index.name])
        return seconds, cursor.fetchone()[0]


# --- measurement -----------------------------------------------------------------------


def _sql(config: Config, filtered: bool) -> str:
    where = "WHERE keep " if filtered else ""
    order_by = config.order_by.format(q=f"%s::{config.query_type}")
    scan = f"SELECT id, v FROM {config.index.table} {where}ORDER BY {order_by} LIMIT %s"
    if config.rerank:
        # Candidates from the index, then exact cosine over the full vectors.
        return (
            f"SELECT id FROM ({scan}) AS candidates "
            f"ORDER BY v <=> %s::vector({DIM}) LIMIT {K}"
        )
    return f"SELECT id, v <=> %s::vector({DIM}) FROM ({scan}) AS found"


def _params(config: Config, query: np.ndarray) -> list:
    full = _literal(query)
    scanned = full if config.prefix == DIM else _literal(query[: config.prefix])
    if config.rerank:
        return [scanned, config.rerank * K, full]
    return [full, scanned, config.limit]


def _ids(config: Config, rows: list[tuple]) -> list[int]:
    if config.rerank:
        return [row[0] for row in rows]
    # relaxed_order returns rows nearly in order: the K nearest of what came back.
    return [row[0] for row in sorted(rows, key=lambda row: row[1])[:K]]


def exact_neighbours(
    vectors: np.ndarray, keep: np.ndarray, queries: np.ndarray, filtered: bool
) -> list[set[int]]:
    ids = np.flatnonzero(keep) if filtered else np.arange(len(vectors))
    base = vectors[ids]
    out = []
    for query in queries:
        sims = base @ query
        top = np.argpartition(-sims, K)[:K]
        out.append({int(i) for i in ids[top]})
    return out


@dataclass
class Result:
    recall: float
    times: list[float] = field(default_factory=list)
    # Whether the planner, left to itself, scans the index (measured with it forced:
    # when it does not, production gets the exact sequential scan instead).
    planner_uses_index: bool = True

    def p(self, q: float) -> float:
        return float(np.percentile(self.times, q)) * 1000


def _uses_index(sql: str, params: list, index_name: str) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (COSTS OFF) " + sql, params)
        return any(index_name in row[0] for row in cursor.fetchall())


def measure(
    config: Config, queries: np.ndarray, truth: list[set[int]], filtered: bool
) -> Result:
    from django.db import connection, transaction

    sql = _sql(config, filtered)
    hits = []
    result = Result(recall=0.0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(config.ef_search)])  # fmt: skip
        cursor.execute("SELECT set_config('hnsw.iterative_scan', %s, true)", [config.iterative])  # fmt: skip
        first = _params(config, queries[0])
        result.planner_uses_index = _uses_index(sql, first, config.index.name)
        cursor.execute("SET LOCAL enable_seqscan = off")
        if not _uses_index(sql, first, config.index.name):
            raise RuntimeError(
                f"{config.label}: the index is not used even when forced"
            )
        for i, query in enumerate(queries):
            params = _params(config, query)
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            seconds = time.perf_counter() - started
            if i >= WARMUP:
                result.times.append(seconds)
                hits.append(len(set(_ids(config, rows)) & truth[i]) / K)
    result.recall = float(np.mean(hits))
    return result


def measure_exact(queries: np.ndarray, filtered: bool) -> Result:
    """The brute-force statement (index scans off): the latency an index must beat."""
    from django.db import connection, transaction

    where = "WHERE keep " if filtered else ""
    sql = f"SELECT id FROM vectors {where}ORDER BY v <=> %s::vector({DIM}) LIMIT {K}"
    result = Result(recall=1.0, planner_uses_index=False)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        for i, query in enumerate(queries):
            started = time.perf_counter()
            cursor.execute(sql, [_literal(query)])
            cursor.fetchall()
            if i >= WARMUP:
                result.times.append(time.perf_counter() - started)
    return result


# --- output ----------------------------------------------------------------------------


@dataclass
class Row:
    size: int
    label: str
    family: str
    build_s: float | None
    index_bytes: int | None
    plain: Result
    filtered: Result


def _table(rows: list[Row]) -> str:
    head = (
        "| size | configuration | build s | index MB | R@10 | P50 ms | P95 ms "
        "| R@10 5 % | P50 ms 5 % | P95 ms 5 % |"
    )
    lines = [head, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        build = "" if r.build_s is None else f"{r.build_s:.1f}"
        size = "" if r.index_bytes is None else f"{r.index_bytes / 2**20:.1f}"
        cells = []
        for res in (r.plain, r.filtered):
            mark = "" if res.planner_uses_index or r.build_s is None else " †"
            cells.append(f"{res.recall:.3f}{mark} | {res.p(50):.2f} | {res.p(95):.2f}")
        lines.append(
            f"| {r.size // 1000}k | {r.label} | {build} | {size} | "
            + " | ".join(cells)
            + " |"
        )
    lines.append(
        "\n† the planner left to itself chooses the sequential scan here (exact results, "
        "the exact row's latency); the figures are the index's, forced."
    )
    return "\n".join(lines)


COLOURS = {
    "vector": (40, 90, 200),
    "halfvec": (0, 160, 150),
    "binary": (220, 110, 30),
    "truncated 128": (170, 60, 170),
    "truncated 192": (200, 60, 90),
}


def _plot(rows: list[Row], path: Path) -> None:
    """Recall@10 against P50 latency (log scale), one panel per size and filter."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=12)
    sizes = sorted({r.size for r in rows})
    pw, ph, margin = 520, 360, 50
    image = Image.new("RGB", (2 * pw, len(sizes) * ph + 30), "white")
    draw = ImageDraw.Draw(image)
    x0 = 10
    for family, colour in COLOURS.items():
        draw.ellipse([x0, 10, x0 + 8, 18], fill=colour)
        draw.text((x0 + 12, 6), family, fill="black", font=font)
        x0 += 110
    draw.text((x0, 6), "(re-rank 10x or more: hollow)", fill="grey", font=font)
    times = [res.p(50) for r in rows for res in (r.plain, r.filtered) if r.build_s]
    lo, hi = np.log10(min(times) * 0.8), np.log10(max(times) * 1.25)
    r_lo = 0.5
    for row_i, size in enumerate(sizes):
        for col, filtered in enumerate((False, True)):
            left, top = col * pw + margin, 30 + row_i * ph + 20
            width, height = pw - margin - 15, ph - 70

            def xy(
                ms: float, recall: float, left=left, top=top, width=width, height=height
            ):
                x = left + (np.log10(ms) - lo) / (hi - lo) * width
                y = top + height - (max(recall, r_lo) - r_lo) / (1 - r_lo) * height
                return x, y

            draw.rectangle([left, top, left + width, top + height], outline="grey")
            title = f"{size // 1000}k vectors, " + (
                "filter keeping 5 %" if filtered else "no filter"
            )
            draw.text((left, top - 16), title, fill="black", font=font)
            for recall in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0):
                _, y = xy(10**lo, recall)
                draw.line([left, y, left + width, y], fill=(235, 235, 235))
                draw.text((left - 34, y - 6), f"{recall:.2f}", fill="grey", font=font)
            _, y95 = xy(10**lo, 0.95)
            draw.line([left, y95, left + width, y95], fill=(240, 150, 150))
            for tick in (0.3, 1, 3, 10, 30, 100, 300):
                if lo <= np.log10(tick) <= hi:
                    x, _ = xy(tick, r_lo)
                    draw.text(
                        (x - 8, top + height + 4),
                        f"{tick:g} ms",
                        fill="grey",
                        font=font,
                    )
            for r in rows:
                if r.size != size or r.build_s is None:
                    continue
                res = r.filtered if filtered else r.plain
                x, y = xy(res.p(50), res.recall)
                colour = COLOURS.get(r.family, (0, 0, 0))
                hollow = "re-rank" in r.label and "re-rank 4×" not in r.label
                draw.ellipse(
                    [x - 4, y - 4, x + 4, y + 4],
                    outline=colour,
                    fill=None if hollow else colour,
                )
    image.save(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000", help="corpus sizes")
    parser.add_argument(
        "--queries", type=int, default=200, help="measured queries (≥ 100)"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="drop tables and indexes"
    )
    parser.add_argument("--plot", default=str(ROOT / "docs" / "bench-ann.png"))
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS vector")
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        found = cursor.fetchone()
    print(
        "Synthetic: clustered random unit vectors (bench/search.py's generator), "
        f"{DIM} dimensions, cosine; pgvector {found[0] if found else '?'}; "
        f"{args.queries} measured queries after {WARMUP} warm-up ones; "
        "hnsw.iterative_scan = relaxed_order.\n"
    )
    rows: list[Row] = []
    started_all = time.perf_counter()
    for size in sizes:
        print(f"== {size} vectors (schema ann_{size}) ==")
        vectors, keep, queries = generate(size, args.queries)
        ensure_table(size, vectors, keep, args.rebuild)
        truth = {f: exact_neighbours(vectors, keep, queries, f) for f in (False, True)}
        size_rows = [
            Row(size, "exact (sequential scan)", "exact", None, None,
                measure_exact(queries, False), measure_exact(queries, True))
        ]  # fmt: skip
        built: dict[str, tuple[float, int]] = {}
        for config in configurations():
            if config.index.name not in built:
                built[config.index.name] = ensure_index(config.index)
            seconds, size_bytes = built[config.index.name]
            size_rows.append(
                Row(
                    size, config.label, config.family, seconds, size_bytes,
                    measure(config, queries, truth[False], False),
                    measure(config, queries, truth[True], True),
                )
            )  # fmt: skip
        print(_table(size_rows) + "\n")
        rows += size_rows
    if len(sizes) > 1:
        print(_table(rows))
    if not args.no_plot:
        _plot(rows, Path(args.plot))
        print(f"\nplot: {args.plot}")
    print(f"total {time.perf_counter() - started_all:.0f} s")


if __name__ == "__main__":
    main()
