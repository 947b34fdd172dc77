"""Split an item's indexed text into overlapping passages with exact character offsets.

Passages are cut at retrieval time from `SearchDocument.text` (title, body, captions and
OCR), so they always match what the lexical index saw. Sizes are in characters, because
Korean and English differ wildly in characters per word and per token: 800 characters is
a few paragraphs of English or about half a page of Korean, well inside any chat model's
window, and 150 characters of overlap keep a sentence cut at one edge whole in the
neighbour. Cuts prefer a paragraph break, then a line break, then a sentence end (". ",
"? ", "! ", "。", "다." …), then any space, searched backwards from the size limit; a
piece of text without any of them (a long URL) is cut at the limit.

`text[passage.start:passage.end] == passage.text` always holds: offsets point into the
stored document text, so a citation can be highlighted there.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from embeddings.text.korean import HANGUL

DEFAULT_SIZE = 800
DEFAULT_OVERLAP = 150
# A cut is looked for in the last half of a passage; earlier cuts would make passages
# too small to carry context.
MIN_FILL = 0.5

# Boundaries in order of preference; each match's end is where a passage may end.
_BOUNDARIES = (
    re.compile(r"\n\s*\n"),  # paragraph
    re.compile(r"\n"),  # line
    re.compile(r"(?<=[.!?。？！])[\"')\]]*\s+"),  # sentence end, English or Korean
    re.compile(r"\s+"),  # word
)
_SENTENCE_START = re.compile(r"(?:\n|(?<=[.!?。？！])\s+)\s*(?=\S)")
_WORD_START = re.compile(r"(?<=\s)(?=\S)")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class PageRange:
    """Characters [start, end) of a document come from page `page` (a scanned page's
    OCR text, for instance), shown on the item page at `#anchor` when it is set."""

    start: int
    end: int
    page: int
    anchor: str = ""


def split_text(
    text: str, *, size: int = DEFAULT_SIZE, overlap: int = DEFAULT_OVERLAP
) -> list[Span]:
    """Overlapping spans covering every non-blank character of `text`, each at most
    `size` characters, consecutive spans sharing about `overlap` characters (less when a
    sentence or word start is found later in the overlap window)."""
    if size < 1:
        raise ValueError("size must be at least 1")
    if not 0 <= overlap < size:
        raise ValueError("overlap must be at least 0 and smaller than size")
    spans: list[Span] = []
    start = _skip_space(text, 0)
    while start < len(text):
        end = _cut(text, start, size)
        trimmed = _trim_end(text, start, end)
        if trimmed > start:
            spans.append(Span(start, trimmed))
        if end >= len(text):
            break
        following = _next_start(text, start, end, overlap)
        start = _skip_space(text, following)
    return spans


def _cut(text: str, start: int, size: int) -> int:
    limit = start + size
    if limit >= len(text):
        return len(text)
    earliest = start + max(1, int(size * MIN_FILL))
    window = text[earliest:limit]
    for boundary in _BOUNDARIES:
        ends = [m.end() for m in boundary.finditer(window)]
        if ends:
            return earliest + ends[-1]
    return limit


def _next_start(text: str, start: int, end: int, overlap: int) -> int:
    """Where the next passage begins: `overlap` characters back from `end`, moved
    forward to a sentence start or else a word start inside the overlap, and always
    after `start` so the split advances."""
    back = max(end - overlap, start + 1)
    if back >= end:
        return end
    window = text[back:end]
    for pattern in (_SENTENCE_START, _WORD_START):
        found = pattern.search(window)
        if found:
            return back + found.end()
    return back


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


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
