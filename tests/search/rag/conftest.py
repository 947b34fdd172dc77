"""A small corpus for RAG: long items whose answers sit in one passage each."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from embeddings.text import lexical
from embeddings.text.documents import build_item_text
from embeddings.text.fulltext import store_search_document
from items.models import Item, ItemKind, Language, Status
from search import embedding_cache

FILLER_EN = " ".join(
    f"Line {n} of the general laboratory notes says nothing in particular."
    for n in range(14)
)
FILLER_KO = " ".join(
    f"{n}번째 일반 안내 문장은 특별한 내용이 없습니다." for n in range(20)
)
BEAKER = (
    "Rinse every beaker three times with distilled water and dry it upside down on the "
    "rack before the next class."
)
TRIANGLE = "삼각형의 넓이는 밑변과 높이를 곱한 값을 2로 나누어 구합니다."


@dataclass
class RagCorpus:
    lab: Item  # English, the beaker answer in its middle
    math: Item  # Korean, the triangle answer in its middle
    mug: Item  # a product that shares no words with either question
    draft: Item  # a draft holding the beaker answer too


def index(item: Item) -> Item:
    """The lexical index only (no vectors): what passages and BM25 need, in milliseconds."""
    store_search_document(item=item, text=build_item_text(item))
    return item


@pytest.fixture
def rag_corpus(make_item) -> RagCorpus:
    embedding_cache.clear()
    lexical.forget_stats()  # a new corpus: no counts cached from another test
    lab = make_item(
        title="Laboratory rules", kind=ItemKind.DOCUMENT, language=Language.ENGLISH,
        subject="science", body=f"{FILLER_EN}\n\n{BEAKER}\n\n{FILLER_EN}",
    )  # fmt: skip
    math = make_item(
        title="넓이 공식 정리", kind=ItemKind.DOCUMENT,
        body=f"{FILLER_KO}\n\n{TRIANGLE}\n\n{FILLER_KO}",
    )  # fmt: skip
    mug = make_item(title="Ceramic mug 350 ml", body="A mug for coffee.",
                    kind=ItemKind.PRODUCT, language=Language.ENGLISH)  # fmt: skip
    draft = make_item(title="Draft lab notes", body=BEAKER, status=Status.DRAFT,
                      kind=ItemKind.DOCUMENT, language=Language.ENGLISH)  # fmt: skip
    for item in (lab, math, mug, draft):
        index(item)
    return RagCorpus(lab=lab, math=math, mug=mug, draft=draft)
