"""Character error rate: how OCR is measured (bench/ocr.py, tests/embeddings/test_ocr.py).

Spaces are ignored: tesseract's Korean word spacing is unreliable, and search matches
Korean through morphemes, not spacing.
"""

from __future__ import annotations


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions all cost 1)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            )
        previous = current
    return previous[-1]


def squash(text: str) -> str:
    """The text without any whitespace."""
    return "".join(text.split())


def character_error_rate(expected: str, got: str) -> float:
    """Edits needed to turn `got` into `expected`, per character of `expected`."""
    want = squash(expected)
    return edit_distance(want, squash(got)) / max(1, len(want))
