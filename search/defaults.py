"""A search request's defaults, in one place: `SearchRequest`'s field defaults and the
request builder (search/requests.py) for pages and the API both read them."""

from __future__ import annotations

from search.fusion import DEFAULT_RRF_K

DEFAULT_MODE = "auto"
DEFAULT_FUSION = "auto"  # the measured default per query type (search.engine)
DEFAULT_STRATEGY = "fuse"  # text + image: fuse each side's branches (or "blend")
DEFAULT_BLEND_TEXT_SHARE = 0.7
DEFAULT_PRESET = "50/50"
DEFAULT_SORT = "relevance"
DEFAULT_K = 20

__all__ = [
    "DEFAULT_BLEND_TEXT_SHARE",
    "DEFAULT_FUSION",
    "DEFAULT_K",
    "DEFAULT_MODE",
    "DEFAULT_PRESET",
    "DEFAULT_RRF_K",
    "DEFAULT_SORT",
    "DEFAULT_STRATEGY",
]
