"""Passages of search hits: each hit's indexed text split into overlapping passages with
their page (and where that page is shown on the item page), and BM25 scores of passages
against a query. Shared by RAG context (search/rag/context.py) and the passages shown
under search results (search/rag/hits.py).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from functools import lru_cache

from django.db import connection
from django.urls import reverse

from embeddings.text import lexical
from embeddings.text.documents import build_item_text
from embeddings.text.fulltext import TEXT_SEARCH_CONFIG
from embeddings.text.korean import HANGUL, analyze
from search.analysis import AnalysedQuery
from search.rag.passages import PageIndex, PageRange, split_text

# Passages of one item scored at most (see `bounded`): ~13 pages of Korean text.
SCORED_PER_ITEM = 40
# English words too common to look for or mark (BM25 already gives them almost no
# weight); Korean particles never stand alone among the query's words.
UNMARKED = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
    ]
)
_LATIN_WORD = re.compile(r"^[A-Za-z]+$")


@dataclass(frozen=True)
class Passage:
    item_id: int
    title: str
    # The item page's path, with the page's anchor when the passage is on a page; the
    # API makes it absolute.
    url: str
    page: int | None
    start: int  # offsets into the item's indexed text (SearchDocument.text)
    end: int
    text: str
    score: float


def hit_passages(hits) -> tuple[list[Passage], dict[int, str]]:
    """Every passage of every hit, its `score` holding the item's rank prior, and each
    hit's indexed text (which the passages' offsets point into)."""
    found: list[Passage] = []
    documents: dict[int, str] = {}
    count = len(hits)
    for rank, hit in enumerate(hits, start=1):
        item = hit.item
        document = getattr(item, "search_document", None)
        text = (document.text if document else "") or f"{item.title}\n{item.body}"
        documents[item.pk] = text
        pages = PageIndex(stored_pages(item, document, text))
        default_page = _metadata_page(item.metadata)
        url = reverse("search:item", args=[item.pk])
        prior = 1 - (rank - 1) / count
        for span in split_text(text):
            where = pages.find(span)
            page = where.page if where is not None else default_page
            anchor = where.anchor if where is not None else ""
            found.append(
                Passage(
                    item_id=item.pk, title=item.title,
                    url=f"{url}#{anchor}" if anchor else url, page=page,
                    start=span.start, end=span.end, text=text[span.start : span.end],
                    score=prior,
                )
            )  # fmt: skip
    return found, documents


def bounded(
    candidates: list[Passage], words: Sequence[str], *, per_item: int
) -> list[Passage]:
    """At most `per_item` passages of each item to score: those holding a query word
    first, then the item's others in text order. Long documents (a 300-page PDF is
    ~750 passages) then cost the scoring statement a bounded amount, found by a substring
    test of microseconds per passage, and an item found only by meaning still offers its
    first passages."""
    folded = [word.casefold() for word in words if word]
    by_item: dict[int, list[Passage]] = defaultdict(list)
    for passage in candidates:
        by_item[passage.item_id].append(passage)
    kept: list[Passage] = []
    for passages in by_item.values():
        if len(passages) <= per_item:
            kept += passages
            continue
        holding = [any(w in p.text.casefold() for w in folded) for p in passages]
        first = [p for p, hit in zip(passages, holding, strict=True) if hit]
        rest = [p for p, hit in zip(passages, holding, strict=True) if not hit]
        kept += (first + rest)[:per_item]
    return kept


def query_words(analysed: AnalysedQuery) -> list[str]:
    """The query's words as they may appear in text: as typed and as analysed (Korean
    stems without particles, so "비커는" finds "비커"), without short or function words.
    What excerpts mark and what `bounded` looks for."""
    words = [*analysed.terms, *analysed.scoring_text.split()]
    kept = []
    for word in dict.fromkeys(words):
        if HANGUL.search(word):
            if len(word) >= 2 or len(analysed.terms) == 1:
                kept.append(word)
        elif (len(word) >= 3 and word.casefold() not in UNMARKED) or (
            not _LATIN_WORD.match(word) and len(word) >= 2
        ):
            kept.append(word)
    return kept


def stored_pages(item, document, text: str) -> list[PageRange]:
    """Where each page's text sits in the item's indexed text: stored with the search
    document at index time; for rows written before that, assembled again from the
    item (a few queries) when that gives the same text."""
    if document is not None and document.pages is not None:
        spans = [tuple(span) for span in document.pages]
    else:
        assembled = build_item_text(item)
        spans = [astuple(p) for p in assembled.pages] if assembled.full == text else []
    return [PageRange(start, end, page, anchor) for start, end, page, anchor in spans]


def _metadata_page(metadata) -> int | None:
    """An item that is one page of something (metadata {"page": 3}) cites that page."""
    page = metadata.get("page") if isinstance(metadata, dict) else None
    if isinstance(page, int) and not isinstance(page, bool) and page > 0:
        return page
    return None


@lru_cache(maxsize=4096)
def _analysed(text: str) -> str:
    """Kiwi analysis of a passage, remembered: it is the slow step (about 90,000
    characters of Korean a second on one core, measured on the development box; Latin
    text skips Kiwi), and the top items of related questions repeat. 4,096 passages of
    at most 800 characters keep a few MB. Stored passages analysed at index time (issue
    11, item 2) will remove the cost."""
    return analyze(text)


def score_passages(scoring_text: str, texts: list[str]) -> list[float]:
    """BM25 of each text against the analysed query, in one statement: the texts are
    analysed like indexed text (Kiwi, then to_tsvector), IDF comes from the lexical
    index's posting lists (a word rare in the corpus counts more), and lengths are
    normalised over these texts."""
    if not texts or not scoring_text.strip():
        return [0.0] * len(texts)
    count, _ = lexical.corpus_stats()
    sql = f"""
        WITH {lexical.weighted_query_terms_sql(TEXT_SEARCH_CONFIG)}
        , p AS MATERIALIZED (
            SELECT x.ord, to_tsvector('{TEXT_SEARCH_CONFIG}', x.body) AS tsv
            FROM unnest(%s::text[]) WITH ORDINALITY AS x(body, ord)
        ), tf AS MATERIALIZED (
            SELECT p.ord, u.lexeme AS term, cardinality(u.positions)::float AS tf
            FROM p CROSS JOIN LATERAL unnest(p.tsv) AS u
        ), len AS (
            SELECT ord, sum(tf) AS dl FROM tf GROUP BY ord
        ), mean AS (
            SELECT greatest(avg(dl), 1)::float AS avgdl FROM len
        )
        SELECT tf.ord, sum(
            w.idf * {lexical.saturation_sql(tf="tf.tf", length="len.dl", mean_length="m.avgdl")}
        )
        FROM weighted w
        JOIN tf ON tf.term = w.term
        JOIN len ON len.ord = tf.ord
        CROSS JOIN mean m
        GROUP BY tf.ord
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [scoring_text, count, [_analysed(t) for t in texts]])
        rows = cursor.fetchall()
    scores = [0.0] * len(texts)
    for ordinal, score in rows:
        scores[ordinal - 1] = float(score)
    return scores
