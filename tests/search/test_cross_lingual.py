"""A query in one language filtered to items of another leans on the vector branches:
words rarely match across languages (docs/evaluation.md, cross-lingual)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from search.engine import CROSS_LINGUAL_LEXICAL_WEIGHT, SearchRequest, run_search
from search.filters import Filters
from search.query_type import is_cross_lingual, query_language


@pytest.mark.parametrize(
    ("text", "languages", "expected"),
    [
        ("무선 네트워크에 연결하려면?", ("en",), True),
        ("connect to a wireless network", ("ko",), True),
        ("무선 네트워크", ("ko",), False),
        ("무선 네트워크", (), False),  # no language filter: nothing to cross
        ("무선 네트워크", ("en", "mixed"), False),  # mixed items hold both
        ("X100 2024", ("ko",), True),
        ("2024", ("ko",), False),  # no letters: no language
    ],
)
def test_cross_lingual_queries_are_recognised(text, languages, expected):
    assert is_cross_lingual(text, languages) is expected
    assert query_language("비커") == "ko" and query_language("beaker") == "en"


@pytest.mark.django_db
def test_the_lexical_branch_weighs_less_for_a_cross_lingual_query(corpus):
    anon = AnonymousUser()
    question = "따뜻한 음료를 담는 잔은 무엇인가요?"
    same = run_search(SearchRequest(text=question), user=anon)
    cross = run_search(
        SearchRequest(text=question, filters=Filters(languages=("en",))), user=anon
    )
    assert same.query_type == cross.query_type == "question"
    assert cross.weights["fts"] == pytest.approx(CROSS_LINGUAL_LEXICAL_WEIGHT)
    assert same.weights["fts"] > cross.weights["fts"]
    # Explicit weights still win.
    chosen = run_search(
        SearchRequest(
            text=question, filters=Filters(languages=("en",)), weights={"fts": 2}
        ),
        user=anon,
    )
    assert chosen.weights["fts"] == 2
