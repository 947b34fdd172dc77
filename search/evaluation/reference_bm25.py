"""The reference line: a plain BM25 (bm25s, k1 = 1.5, b = 0.75) over the same corpus.

Analysis is deliberately simple and language-agnostic, so the line measures the corpus and
the queries rather than our analyser: Hangul runs become overlapping character bigrams
(a lone syllable stays a unigram), other letters and digits become lower-cased words.
Character bigrams need no dictionary and match inside agglutinated words (삼각형의넓이
shares 삼각, 각형, 넓이 with "삼각형 넓이"), which is why they are the usual Korean baseline.
Any query term may match (a disjunction), ranked by IDF and length-normalised term
frequency: the behaviour the portal's lexical branch is measured against.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

HANGUL_RUN = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]+")
WORD = re.compile(r"[^\W_]+", re.UNICODE)


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for word in WORD.findall(text.casefold()):
        position = 0
        for run in HANGUL_RUN.finditer(word):
            if run.start() > position:
                tokens.append(word[position : run.start()])
            syllables = run.group()
            if len(syllables) == 1:
                tokens.append(syllables)
            else:
                tokens.extend(syllables[i : i + 2] for i in range(len(syllables) - 1))
            position = run.end()
        if position < len(word):
            tokens.append(word[position:])
    return tokens


@dataclass
class BM25Reference:
    keys: list[str]
    retriever: Any  # bm25s.BM25 (untyped), imported lazily so manage.py starts fast

    def rank(self, text: str, *, k: int) -> list[str]:
        """Keys of the best `k` documents sharing at least one term with `text`."""
        tokens = tokenize(text)
        if not tokens or not self.keys:
            return []
        found, scores = self.retriever.retrieve(
            [tokens], k=min(k, len(self.keys)), show_progress=False
        )
        return [
            self.keys[int(index)]
            for index, score in zip(found[0], scores[0], strict=True)
            if score > 0
        ]


def build_reference(*, documents: Mapping[str, str]) -> BM25Reference:
    """Index `documents` (item key → searchable text) with bm25s."""
    import bm25s

    keys = list(documents)
    retriever = bm25s.BM25(k1=1.5, b=0.75)
    if keys:
        retriever.index([tokenize(documents[key]) for key in keys], show_progress=False)
    return BM25Reference(keys=keys, retriever=retriever)
