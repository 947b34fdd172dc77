"""Per-space HNSW indexes: partial expression indexes on the shared embedding table,
and on the passage table for cosine spaces (a text space's passages).

Spaces differ in dimension, so the vector columns are untyped; an index per space casts
its rows to the space's type (`vector::vector(384)`) and covers only `space_id = N`.
Queries use the same expression (see `store.nearest`), so the planner picks the index.
A space's `options.index` (index_options.py) may store the index as `halfvec` or as
`binary_quantize(...)::bit(D)`, with its own m and ef_construction; the options an
index was built with are kept in its comment, and an index whose comment differs from
what the space asks for now is rebuilt by `ensure_space_index`.
Passages get their own index rather than rows in the embedding one: a filtered scan of a
shared index (text vectors only) would walk through every passage it meets first.
"""

from __future__ import annotations

from django.db import connection

from embeddings.vectors.index_options import DEFAULT, IndexOptions

COMMENT_PREFIX = "portal index "


def index_name(space_id: int) -> str:
    return f"embedding_space_{int(space_id)}_hnsw"


def passage_index_name(space_id: int) -> str:
    return f"passage_space_{int(space_id)}_hnsw"


def index_expression(
    *, dimension: int, metric: str, options: IndexOptions = DEFAULT
) -> tuple[str, str]:
    """The indexed expression over a row's vector and its operator class."""
    d = int(dimension)
    if metric == "hamming":
        return f"(bits::bit({d}))", "bit_hamming_ops"
    if options.storage == "halfvec":
        return f"(vector::halfvec({d}))", "halfvec_cosine_ops"
    if options.storage == "binary":
        return f"(binary_quantize(vector::vector({d}))::bit({d}))", "bit_hamming_ops"
    return f"(vector::vector({d}))", "vector_cosine_ops"


def _create_sql(
    *, table: str, name: str, space_id: int, dimension: int, metric: str,
    options: IndexOptions,
) -> str:  # fmt: skip
    expression, opclass = index_expression(
        dimension=dimension, metric=metric, options=options
    )
    # pgvector's defaults are left implicit, so the default index's SQL is unchanged.
    params = (
        ""
        if (options.m, options.ef_construction) == (DEFAULT.m, DEFAULT.ef_construction)
        else f" WITH (m = {int(options.m)}, ef_construction = {int(options.ef_construction)})"
    )
    return (
        f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING hnsw "
        f"({expression} {opclass}){params} WHERE space_id = {int(space_id)}"
    )


def create_passage_index_sql(
    *, space_id: int, dimension: int, options: IndexOptions = DEFAULT
) -> str:
    return _create_sql(
        table="embeddings_passage", name=passage_index_name(space_id),
        space_id=space_id, dimension=dimension, metric="cosine", options=options,
    )  # fmt: skip


def create_index_sql(
    *, space_id: int, dimension: int, metric: str, options: IndexOptions = DEFAULT
) -> str:
    return _create_sql(
        table="embeddings_embedding", name=index_name(space_id), space_id=space_id,
        dimension=dimension, metric=metric, options=options,
    )  # fmt: skip


def ensure_space_index(
    *, space_id: int, dimension: int, metric: str, options: IndexOptions = DEFAULT
) -> list[str]:
    """Create the space's indexes, or rebuild those built with other options; returns
    the names of the indexes (re)built."""
    wanted = [(index_name(space_id), create_index_sql(
        space_id=space_id, dimension=dimension, metric=metric, options=options))]  # fmt: skip
    if metric == "cosine":
        wanted.append((passage_index_name(space_id), create_passage_index_sql(
            space_id=space_id, dimension=dimension, options=options)))  # fmt: skip
    built = []
    with connection.cursor() as cursor:
        # Rows written earlier in this transaction leave deferred foreign-key checks
        # pending, and PostgreSQL refuses CREATE INDEX on a table with pending trigger
        # events; checking them now lets the index be built in the same transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, sql in wanted:
            cursor.execute(
                "SELECT to_regclass(%s) IS NOT NULL, "
                "obj_description(to_regclass(%s), 'pg_class')",
                [name, name],
            )
            exists, comment = cursor.fetchone()
            # Indexes from before options existed carry no comment: built with defaults.
            built_with = (comment or "").removeprefix(COMMENT_PREFIX) or (
                DEFAULT.build_signature
            )
            if exists and built_with == options.build_signature:
                continue
            if exists:
                cursor.execute(f"DROP INDEX {name}")
            cursor.execute(sql)
            cursor.execute(
                f"COMMENT ON INDEX {name} IS %s",
                [COMMENT_PREFIX + options.build_signature],
            )
            built.append(name)
    return built


def drop_space_index(*, space_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {index_name(space_id)}")
        cursor.execute(f"DROP INDEX IF EXISTS {passage_index_name(space_id)}")
