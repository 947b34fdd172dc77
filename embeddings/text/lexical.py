"""BM25 over the full-text index: term statistics derived from each document's tsvector.

A document's terms are the lexemes of its weighted tsvector (title A, body B, captions and
OCR C), counted with a weight per field — BM25F's simplification of per-field boosts — so
the lexical branch and phrase/exclusion syntax see exactly the same analysis. Document
lengths are the weighted counts; IDF comes from the posting lists at query time, so it is
never stale. Constants were chosen on the development halves of the evaluation sets
(docs/evaluation.md).
"""

from __future__ import annotations

import time

from django.db import connection

FIELD_WEIGHTS = {"A": 3.0, "B": 1.0, "C": 1.0, "D": 1.0}
K1 = 1.5
B = 0.6


# Corpus size and mean document length change slowly; BM25 barely moves with them, and
# counting them per query costs a scan of every document (100 ms at 100k items).
STATS_TTL_SECONDS = 60
_stats: tuple[float, float, float] | None = None  # (read at, count, mean length)


def corpus_stats() -> tuple[float, float]:
    """(number of documents, mean length), at most STATS_TTL_SECONDS old, per process."""
    global _stats
    now = time.monotonic()
    if _stats is None or now - _stats[0] > STATS_TTL_SECONDS:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), coalesce(avg(length), 0) FROM embeddings_searchdocument"
            )
            count, mean = cursor.fetchone()
        _stats = (now, float(count), max(float(mean), 1.0))
    return _stats[1], _stats[2]


def forget_stats() -> None:
    """Drop the cached statistics (tests that rebuild the corpus call this)."""
    global _stats
    _stats = None


def weighted_query_terms_sql(
    config: str, *, text: str = "%s", count: str = "%s"
) -> str:
    """CTEs `q` (query lexemes and their counts) and `weighted` (term, qtf · IDF), for a
    WITH clause. `text` and `count` are the placeholders (in that order) of the
    analysed query text and the corpus size. Document frequencies come from
    SearchTermStat, which triggers keep in step with the term rows, so IDF is never
    stale; MATERIALIZED because, inlined, the planner re-read them once per row."""
    return f"""
        q AS MATERIALIZED (
            SELECT u.lexeme AS term, cardinality(u.positions)::float AS qtf
            FROM unnest(to_tsvector('{config}', {text})) AS u
        ), weighted AS MATERIALIZED (
            -- greatest(): the cached count may predate documents added since.
            SELECT q.term,
                   q.qtf * ln(1 + (greatest({count}, f.df) - f.df + 0.5) / (f.df + 0.5))
                   AS idf
            FROM q JOIN (
                SELECT term, df::float AS df FROM embeddings_searchtermstat
            ) AS f ON f.term = q.term
            WHERE f.df > 0
        )"""


def saturation_sql(*, tf: str, length: str, mean_length: str) -> str:
    """BM25's term-frequency part, tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen)), over SQL
    expressions; multiply by `weighted.idf` and sum per document."""
    return (
        f"{tf} * {K1 + 1} / ({tf} + {K1} * (1 - {B} + {B} * {length} / {mean_length}))"
    )


def weight_case(column: str) -> str:
    """SQL for the weight of a tsvector position's weight letter in `column`."""
    cases = " ".join(f"WHEN '{letter}' THEN {w}" for letter, w in FIELD_WEIGHTS.items())
    return f"CASE {column} {cases} ELSE 1.0 END"


def postings_sql(*, where: str) -> list[str]:
    """Statements rebuilding the term rows and length of the documents matching `where`
    (a condition on alias `d` of embeddings_searchdocument). Run them in one transaction:
    the old rows go first, because a single statement cannot delete and re-insert a row.

    Each term row also carries its document's length and its `impact`, the BM25 weight
    before IDF with the corpus's mean length at write time: the lexical branch reads a
    common term's postings best first by impact and scores them exactly from tf and
    length (search/branches.py, lexical_query). A drifting mean only reorders postings
    of nearly equal weight, never changes a score."""
    impact = saturation_sql(tf="c.tf", length="l.length", mean_length="m.value")
    return [
        f"""
        DELETE FROM embeddings_searchterm t
        USING embeddings_searchdocument d
        WHERE t.item_id = d.item_id AND {where}
        """,
        f"""
        WITH counted AS (
            SELECT d.item_id, u.lexeme AS term, sum({weight_case("w")}) AS tf
            FROM embeddings_searchdocument d
            CROSS JOIN LATERAL unnest(d.tsv) AS u(lexeme, positions, weights)
            CROSS JOIN LATERAL unnest(u.weights) AS w
            WHERE {where}
            GROUP BY d.item_id, u.lexeme
        ), lengths AS (
            SELECT item_id, sum(tf) AS length FROM counted GROUP BY item_id
        ), mean AS (
            -- The mean after this rebuild: new lengths here, stored ones elsewhere.
            SELECT greatest(coalesce(avg(length), 1), 1) AS value FROM (
                SELECT length FROM lengths
                UNION ALL
                SELECT d.length FROM embeddings_searchdocument d WHERE NOT ({where})
            ) AS every_document
        ), added AS (
            INSERT INTO embeddings_searchterm (item_id, term, tf, length, impact)
            SELECT c.item_id, c.term, c.tf, l.length, {impact}
            FROM counted c JOIN lengths l ON l.item_id = c.item_id CROSS JOIN mean m
        )
        -- A join, not a subquery per document: that rescanned the lengths once per row,
        -- quadratic in the corpus (225 s at 10k items, hours at 100k). The self-join
        -- keeps documents without terms (length 0) in the update.
        UPDATE embeddings_searchdocument d
        SET length = coalesce(l.length, 0)
        FROM embeddings_searchdocument kept
        LEFT JOIN lengths l ON l.item_id = kept.item_id
        WHERE kept.item_id = d.item_id AND {where}
        """,
    ]
