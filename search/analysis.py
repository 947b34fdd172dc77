"""Query text → a PostgreSQL tsquery, analysed exactly like indexed text (Korean morphemes).

Each whitespace-separated word becomes a group of alternatives (its Korean morphemes and
their compounds, or the word itself), and groups are ANDed, like websearch_to_tsquery:
"삼각형 넓이" → (삼각 | 삼각형) & 넓이. A word prefixed with "-" is excluded, "OR" between
words makes an alternative, and "quoted phrases" match as phrases.

The lexical branch ranks like BM25, so it does not require every word: it scores the
query's `scoring_text` (the analysed positive words, synonyms included) against every
document holding any of them, and applies only the syntax a user typed on purpose —
phrases and exclusions — as the `constraint` tsquery.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from embeddings.text.korean import HANGUL, analyze

TOKEN = re.compile(r'-?"[^"]+"|\S+')
TERM = re.compile(r"[\w]+", re.UNICODE)


@dataclass(frozen=True)
class AnalysedQuery:
    tsquery: str  # for to_tsquery(config, …); empty when nothing searchable remains
    terms: tuple[str, ...]  # surface terms to highlight in snippets
    scoring_text: str = (
        ""  # analysed positive words, for to_tsvector → BM25 query terms
    )
    constraint: str = ""  # tsquery of phrases and exclusions only; "" when none


def analyse_query(
    text: str,
    *,
    any_word: bool = False,
    synonyms: Mapping[str, Sequence[str]] | None = None,
) -> AnalysedQuery:
    """With `any_word`, groups are ORed: for long machine-made queries (a query image's
    OCR text), where requiring every word would match nothing. `synonyms` maps a
    (case-folded) query word to alternatives that may match instead of it."""
    synonyms = synonyms or {}
    parts: list[str] = []
    highlight: list[str] = []
    scoring: list[str] = []
    required: list[str] = []
    pending_or = False
    for token in TOKEN.findall(text or ""):
        if token == "OR":
            pending_or = bool(parts)
            continue
        negate = token.startswith("-") and len(token) > 1
        body = token[1:] if negate else token
        phrase = body.startswith('"') and body.endswith('"')
        if phrase:
            group = _phrase(body.strip('"'))
        else:
            group = _word(body)
            alternatives = [_word(alt) for alt in synonyms.get(body.casefold(), ())]
            alternatives = [a for a in alternatives if a and a != group]
            if group and alternatives:
                group = "(" + " | ".join([group, *alternatives]) + ")"
                words = synonyms[body.casefold()]
                highlight.extend(t for a in words for t in TERM.findall(a))
                if not negate:
                    scoring.extend(" ".join(_terms(a)) for a in words)
        if not group:
            continue
        if not negate:
            highlight.extend(TERM.findall(body))
            scoring.append(" ".join(_terms(body.strip('"'))))
        expression = f"!{group}" if negate else group
        if negate or (phrase and len(body.split()) > 1):
            required.append(expression)
        if pending_or and parts:
            parts[-1] = f"({parts[-1]} | {expression})"
        else:
            parts.append(expression)
        pending_or = False
    joiner = " | " if any_word else " & "
    return AnalysedQuery(
        tsquery=joiner.join(parts),
        terms=tuple(dict.fromkeys(highlight)),
        scoring_text=" ".join(scoring),
        constraint=" & ".join(required),
    )


def _terms(word: str) -> list[str]:
    analysed = analyze(word) if HANGUL.search(word) else word
    return list(dict.fromkeys(TERM.findall(analysed)))


def _word(word: str) -> str:
    terms = _terms(word)
    if not terms:
        return ""
    if HANGUL.search(word):
        alternatives = [f"'{t}'" for t in terms]
        return (
            alternatives[0]
            if len(alternatives) == 1
            else "(" + " | ".join(alternatives) + ")"
        )
    # A Latin word with punctuation ("EDU-CALC") must match all its parts.
    joined = " & ".join(f"'{t}'" for t in terms)
    return joined if len(terms) == 1 else f"({joined})"


def _phrase(phrase: str) -> str:
    words = [w for w in phrase.split() if _terms(w)]
    groups = [_word(w) for w in words]
    if len(groups) < 2:
        return groups[0] if groups else ""
    # Korean words are indexed as several morphemes each, so word adjacency cannot be
    # expressed as <->; a Korean phrase requires all its words instead.
    operator = " & " if HANGUL.search(phrase) else " <-> "
    return "(" + operator.join(groups) + ")"
