"""Checks on vectors before they are stored, and the queries that read them."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

import numpy as np
from django.db import models
from django.db.models import Func
from django.db.models.functions import Cast
from pgvector.django import BitField, CosineDistance, HammingDistance, VectorField

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
    """Embeddings of `space` ordered by distance to `query`, with the distance annotated.

    The cast to a typed column matches the expression of the space's partial HNSW index.
    """
    return with_distance(space, query, queryset=queryset).order_by("distance")[:k]


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
