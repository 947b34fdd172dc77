"""Hybrid search on a judged corpus: each branch finds what only it can find."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import AnonymousUser, User

from items.models import ItemKind, Status
from items.services import add_image, create_item
from search.engine import QueryError, SearchRequest, run_search, similar_items
from search.filters import Filters
from tests.conftest import make_image_bytes, process

pytestmark = pytest.mark.django_db
ANON = AnonymousUser()


def ids(response) -> list[int]:
    return [hit.item.pk for hit in response.hits]


def test_phrase_only_in_ocr_text_ranks_top_5_with_an_ocr_explanation(corpus):
    response = run_search(
        SearchRequest(text="beaker cleaning", mode="hybrid"), user=ANON
    )
    assert corpus.ocr_only.pk in ids(response)[:5]
    hit = next(h for h in response.hits if h.item.pk == corpus.ocr_only.pk)
    assert "fts" in hit.explain["branches"]
    assert {"term": "beaker", "in": ["image text"]} in hit.explain["matched_terms"]


def test_exact_image_finds_its_item_first(corpus):
    response = run_search(
        SearchRequest(image=corpus.photo_bytes, mode="image"), user=ANON
    )
    assert ids(response)[0] == corpus.photo.pk
    branches = response.hits[0].explain["branches"]
    assert branches["fingerprint:image>image"]["rank"] == 1
    assert branches["test-clip:image>image"]["rank"] == 1


def test_korean_word_inside_an_agglutinated_phrase_matches_full_text(corpus):
    for word in ("넓이", "삼각형"):
        response = run_search(SearchRequest(text=word, mode="fts"), user=ANON)
        assert ids(response) == [corpus.compound.pk], word
    assert (
        "<mark>넓이</mark>"
        in run_search(SearchRequest(text="넓이", mode="fts"), user=ANON).hits[0].snippet
    )


def test_semantic_text_branch_finds_paraphrases(corpus):
    response = run_search(
        SearchRequest(text="따뜻한 음료를 담는 잔", mode="e5-small:text>text"),
        user=ANON,
    )
    assert ids(response)[0] == corpus.mug.pk


def test_anonymous_users_never_see_drafts(corpus):
    # The draft shares the exact image of a published item and matches the text query.
    for request in (
        SearchRequest(text="머그컵"),
        SearchRequest(image=corpus.photo_bytes),
        SearchRequest(
            text="머그컵",
            image=corpus.photo_bytes,
            filters=Filters(statuses=("draft",)),
        ),
    ):
        assert corpus.draft.pk not in ids(run_search(request, user=ANON))
    similar = similar_items(corpus.photo, user=ANON)
    assert corpus.draft.pk not in [hit.item.pk for hit in similar]


def test_staff_may_ask_for_drafts(corpus):
    staff = User.objects.create_user("ed", is_staff=True)
    response = run_search(
        SearchRequest(text="머그컵", filters=Filters(statuses=("draft",))), user=staff
    )
    assert ids(response) == [corpus.draft.pk] or corpus.draft.pk in ids(response)
    assert all(hit.item.status == Status.DRAFT for hit in response.hits)


def test_similar_items_come_from_the_items_own_vectors(corpus):
    staff = User.objects.create_user("ed", is_staff=True)
    similar = similar_items(corpus.photo, user=staff)
    assert similar[0].item.pk == corpus.draft.pk  # the same picture
    assert "fingerprint:image>image" in "".join(similar[0].explain["branches"])
    assert corpus.photo.pk not in [hit.item.pk for hit in similar]


def test_similar_items_search_vectors_without_a_transaction(corpus):
    """A window whose ef_search is within the connection's default (similar items: k × 3)
    is one statement; only a larger one opens a transaction for its own setting. An item
    page under load must not leave connections idle in transaction
    (bench/load_during_reindex.py)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from embeddings.models import Embedding
    from items.models import Item
    from search.branches import vector_branch

    stored = Embedding.objects.select_related("space").get(
        item=corpus.photo, space__name="test-clip", source="image"
    )
    vector = stored.vector
    for window, own_setting in ((24, False), (100, False), (300, True)):
        with CaptureQueriesContext(connection) as captured:
            hits = vector_branch(space=stored.space, vector=vector, source="image",
                                 items=Item.objects.all(), window=window)  # fmt: skip
        sql = [q["sql"] for q in captured.captured_queries]
        assert hits[0].item_id in (corpus.photo.pk, corpus.draft.pk)
        sets = any("set_config('hnsw.ef_search'" in q for q in sql)
        assert sets is own_setting, (window, sql)
        if not own_setting:
            assert len(sql) == 1, sql  # no SAVEPOINT / BEGIN, no SET: one statement


