"""A space's ANN index options (`EmbeddingSpace.options["index"]`): how its vectors are
stored in the HNSW index, the graph's parameters and the query-time search width.

Measured in bench/ann.py (docs/benchmarks.md, "ANN index study", 100k synthetic vectors):
pgvector's defaults (`vector`, m 16, ef_construction 64) at ef_search 200 reach Recall@10
0.994 unfiltered and 0.998 with a 5 % filter; `halfvec` halves the index at the same
recall; `binary` (a bit index re-ranked by exact cosine) is a sixth of the size but needs
a 10 × k re-rank and is 7× slower filtered. So the default stays, and the others are
choices an operator makes with the figures in hand (docs/models.md).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

STORAGES = ("vector", "halfvec", "binary")
KEYS = frozenset({"storage", "m", "ef_construction", "ef_search", "rerank"})
# pgvector's limits: m 2..100, ef_construction 4..1000 and at least 2 × m, ef_search
# 1..1000; m is capped lower because the build's memory grows with it.
M_RANGE = (4, 64)
EF_CONSTRUCTION_RANGE = (8, 1000)
EF_SEARCH_RANGE = (10, 1000)
RERANK_RANGE = (1, 100)


@dataclass(frozen=True)
class IndexOptions:
    storage: str = "vector"
    m: int = 16
    ef_construction: int = 64
    # None: the branch's own (2 × its window, at least 40); a number overrides it.
    ef_search: int | None = None
    # binary storage: the rerank × k nearest by Hamming distance are re-ranked exactly.
    rerank: int = 10

    @property
    def build_signature(self) -> str:
        """What the index is built with; a change rebuilds it. ef_search and rerank are
        read at query time and change nothing on disk."""
        return json.dumps(
            {
                "storage": self.storage,
                "m": self.m,
                "ef_construction": self.ef_construction,
            },
            sort_keys=True,
        )


DEFAULT = IndexOptions()


def index_options(options: object) -> IndexOptions:
    """The index options a space's `options` ask for (defaults for what they leave out).
    Assumes `check_index_options` passed, as `EmbeddingSpace.clean` makes sure."""
    wanted = options.get("index") if isinstance(options, dict) else None
    if not isinstance(wanted, dict):
        return DEFAULT
    return IndexOptions(**{**asdict(DEFAULT), **wanted})


def check_index_options(value: Any, *, metric: str) -> str:
    """Why `options.index` is not acceptable for a space of `metric` ("" if it is)."""
    if not isinstance(value, dict):
        return 'options.index must be an object, e.g. {"storage": "halfvec"}.'
    unknown = set(value) - KEYS
    if unknown:
        return f"options.index has unknown keys: {', '.join(sorted(unknown))}."
    storage = value.get("storage", DEFAULT.storage)
    if storage not in STORAGES:
        return f"options.index.storage must be one of {', '.join(STORAGES)}."
    if metric != "cosine" and storage != "vector":
        return "Only cosine spaces can store halfvec or binary indexes."
    ranges = {
        "m": M_RANGE,
        "ef_construction": EF_CONSTRUCTION_RANGE,
        "ef_search": EF_SEARCH_RANGE,
        "rerank": RERANK_RANGE,
    }
    for key, (low, high) in ranges.items():
        number = value.get(key)
        if key not in value or (key == "ef_search" and number is None):
            continue
        if not isinstance(number, int) or isinstance(number, bool):
            return f"options.index.{key} must be a whole number."
        if not low <= number <= high:
            return f"options.index.{key} must be between {low} and {high}."
    m = value.get("m", DEFAULT.m)
    if value.get("ef_construction", DEFAULT.ef_construction) < 2 * m:
        return "options.index.ef_construction must be at least 2 × m (pgvector)."
    if "rerank" in value and storage != "binary":
        return "options.index.rerank applies to binary storage only."
    return ""
