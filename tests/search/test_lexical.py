"""The lexical branch ranks like BM25: any term may match, rare terms and short documents
count more, phrases and exclusions still filter, and the term rows follow every edit."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import Count

from embeddings.models import SearchDocument, SearchTerm, SearchTermStat
from embeddings.text.documents import build_item_text
from embeddings.text.fulltext import store_search_document
from embeddings.text.lexical import K1, B, forget_stats, postings_sql
from items.models import Item, Language
from search import branches
from search.analysis import analyse_query
from search.filters import Filters, visible_items

pytestmark = pytest.mark.django_db

FILLER = "평범한 문장이 이어집니다. " * 30


def index(item):
    store_search_document(item=item, text=build_item_text(item))
    return item


def lexical(text: str) -> list[int]:
    analysed = analyse_query(text)
    hits = branches.lexical_branch(
        scoring_text=analysed.scoring_text,
        constraint=analysed.constraint,
        items=visible_items(AnonymousUser(), Filters()),
        window=20,
    )
    return [hit.item_id for hit in hits]


@pytest.fixture
def docs(make_item):
    def doc(title: str, body: str, language=Language.KOREAN):
        item = make_item(title=title, body=body, subject="", language=language)
        return index(item)

    return doc


def test_a_question_matches_documents_holding_only_some_of_its_words(docs):
    wifi = docs(
        "무선 네트워크 연결", "설정에서 무선 네트워크를 고르고 암호를 입력합니다."
    )
    docs("프린터 설치", "프린터를 케이블로 연결하고 드라이버를 설치합니다.")

    # "어떻게", "하나요" and "카페" appear in no document: requiring every word (the old
    # full-text branch) would return nothing.
    assert lexical("카페에서 무선 네트워크에 어떻게 연결하나요?")[0] == wifi.pk


def test_the_rarer_shared_term_decides_the_order(docs):
    rare = docs("블루투스 켜기", "블루투스 장치를 켭니다. " + FILLER)
    common = [docs(f"설정 {n}", "설정 화면을 엽니다. " + FILLER) for n in range(4)]
    both_common = docs("설정 안내", "설정 설정 설정 화면입니다. " + FILLER)

    ranked = lexical("블루투스 설정")
    # Only one document has the rare term; its single match outweighs a document
    # repeating the common term three times.
    assert ranked[0] == rare.pk
    assert ranked.index(both_common.pk) < min(ranked.index(c.pk) for c in common)


def test_short_documents_beat_long_ones_with_the_same_matches(docs):
    long = docs("안내서", "화면 잠금을 설정합니다. " + FILLER * 4)
    short = docs("안내서", "화면 잠금을 설정합니다.")

    assert lexical("화면 잠금")[:2] == [short.pk, long.pk]


def test_title_terms_weigh_more_than_body_terms(docs):
    in_body = docs("다른 주제", "키보드 단축키 목록입니다.")
    in_title = docs("키보드 단축키", "다른 주제의 목록입니다.")

    assert lexical("키보드 단축키")[:2] == [in_title.pk, in_body.pk]


def test_exclusion_and_phrase_still_filter(docs):
    both = docs("mouse and keyboard", "Connect a wireless mouse and a keyboard.")
    mouse = docs("mouse only", "Connect a wireless mouse.")
    reversed_words = docs("keyboard", "The keyboard has a wireless receiver.")

    assert set(lexical("wireless mouse")) == {both.pk, mouse.pk, reversed_words.pk}
    assert set(lexical("wireless mouse -keyboard")) == {mouse.pk}
    assert set(lexical('"wireless mouse"')) == {both.pk, mouse.pk}
    assert set(lexical('"wireless receiver" OR mouse')) >= {reversed_words.pk}


def test_english_words_are_stemmed_at_index_and_query_time(docs):
    item = docs(
        "Printing photos", "How to print several photographs.", Language.ENGLISH
    )
    assert lexical("print photo") == [item.pk]


def test_term_rows_follow_edits_and_deletes(docs):
    item = docs("블루투스 켜기", "블루투스 장치를 켭니다.")
    assert lexical("블루투스") == [item.pk]

    item.title, item.body = "프린터 설치", "프린터를 설치합니다."
    item.save()
    index(item)
    assert lexical("블루투스") == []
    assert lexical("프린터") == [item.pk]
    document = SearchDocument.objects.get(item=item)
    rows = SearchTerm.objects.filter(document=document)
    # Title terms count three times, body terms once: the length is their sum.
    assert document.length == pytest.approx(sum(rows.values_list("tf", flat=True)))
    assert rows.get(term="프린터").tf == pytest.approx(3 + 1)

    item.delete()
    assert not SearchTerm.objects.filter(document_id=item.pk).exists()


def test_rebuilding_every_document_at_once_gives_each_its_own_length(docs, make_item):
    """The corpus-wide rebuild (bench/search.py's load) matches per-item indexing, and a
    document without a single term gets length 0."""
    short = docs("블루투스 켜기", "블루투스 장치를 켭니다.")
    long = docs("프린터 설치", FILLER)
    termless = index(make_item(title="?", body="", subject=""))
    indexed = dict(SearchDocument.objects.values_list("item_id", "length"))
    assert indexed[termless.pk] == 0 and indexed[short.pk] < indexed[long.pk]
    SearchDocument.objects.update(length=-1)

    with transaction.atomic(), connection.cursor() as cursor:
        for sql in postings_sql(where="TRUE"):
            cursor.execute(sql)

    assert dict(SearchDocument.objects.values_list("item_id", "length")) == indexed


def test_drafts_never_match_anonymously(docs, make_item):
    draft = index(make_item(title="비공개 블루투스", body="초안", status="draft"))
    published = docs("블루투스 켜기", "블루투스 장치를 켭니다.")

    assert lexical("블루투스") == [published.pk]
    assert draft.pk not in lexical("비공개")


def _plan(query) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        # The test corpus is tiny: a sequential scan would win on cost alone.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        # And sorting a few postings by impact would win too (CI's planner took it):
        # the index's order is what 100k items need.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + query.sql, list(query.params))
        return "\n".join(row[0] for row in cursor.fetchall())


def test_scoring_reads_postings_best_first_from_a_covering_index(docs):
    """The pruned branch reads a query term's postings best first from the impact
    index (no sort of the postings): the head of a common term's list is what it
    reads, not the whole list. (Constraint queries score every posting anyway; their
    plan is the planner's choice.)"""
    for n in range(3):
        docs(f"머그컵 {n}", "머그컵 상자 " * (n + 1))
    query = branches.lexical_query(
        scoring_text=analyse_query("머그컵 상자").scoring_text,
        constraint="", items=visible_items(None, Filters()), window=10,
    )  # fmt: skip
    assert query is not None
    plan = _plan(query)
    # Index-only where the visibility map allows (a test's fresh rows may not be
    # all-visible yet, and the planner then reads them through the same index).
    assert "Scan using search_term_impacts" in plan, plan
    assert "Sort Key: t.impact" not in plan, plan


def _ranked(
    text: str, *, window: int, budget: int | None = None, constraint: str = ""
) -> list:
    query = branches.lexical_query(
        scoring_text=analyse_query(text).scoring_text, constraint=constraint,
        items=visible_items(None, Filters()), window=window, head_postings=budget,
    )  # fmt: skip
    assert query is not None
    return [(hit.item_id, hit.score) for hit in branches.run_one(query)]


def _exhaustive(text: str, *, window: int) -> list:
    """The same ranking scored from every posting (the constraint path, with a
    constraint the corpus's every document passes)."""
    return _ranked(text, window=window, constraint="'문서'")


def _same_ranking(found: list, exhaustive: list) -> None:
    """Same scores in the same order; the same documents except among ties with the
    last hit (BM25 ties are common: equal tf and length)."""
    assert [s for _, s in found] == pytest.approx([s for _, s in exhaustive], abs=1e-3)
    last = exhaustive[-1][1]
    assert {pk for pk, s in found if s > last + 1e-3} == {
        pk for pk, s in exhaustive if s > last + 1e-3
    }


@pytest.fixture
def corpus_with_a_common_term(docs):
    """40 documents: 문서 in all, 전원 in a third, 어댑터 in a few, 케이블 in every
    other one, varied lengths; then every posting rewritten at once, so all impacts
    share one mean length (documents indexed one by one each saw the mean of their
    moment)."""
    made = []
    for n in range(40):
        body = "문서 " * (1 + n % 4) + "전원 켜기 " * (n % 3 == 0) + "케이블 " * (n % 2)
        body += "어댑터 연결 " if n % 9 == 4 else ""
        made.append(docs(f"항목 {n}", body + FILLER[: 7 * (n % 11)]))
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in postings_sql(where="TRUE"):
            cursor.execute(sql)
    forget_stats()
    # Drafts among the best postings: the window must skip them, not end short.
    Item.objects.filter(pk__in=[item.pk for item in made[2::5]]).update(status="draft")
    return made


@pytest.fixture(autouse=True)
def heads_of_any_length(settings):
    """Heads as short as a test's budget makes them (production keeps 500 a term)."""
    settings.LEXICAL_HEAD_FLOOR = 1


@pytest.mark.parametrize(
    "text", ["문서 전원 어댑터", "문서", "전원 케이블", "문서 케이블 어댑터 전원"]
)
@pytest.mark.parametrize("budget", [2, 5, 12, 40])
def test_cut_postings_give_the_exhaustive_ranking(
    corpus_with_a_common_term, text, budget
):
    """Lists cut to their best few postings (the query's budget shared by its terms,
    at least one each) still give BM25's exhaustive top window, every score exact:
    documents past the cuts are read or scored exactly when they could reach it."""
    exhaustive = _exhaustive(text, window=6)
    assert len(exhaustive) == 6
    _same_ranking(_ranked(text, window=6, budget=budget), exhaustive)


def test_a_window_larger_than_the_matches_returns_every_match(
    corpus_with_a_common_term,
):
    text = "전원 어댑터"
    exhaustive = _exhaustive(text, window=50)
    assert 0 < len(exhaustive) < 32
    _same_ranking(_ranked(text, window=50, budget=3), exhaustive)
    assert {pk for pk, _ in _ranked(text, window=50, budget=3)} == {
        pk for pk, _ in exhaustive
    }


def test_impacts_are_bm25_weights_before_idf(corpus_with_a_common_term):
    """A term row carries its document's length and BM25's weight before IDF with the
    mean length of its write (here, of the whole corpus)."""
    documents = SearchDocument.objects.all()
    mean = sum(d.length for d in documents) / len(documents)
    for document in documents:
        rows = document.terms.values_list("tf", "length", "impact")
        assert rows
        for tf, length, impact in rows:
            assert length == document.length
            norm = K1 * (1 - B + B * length / mean)
            assert impact == pytest.approx(tf * (K1 + 1) / (tf + norm))


def _document_frequencies() -> dict[str, int]:
    return dict(
        SearchTerm.objects.values("term")
        .annotate(n=Count("*"))
        .values_list("term", "n")
    )


def test_document_frequencies_follow_every_write(docs):
    """SearchTermStat holds each term's number of documents, kept by triggers through
    indexing, edits, deletes and the corpus-wide rebuild."""
    first = docs("블루투스 켜기", "블루투스 장치를 켭니다.")
    second = docs("블루투스 끄기", "블루투스 장치를 끕니다.")
    stats = lambda: dict(SearchTermStat.objects.values_list("term", "df"))  # noqa: E731
    assert stats() == _document_frequencies() and stats()["블루투스"] == 2

    first.title, first.body = "프린터 설치", "프린터를 설치합니다."
    first.save()
    index(first)
    assert stats()["블루투스"] == 1 and stats()["프린터"] == 1

    second.delete()
    assert "블루투스" not in stats()
    assert stats() == _document_frequencies()

    docs("프린터 설정", "프린터 용지를 넣습니다.")
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in postings_sql(where="TRUE"):
            cursor.execute(sql)
    assert stats() == _document_frequencies() and stats()["프린터"] == 2


WORDS = ("apple", "river", "stone", "cloud", "paper", "light")


@pytest.fixture
def zipf_corpus(docs):
    """60 English documents: six words at falling rates (the first in nearly all, the
    last in a few), each 1-5 times, lengths varied by filler; the word "common" in
    all, for the exhaustive path's constraint. Postings rewritten at once (one mean)."""
    import random

    rng = random.Random(20261204)
    for n in range(60):
        words = ["common"]
        for rank, word in enumerate(WORDS):
            if rng.random() < 0.95 / (rank + 1):
                words += [word] * rng.randint(1, 5)
        words += ["filler"] * rng.randint(0, 40)
        rng.shuffle(words)
        docs(f"doc {n}", " ".join(words), Language.ENGLISH)
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in postings_sql(where="TRUE"):
            cursor.execute(sql)
    forget_stats()


@pytest.mark.parametrize("budget", [3, 8, 20])
def test_pruned_rankings_equal_exhaustive_ones_on_skewed_postings(zipf_corpus, budget):
    """Heads, middles and tails of every length the budget makes, over queries of one
    to four words: the window and its scores are exhaustive BM25's."""
    queries = ["apple river", "apple stone cloud", "river paper light apple",
               "stone light", "apple", "cloud paper river"]  # fmt: skip
    for text in queries:
        for window in (3, 7):
            exhaustive = _ranked(text, window=window, constraint="'common'")
            _same_ranking(_ranked(text, window=window, budget=budget), exhaustive)
