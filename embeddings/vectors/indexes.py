"""Per-space HNSW indexes: partial expression indexes on the shared embedding table,
and on the passage table for cosine spaces (a text space's passages).

Spaces differ in dimension, so the vector columns are untyped; an index per space casts
its rows to the space's type (`vector::vector(384)`) and covers only `space_id = N`.
Queries use the same cast (see `store.nearest`), so the planner picks the index.
Passages get their own index rather than rows in the embedding one: a filtered scan of a
shared index (text vectors only) would walk through every passage it meets first.
"""

from __future__ import annotations

from django.db import connection

OPCLASS = {
    "cosine": ("vector", "vector_cosine_ops"),
    "hamming": ("bits", "bit_hamming_ops"),
}
SQL_TYPE = {"cosine": "vector", "hamming": "bit"}


def index_name(space_id: int) -> str:
    return f"embedding_space_{int(space_id)}_hnsw"


def passage_index_name(space_id: int) -> str:
    return f"passage_space_{int(space_id)}_hnsw"


def create_passage_index_sql(*, space_id: int, dimension: int) -> str:
    return (
        f"CREATE INDEX IF NOT EXISTS {passage_index_name(space_id)} ON "
        f"embeddings_passage USING hnsw ((vector::vector({int(dimension)})) "
        f"vector_cosine_ops) WHERE space_id = {int(space_id)}"
    )


def create_index_sql(*, space_id: int, dimension: int, metric: str) -> str:
    column, opclass = OPCLASS[metric]
    return (
        f"CREATE INDEX IF NOT EXISTS {index_name(space_id)} ON embeddings_embedding "
        f"USING hnsw (({column}::{SQL_TYPE[metric]}({int(dimension)})) {opclass}) "
        f"WHERE space_id = {int(space_id)}"
    )


def ensure_space_index(*, space_id: int, dimension: int, metric: str) -> None:
    with connection.cursor() as cursor:
        # Rows written earlier in this transaction leave deferred foreign-key checks
        # pending, and PostgreSQL refuses CREATE INDEX on a table with pending trigger
        # events; checking them now lets the index be built in the same transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            create_index_sql(space_id=space_id, dimension=dimension, metric=metric)
        )
        if metric == "cosine":
            cursor.execute(
                create_passage_index_sql(space_id=space_id, dimension=dimension)
            )


def drop_space_index(*, space_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {index_name(space_id)}")
        cursor.execute(f"DROP INDEX IF EXISTS {passage_index_name(space_id)}")
