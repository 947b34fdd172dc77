"""Passages shown under search results: where in each hit's text the query matches best,
with the page it is on (a link to that page on the item page) and an excerpt with the
matched words marked.

Passages and their scores are the RAG context's (search/rag/candidates.py: the same split,
BM25 with the lexical index's analysis, one statement for every hit of the page), taken
per item: an item's best one or two, never two that overlap. Only passages sharing a word
with the query are shown, and an item whose whole text is one passage without a page shows
none (its snippet already is that text). Item-level results are unchanged: passages are
an addition to each hit, computed after the search.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from search.analysis import analyse_query
from search.models import synonym_map
from search.rag.candidates import (
    SCORED_PER_ITEM,
    Passage,
    bounded,
    hit_passages,
    query_words,
    score_passages,
)
from search.snippets import snippet

PER_HIT = 2
MAX_PER_HIT = 5


@dataclass(frozen=True)
class PassageHit:
    page: int | None
    url: str  # the item page, at the page's anchor when the passage is on one
    start: int  # offsets into the item's indexed text
    end: int
    excerpt: str  # HTML: escaped text with <mark> around the query's words
    score: float


def passages_for_hits(
    hits, *, text: str, per_hit: int = PER_HIT
) -> dict[int, list[PassageHit]]:
    """The best `per_hit` passages of each hit for the text query `text`, by item id;
    items without a matching passage are left out."""
    if not hits or not text.strip() or per_hit < 1:
        return {}
    analysed = analyse_query(text, synonyms=synonym_map())
    if not analysed.scoring_text.strip():
        return {}
    candidates, _ = hit_passages(hits)
    passages_per_item = Counter(c.item_id for c in candidates)
    shown = [
        c for c in candidates if passages_per_item[c.item_id] > 1 or c.page is not None
    ]
    terms = query_words(analysed)
    shown = bounded(shown, terms, per_item=SCORED_PER_ITEM)
    scores = score_passages(analysed.scoring_text, [c.text for c in shown])
    chosen: dict[int, list[Passage]] = defaultdict(list)
    found: dict[int, list[PassageHit]] = defaultdict(list)
    ranked = sorted(
        zip(shown, scores, strict=True), key=lambda cs: (-cs[1], cs[0].start)
    )
    for passage, score in ranked:
        taken = chosen[passage.item_id]
        if (
            score <= 0
            or len(taken) >= per_hit
            or any(_overlap(passage, t) for t in taken)
        ):
            continue
        taken.append(passage)
        found[passage.item_id].append(
            PassageHit(
                page=passage.page, url=passage.url, start=passage.start,
                end=passage.end, excerpt=snippet(passage.text, terms),
                score=round(score, 3),
            )
        )  # fmt: skip
    return dict(found)


def attach_passages(hits, *, text: str, per_hit: int = PER_HIT) -> None:
    """Set each hit's `passages` to its best passages for `text` (empty when none)."""
    found = passages_for_hits(hits, text=text, per_hit=per_hit)
    for hit in hits:
        hit.passages = found.get(hit.item.pk, [])


def _overlap(a: Passage, b: Passage) -> bool:
    return a.item_id == b.item_id and a.start < b.end and b.start < a.end