def test_ocr_text_is_escaped_in_snippets(db, test_clip_space):
    from embeddings.models import OcrResult
    from embeddings.processing.pipeline import index_item

    item = create_item(title="Unsafe", body="", status=Status.PUBLISHED)
    add_image(item=item, upload=io.BytesIO(make_image_bytes()), filename="x.png")
    process(item)
    # Whatever tesseract reads is untrusted: an image can show markup like any text.
    OcrResult.objects.filter(image__item=item).update(
        text='<script>alert("x")</script> beaker <img src=x onerror=alert(1)>'
    )
    index_item(item=item)
    hit = run_search(SearchRequest(text="beaker", mode="fts"), user=ANON).hits[0]
    assert "<script>" not in hit.snippet and "<img" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "<mark>beaker</mark>" in hit.snippet


def test_filtered_vector_query_returns_k_when_k_match(db, test_clip_space):
    for n in range(30):
        kind = ItemKind.PRODUCT if n % 2 else ItemKind.DOCUMENT
        item = create_item(
            title=f"item {n}", body=f"물건 설명 {n}", kind=kind, status=Status.PUBLISHED
        )
        add_image(item=item, upload=io.BytesIO(make_image_bytes(color=f"#{n:02x}{n:02x}80")),
                  filename=f"{n}.png")  # fmt: skip
        process(item)
    request = SearchRequest(
        text="물건",
        mode="test-clip:text>image",
        k=12,
        filters=Filters(kinds=("product",)),
    )
    response = run_search(request, user=ANON)
    assert len(response.hits) == 12
    assert all(hit.item.kind == ItemKind.PRODUCT for hit in response.hits)


def test_presets_shift_weight_between_text_and_image(corpus):
    def score(response, item):
        return next(h.score for h in response.hits if h.item.pk == item.pk)

    both = {"text": "머그컵", "image": corpus.photo_bytes}
    text_heavy = run_search(SearchRequest(**both, preset="90/10"), user=ANON)
    image_heavy = run_search(SearchRequest(**both, preset="10/90"), user=ANON)
    assert text_heavy.weights["fts"] == pytest.approx(1.8)
    assert text_heavy.weights["fingerprint:image>image"] == pytest.approx(0.2)
    assert image_heavy.weights["fts"] == pytest.approx(0.2)
    assert ids(text_heavy)[0] == corpus.mug.pk
    # The photo is the image's exact match: leaning on the image lifts it, the mug falls.
    assert score(image_heavy, corpus.photo) > score(text_heavy, corpus.photo)
    assert score(image_heavy, corpus.mug) < score(text_heavy, corpus.mug)


def test_query_embeddings_are_cached(corpus):
    from search import embedding_cache

    embedding_cache.clear()
    run_search(SearchRequest(text="머그컵"), user=ANON)
    misses = embedding_cache.stats["misses"]
    run_search(SearchRequest(text="머그컵"), user=ANON)
    assert embedding_cache.stats["misses"] == misses
    assert embedding_cache.stats["hits"] >= 2  # e5-small and test-clip


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (SearchRequest(), "Type something"),
        (SearchRequest(text="x", preset="60/40"), "Unknown preset"),
        (SearchRequest(text="x", k=0), "k must be"),
        (SearchRequest(text="x", mode="nope"), "did not run"),
        (SearchRequest(text="x", weights={"fts": -1}), "0 or more"),
        (SearchRequest(text="x", fusion="borda"), "fusion must be one of"),
    ],
)
def test_bad_requests_are_clear_errors(db, request_, message):
    with pytest.raises(QueryError, match=message):
        run_search(request_, user=ANON)


def test_synonyms_expand_queries_without_reindexing(corpus):
    from search.models import Synonym

    assert corpus.mug.pk not in ids(
        run_search(SearchRequest(text="tumbler", mode="fts"), user=ANON)
    )
    synonym = Synonym(term="Tumbler", alternatives=["머그컵", " cup "])
    synonym.full_clean()
    synonym.save()
    assert synonym.term == "tumbler" and synonym.alternatives == ["머그컵", "cup"]
    response = run_search(SearchRequest(text="tumbler", mode="fts"), user=ANON)
    assert ids(response) == [corpus.mug.pk]
    assert "<mark>머그컵</mark>" in response.hits[0].snippet


def test_identifier_branch_finds_model_numbers(db, test_clip_space):
    coded = create_item(title="Running shoes", body="Model RUN-S220, size 270.",
                        status=Status.PUBLISHED, kind=ItemKind.PRODUCT)  # fmt: skip
    other = create_item(
        title="Walking shoes", body="Model WLK-100.", status=Status.PUBLISHED
    )
    for item in (coded, other):
        process(item)
    response = run_search(SearchRequest(text="RUN-S220", mode="identifier"), user=ANON)
    assert ids(response) == [coded.pk]
    assert response.hits[0].explain["branches"]["identifier"]["raw_score"] > 0.5


