"""RAG context: the passage holding the answer comes first, offsets point into the
indexed text, visibility and filters are the search's, passages never overlap and the
prompt fits its budget; bad input is a 400 with a message."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from embeddings.models import SearchDocument
from items.models import ItemKind, Status
from items.services import add_image, create_item
from search.rag.context import RagInputError, RagQuery, build_context
from search.rag.passages import estimate_tokens
from tests.conftest import process, render_lines
from tests.search.rag.conftest import BEAKER, TRIANGLE, index

pytestmark = pytest.mark.django_db
ANON = AnonymousUser()


def context(question: str, **options):
    return build_context(query=RagQuery(question=question, **options), user=ANON)


def test_the_passage_holding_the_answer_is_cited_first(rag_corpus):
    found = context("How should a beaker be rinsed?")
    first = found.passages[0]
    assert first.item_id == rag_corpus.lab.pk
    assert "distilled water" in first.text
    document = SearchDocument.objects.get(item=rag_corpus.lab).text
    assert document[first.start : first.end] == first.text
    assert len(first.text) < len(document)  # a passage, not the whole item
    assert first.url == f"/items/{rag_corpus.lab.pk}/"
    assert found.prompt.index("[1] Laboratory rules\n") < found.prompt.index(BEAKER)
    assert found.prompt.rstrip().endswith(
        "Question: How should a beaker be rinsed?\nAnswer:"
    )


def test_korean_question_finds_the_korean_passage(rag_corpus):
    found = context("삼각형의 넓이는 어떻게 구하나요?")
    assert found.passages[0].item_id == rag_corpus.math.pk
    assert TRIANGLE in found.passages[0].text


def test_passages_do_not_overlap_and_the_prompt_fits_the_budget(rag_corpus):
    for budget in (3000, 900, 400):
        found = context("laboratory notes beaker", k=20, token_budget=budget)
        assert estimate_tokens(found.prompt) <= budget
        for a in found.passages:
            for b in found.passages:
                if a is not b and a.item_id == b.item_id:
                    assert a.end <= b.start or b.end <= a.start
    assert len(context("laboratory notes beaker", k=20, token_budget=3000).passages) > (
        len(context("laboratory notes beaker", k=20, token_budget=400).passages)
    )
    assert len(context("laboratory notes beaker", k=2).passages) == 2
    # Overlapping neighbours are trimmed, not dropped: the item still gives several.
    lab = context("laboratory notes beaker", k=20).passages
    assert len([p for p in lab if p.item_id == rag_corpus.lab.pk]) >= 3


def test_visitors_never_get_draft_passages_and_staff_choose_them(
    rag_corpus, django_user_model
):
    found = context("rinse beaker distilled water", k=20)
    assert rag_corpus.draft.pk not in {p.item_id for p in found.passages}
    staff = django_user_model.objects.create_user("ed", is_staff=True)
    drafts = build_context(
        query=RagQuery(question="rinse beaker distilled water", statuses=("draft",)),
        user=staff,
    )
    assert {p.item_id for p in drafts.passages} == {rag_corpus.draft.pk}


def test_filters_are_the_search_filters(rag_corpus):
    found = context("beaker mug", kinds=(ItemKind.PRODUCT,), k=20)
    assert {p.item_id for p in found.passages} == {rag_corpus.mug.pk}


def test_pages_come_from_the_page_image_or_the_item_metadata(db):
    scan = create_item(title="Scanned handout", body="Cover text.",
                       kind=ItemKind.DOCUMENT, status=Status.PUBLISHED)  # fmt: skip
    add_image(item=scan, upload=io.BytesIO(render_lines(["Beaker cleaning schedule"])),
              filename="p3.png", page_number=3)  # fmt: skip
    process(scan)
    found = context("beaker cleaning schedule")
    assert [(p.item_id, p.page) for p in found.passages] == [(scan.pk, 3)]
    assert "[1] Scanned handout, page 3\n" in found.prompt

    sheet = create_item(title="Sheet five", body="Volcano eruption notes.",
                        status=Status.PUBLISHED, metadata={"page": 5})  # fmt: skip
    index(sheet)
    assert context("volcano eruption").passages[0].page == 5


def test_no_match_gives_an_empty_context_that_says_so(rag_corpus):
    found = context("zyxwvut")
    assert found.passages == []
    assert "(no passage matched the question)" in found.prompt


@pytest.mark.parametrize(
    ("options", "param"),
    [
        ({"question": "   "}, "question"),
        ({"question": "x" * 1001}, "question"),
        ({"question": "beaker", "k": 0}, "k"),
        ({"question": "beaker", "token_budget": 10}, "token_budget"),
        ({"question": "beaker", "token_budget": 10**6}, "token_budget"),
    ],
)
def test_bad_input_is_refused_with_a_reason(db, options, param):
    with pytest.raises(RagInputError) as refused:
        context(**options)
    assert refused.value.param == param


# ---- the API -------------------------------------------------------------------------


def test_api_context_returns_cited_passages_with_absolute_links(rag_corpus):
    response = APIClient().post(
        "/api/rag/context",
        {"question": "How should a beaker be rinsed?", "k": 3, "token_budget": 1500},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    first = body["passages"][0]
    assert first["n"] == 1 and first["item_id"] == rag_corpus.lab.pk
    assert first["url"] == f"http://testserver/items/{rag_corpus.lab.pk}/"
    assert first["page"] is None and "distilled water" in first["text"]
    assert first["end"] - first["start"] == len(first["text"])
    assert len(body["passages"]) <= 3
    assert body["tokens"] <= 1500 and "[1] Laboratory rules" in body["prompt"]
    assert isinstance(body["took_ms"], int)


def test_api_context_for_visitors_is_published_only_and_filters_apply(rag_corpus):
    client = APIClient()
    body = client.post("/api/rag/context/", {"question": "beaker distilled water",
                       "k": 20}, format="json").json()  # fmt: skip
    assert rag_corpus.draft.pk not in {p["item_id"] for p in body["passages"]}
    body = client.post("/api/rag/context", {"question": "beaker", "filters": {
        "status": ["draft"]}}, format="json").json()  # fmt: skip
    assert rag_corpus.draft.pk not in {p["item_id"] for p in body["passages"]}
    body = client.post("/api/rag/context", {"question": "삼각형 넓이", "filters": {
        "language": ["en"]}}, format="json").json()  # fmt: skip
    assert rag_corpus.math.pk not in {p["item_id"] for p in body["passages"]}


@pytest.mark.parametrize(
    ("payload", "param", "words"),
    [
        ({"question": ""}, "question", "must not be empty"),
        ({}, "question", "required"),
        ({"question": ["a"]}, "question", "valid string"),
        ({"question": "beaker", "token_budget": 50}, "token_budget", "200"),
        ({"question": "beaker", "k": 999}, "k", "20"),
        ({"question": "beaker", "k": "many"}, "k", "integer"),
        ({"question": "beaker", "filters": {"kind": ["nope"]}}, "filters", "valid"),
    ],
)
def test_api_context_bad_input_is_a_400_with_a_message(db, payload, param, words):
    response = APIClient().post("/api/rag/context", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == param
    assert words in error["message"]


HOSTILE = {
    "nul": "삼각형\x00넓이",
    "tsquery-syntax": "a & | ! ( ) : * <-> <2> ' \" \\",
    "only-operators": "&&& ||| !!! :*",
    "sql": "'; DROP TABLE items_item; --",
    "control-chars": "\x01\x02\x1b[31m\x7f",
    "punctuation": "???",
    "lone-surrogate-escape": "\\ud800",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_questions_are_answered_or_refused_never_a_500(rag_corpus, name):
    for path in ("/api/rag/context", "/api/rag/answer"):
        response = APIClient().post(path, {"question": HOSTILE[name]}, format="json")
        # The answer endpoint has no chat model here: 503 once the input passed.
        assert response.status_code in (200, 400, 503), response.content
        assert "error" in response.json() or "passages" in response.json()


def test_queries_do_not_grow_with_the_items_and_passages(
    rag_corpus, make_item, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from embeddings.runtime import registry

    # A space whose model is missing is retried (and its state written) once its cached
    # failure expires; that must not happen between the two counts.
    monkeypatch.setattr(registry, "UNAVAILABLE_RETRY_SECONDS", 3600)
    registry.forget()

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            found = context("beaker laboratory notes", k=20, token_budget=32000)
        return len(queries), len(found.passages)

    count()  # warms what is cached between searches (corpus statistics, synonyms)
    few_queries, few_passages = count()
    for n in range(5):
        index(make_item(title=f"Beaker notes {n}", body=BEAKER + " " + "x" * 2000))
    many_queries, many_passages = count()
    assert many_passages > few_passages
    assert many_queries == few_queries
