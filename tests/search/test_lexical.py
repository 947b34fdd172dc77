"""The lexical branch ranks like BM25: any term may match, rare terms and short documents
count more, phrases and exclusions still filter, and the term rows follow every edit."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction

from embeddings.models import SearchDocument, SearchTerm
from embeddings.text.documents import build_item_text
from embeddings.text.fulltext import store_search_document
from embeddings.text.lexical import postings_sql
from items.models import Language
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


def test_scoring_reads_postings_and_lengths_from_covering_indexes(docs):
    """BM25 reads a query term's postings with their tf, and each matching document's
    length, from narrow covering indexes (index-only scans): not from the wide document
    rows (text, tsvector) nor from the heap of every posting."""
    query = branches.lexical_query(
        scoring_text=analyse_query("머그컵 상자").scoring_text, constraint="",
        items=visible_items(None, Filters()), window=10,
    )  # fmt: skip
    assert query is not None
    with transaction.atomic(), connection.cursor() as cursor:
        # The test corpus is tiny: a sequential scan would win on cost alone.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + query.sql, list(query.params))
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using search_term_postings" in plan, plan
    assert "Index Only Scan using search_document_length" in plan, plan
