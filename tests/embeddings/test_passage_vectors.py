"""Passage vectors: every passage of an item's text is embedded, so the vector side of
search sees the end of a long document; they follow edits, deletes and space options,
and reindex counts them."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from embeddings.models import EmbeddingSpace, Passage, SearchDocument, Stage
from embeddings.processing.pipeline import STAGES, embed_item, run_job
from embeddings.processing.reprocess import items_missing
from embeddings.runtime.registry import get_encoder
from embeddings.text.documents import MAX_EMBED_CHARS
from items.models import Status
from items.services import create_item, update_item
from search import embedding_cache
from search.branches import VectorProbe, embed_query_text, vector_scores
from search.engine import SearchRequest, run_search
from tests.conftest import process

pytestmark = pytest.mark.django_db
ANON = AnonymousUser()

# ~5,000 characters about fractions, then one paragraph about cleaning beakers: past the
# 4,000 characters the item's own text vector reads.
FILLER = "\n\n".join(
    f"{n}단원에서는 분수의 덧셈과 뺄셈을 연습합니다. 분모가 다른 분수는 통분한 뒤에 "
    f"더합니다. 예제 {n}번을 풀고 답을 확인하십시오."
    for n in range(60)
)
ENDING = (
    "실험이 끝나면 비커와 플라스크를 흐르는 물에 헹구고 솔로 안쪽을 문질러 닦은 뒤 "
    "거꾸로 세워 말립니다. 깨진 유리 기구는 따로 모아 버립니다."
)


@pytest.fixture
def e5():
    embedding_cache.clear()
    return EmbeddingSpace.objects.get(name="e5-small")


@pytest.fixture
def manual(e5):
    item = create_item(
        title="수학 익힘책 부록", body=f"{FILLER}\n\n{ENDING}", status=Status.PUBLISHED
    )
    others = [
        create_item(title=title, body=body, status=Status.PUBLISHED)
        for title, body in (
            ("운동장 사용 규칙", "점심시간에는 공을 차지 않습니다. 놀이기구는 순서대로 탑니다."),
            ("급식 안내", "오늘의 메뉴는 비빔밥과 미역국입니다. 우유는 따로 받습니다."),
            ("도서관 이용", "책은 두 주 동안 빌릴 수 있습니다. 반납은 사서 선생님께 합니다."),
        )
    ]  # fmt: skip
    for each in (item, *others):
        process(each)
    return item


def test_a_long_text_is_cut_into_passages_that_cover_all_of_it(e5, manual):
    text = SearchDocument.objects.get(item=manual).text
    assert len(text) > MAX_EMBED_CHARS + 500
    passages = list(Passage.objects.filter(item=manual, space=e5).order_by("number"))
    assert len(passages) >= 6
    assert [p.number for p in passages] == list(range(len(passages)))
    assert passages[0].start == 0 and passages[-1].end == len(text)
    for before, after in itertools.pairwise(passages):
        assert after.start <= before.end  # neighbours overlap: nothing falls between
    assert ENDING in text[passages[-1].start : passages[-1].end]
    assert len({p.input_sha256 for p in passages}) == 1


def test_the_passage_branch_finds_what_only_the_end_of_a_long_text_says(e5, manual):
    query = "비커를 씻고 말리는 방법"
    found = run_search(
        SearchRequest(text=query, mode="e5-small:text>passage"), user=ANON
    )
    assert found.hits[0].item.pk == manual.pk
    # The item's own vector read the fractions only: the passage is much nearer.
    vector = embed_query_text(e5, query)
    scores = vector_scores({
        "whole": (VectorProbe(space=e5, vector=vector, source="text"), [manual.pk]),
        "passage": (VectorProbe(space=e5, vector=vector, source="passage"), [manual.pk]),
    })  # fmt: skip
    assert scores["passage"][manual.pk] > scores["whole"][manual.pk] + 0.02
    # Hybrid search runs the passage branch beside the others and lists it.
    hybrid = run_search(SearchRequest(text=query), user=ANON)
    assert "e5-small:text>passage" in hybrid.branches
    assert hybrid.hits[0].item.pk == manual.pk


def test_the_fill_in_score_is_the_best_passage(e5, manual):
    vector = embed_query_text(e5, "비커를 씻고 말리는 방법")
    passages = Passage.objects.filter(item=manual, space=e5)
    best = max(float(np.dot(vector, np.asarray(p.vector))) for p in passages)
    scores = vector_scores(
        {"p": (VectorProbe(space=e5, vector=vector, source="passage"), [manual.pk])}
    )
    assert scores["p"][manual.pk] == pytest.approx(best, abs=1e-3)


def test_weight_zero_turns_a_branch_off(e5, manual):
    response = run_search(
        SearchRequest(text="비커 세척", weights={"e5-small:text>passage": 0}),
        user=ANON,
    )
    assert "e5-small:text>passage" not in response.branches
    assert "e5-small:text>text" in response.branches


def test_unchanged_text_embeds_nothing_and_an_edit_re_embeds_the_passages(e5, manual):
    assert embed_item(item=manual, space=e5) == 0
    assert STAGES[Stage.EMBED].pending(item=manual, space=e5, force=False) == 0
    stored = Passage.objects.filter(item=manual, space=e5).count()
    # A forced run counts the item's text vector and every passage.
    assert STAGES[Stage.EMBED].pending(item=manual, space=e5, force=True) == 1 + stored
    update_item(item=manual, body="짧은 본문입니다. 비커는 씻어서 말립니다.")
    process(manual)
    after = list(Passage.objects.filter(item=manual, space=e5))
    assert len(after) == 1
    assert (
        "짧은 본문"
        in SearchDocument.objects.get(item=manual).text[after[0].start : after[0].end]
    )


def test_passages_go_with_their_item_and_missing_ones_are_found(e5, manual):
    Passage.objects.filter(item=manual).delete()
    missing = items_missing(stage=Stage.EMBED, space=e5)
    assert list(missing.values_list("pk", flat=True)) == [manual.pk]
    assert STAGES[Stage.EMBED].pending(item=manual, space=e5, force=False) >= 6
    process_again = embed_item(item=manual, space=e5)
    assert process_again >= 6  # the passages only: the text vector is current
    pk = manual.pk
    manual.delete()
    assert not Passage.objects.filter(item_id=pk).exists()


def test_a_space_with_passages_turned_off_drops_them(e5, manual):
    e5.options = {**e5.options, "passages": False}
    e5.save()
    get_encoder(e5)  # same model: turning passages off changes the signature only
    embed_item(item=manual, space=e5)
    assert not Passage.objects.filter(space=e5).filter(item=manual).exists()


@pytest.mark.parametrize(
    "value",
    [True, {"size": 50}, {"size": 900, "overlap": 900}, {"size": "800"}, {"lines": 3}],
)
def test_bad_passage_options_are_refused(e5, value):
    e5.options = {"passages": value}
    with pytest.raises(ValidationError, match=r"options\.passages"):
        e5.clean()


def test_passage_sizes_come_from_the_options(e5):
    assert e5.passage_size == (800, 150)
    e5.options = {"passages": {"size": 400, "overlap": 50}}
    e5.clean()
    assert e5.passage_size == (400, 50)
    clip = EmbeddingSpace(backend="open_clip", modality="both", dimension=64)
    assert clip.passage_size is None  # a 77-token text tower: off unless asked


def test_a_hit_found_by_meaning_shows_the_passage_that_matched(e5, manual):
    # No word of the query is in the text: the snippet cannot mark a match, so it shows
    # the passage that scored instead of the fractions at the start.
    response = run_search(
        SearchRequest(text="how to wash and dry laboratory glassware"), user=ANON
    )
    hit = next(h for h in response.hits if h.item.pk == manual.pk)
    assert "e5-small:text>passage" in hit.explain["branches"]
    text = SearchDocument.objects.get(item=manual).text
    last = Passage.objects.filter(item=manual, space=e5).order_by("-number").first()
    assert hit.snippet.startswith("…")  # not the start of the text
    shown = hit.snippet.strip("…")[:80]
    assert shown in " ".join(text[last.start : last.end].split())
    assert shown not in " ".join(text[:800].split())


def test_branches_over_no_visible_items_run_together_and_find_nothing(e5, manual):
    from items.models import Item
    from search import branches

    vector = embed_query_text(e5, "비커")
    none = Item.objects.none()
    queries = [
        branches.vector_query(
            space=e5, vector=vector, source="text", items=none, window=5
        ),
        branches.passage_query(space=e5, vector=vector, items=none, window=5),
        branches.passage_query(
            space=e5, vector=vector, items=Item.objects.all(), window=5
        ),
    ]
    assert (
        branches.lexical_query(scoring_text="비커", constraint="", items=none, window=5)
        is None
    )
    empty, also_empty, found = branches.run_together(queries)
    assert empty == also_empty == []
    assert found[0].item_id == manual.pk and found[0].where is not None


def test_branches_run_together_find_what_each_finds_alone(e5, manual):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from items.models import Item
    from search import branches

    vector = embed_query_text(e5, "비커를 씻고 말리는 방법")
    items = Item.objects.published()

    def queries():
        return [
            branches.lexical_query(
                scoring_text="비커 씻다", constraint="", items=items, window=10
            ),
            branches.vector_query(
                space=e5, vector=vector, source="text", items=items, window=10
            ),
            branches.passage_query(space=e5, vector=vector, items=items, window=3),
        ]

    alone = [branches.run_together([query])[0] for query in queries()]
    with CaptureQueriesContext(connection) as captured:
        together = branches.run_together(queries())
    assert len(captured.captured_queries) == 1
    assert together == alone
    assert all(together) and len(together[2]) <= 3


def test_a_job_embeds_a_bounded_number_of_passages_per_run_and_continues(e5, settings):
    from embeddings.models import ProcessingJob

    settings.EMBED_PASSAGES_PER_JOB = 3
    item = create_item(
        title="긴 문서", body=f"{FILLER}\n\n{ENDING}", status=Status.PUBLISHED
    )
    for job in ProcessingJob.objects.filter(item=item).exclude(stage="embed"):
        run_job(job.pk)
    job = ProcessingJob.objects.get(item=item, space=e5)
    runs = [run_job(job.pk)]
    while runs[-1] == "continued":
        assert Passage.objects.filter(item=item, space=e5).count() == 3 * len(runs)
        runs.append(run_job(job.pk))
    stored = Passage.objects.filter(item=item, space=e5).count()
    assert stored >= 6
    assert runs == ["continued"] * ((stored - 1) // 3) + ["done"]
    # Interrupt a re-embedding half way: the next run does only the rest.
    Passage.objects.filter(item=item, space=e5, number__gte=2).update(input_sha256="")
    assert STAGES[Stage.EMBED].pending(item=item, space=e5, force=False) == stored - 2
    assert embed_item(item=item, space=e5) == 3
    assert STAGES[Stage.EMBED].pending(item=item, space=e5, force=False) == stored - 5
    assert STAGES[Stage.EMBED].run_all(item=item, space=e5) == stored - 5
    assert STAGES[Stage.EMBED].pending(item=item, space=e5, force=False) == 0


def test_fill_queries_score_every_candidate_in_the_branches_statement(e5, manual):
    """Score fusion's fill-in runs with the branches: the passage and text vectors'
    exact scores of every candidate any branch found, as `vector_scores` computes them
    on its own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from items.models import Item
    from search import branches

    vector = embed_query_text(e5, "비커를 씻고 말리는 방법")
    items = Item.objects.published()
    probes = {
        source: VectorProbe(space=e5, vector=vector, source=source)
        for source in ("text", "passage")
    }
    finding = [
        branches.lexical_query(
            scoring_text="급식 우유", constraint="", items=items, window=10
        ),
        branches.passage_query(space=e5, vector=vector, items=items, window=1),
    ]
    fills = [branches.fill_query(probe) for probe in probes.values()]
    with CaptureQueriesContext(connection) as captured:
        lexical, passage, *filled = branches.run_together([*finding, *fills])
    assert len(captured.captured_queries) == 1
    candidates = {h.item_id for h in lexical} | {h.item_id for h in passage}
    # The lexical branch finds the lunch notice only; the passage branch the manual.
    assert len(candidates) == 2 and manual.pk in candidates
    alone = vector_scores({
        source: (probe, sorted(candidates)) for source, probe in probes.items()
    })  # fmt: skip
    for source, hits in zip(probes, filled, strict=True):
        scores = {h.item_id: h.score for h in hits}
        assert scores.keys() == candidates
        assert scores == pytest.approx(alone[source])
    # The whole search fills in the same way: the branches' one statement, then hits.
    run_search(SearchRequest(text="비커 씻는 방법"), user=ANON)
    with CaptureQueriesContext(connection) as captured:
        run_search(SearchRequest(text="비커 씻는 방법"), user=ANON)
    branch_statements = [
        q["sql"] for q in captured.captured_queries if branches.CANDIDATES in q["sql"]
    ]
    assert len(branch_statements) == 1
