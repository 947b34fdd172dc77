"""Split a text into overlapping passages with exact character offsets.

One splitter for both uses of passages: the embed stage stores a vector per passage of an
item's indexed text (embeddings/processing/passage_vectors.py), and RAG cuts the same
passages at retrieval time (search/rag/passages.py). Same text and same sizes give the
same spans, so a stored passage's vector scores exactly the passage RAG shows.

Sizes are in characters, because Korean and English differ wildly in characters per word
and per token: 800 characters is a few paragraphs of English or about half a page of
Korean — 370 tokens of Korean, 180 of English for multilingual-e5's tokenizer, inside its
512-token window with the item's title in front — and 150 characters of overlap keep a
sentence cut at one edge whole in the neighbour. Cuts prefer a paragraph break, then a
line break, then a sentence end (". ", "? ", "! ", "。", "다." …), then any space,
searched backwards from the size limit; a piece of text without any of them (a long URL)
is cut at the limit.

`text[span.start:span.end]` is the passage: offsets point into the stored document text,
so a citation can be highlighted there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
