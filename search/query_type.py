"""Keyword-like or question-like: the query types whose fusion defaults are measured apart.

Short index-term queries ("레이어 마스크", "printer driver") and sentences or questions
("무선 네트워크에 어떻게 연결하나요?") reward different balances between the lexical and
the vector branches (docs/evaluation.md). The test is deliberately plain — word count,
sentence punctuation and Korean sentence endings — so anyone can predict it, and its
result is shown in every hit's explanation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from embeddings.text.korean import HANGUL

KEYWORD = "keyword"
QUESTION = "question"
QUERY_TYPES = (KEYWORD, QUESTION)

MAX_KEYWORD_WORDS = 3
# Final-syllable endings of Korean sentences and questions: 합니다, 하나요, 인가요, 할까, 해라…
KOREAN_SENTENCE_END = re.compile(r"(다|요|까|죠|니|라|오)[.?!…]*$")
SENTENCE_PUNCTUATION = re.compile(r"[?？.!。]\s*$")


def query_type(text: str) -> str:
    words = text.split()
    if not words:
        return KEYWORD
    if len(words) > MAX_KEYWORD_WORDS or SENTENCE_PUNCTUATION.search(text):
        return QUESTION
    if len(words) > 1 and KOREAN_SENTENCE_END.search(words[-1]):
        return QUESTION
    return KEYWORD


_LATIN = re.compile(r"[A-Za-z]")


def query_language(text: str) -> str:
    """ "ko" for a query with Hangul, "en" for one with Latin letters only, else ""."""
    if HANGUL.search(text):
        return "ko"
    return "en" if _LATIN.search(text) else ""


def is_cross_lingual(text: str, languages: Sequence[str]) -> bool:
    """Whether the query asks in one language for items filtered to another (a Korean
    question with the filter set to English): words rarely match across languages, so
    the lexical branches mostly add noise there (docs/evaluation.md)."""
    language = query_language(text)
    return bool(
        languages
        and language
        and language not in languages
        and "mixed" not in languages
    )
