"""The BM25 reference: bigram analysis for Hangul, any-term matching, IDF and length."""

from __future__ import annotations

from search.evaluation.reference_bm25 import build_reference, tokenize


def test_hangul_becomes_character_bigrams_and_latin_lowercase_words():
    assert tokenize("삼각형의넓이") == ["삼각", "각형", "형의", "의넓", "넓이"]
    assert tokenize("Wi-Fi 연결 가") == ["wi", "fi", "연결", "가"]
    assert tokenize("GIMP에서") == ["gimp", "에서"]


def test_any_query_term_matches_and_documents_sharing_none_are_left_out():
    reference = build_reference(documents={
        "net": "무선 네트워크에 연결하는 방법", "print": "프린터 설정",
        "other": "사진 편집",
    })  # fmt: skip
    # Not every query word is present anywhere: a disjunction still finds the page.
    assert reference.rank("네트워크 연결은 어떻게 하나요", k=10) == ["net"]
    assert reference.rank("zzz", k=10) == []


def test_rarer_terms_weigh_more_and_shorter_documents_win_ties():
    documents = {f"filler{i}": "공통 단어" for i in range(5)}
    documents["rare"] = "공통 희귀"
    documents["long"] = "희귀 " + "잡담 " * 40
    ranked = build_reference(documents=documents).rank("공통 희귀", k=10)
    assert ranked[0] == "rare"  # both terms, short
    assert ranked.index("long") < ranked.index("filler0")  # the rare term outweighs
