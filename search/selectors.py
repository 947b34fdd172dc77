"""What the interface layer (search pages' peers in api/) may call: searching, similar
items, passages of hits, request building and readiness; the engine's internals stay
behind this."""

from __future__ import annotations

from search.engine import (
    FUSIONS,
    MAX_K,
    MODES,
    PRESETS,
    STRATEGIES,
    QueryError,
    SearchRequest,
    SearchResponse,
    run_search,
    similar_items,
)
from search.rag.hits import MAX_PER_HIT, attach_passages
from search.requests import (
    DEFAULT_BLEND_TEXT_SHARE,
    DEFAULT_FUSION,
    DEFAULT_K,
    DEFAULT_MODE,
    DEFAULT_PRESET,
    DEFAULT_RRF_K,
    DEFAULT_SORT,
    DEFAULT_STRATEGY,
    build_search_request,
    clamp_k,
)
from search.warmup import readiness

__all__ = [
    "DEFAULT_BLEND_TEXT_SHARE",
    "DEFAULT_FUSION",
    "DEFAULT_K",
    "DEFAULT_MODE",
    "DEFAULT_PRESET",
    "DEFAULT_RRF_K",
    "DEFAULT_SORT",
    "DEFAULT_STRATEGY",
    "FUSIONS",
    "MAX_K",
    "MAX_PER_HIT",
    "MODES",
    "PRESETS",
    "STRATEGIES",
    "QueryError",
    "SearchRequest",
    "SearchResponse",
    "attach_passages",
    "build_search_request",
    "clamp_k",
    "readiness",
    "run_search",
    "similar_items",
]
