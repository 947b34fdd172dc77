"""A judged query's `languages` filters the portal's search and the BM25 reference alike."""

from __future__ import annotations

import pytest

from items.models import Language, Status
from items.services import create_item
from search.evaluation.configs import EvalConfig
from search.evaluation.judged_set import JudgedQuery
from search.evaluation.runner import REFERENCE, run_evaluation
from tests.conftest import process

pytestmark = pytest.mark.django_db


def test_a_language_filter_keeps_only_that_languages_pages():
    pages = [
        ("gn/ko", "무선 네트워크 연결", "무선 네트워크에 연결하는 방법입니다.", Language.KOREAN),
        ("gn/en", "Wireless networks", "How to connect to a 무선 network.", Language.ENGLISH),
        ("gn/other", "Printers", "Set up a printer.", Language.ENGLISH),
    ]  # fmt: skip
    for key, title, body, language in pages:
        item = create_item(
            title=title, body=body, language=language, status=Status.PUBLISHED,
            metadata={"key": key},
        )  # fmt: skip
        process(item)
    query = JudgedQuery(
        qid="q", text="무선 네트워크 연결", image=None, relevant={"gn/en": 1},
        category="cross-lingual", split="dev", languages=("en",),
    )  # fmt: skip
    unfiltered = JudgedQuery(**{**query.__dict__, "qid": "u", "languages": ()})
    result = run_evaluation(
        queries=[query, unfiltered], configs=[EvalConfig(name="fts", mode="fts")]
    )
    for name in (REFERENCE, "fts"):
        filtered, everything = result.outcomes[name]
        assert filtered.ranked and set(filtered.ranked) <= {"gn/en", "gn/other"}, name
        assert filtered.ranked[0] == "gn/en", name
        assert "gn/ko" in everything.ranked, name  # unfiltered, the Korean page counts
