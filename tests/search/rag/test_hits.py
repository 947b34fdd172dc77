"""Passages under search results: the best passage of each hit, with its page and a link
to that page, marked excerpts, nothing for short items; on the page and in the API."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from embeddings.processing.pdf_pages import render_item_pages
from items.models import Item, ItemKind, Language
from items.services import add_file
from search.analysis import analyse_query
from search.rag import hits
from search.rag.candidates import query_words
from tests.pdfs import text_pdf
from tests.search.rag.conftest import index

pytestmark = pytest.mark.django_db

# Each page long enough to be several passages, the answer on page 3 only.
FILLER = [
    f"Line {n} of the general pump notes says nothing in particular." for n in range(20)
]
GASKET = "Replace the impeller gasket every spring, before the pump is filled."


def manual(make_item) -> tuple[Item, int]:
    item = make_item(title="Pump manual", body="", kind=ItemKind.DOCUMENT,
                     language=Language.ENGLISH)  # fmt: skip
    pdf = text_pdf(FILLER[:10], FILLER[10:], [*FILLER[:5], GASKET, *FILLER[5:10]])
    file, _ = add_file(item=item, upload=io.BytesIO(pdf), filename="pump.pdf")
    render_item_pages(item=item, limit=10)
    index(item)
    return item, file.pk


def test_the_page_shows_the_passage_on_page_three_with_a_link_to_it(client, make_item):
    item, file_id = manual(make_item)
    short = index(make_item(title="Gasket kit", body="An impeller gasket, 40 mm.",
                            language=Language.ENGLISH))  # fmt: skip
    html = client.get("/", {"q": "impeller gasket"}).content.decode()

    assert html.count('class="passage"') == 1  # the short item's snippet is enough
    start = html.index('class="passage"')
    passage = html[start : html.index("</li>", start)]
    assert f'href="/items/{item.pk}/#page-{file_id}-3">page 3</a>' in passage
    assert "<mark>impeller</mark> <mark>gasket</mark>" in passage
    assert f"/items/{short.pk}/" in html
    page = client.get(f"/items/{item.pk}/").content.decode()
    assert f'id="page-{file_id}-3"' in page


def test_hits_load_one_page_for_the_cover_not_every_page(make_item):
    from django.contrib.auth.models import AnonymousUser

    from search.requests import build_search_request
    from search.selectors import run_search

    item, file_id = manual(make_item)
    request = build_search_request(text="impeller gasket", mode="fts")
    (hit,) = [h for h in run_search(request, user=AnonymousUser()).hits
              if h.item.pk == item.pk]  # fmt: skip
    assert [image.page_number for image in hit.item.cover_images] == [1]
    assert hit.item.cover_image.source_file_id == file_id


def test_the_api_returns_passages_when_asked(make_item):
    item, file_id = manual(make_item)
    api = APIClient()
    body = {"text": "impeller gasket", "mode": "text"}
    plain = api.post("/api/search/", body, format="json").json()
    assert plain["results"][0]["passages"] == []

    asked = api.post("/api/search/", {**body, "passages": 2}, format="json").json()
    (hit,) = [r for r in asked["results"] if r["item_id"] == item.pk]
    first = hit["passages"][0]
    assert first["page"] == 3
    assert first["url"] == f"http://testserver/items/{item.pk}/#page-{file_id}-3"
    assert "<mark>gasket</mark>" in first["excerpt"]
    assert first["score"] > 0 and first["end"] > first["start"]
    assert len(hit["passages"]) <= 2
    for a in hit["passages"]:  # never two overlapping passages of one item
        for b in hit["passages"]:
            assert a is b or a["end"] <= b["start"] or b["end"] <= a["start"]

    too_many = api.post("/api/search/", {**body, "passages": 9}, format="json")
    assert too_many.status_code == 400
    assert too_many.json()["error"]["param"] == "passages"


def test_excerpts_are_escaped_and_mark_korean_stems(client, make_item):
    filler = " ".join(f"{n}번째 안내 문장은 특별한 내용이 없습니다." for n in range(30))
    body = f"{filler}\n\n<script>alert(1)</script> 비커를 증류수로 세 번 헹굽니다.\n\n{filler}"
    index(make_item(title="실험실 규칙", body=body))
    html = client.get("/", {"q": "비커는 어떻게 헹구나요?"}).content.decode()
    start = html.index('class="passage"')
    passage = html[start : html.index("</li>", start)]
    assert "<mark>비커</mark>" in passage
    assert "&lt;script&gt;" in passage and "<script>alert" not in passage


def test_query_words_skip_function_words():
    terms = query_words(analyse_query("How often is the impeller gasket replaced?"))
    assert "impeller" in terms and "gasket" in terms
    assert not {"How", "is", "the"} & set(terms)


def hit_of(item: Item) -> SimpleNamespace:
    """A search hit as passages see it: the item with its text, images and OCR."""
    loaded = (
        Item.objects.select_related("search_document")
        .prefetch_related("images__ocr")
        .get(pk=item.pk)
    )
    return SimpleNamespace(item=loaded)


def test_long_documents_score_only_passages_holding_a_query_word(
    make_item, monkeypatch
):
    item, _ = manual(make_item)
    found = hits.passages_for_hits([hit_of(item)], text="impeller gasket")
    monkeypatch.setattr(hits, "SCORED_PER_ITEM", 1)  # fewer than the manual's passages
    bounded = hits.passages_for_hits([hit_of(item)], text="impeller gasket")
    assert [p.page for p in bounded[item.pk]] == [3]
    assert bounded[item.pk][0].start == found[item.pk][0].start
