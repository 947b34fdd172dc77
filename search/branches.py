"""Search branches: each returns a ranked candidate list (best first) for fusion.

Filters are applied inside each query, including the nearest-neighbour ones: pgvector's
iterative index scan keeps walking the HNSW graph until enough rows pass the filter, so a
filtered query asking for k results gets k whenever k items match.
"""

from __future__ import annotations

import io
import logging
import re

import numpy as np
from django.conf import settings
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    TrigramWordSimilarity,
)
from django.db import connection, transaction
from django.db.models import F, QuerySet
from PIL import Image

from embeddings.encoders.base import ModelUnavailable
from embeddings.fulltext import TEXT_SEARCH_CONFIG
from embeddings.models import Embedding, EmbeddingSpace, Metric, SearchDocument
from embeddings.registry import get_encoder
from embeddings.vectors import check_vectors, nearest
from items.models import Item
from search import embedding_cache
from search.fusion import BranchHit

logger = logging.getLogger(__name__)


def fulltext_branch(
    *, tsquery: str, items: QuerySet[Item], window: int
) -> list[BranchHit]:
    if not tsquery:
        return []
    query = SearchQuery(tsquery, config=TEXT_SEARCH_CONFIG, search_type="raw")
    rows = (
        SearchDocument.objects.filter(item__in=items, tsv=query)
        .annotate(rank=SearchRank(F("tsv"), query, cover_density=True))
        .order_by("-rank", "item_id")
        .values_list("item_id", "rank")[:window]
    )
    return [BranchHit(item_id=item_id, score=float(rank)) for item_id, rank in rows]


# Letters and digits together, or a word joined by - _ . / (model numbers, codes, file
# names): what full-text tokenisers split apart and trigram matching finds whole.
IDENTIFIER = re.compile(r"^(?=.*[A-Za-z가-힣])(?=.*\d)\S{3,}$|^\w+[-_./]\w+\S*$")


def identifier_terms(text: str) -> str:
    return " ".join(token for token in text.split() if IDENTIFIER.match(token))


def identifier_branch(
    *, text: str, items: QuerySet[Item], window: int
) -> list[BranchHit]:
    """Documents containing the query's identifier-like tokens, by trigram similarity."""
    terms = identifier_terms(text)
    if not terms:
        return []
    rows = (
        SearchDocument.objects.filter(item__in=items, text__trigram_word_similar=terms)
        .annotate(similarity=TrigramWordSimilarity(terms, "text"))
        .order_by("-similarity", "item_id")
        .values_list("item_id", "similarity")[:window]
    )
    return [BranchHit(item_id=item_id, score=round(float(s), 4)) for item_id, s in rows]


def vector_branch(
    *,
    space: EmbeddingSpace,
    vector: np.ndarray,
    source: str,
    items: QuerySet[Item],
    window: int,
    exclude_item: int | None = None,
) -> list[BranchHit]:
    """Nearest items by their `source` ("text" or "image") vectors in `space`."""
    rows = Embedding.objects.filter(space=space, source=source, item__in=items)
    if exclude_item is not None:
        rows = rows.exclude(item_id=exclude_item)
    # An item has several image vectors; fetch more rows than items wanted, keep each
    # item's best.
    query = nearest(space, vector, k=window * 3, queryset=rows)
    ef_search = max(40, min(1000, window * 2))
    if ef_search == settings.HNSW_EF_SEARCH:
        # The connection's default (portal/settings.py): one statement, no transaction.
        found = list(query.values_list("item_id", "distance"))
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('hnsw.ef_search', %s, true)", [str(ef_search)]
            )
            found = list(query.values_list("item_id", "distance"))
    best: dict[int, float] = {}
    for item_id, distance in found:
        if item_id not in best or distance < best[item_id]:
            best[item_id] = distance
    ranked = sorted(best.items(), key=lambda pair: (pair[1], pair[0]))[:window]
    return [BranchHit(item_id=i, score=_similarity(space, d)) for i, d in ranked]


def _similarity(space: EmbeddingSpace, distance: float) -> float:
    if space.metric == Metric.HAMMING:
        return round(1 - distance / space.dimension, 4)
    return round(1 - distance, 4)  # cosine distance → cosine similarity


def embed_query_text(space: EmbeddingSpace, text: str) -> np.ndarray | None:
    """The query text's vector in `space`, or None if the space's model is unavailable."""
    payload = (space.query_prefix + text).encode()
    key = embedding_cache.cache_key(
        space_id=space.pk, signature=space.model_signature, kind="text", payload=payload
    )
    cached = embedding_cache.get(key)
    if cached is not None:
        return cached
    try:
        raw = get_encoder(space).encode_texts([space.query_prefix + text], query=True)
    except ModelUnavailable:
        return None
    vector = check_vectors(raw, space=space, count=1)[0]
    embedding_cache.put(key, vector)
    return vector


def embed_query_image(space: EmbeddingSpace, image_bytes: bytes) -> np.ndarray | None:
    key = embedding_cache.cache_key(
        space_id=space.pk,
        signature=space.model_signature,
        kind="image",
        payload=image_bytes,
    )
    cached = embedding_cache.get(key)
    if cached is not None:
        return cached
    try:
        encoder = get_encoder(space)
    except ModelUnavailable:
        return None
    with Image.open(io.BytesIO(image_bytes)) as picture:
        vector = check_vectors(
            encoder.encode_images([picture.convert("RGB")]), space=space, count=1
        )[0]
    embedding_cache.put(key, vector)
    return vector
