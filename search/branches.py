"""Search branches: each returns a ranked candidate list (best first) for fusion.

Filters are applied inside each query, including the nearest-neighbour ones: pgvector's
iterative index scan keeps walking the HNSW graph until enough rows pass the filter, so a
filtered query asking for k results gets k whenever k items match.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import CharField, QuerySet, Value
from django.db.models.expressions import RawSQL
from PIL import Image

from embeddings.encoders.base import Encoder, ModelUnavailable
from embeddings.encoders.fingerprint import MATCH_WINDOW_DISTANCE
from embeddings.models import Embedding, EmbeddingSpace, Metric, Passage
from embeddings.runtime.registry import get_encoder
from embeddings.text import lexical
from embeddings.text.fulltext import TEXT_SEARCH_CONFIG
from embeddings.text.identifiers import find_identifiers, query_identifier_variants
from embeddings.vectors.store import (
    check_vectors,
    nearest,
    to_bit_string,
    with_distance,
)
from items.models import Item
from search import embedding_cache
from search.fusion import BranchHit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BranchQuery:
    """One branch's SQL, run alone or with the other branches of a search in one
    statement (`run_together`): each search pays one round trip for all of them, not
    one per branch. Rows are (item id, score or distance[, start, end]); `finish` turns
    them into the branch's ranked hits.

    A `fill` query scores the other branches' candidates instead of finding its own
    (score fusion's fill-in, `fill_query`): its SQL reads their item ids from the
    `CANDIDATES` relation, which `run_together` builds in the same statement."""

    sql: str
    params: Sequence
    finish: Callable[[list[tuple]], list[BranchHit]]
    columns: int = 2
    # The hnsw.ef_search the query needs when above the connection's default, else 0.
    ef_search: int = 0
    fill: bool = False


# Rows a nearest-neighbour branch reads per item it wants where items have several.
ROWS_PER_ITEM = 3
WIDTH = 4  # the widest branch row: item id, distance, passage start and end
CANDIDATES = "branch_candidates"  # every finding branch's item ids, for fill queries


def run_together(queries: Sequence[BranchQuery]) -> list[list[BranchHit]]:
    """Every query's hits, in order, from one statement: each finding branch is a
    MATERIALIZED CTE (planned on its own, so a nearest-neighbour one keeps its index
    scan); fill queries score the union of their item ids; the result is the UNION ALL
    of all of them, each row tagged with its query's position and padded to WIDTH."""
    if not queries:
        return []
    ctes: list[str] = []
    parts: list[str] = []
    params: list[object] = []
    finding = [i for i, query in enumerate(queries) if not query.fill]
    for position in finding:
        query = queries[position]
        columns = ", ".join(f"c{i}" for i in range(query.columns))
        ctes.append(f"b{position}({columns}) AS MATERIALIZED ({query.sql})")
        params.extend(query.params)
        padding = ", NULL::integer" * (WIDTH - query.columns)
        parts.append(f"SELECT {position}, {columns}{padding} FROM b{position}")
    if len(finding) < len(queries):
        union = " UNION ".join(f"SELECT c0 FROM b{i}" for i in finding) or (
            "SELECT NULL::integer WHERE false"
        )
        ctes.append(f"{CANDIDATES}(item_id) AS MATERIALIZED ({union})")
    for position, query in enumerate(queries):
        if query.fill:
            padding = ", NULL::integer" * (WIDTH - query.columns)
            parts.append(f"SELECT {position}, f.*{padding} FROM ({query.sql}) AS f")
            params.extend(query.params)
    sql = "WITH " + ",\n".join(ctes) + "\n" + "\nUNION ALL\n".join(parts)
    ef_search = max(query.ef_search for query in queries)
    rows: list[list[tuple]] = [[] for _ in queries]
    if ef_search <= settings.HNSW_EF_SEARCH:
        # The connection's default (portal/settings.py) is enough: one statement, no
        # transaction. A smaller window (similar items, k × 3) would save a little index
        # work with a lower ef_search but cost BEGIN, SET and COMMIT round trips, and a
        # transaction left idle whenever the thread waits for CPU (422 ms on item pages
        # under load, bench/load_during_reindex.py).
        found = _fetch(sql, params)
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('hnsw.ef_search', %s, true)", [str(ef_search)]
            )
            found = _fetch(sql, params)
    for position, *row in found:
        rows[position].append(tuple(row[: queries[position].columns]))
    return [query.finish(rows[i]) for i, query in enumerate(queries)]


