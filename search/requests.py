"""One way from a page's or an API call's parameters to a `SearchRequest`: the k clamp
and the tag folding live here only; the defaults in search/defaults.py, which
`SearchRequest` itself uses too."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from items.tags import fold_tag
from search.defaults import (
    DEFAULT_BLEND_TEXT_SHARE,
    DEFAULT_FUSION,
    DEFAULT_K,
    DEFAULT_MODE,
    DEFAULT_PRESET,
    DEFAULT_RRF_K,
    DEFAULT_SORT,
    DEFAULT_STRATEGY,
)
from search.engine import MAX_K, SearchRequest
from search.filters import Filters

__all__ = [
    "DEFAULT_BLEND_TEXT_SHARE",
    "DEFAULT_FUSION",
    "DEFAULT_K",
    "DEFAULT_MODE",
    "DEFAULT_PRESET",
    "DEFAULT_RRF_K",
    "DEFAULT_SORT",
    "DEFAULT_STRATEGY",
    "build_search_request",
    "clamp_k",
]


def clamp_k(k: int) -> int:
    """Results per page, held to 1..MAX_K (a larger ask is served, not refused)."""
    return min(max(k, 1), MAX_K)


def build_search_request(
    *,
    text: str = "",
    image: bytes | None = None,
    mode: str | None = None,
    preset: str | None = None,
    weights: Mapping[str, float] | None = None,
    rrf_k: int | None = None,
    fusion: str | None = None,
    strategy: str | None = None,
    blend_text_share: float | None = None,
    kinds: Iterable[str] = (),
    languages: Iterable[str] = (),
    tags: Iterable[str] = (),
    statuses: Iterable[str] = (),
    k: int | None = None,
    page: int | None = None,
    sort: str | None = None,
) -> SearchRequest:
    """A SearchRequest from already-validated parameters; None or empty means the default.

    Tags are folded the way stored tags are (items.tags), so "Math " finds "math"."""
    folded = tuple(dict.fromkeys(tag for tag in map(fold_tag, tags) if tag))
    return SearchRequest(
        text=text,
        image=image,
        mode=mode or DEFAULT_MODE,
        preset=preset or DEFAULT_PRESET,
        weights=dict(weights or {}),
        rrf_k=DEFAULT_RRF_K if rrf_k is None else rrf_k,
        fusion=fusion or DEFAULT_FUSION,
        strategy=strategy or DEFAULT_STRATEGY,
        blend_text_share=(
            DEFAULT_BLEND_TEXT_SHARE if blend_text_share is None else blend_text_share
        ),
        filters=Filters(
            kinds=tuple(kinds),
            languages=tuple(languages),
            tags=folded,
            statuses=tuple(statuses),
        ),
        k=clamp_k(DEFAULT_K if k is None else k),
        page=page or 1,
        sort=sort or DEFAULT_SORT,
    )
