"""Passages: offsets map back to the text exactly, neighbours overlap, cuts fall on
paragraph, sentence or word boundaries, pages are found, tokens are estimated."""

from __future__ import annotations

import itertools
import random

import pytest

from search.rag.passages import (
    PageIndex,
    PageRange,
    Span,
    estimate_tokens,
    page_of,
    split_text,
)

ENGLISH = " ".join(
    f"Sentence number {n} explains how the beaker is cleaned after use."
    for n in range(60)
)
KOREAN = " ".join(
    f"{n}번째 문장은 삼각형의 넓이를 구하는 방법을 설명합니다." for n in range(60)
)


@pytest.mark.parametrize("text", [ENGLISH, KOREAN, ENGLISH + "\n\n" + KOREAN])
def test_offsets_map_back_to_the_text_and_cover_it(text):
    spans = split_text(text, size=300, overlap=60)
    assert len(spans) > 3
    covered = set()
    for span in spans:
        piece = text[span.start : span.end]
        assert piece == piece.strip() and piece
        assert span.end - span.start <= 300
        covered.update(range(span.start, span.end))
    # Every non-blank character is in some passage.
    assert {i for i, c in enumerate(text) if not c.isspace()} <= covered


@pytest.mark.parametrize("text", [ENGLISH, KOREAN])
def test_neighbours_overlap_and_cut_on_sentence_ends(text):
    spans = split_text(text, size=300, overlap=60)
    for before, after in itertools.pairwise(spans):
        shared = before.end - after.start
        assert 0 < shared <= 60, (before, after)
        # Ends after a sentence's full stop; starts at a sentence or word start.
        assert text[before.end - 1] == "."
        assert after.start == 0 or text[after.start - 1].isspace()


def test_a_paragraph_break_is_preferred_to_a_sentence_end():
    first = "First paragraph sentence. " * 8  # 208 characters
    text = first.strip() + "\n\n" + "Second paragraph sentence. " * 8
    spans = split_text(text, size=300, overlap=40)
    assert text[spans[0].start : spans[0].end] == first.strip()


def test_text_without_boundaries_is_cut_at_the_size_and_still_advances():
    text = "x" * 1000
    spans = split_text(text, size=300, overlap=50)
    assert [s.end - s.start for s in spans[:-1]] == [300] * (len(spans) - 1)
    assert spans[-1].end == 1000
    assert all(b.start < a.start for b, a in itertools.pairwise(spans))


def test_short_and_blank_texts():
    assert split_text("  짧은 글.  ") == [Span(2, 7)]
    assert split_text("   \n ") == []
    with pytest.raises(ValueError):
        split_text("abc", size=100, overlap=100)


def test_random_texts_keep_every_invariant():
    rng = random.Random(11)
    words = ["삼각형의", "넓이는", "beaker", "cleaning.", "\n", "\n\n", "다.", "x" * 40]
    for _ in range(50):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 400)))
        size = rng.randint(50, 900)
        overlap = rng.randint(0, size - 1)
        spans = split_text(text, size=size, overlap=overlap)
        starts = [s.start for s in spans]
        assert starts == sorted(set(starts))
        for span in spans:
            assert 0 < span.end - span.start <= size
            assert not text[span.start].isspace() and not text[span.end - 1].isspace()


def test_a_span_takes_its_majority_page_or_the_default():
    ranges = [PageRange(10, 40, 2, "page-1-2"), PageRange(41, 80, 3, "page-1-3")]
    assert page_of(Span(0, 5), ranges, None) is None
    assert page_of(Span(0, 5), ranges, 7) == 7
    assert page_of(Span(38, 80), ranges, None) == 3
    assert page_of(Span(0, 40), [PageRange(10, 20, 4)], None) == 4
    assert PageIndex(ranges).find(Span(30, 50)).anchor == "page-1-2"  # 10 vs 9 chars


def test_the_page_index_agrees_with_a_scan_of_every_page():
    rng = random.Random(7)
    ranges, at = [], 0
    for page in range(1, 300):
        at += rng.randint(0, 30)
        length = rng.randint(1, 900)
        ranges.append(PageRange(at, at + length, page))
        at += length
    index = PageIndex(list(reversed(ranges)))  # any order in, document order inside
    for _ in range(500):
        start = rng.randint(0, at)
        span = Span(start, start + rng.randint(1, 800))
        overlaps = [
            (min(span.end, r.end) - max(span.start, r.start), -r.start, r)
            for r in ranges
        ]
        chars, _, expected = max(overlaps, key=lambda o: (o[0], o[1]))
        found = index.find(span)
        assert (found if chars > 0 else None) == (expected if chars > 0 else None)


def test_token_estimate_counts_hangul_syllables_as_whole_tokens():
    assert estimate_tokens("a" * 400) == 100
    assert estimate_tokens("가" * 400) == 400
    assert estimate_tokens("넓이 area") == 2 + 2  # 2 syllables + ceil(5 / 4)
