"""RAG context: the best passages of the hybrid search's top items for a question,
de-duplicated and fitted to a token budget, and a prompt citing them as [1], [2]…

Retrieval is the portal's hybrid search (`run_search`, same visibility and filters), so
exact terms that vectors miss still bring their items. Each of the top items' indexed
texts is split into passages (search/rag/passages.py) and every passage is scored

    score = 0.6 · bm25(passage) / best bm25 + 0.4 · (1 − (rank − 1) / n_items)

where bm25 uses the lexical index's analysis (Kiwi morphemes for Korean, English stems),
IDF from the index's posting lists and the index's k1 and b, with passage lengths
normalised over the candidate passages; `rank` is the item's place in the fused (or
reranked) result list. The lexical part picks *where* in an item the answer is; the rank
part keeps the hybrid's judgement of *which* items matter, so a passage of an item found
only by meaning (no shared word) is still offered, after the ones that match.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from functools import lru_cache

from django.db import connection
from django.urls import reverse

from embeddings.text import lexical
from embeddings.text.fulltext import TEXT_SEARCH_CONFIG
from embeddings.text.korean import analyze
from search.analysis import analyse_query
from search.engine import QueryError, run_search
from search.models import synonym_map
from search.rag.passages import (
    estimate_tokens,
    page_of,
    page_ranges,
    split_text,
)
from search.requests import build_search_request

DEFAULT_K = 6
MAX_K = 20
DEFAULT_TOKEN_BUDGET = 3000
MIN_TOKEN_BUDGET = 200
MAX_TOKEN_BUDGET = 32000
MAX_QUESTION_CHARS = 1000
# Items whose passages compete: enough for the answer to be among them, few enough
# that splitting and scoring stay in the tens of milliseconds.
SEARCH_ITEMS = 10
LEXICAL_SHARE = 0.6
# What must remain of a passage once the text it shares with passages already chosen
# is cut away, for it to be worth a citation of its own.
MIN_REMAINDER = 200

INSTRUCTIONS = (
    "Answer the question using only the numbered passages below. Cite every passage "
    "you use by its number in square brackets, like [1] or [2][3]. If the passages do "
    "not contain the answer, say that you do not know. Answer in the language of the "
    "question."
)


class RagInputError(ValueError):
    """The question or its options cannot be served as asked (a 400, never a 500)."""

    def __init__(self, message: str, *, param: str = "question") -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class Passage:
    item_id: int
    title: str
    url: str  # the item page's path; the API makes it absolute
    page: int | None
    start: int  # offsets into the item's indexed text (SearchDocument.text)
    end: int
    text: str
    score: float


@dataclass(frozen=True)
class RagContext:
    question: str
    passages: list[Passage]  # in citation order: passages[0] is [1]
    prompt: str
    tokens: int  # estimated tokens of the prompt (search/rag/passages.estimate_tokens)
    took_ms: int


def check_query(query: RagQuery) -> str:
    """The question stripped, or RagInputError naming the parameter at fault."""
    question, k, token_budget = query.question.strip(), query.k, query.token_budget
    if not question:
        raise RagInputError("Ask a question: question must not be empty.")
    if len(question) > MAX_QUESTION_CHARS:
        raise RagInputError(
            f"question must be at most {MAX_QUESTION_CHARS} characters."
        )
    if not 1 <= k <= MAX_K:
        raise RagInputError(f"k must be between 1 and {MAX_K}.", param="k")
    if not MIN_TOKEN_BUDGET <= token_budget <= MAX_TOKEN_BUDGET:
        raise RagInputError(
            f"token_budget must be between {MIN_TOKEN_BUDGET} and {MAX_TOKEN_BUDGET}.",
            param="token_budget",
        )
    return question


@dataclass(frozen=True)
class RagQuery:
    """A question and how to retrieve for it: the search filters (same meaning as
    /api/search/), at most `k` passages, a prompt of at most `token_budget` tokens."""

    question: str
    kinds: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # honoured for staff only, as in search
    k: int = DEFAULT_K
    token_budget: int = DEFAULT_TOKEN_BUDGET


def build_context(*, query: RagQuery, user) -> RagContext:
    """At most `query.k` passages that `user` may see, best first, whose prompt fits in
    `query.token_budget` estimated tokens."""
    started = time.monotonic()
    question = check_query(query)
    k, token_budget = query.k, query.token_budget
    request = build_search_request(
        text=question, mode="text", k=SEARCH_ITEMS, kinds=query.kinds,
        languages=query.languages, tags=query.tags, statuses=query.statuses,
    )  # fmt: skip
    try:
        hits = run_search(request, user=user).hits
    except QueryError as exc:
        raise RagInputError(str(exc)) from exc
    candidates, documents = _candidates(hits)
    scoring_text = analyse_query(question, synonyms=synonym_map()).scoring_text
    lexical_scores = score_passages(scoring_text, [c.text for c in candidates])
    best = max(lexical_scores, default=0.0) or 1.0
    scored = [
        _with_score(c, LEXICAL_SHARE * s / best + (1 - LEXICAL_SHARE) * c.score)
        for c, s in zip(candidates, lexical_scores, strict=True)
    ]
    scored.sort(key=lambda p: (-p.score, p.start))
    chosen = _fit(
        scored, documents=documents, question=question, k=k, token_budget=token_budget
    )
    prompt = build_prompt(question, chosen)
    return RagContext(
        question=question,
        passages=chosen,
        prompt=prompt,
        tokens=estimate_tokens(prompt),
        took_ms=int((time.monotonic() - started) * 1000),
    )


def build_prompt(question: str, passages: list[Passage]) -> str:
    blocks = [_block(n, p) for n, p in enumerate(passages, start=1)]
    body = "\n\n".join(blocks) if blocks else "(no passage matched the question)"
    return f"{INSTRUCTIONS}\n\nPassages:\n\n{body}\n\nQuestion: {question}\nAnswer:"


def _block(number: int, passage: Passage) -> str:
    where = f", page {passage.page}" if passage.page is not None else ""
    return f"[{number}] {passage.title}{where}\n{passage.text}"


def _page_text(image) -> str:
    """What a page contributed to the document text: its PDF text layer, its OCR text."""
    ocr = getattr(image, "ocr", None)
    parts = (image.text_layer, ocr.text if ocr else "")
    return "\n".join(part.strip() for part in parts if part and part.strip())


def _candidates(hits) -> tuple[list[Passage], dict[int, str]]:
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
        # Search hits come with images and their OCR prefetched: no query here.
        pages = [
            (_page_text(image), image.page_number)
            for image in item.images.all()
            if image.page_number
        ]
        ranges = page_ranges(text, pages)
        default_page = _metadata_page(item.metadata)
        url = reverse("search:item", args=[item.pk])
        prior = 1 - (rank - 1) / count
        for span in split_text(text):
            found.append(
                Passage(
                    item_id=item.pk, title=item.title, url=url,
                    page=page_of(span, ranges, default_page),
                    start=span.start, end=span.end, text=text[span.start : span.end],
                    score=prior,
                )
            )  # fmt: skip
    return found, documents


def _metadata_page(metadata) -> int | None:
    """An item that is one page of something (metadata {"page": 3}) cites that page."""
    page = metadata.get("page") if isinstance(metadata, dict) else None
    if isinstance(page, int) and not isinstance(page, bool) and page > 0:
        return page
    return None


def _with_score(passage: Passage, score: float) -> Passage:
    return replace(passage, score=round(score, 4))


def _fit(
    scored: list[Passage],
    *,
    documents: dict[int, str],
    question: str,
    k: int,
    token_budget: int,
) -> list[Passage]:
    """Best first, at most `k`, within the budget. A passage overlapping ones already
    taken from the same item loses the shared characters (neighbours share ~150), so
    the prompt never carries text twice; what remains is dropped when shorter than
    MIN_REMAINDER or when a taken passage lies inside it. A passage whose text was
    already taken from another item (a copy) is skipped. One that would overflow the
    budget is skipped too: a shorter, later one may still fit."""
    chosen: list[Passage] = []
    for passage in scored:
        if len(chosen) == k:
            break
        trimmed = _without_overlap(passage, chosen, documents[passage.item_id])
        if trimmed is None or any(c.text == trimmed.text for c in chosen):
            continue
        if estimate_tokens(build_prompt(question, [*chosen, trimmed])) <= token_budget:
            chosen.append(trimmed)
    return chosen


def _without_overlap(
    passage: Passage, chosen: list[Passage], document: str
) -> Passage | None:
    start, end = passage.start, passage.end
    for taken in chosen:
        if taken.item_id != passage.item_id or taken.end <= start or end <= taken.start:
            continue
        if taken.start <= start:
            start = max(start, taken.end)
        elif taken.end >= end:
            end = min(end, taken.start)
        else:
            return None  # a taken passage lies inside this one
    while start < end and document[start].isspace():
        start += 1
    while end > start and document[end - 1].isspace():
        end -= 1
    if (start, end) == (passage.start, passage.end):
        return passage
    if end - start < MIN_REMAINDER:
        return None
    return replace(passage, start=start, end=end, text=document[start:end])


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