def test_changing_a_model_invalidates_cached_query_vectors(corpus, test_clip_space):
    from search import embedding_cache
    from search.branches import embed_query_text

    embedding_cache.clear()
    first = embed_query_text(test_clip_space, "머그컵")
    test_clip_space.options = {"seed": 3}
    test_clip_space.save()
    from embeddings.runtime.registry import forget

    forget(test_clip_space)
    second = embed_query_text(test_clip_space, "머그컵")
    assert embedding_cache.stats["misses"] == 2
    assert not (first == second).all()


def test_sql_statements_per_search_are_few_and_do_not_grow_with_k(corpus):
    """No per-hit queries (images, OCR, text) and no per-branch SET/transaction."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts, responses = {}, []
    for k, text in ((1, "안내문 beaker 상자 box"), (6, "안내문 beaker 상자 box"),
                    (6, "안내문 beaker X100 box")):  # fmt: skip
        request = SearchRequest(text=text, k=k)
        run_search(request, user=ANON)  # query embeddings cached: count SQL only
        with CaptureQueriesContext(connection) as captured:
            response = run_search(request, user=ANON)
        assert len(response.hits) == min(k, response.total)
        counts[k, text] = len(captured.captured_queries)
        responses.append(response)
        # The identifier branch runs with the others when the query holds a code.
        assert ("identifier" in response.branches) is ("X100" in text)
    # spaces; the lexical branch, the four nearest-neighbour branches (e5 text and
    # passages, the test CLIP's text and image vectors) and score fusion's fill-in in
    # one statement; hits (items, their covers). Synonyms are cached
    # (search.models.synonym_map).
    assert all(r.fusion == "score" for r in responses), "the count is score fusion's"
    assert len(set(counts.values())) == 1 and max(counts.values()) <= 4, counts


def test_staff_see_unpublished_matches_apart_from_the_results(corpus):
    staff = User.objects.create_user("ed", is_staff=True)
    response = run_search(SearchRequest(text="머그컵"), user=staff)
    assert corpus.mug.pk in ids(response)
    # The draft matches better than the published mug (two mentions), yet it is not
    # ranked among the results: it is listed apart.
    assert corpus.draft.pk not in ids(response)
    assert [h.item.pk for h in response.other_statuses] == [corpus.draft.pk]
    assert all(h.item.status == Status.PUBLISHED for h in response.hits)
    # Anonymous callers get no such list; later pages repeat none of it.
    assert run_search(SearchRequest(text="머그컵"), user=ANON).other_statuses == []
    page_2 = run_search(SearchRequest(text="머그컵", k=1, page=2), user=staff)
    assert page_2.other_statuses == []


def test_text_queries_say_which_fusion_ranked_them_and_why(corpus):
    keyword = run_search(SearchRequest(text="머그컵"), user=ANON)
    question = run_search(
        SearchRequest(text="커피를 마시는 컵은 어디에 있나요?"), user=ANON
    )
    assert (keyword.query_type, question.query_type) == ("keyword", "question")
    for response in (keyword, question):
        explain = response.hits[0].explain["fusion"]
        assert explain["method"] == response.fusion
        assert explain["query_type"] == response.query_type
    rrf = run_search(SearchRequest(text="머그컵", fusion="rrf"), user=ANON)
    score = run_search(SearchRequest(text="머그컵", fusion="score"), user=ANON)
    assert rrf.fusion == "rrf" and score.fusion == "score"
    # Score fusion scores lie in 0..1 and the best hit of a lexical + vector query
    # holds a normalised share from each branch; RRF's are 1/(k + rank) sums.
    top = score.hits[0].explain["branches"]
    assert 0 < score.hits[0].score <= 1
    assert all("normalised" in part for part in top.values())
    assert all("normalised" not in p for p in rrf.hits[0].explain["branches"].values())


def test_each_query_type_gets_its_measured_weights(corpus):
    """Questions weigh the lexical branch 0.75 and give a space's passages 0.7 of its
    weight (its whole-text vector 0.3); keyword queries 1.0 and half each."""
    from search.engine import FUSION_DEFAULTS

    keyword = run_search(SearchRequest(text="머그컵"), user=ANON)
    question = run_search(
        SearchRequest(text="커피를 마시는 컵은 어디에 있나요?"), user=ANON
    )
    for response in (keyword, question):
        defaults = FUSION_DEFAULTS[response.query_type]
        weights = response.weights
        assert weights["fts"] == pytest.approx(defaults.lexical_weight)
        passage, whole = weights["e5-small:text>passage"], weights["e5-small:text>text"]
        assert passage + whole == pytest.approx(1.0)  # one space, one weight
        assert passage == pytest.approx(defaults.passage_share)
    assert question.weights["fts"] < keyword.weights["fts"]
    assert (
        question.weights["e5-small:text>passage"]
        > keyword.weights["e5-small:text>passage"]
    )


def test_blend_searches_shared_spaces_with_one_mixed_query_vector(corpus):
    fused = run_search(
        SearchRequest(text="머그컵", image=corpus.photo_bytes), user=ANON
    )
    blended = run_search(
        SearchRequest(text="머그컵", image=corpus.photo_bytes, strategy="blend"),
        user=ANON,
    )
    assert {"test-clip:text>image", "test-clip:image>image"} <= set(fused.branches)
    assert {"test-clip:blend>image", "test-clip:blend>text"} <= set(blended.branches)
    assert not any(n.startswith("test-clip:text>") for n in blended.branches)
    # Spaces that are not shared keep their own branches beside the blend.
    assert "fts" in blended.branches
    # share 1 → the blended vector is the text vector; share 0 → the image vector.
    for share, side in ((1.0, "text"), (0.0, "image")):
        only = run_search(
            SearchRequest(text="머그컵", image=corpus.photo_bytes, strategy="blend",
                          blend_text_share=share),
            user=ANON,
        )  # fmt: skip
        assert [i for i, _ in only.branches["test-clip:blend>image"]] == [
            i for i, _ in fused.branches[f"test-clip:{side}>image"]
        ]
    with pytest.raises(QueryError, match="blend_text_share"):
        run_search(SearchRequest(text="x", blend_text_share=1.5), user=ANON)


def test_query_image_ocr_overlaps_the_other_branches(corpus, monkeypatch):
    import threading

    from search import branches as branch_module
    from search import engine

    vector_ran = threading.Event()
    seen = {}
    real_run_together = branch_module.run_together

    def run_together(queries):
        found = real_run_together(queries)  # the nearest-neighbour branches, at once
        vector_ran.set()
        return found

    def read(image):
        # Sequential OCR (before the branches) would wait here in vain.
        seen["overlapped"] = vector_ran.wait(timeout=10)
        seen["thread"] = threading.current_thread().name
        return "Beaker cleaning schedule"

    monkeypatch.setattr(branch_module, "run_together", run_together)
    monkeypatch.setattr(engine, "_read_query_image", read)
    response = run_search(SearchRequest(image=corpus.photo_bytes), user=ANON)
    assert seen["overlapped"] is True
    assert seen["thread"].startswith("query-ocr")
    # The text read still joins the fusion.
    assert response.ocr_text == "Beaker cleaning schedule"
    assert "ocr" in response.branches
    assert corpus.ocr_only.pk in [i for i, _ in response.branches["ocr"]]


def test_queries_with_an_image_keep_rrf_and_say_what_they_hold(corpus):
    both = run_search(SearchRequest(text="머그컵", image=corpus.photo_bytes), user=ANON)
    image = run_search(SearchRequest(image=corpus.photo_bytes), user=ANON)
    assert (both.fusion, image.fusion) == ("rrf", "rrf")
    assert both.hits[0].explain["fusion"]["query_type"] == "text+image"
    assert image.hits[0].explain["fusion"]["query_type"] == "image"


@pytest.mark.parametrize("laid_out", [True, False])
def test_hit_assembly_queries_do_not_grow_with_the_hits(db, laid_out):
    """With the text's layout stored, and for documents indexed before it was (their
    images and OCR come in two queries for all hits, not one per hit)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from embeddings.models import SearchDocument
    from embeddings.processing.pipeline import index_item

    def make(n: int) -> None:
        for _ in range(n):
            item = create_item(title="Gasket kit", body="An impeller gasket.",
                               status=Status.PUBLISHED, language="en")  # fmt: skip
            add_image(
                item=item, upload=io.BytesIO(make_image_bytes()), filename="g.png"
            )
            index_item(item=item)
        if not laid_out:
            SearchDocument.objects.update(part_lengths=None, pages=None)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            hits = run_search(SearchRequest(text="gasket", mode="fts"), user=ANON).hits
        assert all(h.explain["matched_terms"] for h in hits)
        return len(captured.captured_queries), len(hits)

    make(2)
    count()  # warms what is cached between searches (corpus statistics, synonyms)
    few_queries, few_hits = count()
    make(6)
    many_queries, many_hits = count()
    assert (few_hits, many_hits) == (2, 8)
    assert many_queries == few_queries
