"""Snippets with matched terms highlighted, and which terms matched where.

Everything is HTML-escaped before <mark> is added: item text and, above all, OCR text are
untrusted (an image can contain "<script>" as easily as any other text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.utils.html import escape

from embeddings.text.documents import build_item_text, split_parts
from items.models import Item

CONTEXT = 90  # characters shown around the first match
MAX_SNIPPET = 240


def snippet(text: str, terms: Sequence[str]) -> str:
    """An escaped excerpt around the first matched term, matches wrapped in <mark>."""
    pattern = _pattern(terms)
    match = pattern.search(text) if pattern else None
    # Whitespace is collapsed in a window around the match only: a 300-page document's
    # text is half a megabyte, and collapsing all of it per hit cost more than the search.
    window = (
        (0, 4 * MAX_SNIPPET) if match is None
        else (max(0, match.start() - 4 * CONTEXT), match.end() + 4 * CONTEXT)
    )  # fmt: skip
    cut_before, cut_after = window[0] > 0, window[1] < len(text)
    text = " ".join(text[window[0] : window[1]].split())
    match = pattern.search(text) if pattern else None
    if pattern is None or match is None:
        more = cut_after or len(text) > MAX_SNIPPET
        return escape(text[:MAX_SNIPPET] + ("…" if more else ""))
    start = _word_start(text, max(0, match.start() - CONTEXT), match.start())
    end = _word_end(text, min(len(text), match.end() + CONTEXT), match.end())
    excerpt = text[start:end]
    prefix = "…" if start > 0 or cut_before else ""
    suffix = "…" if end < len(text) or cut_after else ""
    return prefix + _mark(excerpt, pattern) + suffix


def has_match(text: str, terms: Sequence[str]) -> bool:
    """Whether any of the terms occurs in the text (what `snippet` would mark)."""
    pattern = _pattern(terms)
    return pattern is not None and pattern.search(text) is not None


def _word_start(text: str, start: int, limit: int) -> int:
    """`start`, moved on to the next word's start when it falls inside a word (an
    excerpt starting "…g in particular" reads as an error), but never past `limit`."""
    if start == 0 or text[start - 1].isspace():
        return start
    space = text.find(" ", start, limit)
    return space + 1 if space >= 0 else start


def _word_end(text: str, end: int, limit: int) -> int:
    """`end`, moved back to the end of the last whole word, but never before `limit`."""
    if end >= len(text) or text[end].isspace():
        return end
    space = text.rfind(" ", limit, end)
    return space if space >= 0 else end


def matched_terms(
    item: Item, text: str, terms: Sequence[str]
) -> list[dict[str, object]]:
    """For each query term found in the item: where it was found."""
    if not terms:
        return []
    title, body, extra = _parts(item, text)
    where = {"title": title, "body": body, "image text": extra}
    found: list[dict[str, object]] = []
    for term in dict.fromkeys(terms):
        places = [
            name for name, value in where.items() if term.casefold() in value.casefold()
        ]
        if places:
            found.append({"term": term, "in": places})
    return found


def _parts(item: Item, text: str) -> tuple[str, str, str]:
    """Title, body and image text of the item's indexed `text`, from the layout stored
    with its search document (no image rows needed), else assembled from the item."""
    document = getattr(item, "search_document", None)
    lengths = getattr(document, "part_lengths", None)
    if document is not None and lengths is not None and document.text == text:
        return split_parts(text, lengths)
    parts = build_item_text(item)
    return parts.title, parts.body, parts.extra


def _pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    cleaned = sorted({t for t in terms if t and t.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile("|".join(re.escape(t) for t in cleaned), re.IGNORECASE)


def _mark(text: str, pattern: re.Pattern[str]) -> str:
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)
