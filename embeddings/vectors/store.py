"""Checks on vectors before they are stored, and the queries that read them."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

import numpy as np
from django.db import models
from django.db.models import Func
from django.db.models.functions import Cast
from pgvector import HalfVector
from pgvector.django import (
    BitField,
    CosineDistance,
    HalfVectorField,
    HammingDistance,
    VectorField,
)

from embeddings.models import Embedding, EmbeddingSpace, Metric

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class Distance(TypedDict):
    """The annotation `nearest` and `with_distance` add to each embedding row."""

    distance: float


class InvalidVector(ValueError):
    """A model produced a vector that must not be stored (zero, NaN, wrong size)."""


def check_vectors(
    vectors: np.ndarray, *, space: EmbeddingSpace, count: int
) -> np.ndarray:
    """Validate a batch from an encoder; L2-normalise float vectors if the space says so."""
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != count:
        raise InvalidVector(
            f"expected {count} vectors, got an array of shape {vectors.shape}"
        )
    if vectors.shape[1] != space.dimension:
        raise InvalidVector(
            f"vectors have {vectors.shape[1]} dimensions; space {space.name} has {space.dimension}"
        )
    if space.metric == Metric.HAMMING:
        return vectors.astype(bool)
    vectors = vectors.astype(np.float32)
    if not np.isfinite(vectors).all():
        raise InvalidVector("the model produced NaN or infinite values")
    norms = np.linalg.norm(vectors, axis=1)
    if (norms < 1e-12).any():
        raise InvalidVector("the model produced a zero vector")
    if space.normalize:
        vectors = vectors / norms[:, None]
    return vectors


def to_bit_string(bits: np.ndarray) -> str:
    return "".join("1" if bit else "0" for bit in bits)


def nearest(
    space: EmbeddingSpace,
    query: np.ndarray,
    *,
    k: int,
    queryset: models.QuerySet[Embedding] | None = None,
) -> models.QuerySet[WithAnnotations[Embedding, Distance]]:
    """Embeddings of `space` ordered by distance to `query`, with the exact distance
    annotated, found through the space's partial HNSW index.

    The ordering is the index's expression (indexes.index_expression), so the planner
    can scan it: the typed vector, its halfvec, or — binary storage — the Hamming
    distance of the quantised vectors, whose `rerank` × k nearest are then ordered by
    exact cosine. The annotated distance is always the exact one, so scores do not
    depend on how the index stores vectors.
    """
    rows = queryset if queryset is not None else Embedding.objects.all()
    storage = space.index_options.storage
    if space.metric == Metric.HAMMING or storage == "vector":
        return with_distance(space, query, queryset=rows).order_by("distance")[:k]
    if storage == "halfvec":
        order = CosineDistance(
            Cast("vector", HalfVectorField(dimensions=space.dimension)),
            HalfVector([float(x) for x in query]),
        )
        return with_distance(space, query, queryset=rows).order_by(order)[:k]
    quantised = Cast(
        Func(
            Cast("vector", VectorField(dimensions=space.dimension)),
            function="binary_quantize",
            output_field=BitField(),
        ),
        BitField(length=space.dimension),
    )
    # binary_quantize keeps the sign: bit i is set where component i is positive.
    candidates = (
        rows.filter(space=space)
        .order_by(HammingDistance(quantised, to_bit_string(np.asarray(query) > 0)))
        .values("pk")[: space.index_options.rerank * k]
    )
    exact = rows.model._default_manager.filter(pk__in=candidates)
    return with_distance(space, query, queryset=exact).order_by("distance")[:k]


def with_distance(
    space: EmbeddingSpace,
    query: np.ndarray,
    *,
    queryset: models.QuerySet[Embedding] | None = None,
) -> models.QuerySet[WithAnnotations[Embedding, Distance]]:
    """Embeddings of `space` with their distance to `query` annotated (no ordering: for
    scoring known candidates exactly, where no index scan is wanted)."""
    rows = (queryset if queryset is not None else Embedding.objects).filter(space=space)
    distance: Func
    if space.metric == Metric.HAMMING:
        column = Cast("bits", BitField(length=space.dimension))
        distance = HammingDistance(column, to_bit_string(query))
    else:
        column = Cast("vector", VectorField(dimensions=space.dimension))
        distance = CosineDistance(column, [float(x) for x in query])
    return rows.annotate(distance=distance)