def run_one(query: BranchQuery | None) -> list[BranchHit]:
    """One branch on its own (similar items, benchmarks); None: the branch does not
    apply, no hits."""
    return run_together([query])[0] if query is not None else []


def _fetch(sql: str, params: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def lexical_branch(
    *, scoring_text: str, constraint: str, items: QuerySet[Item], window: int
) -> list[BranchHit]:
    query = lexical_query(
        scoring_text=scoring_text, constraint=constraint, items=items, window=window
    )
    return run_one(query)


def lexical_query(
    *,
    scoring_text: str,
    constraint: str,
    items: QuerySet[Item],
    window: int,
    head_postings: int | None = None,
) -> BranchQuery | None:
    """BM25 over the term rows (embeddings/text/lexical.py): any query term may match, rarer
    terms count more, long documents are normalised. `constraint` (phrases, exclusions)
    filters; it does not score. One statement: query terms come from the same tsvector
    analysis as the index, IDF from the trigger-kept document frequencies; the corpus
    size and mean length are cached for a minute (lexical.corpus_stats). The CTEs are
    MATERIALIZED on purpose: each is planned and computed once. None when the query
    has no terms to score.

    Postings are read best first (by impact): `head_postings`
    (settings.LEXICAL_HEAD_POSTINGS) shared by the query's terms, at least
    settings.LEXICAL_HEAD_FLOOR a term, and a term's tail only when it could still
    change the window (_PRUNED_LEXICAL_SQL): at 100k items a common term has tens of thousands of
    postings, and scoring them all cost 120-190 ms a query (bench/lexical_pruning.py).
    Scores are exact BM25 and the window is the exhaustive one up to ties with its
    last hit. Queries with a constraint are scored exhaustively: a phrase or exclusion
    may reject the documents the bounds rely on."""
    if not scoring_text.strip():
        return None
    try:
        visible_sql, visible_params = (
            items.order_by().values("pk").query.sql_with_params()
        )
    except EmptyResultSet:  # nothing is visible: nothing to score
        return None
    count, mean_length = lexical.corpus_stats()
    if constraint:
        sql = _exhaustive_lexical_sql(visible_sql)
        params = [scoring_text, count, mean_length, *visible_params, constraint, window]
    else:
        sql, params = _bind(_PRUNED_LEXICAL_SQL, {
            "text": ("%s", [scoring_text]), "count": ("%s", [count]),
            "mean": ("%s", [mean_length]), "window": ("%s", [window]),
            "best": ("%s", [window * 3]),
            "budget": ("%s", [head_postings or settings.LEXICAL_HEAD_POSTINGS]),
            "floor": ("%s", [settings.LEXICAL_HEAD_FLOOR]),
            "visible": (visible_sql, list(visible_params)),
        })  # fmt: skip
    return BranchQuery(sql=sql, params=params, finish=_scored_hits)


_MARKER = re.compile(r"%\((\w+)\)s")


def _bind(
    template: str, values: Mapping[str, tuple[str, Sequence]]
) -> tuple[str, list]:
    """`template`'s %(name)s markers replaced by values[name]'s SQL, whose parameters
    join the list in the order the markers appear: a long statement names what it
    uses, instead of counting positional parameters (and a subquery's own, such as
    the visible items', come along wherever it is used)."""
    params: list = []

    def substitute(match: re.Match) -> str:
        sql, more = values[match.group(1)]
        params.extend(more)
        return sql

    return _MARKER.sub(substitute, template), params


def _exhaustive_lexical_sql(visible_sql: str) -> str:
    """Every posting of every query term scored; the constraint filters the documents.
    Parameters after the query terms': mean length, visible ids', constraint, window."""
    saturation = lexical.saturation_sql(tf="t.tf", length="t.length", mean_length="%s")
    return f"""
        WITH {lexical.weighted_query_terms_sql(TEXT_SEARCH_CONFIG)}
        , scored AS MATERIALIZED (
            SELECT t.item_id, sum(w.idf * {saturation}) AS score
            FROM weighted w
            JOIN embeddings_searchterm t ON t.term = w.term
            GROUP BY t.item_id
        )
        SELECT s.item_id, s.score
        FROM scored s JOIN embeddings_searchdocument d ON d.item_id = s.item_id
        WHERE s.item_id IN ({visible_sql})
          AND d.tsv @@ to_tsquery('{TEXT_SEARCH_CONFIG}', %s)
        ORDER BY s.score DESC, s.item_id
        LIMIT %s
    """


def _bm25(tf: str, length: str) -> str:
    return lexical.saturation_sql(tf=tf, length=length, mean_length="%(mean)s")


def _visible(alias: str) -> str:
    """Keeps rows of `alias` whose item is visible: a lateral primary-key probe per
    row, not a join, which would read every visible item (24 ms at 100k items) to
    keep a few hundred; in the rows' order, so a LIMIT stops probing."""
    return f"""CROSS JOIN LATERAL (
            SELECT 1 FROM (%(visible)s) AS v(id) WHERE v.id = {alias}.item_id LIMIT 1
        ) AS {alias}_visible"""


def _exact(alias: str) -> str:
    """Document `alias`'s BM25 over every query term, from its own term rows (by item:
    a document has a few dozen), so no posting is counted twice."""
    return f"""(
            SELECT sum(w.idf * {_bm25("t.tf", "t.length")})
            FROM embeddings_searchterm t JOIN weighted w ON w.term = t.term
            WHERE t.item_id = {alias}.item_id
        )"""


# BM25's top `window` visible documents from the head of each term's postings (its best
# by impact; the query's `budget` shared by its terms), with exact scores, and provably
# the exhaustive ranking up to ties with the last hit (for impacts written with today's
# mean length): MaxScore over blocks of each term's postings, head, middle and tail.
# - `lists`: each term's head. A cut list's tail (`tails`) holds no posting weighing
#   more than its head's last: that weight times IDF is the tail's `ceiling`.
# - `theta`: the window-th best exact score of the best visible head documents
#   (`seeds`, `seeded`); the window's last scores at least that.
# - Tails whose ceilings, smallest first, add up to at most theta are `lazy`: a document
#   in no head and no other tail scores at most their sum, so it cannot reach the
#   window. The other tails (`essential`) are read whole. A lazy tail's next three
#   heads' worth (`middles`) is read too, for the documents already found: exact where
#   it holds them, and past it a ceiling (`floors`) far below the head's.
# - `docs`: every document read, its exact score so far and the most the lazy terms
#   could add (`unseen`). The visible ones that could score most are scored exactly
#   (`best`); the window-th best score known (`bar`) then leaves few others that could
#   still reach the window (`candidates`), scored exactly too.
_PRUNED_LEXICAL_SQL = f"""
    WITH {lexical.weighted_query_terms_sql(TEXT_SEARCH_CONFIG, text="%(text)s", count="%(count)s")}
    , head AS MATERIALIZED (
        -- The query's head budget shared by its terms, each at least a floor.
        SELECT greatest(%(floor)s, %(budget)s / greatest(count(*), 1)) AS size
        FROM weighted
    ), lists AS MATERIALIZED (
        SELECT w.term, w.idf, p.item_id, p.tf, p.length, p.impact
        FROM weighted w CROSS JOIN LATERAL (
            SELECT t.item_id, t.tf, t.length, t.impact FROM embeddings_searchterm t
            WHERE t.term = w.term
            ORDER BY t.impact DESC
            LIMIT (SELECT size FROM head)
        ) AS p
    ), tails AS MATERIALIZED (
        SELECT term, idf, idf * min(impact) AS ceiling FROM lists
        GROUP BY term, idf HAVING count(*) >= (SELECT size FROM head)
    ), seeds AS MATERIALIZED (
        SELECT h.item_id FROM (
            SELECT l.item_id, sum(l.idf * {_bm25("l.tf", "l.length")}) AS score
            FROM lists l GROUP BY l.item_id
            ORDER BY score DESC, l.item_id
        ) AS h
        {_visible("h")}
        LIMIT %(window)s
    ), seeded AS MATERIALIZED (
        SELECT s.item_id, {_exact("s")} AS score FROM seeds s
    ), theta AS MATERIALIZED (
        SELECT CASE WHEN count(*) >= %(window)s THEN min(score) ELSE 0 END AS value
        FROM seeded
    ), ranked AS MATERIALIZED (
        SELECT x.term, x.idf, x.ceiling,
               sum(x.ceiling) OVER (ORDER BY x.ceiling, x.term) AS running
        FROM tails x
    ), lazy AS MATERIALIZED (
        SELECT r.term, r.idf FROM ranked r, theta WHERE r.running <= theta.value
    ), middles AS MATERIALIZED (
        -- A lazy tail's next postings, three heads long: exact for the documents they
        -- hold, and a far lower ceiling (their last's weight) for the rest.
        SELECT z.term, z.idf, p.item_id, p.tf, p.length, p.impact
        FROM lazy z CROSS JOIN LATERAL (
            SELECT t.item_id, t.tf, t.length, t.impact FROM embeddings_searchterm t
            WHERE t.term = z.term
            ORDER BY t.impact DESC
            OFFSET (SELECT size FROM head) LIMIT 3 * (SELECT size FROM head)
        ) AS p
    ), floors AS MATERIALIZED (
        -- What a lazy term can still add to a document in neither its head nor its
        -- middle: the middle's last weight, nothing once the middle ends the list.
        SELECT z.term,
               CASE WHEN count(m.item_id) >= 3 * (SELECT size FROM head)
                    THEN z.idf * min(m.impact) ELSE 0 END AS ceiling
        FROM lazy z LEFT JOIN middles m ON m.term = z.term
        GROUP BY z.term, z.idf
    ), essential AS MATERIALIZED (
        SELECT r.term, r.idf FROM ranked r, theta WHERE r.running > theta.value
    ), read AS MATERIALIZED (
        SELECT l.term, l.idf, l.item_id, l.tf, l.length FROM lists l
        WHERE l.term NOT IN (SELECT term FROM essential)
        UNION ALL
        SELECT e.term, e.idf, t.item_id, t.tf, t.length
        FROM essential e JOIN embeddings_searchterm t ON t.term = e.term
    ), found AS MATERIALIZED (
        -- Everything read for the documents read, middles included (a document only
        -- a middle holds scores at most the lazy ceilings' sum: never the window).
        SELECT * FROM read
        UNION ALL
        SELECT m.term, m.idf, m.item_id, m.tf, m.length FROM middles m
        WHERE m.item_id IN (SELECT item_id FROM read)
    ), docs AS MATERIALIZED (
        SELECT f.item_id, sum(f.idf * {_bm25("f.tf", "f.length")}) AS score,
               (SELECT coalesce(sum(ceiling), 0) FROM floors)
               - sum(coalesce(z.ceiling, 0)) AS unseen
        FROM found f LEFT JOIN floors z ON z.term = f.term
        GROUP BY f.item_id
    ), best AS MATERIALIZED (
        SELECT d.item_id, {_exact("d")} AS score
        FROM (SELECT * FROM docs ORDER BY score + unseen DESC, item_id) AS d
        {_visible("d")}
        LIMIT %(best)s
    ), scored AS MATERIALIZED (
        -- One row a document (both may hold it, each sum in its own order).
        SELECT DISTINCT ON (item_id) item_id, score
        FROM (SELECT * FROM seeded UNION ALL SELECT * FROM best) AS both_lists
        ORDER BY item_id, score DESC
    ), bar AS MATERIALIZED (
        SELECT greatest(
            (SELECT value FROM theta),
            coalesce((SELECT score FROM scored ORDER BY score DESC
                      OFFSET %(window)s - 1 LIMIT 1), 0)
        ) AS value
    ), candidates AS MATERIALIZED (
        SELECT d.item_id FROM (
            SELECT d.item_id FROM docs d, bar
            WHERE d.score + d.unseen >= bar.value
              AND d.item_id NOT IN (SELECT item_id FROM scored)
        ) AS d
        {_visible("d")}
    )
    SELECT item_id, score FROM scored
    UNION ALL
    SELECT c.item_id, {_exact("c")} AS score FROM candidates c
    ORDER BY score DESC, item_id
    LIMIT %(window)s
"""


def _scored_hits(rows: list[tuple]) -> list[BranchHit]:
    # Sorted again as the SQL sorted them: a CTE's order through UNION ALL is what
    # PostgreSQL does today, not what SQL promises.
    ranked = sorted(rows, key=lambda row: (-float(row[1]), row[0]))
    return [BranchHit(item_id=pk, score=round(float(score), 4)) for pk, score in ranked]


def identifier_terms(text: str) -> str:
    """The query's identifiers (embeddings/text/identifiers.py), space-separated: the
    gate of the identifier branch, which runs only when this is not empty."""
    return " ".join(find_identifiers(text))


# Scores per query identifier: an exact (normalised) match is 1.0; a stored token the
# query's is a prefix of (`S220` → `S220X`, `RUN-S` → `RUN-S220`) scores between 0.6 and
# 0.9, more for shorter completions; typo matches (trigram similarity, pg_trgm's `%`
# threshold 0.3) score 0.6 × similarity, always below a prefix match, and are only
# looked up for a query identifier with no exact or prefix match among visible items:
# near codes are other products, a fallback for typos, not extra results.
PREFIX_BASE, PREFIX_SPAN, FUZZY_WEIGHT = 0.6, 0.3, 0.6


def identifier_branch(
    *, text: str, items: QuerySet[Item], window: int
) -> list[BranchHit]:
    query = identifier_query(text=text, items=items, window=window)
    return run_one(query)


def identifier_query(
    *, text: str, items: QuerySet[Item], window: int
) -> BranchQuery | None:
    """Items whose identifier index (IdentifierToken) matches the query's identifiers.

    Each query identifier is a slot with its spellings (`run s220` also looks up
    `RUNS220`); an item's slot score is its best token match, and its score the sum over
    slots, so an item holding both codes of a two-code query ranks above one holding
    either. One statement (run with the other branches of a search), visible items
    filtered inside it; None when the query holds no identifier."""
    slots = query_identifier_variants(text)
    if not slots:
        return None
    numbers = [n for n, variants in enumerate(slots) for _ in variants]
    tokens = [token for variants in slots for token in variants]
    try:
        visible_sql, visible_params = (
            items.order_by().values("pk").query.sql_with_params()
        )
    except EmptyResultSet:  # nothing is visible
        return None
    # `~` sorts after every [A-Z0-9] in C collation: [token, token~) is the prefix range.
    sql = f"""
        WITH q AS MATERIALIZED (
            SELECT slot, token COLLATE "C" AS token, (token || '~') COLLATE "C" AS below
            FROM unnest(%s::int[], %s::text[]) AS u(slot, token)
        ), direct AS MATERIALIZED (
            SELECT q.slot, t.item_id,
                   CASE WHEN t.token = q.token THEN 1.0
                        ELSE {PREFIX_BASE} + {PREFIX_SPAN}
                             * length(q.token)::float / length(t.token)
                   END AS score
            FROM q JOIN embeddings_identifiertoken t
              ON t.token >= q.token AND t.token < q.below
            WHERE t.item_id IN ({visible_sql})
        ), fuzzy AS MATERIALIZED (
            SELECT q.slot, t.item_id,
                   {FUZZY_WEIGHT} * similarity(t.token, q.token) AS score
            FROM q JOIN embeddings_identifiertoken t ON t.token %% q.token
            WHERE NOT EXISTS (SELECT 1 FROM direct d WHERE d.slot = q.slot)
              AND t.item_id IN ({visible_sql})
        ), best AS (
            SELECT slot, item_id, max(score) AS score
            FROM (SELECT * FROM direct UNION ALL SELECT * FROM fuzzy) AS found
            GROUP BY slot, item_id
        )
        SELECT item_id, sum(score) AS score FROM best
        GROUP BY item_id
        ORDER BY score DESC, item_id
        LIMIT %s
    """
    params = [numbers, tokens, *visible_params, *visible_params, window]
    return BranchQuery(sql=sql, params=params, finish=_scored_hits)


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
    query = vector_query(
        space=space, vector=vector, source=source, items=items, window=window,
        exclude_item=exclude_item,
    )  # fmt: skip
    return run_one(query)


def vector_query(
    *,
    space: EmbeddingSpace,
    vector: np.ndarray,
    source: str,
    items: QuerySet[Item],
    window: int,
    exclude_item: int | None = None,
) -> BranchQuery:
    rows = Embedding.objects.filter(space=space, source=source, item__in=items)
    if exclude_item is not None:
        rows = rows.exclude(item_id=exclude_item)
    # An item has one text vector a space (constraint embedding_one_per_input): the
    # window nearest rows are the window nearest items. Images come several an item.
    per_item = 1 if source == Embedding.Source.TEXT else ROWS_PER_ITEM
    return _nearest_query(space, vector, rows, window=window, rows_per_item=per_item)


def passage_query(
    *,
    space: EmbeddingSpace,
    vector: np.ndarray,
    items: QuerySet[Item],
    window: int,
) -> BranchQuery:
    """Nearest items by their best passage in `space` (embeddings/processing/
    passage_vectors.py): a long document is as near as the part of it that answers,
    not as its first 512 tokens. The passages' own HNSW index, filtered like the other
    branches; each hit says where its best passage sits."""
    rows = Passage.objects.filter(space=space, item__in=items)
    return _nearest_query(space, vector, rows, window=window, spans=True)


def _nearest_query(
    space: EmbeddingSpace,
    vector: np.ndarray,
    rows: QuerySet,
    *,
    window: int,
    spans: bool = False,
    rows_per_item: int = ROWS_PER_ITEM,
) -> BranchQuery:
    """The `window` items nearest to `vector` among `rows` (embeddings or passages), an
    item as near as its nearest row; with `spans`, each hit says where that row (a
    passage) sits in the item's text."""
    # Where an item has several rows (images, passages), fetch more rows than items
    # wanted and keep each item's best. Not more than needed: a filtered scan walks the
    # graph until that many rows pass (300 rows at a 5 % filter: 179 ms at 100k items,
    # 100 rows: docs/benchmarks.md).
    fields = (
        ("item_id", "distance", "start", "end") if spans else ("item_id", "distance")
    )
    limit = window * rows_per_item
    query = nearest(space, vector, k=limit, queryset=rows).values_list(*fields)
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # a filter no row can pass (an empty id list): no rows
        columns = ", ".join(f"NULL::integer AS c{i}" for i in range(len(fields)))
        sql, params = f"SELECT {columns} WHERE false", ()

    def finish(found: list[tuple]) -> list[BranchHit]:
        best: dict[int, tuple] = {}
        for row in found:
            if row[0] not in best or row[1] < best[row[0]][1]:
                best[row[0]] = row
        ranked = sorted(best.values(), key=lambda row: (row[1], row[0]))[:window]
        return [
            BranchHit(
                item_id=row[0],
                score=_similarity(space, row[1]),
                where=(row[2], row[3]) if spans else None,
            )
            for row in ranked
        ]

    # A space's options.index.ef_search, measured for it (bench/ann.py), overrides the
    # width that suits the window.
    ef_search = space.index_options.ef_search or max(40, min(1000, window * 2))
    return BranchQuery(
        sql=sql,
        params=params,
        finish=finish,
        columns=len(fields),
        ef_search=ef_search if ef_search > settings.HNSW_EF_SEARCH else 0,
    )


def window_branch(
    *,
    space: EmbeddingSpace,
    windows: np.ndarray,
    items: QuerySet[Item],
    window: int,
    exclude_item: int | None = None,
    exact: bool = False,
) -> list[BranchHit]:
    """`window_query` run on its own (similar items, benchmarks)."""
    return run_one(window_query(
        space=space, windows=windows, items=items, window=window,
        exclude_item=exclude_item, exact=exact,
    ))  # fmt: skip


def window_query(
    *,
    space: EmbeddingSpace,
    windows: np.ndarray,
    items: QuerySet[Item],
    window: int,
    exclude_item: int | None = None,
    exact: bool = False,
) -> BranchQuery | None:
    """Nearest items of a fingerprint space by their images' region hashes: an image's
    distance is the smallest Hamming distance between any of the query's windows and any
    of its stored windows (WindowHash), so a crop of a stored picture matches the window
    it covers, a screenshot's inner window matches the whole stored frame, and a rotated
    copy's view turned back (a search's query windows come from `query_window_hashes`)
    matches it too. Window 0 is the whole frame, so a copy is never farther than by
    whole-frame pHash; images farther than MATCH_WINDOW_DISTANCE are no copies and are
    left out.

    Each query window's nearest stored windows come from the HNSW index over all
    windows (iterative scan, so filters still yield enough rows); `exact` scans every
    stored window instead (docs/benchmarks.md measures both). A search runs it with its
    other branches in one statement (`run_together`); None when nothing is visible."""
    try:
        visible_sql, visible_params = (
            items.order_by().values("pk").query.sql_with_params()
        )
    except EmptyResultSet:
        return None
    where = f"e.item_id IN ({visible_sql})"
    params: list = list(visible_params)
    if exclude_item is not None:
        where += " AND e.item_id <> %s"
        params.append(exclude_item)
    build = _window_distances_sql if exact else _nearest_window_distances_sql
    sql, values = build(
        space,
        windows,
        where=where,
        params=params,
        limit=window,
        within=MATCH_WINDOW_DISTANCE,
    )

    def finish(found: list[tuple]) -> list[BranchHit]:
        ranked = sorted(found, key=lambda row: (row[1], row[0]))  # as the SQL sorts
        return [BranchHit(item_id=i, score=_similarity(space, d)) for i, d in ranked]

    return BranchQuery(sql=sql, params=values, finish=finish)


def _window_distances(
    space: EmbeddingSpace, windows: np.ndarray, *, where: str, params: Sequence
) -> list[tuple[int, int]]:
    sql, values = _window_distances_sql(space, windows, where=where, params=params)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return [(pk, int(distance)) for pk, distance in cursor.fetchall()]


def _window_distances_sql(
    space: EmbeddingSpace,
    windows: np.ndarray,
    *,
    where: str,
    params: Sequence,
    limit: int | None = None,
    within: int | None = None,
) -> tuple[str, list]:
    """(item id, smallest window distance) of the space's images passing `where` (and
    no farther than `within` bits), nearest first, in one statement."""
    limit_sql = "LIMIT %s" if limit is not None else ""
    having_sql = "HAVING min(w.bits <~> q.bits) <= %s" if within is not None else ""
    sql = f"""
        SELECT e.item_id, min(w.bits <~> q.bits) AS distance
        FROM embeddings_windowhash w
        JOIN embeddings_embedding e ON e.id = w.embedding_id
        CROSS JOIN unnest(%s::bit(256)[]) AS q(bits)
        WHERE e.space_id = %s AND e.source = 'image' AND {where}
        GROUP BY e.item_id
        {having_sql}
        ORDER BY distance, e.item_id
        {limit_sql}
    """
    query = [to_bit_string(bits) for bits in windows]
    values = [query, space.pk, *params]
    values += [within] if within is not None else []
    values += [limit] if limit is not None else []
    return sql, values


def _nearest_window_distances_sql(
    space: EmbeddingSpace,
    windows: np.ndarray,
    *,
    where: str,
    params: Sequence,
    limit: int,
    within: int,
) -> tuple[str, list]:
    """As `_window_distances_sql`, from the `limit` × 3 nearest stored windows of each
    query window (HNSW): an image's distance is its best window found, nearest first."""
    sql = f"""
        SELECT e.item_id, min(n.distance) AS distance
        FROM unnest(%s::bit(256)[]) AS q(bits)
        CROSS JOIN LATERAL (
            SELECT w.embedding_id, w.bits <~> q.bits AS distance
            FROM embeddings_windowhash w
            JOIN embeddings_embedding e ON e.id = w.embedding_id
            WHERE e.space_id = %s AND e.source = 'image' AND {where}
            ORDER BY w.bits <~> q.bits
            LIMIT %s
        ) n
        JOIN embeddings_embedding e ON e.id = n.embedding_id
        GROUP BY e.item_id
        HAVING min(n.distance) <= %s
        ORDER BY distance, e.item_id
        LIMIT %s
    """
    query = [to_bit_string(bits) for bits in windows]
    return sql, [query, space.pk, *params, limit * 3, within, limit]


@dataclass(frozen=True)
class VectorProbe:
    """A vector branch's query, kept so other candidates can be scored against it."""

    space: EmbeddingSpace
    vector: np.ndarray
    # "text" or "image": which stored vectors the branch searched; "passage": the
    # space's passages (an item scores as its best passage).
    source: str
    # A window branch's query windows: candidates are scored by window distance.
    windows: np.ndarray | None = None


def fill_query(probe: VectorProbe) -> BranchQuery:
    """Score fusion's fill-in as part of the branches' statement: the exact similarity
    to `probe` of every candidate the finding branches return (an item's best image or
    passage when it has several, a fingerprint's best window; no index scan: the
    candidates are known)."""
    space = probe.space
    if probe.windows is not None:
        sql, values = _window_distances_sql(
            space,
            probe.windows,
            where=f"e.item_id IN (SELECT item_id FROM {CANDIDATES})",
            params=(),
        )
        return BranchQuery(
            sql=sql,
            params=values,
            finish=lambda found: [
                BranchHit(item_id=i, score=_similarity(space, d)) for i, d in found
            ],
            fill=True,
        )
    candidates = RawSQL(f"SELECT item_id FROM {CANDIDATES}", ())
    rows: QuerySet = (
        Passage.objects.filter(space=probe.space, item_id__in=candidates)
        if probe.source == "passage"
        else Embedding.objects.filter(
            space=probe.space, source=probe.source, item_id__in=candidates
        )
    )
    query = with_distance(probe.space, probe.vector, queryset=rows).values_list(
        "item_id", "distance"
    )
    sql, params = query.query.sql_with_params()

    def finish(found: list[tuple]) -> list[BranchHit]:
        best: dict[int, float] = {}
        for item_id, distance in found:
            similarity = _similarity(space, distance)
            best[item_id] = max(similarity, best.get(item_id, similarity))
        return [BranchHit(item_id=i, score=s) for i, s in best.items()]

    return BranchQuery(sql=sql, params=params, finish=finish, fill=True)


def vector_scores(
    probes: Mapping[str, tuple[VectorProbe, Sequence[int]]],
) -> dict[str, dict[int, float]]:
    """Exact similarity to each probe of the given items' stored vectors (an item's best
    image or passage when it has several): the fill-in for candidates a search's own
    statement could not score (`fill_query`: those of the query image's text, found
    after it). One statement for all vector probes (UNION ALL
    of exact distance scans over known ids; no index scan), and one per window probe
    (a fingerprint space's window distance, as `window_branch` ranks)."""
    parts = []
    best: dict[str, dict[int, float]] = {name: {} for name in probes}
    for name, (probe, item_ids) in probes.items():
        if not item_ids:
            continue
        if probe.windows is not None:
            found = _window_distances(
                probe.space,
                probe.windows,
                where="e.item_id = ANY(%s)",
                params=[list(item_ids)],
            )
            best[name] = {i: _similarity(probe.space, d) for i, d in found}
            continue
        rows: QuerySet = (
            Passage.objects.filter(space=probe.space, item_id__in=list(item_ids))
            if probe.source == "passage"
            else Embedding.objects.filter(
                space=probe.space, source=probe.source, item_id__in=list(item_ids)
            )
        )
        parts.append(
            with_distance(probe.space, probe.vector, queryset=rows)
            .annotate(probe=Value(name, output_field=CharField()))
            .values_list("probe", "item_id", "distance")
        )
    if not parts:
        return best if any(best.values()) else {}
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    for name, item_id, distance in query:
        similarity = _similarity(probes[name][0].space, distance)
        scores = best[name]
        scores[item_id] = max(similarity, scores.get(item_id, similarity))
    return best


def _similarity(space: EmbeddingSpace, distance: float) -> float:
    if space.metric == Metric.HAMMING:
        return round(1 - distance / space.dimension, 4)
    return round(1 - distance, 4)  # cosine distance → cosine similarity


def _cached_query(
    space: EmbeddingSpace,
    *,
    kind: str,
    payload: bytes,
    compute: Callable[[Encoder], np.ndarray | None],
) -> np.ndarray | None:
    """`compute(encoder)` for a query, through the query-embedding cache (keyed by the
    space's model signature, the kind and the payload); None when the space's model is
    unavailable or the encoder has no such output. ModelUnavailable is also raised
    mid-call by a model server that went down (circuit open): the search goes on without
    this space and says so."""
    key = embedding_cache.cache_key(
        space_id=space.pk, signature=space.model_signature, kind=kind, payload=payload
    )
    cached = embedding_cache.get(key)
    if cached is not None:
        return cached
    try:
        found = compute(get_encoder(space))
    except ModelUnavailable:
        return None
    if found is not None:
        embedding_cache.put(key, found)
    return found


def embed_query_text(space: EmbeddingSpace, text: str) -> np.ndarray | None:
    """The query text's vector in `space`, or None if the space's model is unavailable."""
    query = space.query_prefix + text

    def compute(encoder: Encoder) -> np.ndarray:
        raw = encoder.encode_texts([query], query=True)
        return check_vectors(raw, space=space, count=1)[0]

    return _cached_query(space, kind="text", payload=query.encode(), compute=compute)


def embed_query_image(space: EmbeddingSpace, image_bytes: bytes) -> np.ndarray | None:
    def compute(encoder: Encoder) -> np.ndarray:
        with Image.open(io.BytesIO(image_bytes)) as picture:
            raw = encoder.encode_images([picture.convert("RGB")])
        return check_vectors(raw, space=space, count=1)[0]

    return _cached_query(space, kind="image", payload=image_bytes, compute=compute)


def embed_query_windows(space: EmbeddingSpace, image_bytes: bytes) -> np.ndarray | None:
    """The query image's region hashes in a fingerprint space (its stored windows and
    views turned back by a few degrees: 22 × 256 bits), or None if the space's encoder
    has none."""

    def compute(encoder: Encoder) -> np.ndarray | None:
        with Image.open(io.BytesIO(image_bytes)) as picture:
            raw = encoder.encode_query_windows([picture.convert("RGB")])
        if raw is None:
            return None
        return check_vectors(raw[0], space=space, count=len(raw[0]))

    return _cached_query(space, kind="windows", payload=image_bytes, compute=compute)
