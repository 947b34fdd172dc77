"""Snippets with matched terms highlighted, and which terms matched where.

Everything is HTML-escaped before <mark> is added: item text and, above all, OCR text are
untrusted (an image can contain "<script>" as easily as any other text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.utils.html import escape

from embeddings.text.documents import build_item_text
from items.models import Item

CONTEXT = 90  # characters shown around the first match
MAX_SNIPPET = 240


def snippet(text: str, terms: Sequence[str]) -> str:
    """An escaped excerpt around the first matched term, matches wrapped in <mark>."""
    text = " ".join(text.split())
    pattern = _pattern(terms)
    match = pattern.search(text) if pattern else None
    if pattern is None or match is None:
        excerpt = text[:MAX_SNIPPET] + ("…" if len(text) > MAX_SNIPPET else "")
        return escape(excerpt)
    start = max(0, match.start() - CONTEXT)
    end = min(len(text), match.end() + CONTEXT)
    excerpt = text[start:end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + _mark(excerpt, pattern) + suffix


def matched_terms(
    item: Item, text: str, terms: Sequence[str]
) -> list[dict[str, object]]:
    """For each query term found in the item: where it was found."""
    if not terms:
        return []
    parts = build_item_text(item)
    where = {"title": parts.title, "body": parts.body, "image text": parts.extra}
    found: list[dict[str, object]] = []
    for term in dict.fromkeys(terms):
        places = [
            name for name, value in where.items() if term.casefold() in value.casefold()
        ]
        if places:
            found.append({"term": term, "in": places})
    return found


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
