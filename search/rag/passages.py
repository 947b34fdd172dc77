"""Passages of an item's indexed text at retrieval time, and the pages they come from.

The split itself (sizes, cut points, exact offsets) lives one layer down in
embeddings/text/passages.py, shared with the stored passage vectors; this module adds what
RAG needs on top: which page a passage comes from and a token estimate for the budget.
`text[passage.start:passage.end] == passage.text` always holds.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from embeddings.text.korean import HANGUL
from embeddings.text.passages import (  # re-exported: RAG's callers split through here
    DEFAULT_OVERLAP,
    DEFAULT_SIZE,
    Span,
    split_text,
)

__all__ = [
    "DEFAULT_OVERLAP",
    "DEFAULT_SIZE",
    "PageIndex",
    "PageRange",
    "Span",
    "estimate_tokens",
    "page_of",
    "split_text",
]


@dataclass(frozen=True)
class PageRange:
    """Characters [start, end) of a document come from page `page` (a scanned page's
    OCR text, for instance), shown on the item page at `#anchor` when it is set."""

    start: int
    end: int
    page: int
    anchor: str = ""


def page_of(span: Span, ranges: Sequence[PageRange], default: int | None) -> int | None:
    """The page holding most of the span's characters; `default` when none does."""
    found = PageIndex(ranges).find(span)
    return found.page if found is not None else default


class PageIndex:
    """Page ranges ready for many lookups: sorted by start, with the furthest end reached
    so far, so finding a span's pages is a bisection and a few steps back, not a scan of
    every page (a 500-page document has ~1,000 passages)."""

    def __init__(self, ranges: Sequence[PageRange]) -> None:
        self.ranges = sorted(ranges, key=lambda r: (r.start, r.end))
        self.starts = [r.start for r in self.ranges]
        self.reach: list[int] = []
        for page_range in self.ranges:
            self.reach.append(max(page_range.end, self.reach[-1] if self.reach else 0))

    def find(self, span: Span) -> PageRange | None:
        """The range holding most of the span's characters (the first of equals)."""
        best, best_chars = None, 0
        index = bisect.bisect_left(self.starts, span.end) - 1
        while index >= 0 and self.reach[index] > span.start:
            page_range = self.ranges[index]
            chars = min(span.end, page_range.end) - max(span.start, page_range.start)
            if chars >= best_chars and chars > 0:
                best, best_chars = page_range, chars
            index -= 1
        return best


def estimate_tokens(text: str) -> int:
    """A deliberately pessimistic token count without a tokenizer: one token per Hangul
    syllable (GPT-4-era BPEs spend about one, newer ones less) and one per four other
    characters (the usual English rule of thumb). Overestimating keeps a prompt inside
    the budget on any model; 800 characters of Korean count about 600, of English 200."""
    hangul = len(HANGUL.findall(text))
    return hangul + math.ceil((len(text) - hangul) / 4)
