"""Identifiers: model numbers and codes (`RUN-S220`, `X100`, `EDU-CALC`, `ISO/IEC`).

One definition for both sides: the index stage stores each document's identifiers
(IdentifierToken rows, written with the search document), and the search gate runs the
identifier branch only when the query holds one (search/branches.py). Both tokenise the
same way and normalise the same way, so a code matches however it is written.

Tokens are runs of ASCII letters and digits, joined by `- _ . /`, that start and end with
a letter or digit: Hangul glued to a code starts a new token (`RUN-S220형` → `RUN-S220`),
trailing punctuation never belongs to one (`X100,` → `X100`). Text is NFKC-normalised
first, so full-width `ＲＵＮ－Ｓ２２０` reads as `RUN-S220`.

A token is an identifier when it has Latin letters and digits together and at least three
characters (`RUN-S220`, `X100`, `gimp-2.10`; `2024년형` is not: no Latin letter), or is an
upper-case code joined by separators (`EDU-CALC`, `ISO/IEC`). Ordinary joined words
(`GNU/Linux`, `e-mail`, `well-known`) are left to the lexical branch.

The stored and compared form is normalised: upper-case, separators removed, so
`RUN-S220`, `run-s220`, `RUN_S220` and `RUNS220` are one token.
"""

from __future__ import annotations

import re
import unicodedata

# Longer "identifiers" are URLs, hashes and paths: not what anyone types as a code.
MAX_LENGTH = 64

TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-_./]*[A-Za-z0-9])?")
IDENTIFIER = re.compile(
    r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9\-_./]{3,}$|^[A-Z0-9]+(?:[-_./][A-Z0-9]+)+$"
)
SEPARATORS = re.compile(r"[-_./]")


def is_identifier(token: str) -> bool:
    return len(token) <= MAX_LENGTH and IDENTIFIER.match(token) is not None


def normalise_identifier(token: str) -> str:
    """The stored form: upper-case, `- _ . /` removed (`run-s220` → `RUNS220`)."""
    return SEPARATORS.sub("", token).upper()


def find_identifiers(text: str) -> list[str]:
    """The text's identifiers as written, in order of first appearance, without repeats."""
    text = unicodedata.normalize("NFKC", text)
    found = (m.group() for m in TOKEN.finditer(text))
    return list(dict.fromkeys(token for token in found if is_identifier(token)))


def extract_identifiers(text: str) -> set[str]:
    """The normalised identifiers of a document's text: what IdentifierToken stores."""
    return {normalise_identifier(token) for token in find_identifiers(text)}


def query_identifier_variants(text: str) -> list[list[str]]:
    """One entry per identifier of a query: its normalised spellings to look up.

    Besides the identifier itself, a query may split a code with a space (`run s220`,
    `RUN S220`): the identifier joined with the plain letters-or-digits word just
    before or after it is a variant too (`RUNS220`). Only queries get variants: a
    document's `size 270` must not become a `SIZE270` code. A query without an
    identifier of its own gets none, so the gate stays `find_identifiers`."""
    text = unicodedata.normalize("NFKC", text)
    words = text.split()
    out: list[list[str]] = []
    seen: set[str] = set()
    for i, word in enumerate(words):
        for token in (m.group() for m in TOKEN.finditer(word)):
            if not is_identifier(token):
                continue
            variants = [normalise_identifier(token)]
            if token == word:
                for before, after in ((i - 1, i), (i, i + 1)):
                    joined = _join(words, before, after, code=i)
                    if joined and is_identifier(joined):
                        variants.append(normalise_identifier(joined))
            fresh = [v for v in dict.fromkeys(variants) if v not in seen]
            if fresh and variants[0] not in seen:
                seen.update(fresh)
                out.append(fresh)
    return out


PLAIN_WORD = re.compile(r"[A-Za-z0-9]+")


def _join(words: list[str], first: int, second: int, *, code: int) -> str:
    """words[first] + words[second] when the one that is not the identifier (`code`) is
    a plain ASCII word that is no identifier itself (two codes are two codes)."""
    if first < 0 or second >= len(words):
        return ""
    other = words[second if code == first else first]
    if not PLAIN_WORD.fullmatch(other) or is_identifier(other):
        return ""
    return words[first] + words[second]
