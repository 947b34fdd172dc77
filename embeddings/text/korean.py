"""Korean-aware analysis for full-text search, applied the same way at index and query time.

PostgreSQL's parser treats a run of Hangul as one token, so "삼각형의" and "삼각형을"
would never match "삼각형". Kiwi (kiwipiepy, model bundled) splits words into morphemes;
we keep content morphemes (nouns, verb and adjective stems, roots, numbers, foreign
words) and drop particles and endings. Kiwi sometimes splits a noun from a suffix
("삼각" + "형") depending on context, so adjacent noun pieces are also emitted joined
("삼각형", and "직각삼각형" for "직각" + "삼각형"): a query for the whole word or for any
part matches either way.
"""

from __future__ import annotations

import re
import threading
from functools import cache

HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Kiwi part-of-speech tags whose forms carry meaning for search.
CONTENT_TAGS = {
    "NNG",
    "NNP",
    "NNB",
    "NR",
    "NP",
    "VV",
    "VA",
    "XR",
    "SL",
    "SN",
    "SH",
    "MAG",
}
NOUN_TAGS = {"NNG", "NNP", "XR"}
JOINABLE_TAGS = NOUN_TAGS | {"XSN"}
MAX_JOINED = 3

_lock = threading.Lock()


@cache
def _kiwi():
    from kiwipiepy import Kiwi

    return Kiwi()


def analyze(text: str) -> str:
    """Space-separated search terms for `text`: Korean morphemes (and their compounds)
    for Hangul, the original words elsewhere. Feed the result to to_tsvector."""
    if not text:
        return ""
    if not HANGUL.search(text):
        return text
    with _lock:  # Kiwi objects are not documented as thread-safe
        tokens = _kiwi().tokenize(text)
    terms: list[str] = []
    run: list[str] = []
    last_end = -1
    for token in tokens:
        adjacent = token.start == last_end
        last_end = token.start + token.len
        if token.tag in JOINABLE_TAGS and (adjacent or not run):
            run.append(token.form)
        else:
            terms.extend(_compounds(run))
            run = [token.form] if token.tag in NOUN_TAGS else []
        if token.tag in CONTENT_TAGS:
            terms.append(token.form)
    terms.extend(_compounds(run))
    return " ".join(terms)


def _compounds(run: list[str]) -> list[str]:
    """Joined forms of consecutive noun pieces: ["직각", "삼각", "형"] → 직각삼각, 직각삼각형…"""
    joined: list[str] = []
    for start in range(len(run)):
        for end in range(start + 2, min(len(run), start + MAX_JOINED) + 1):
            joined.append("".join(run[start:end]))
    return joined
