"""The identifier index: codes are extracted from documents the way the query gate reads
them, the branch matches them exactly, by prefix and with a typo, in one statement, for
visible items only, and the tokens follow every edit, delete and repair."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from embeddings.models import IdentifierToken, SearchDocument
from embeddings.processing.consistency import check_index
from embeddings.text.documents import build_item_text
from embeddings.text.fulltext import store_search_document
from embeddings.text.identifiers import (
    extract_identifiers,
    find_identifiers,
    query_identifier_variants,
)
from items.models import Status
from search import branches
from search.filters import Filters, visible_items

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("RUN-S220형 러닝화, 사이즈 270.", ["RUN-S220"]),  # Hangul glued to a code
        ("모델명: X100(검정)과 X100 배터리", ["X100"]),
        ("Model RUN-S220, size 270; see EDU-CALC.", ["RUN-S220", "EDU-CALC"]),
        ("ISO/IEC 27001 and gimp-2.10.", ["ISO/IEC", "gimp-2.10"]),
        ("ＲＵＮ－Ｓ２２０ 전각", ["RUN-S220"]),  # full-width, NFKC
        ("GNU/Linux, e-mail, well-known, 2024년형, 3D", []),
        ("...RUN-S220... (X100).", ["RUN-S220", "X100"]),
    ],
)
def test_identifiers_are_split_at_script_changes_and_punctuation(text, found):
    assert find_identifiers(text) == found


def test_normalised_tokens_meet_however_the_code_is_written():
    assert extract_identifiers("RUN-S220 run_s220 RUNS220 run.s220") == {"RUNS220"}
    assert query_identifier_variants("run s220 신발") == [["S220", "RUNS220"]]
    # A code next to another code is two codes, not one joined variant.
    assert query_identifier_variants("RUN S220 WLK-100") == [
        ["S220", "RUNS220"],
        ["WLK100"],
    ]


def index(item):
    store_search_document(item=item, text=build_item_text(item))
    return item


def tokens(item) -> set[str]:
    return set(
        IdentifierToken.objects.filter(document_id=item.pk).values_list(
            "token", flat=True
        )
    )


def identifier(text: str, user=None) -> list[tuple[int, float]]:
    hits = branches.identifier_branch(
        text=text, items=visible_items(user or AnonymousUser(), Filters()), window=20
    )
    return [(hit.item_id, hit.score) for hit in hits]


@pytest.fixture
def shoes(make_item):
    coded = index(
        make_item(title="러닝화", body="모델 RUN-S220형, 사이즈 270.", subject="")
    )
    longer = index(make_item(title="러닝화 신형", body="모델 RUN-S2205.", subject=""))
    walking = index(make_item(title="워킹화", body="모델 WLK-100.", subject=""))
    return coded, longer, walking


@pytest.mark.parametrize("query", ["RUN-S220", "run-s220", "RUNS220", "run s220"])
def test_an_exact_code_is_found_however_it_is_written(shoes, query):
    coded, longer, _ = shoes
    found = identifier(query)
    assert found[0] == (coded.pk, 1.0)
    # The longer code starts with the query's: a prefix match, ranked below.
    assert [pk for pk, _ in found] == [coded.pk, longer.pk]
    assert 0.6 < found[1][1] < 0.9


def test_a_prefix_finds_the_codes_it_starts(shoes):
    coded, longer, _ = shoes
    found = identifier("RUN-S22 사이즈")
    assert [pk for pk, _ in found] == [coded.pk, longer.pk]  # shorter completion first
    assert all(0.6 < score < 0.9 for _, score in found)


def test_a_one_character_typo_finds_the_code_by_trigrams(shoes):
    _, _, walking = shoes
    found = identifier("WLK-101")
    assert [pk for pk, _ in found] == [walking.pk]
    assert 0 < found[0][1] <= 0.6


def test_typos_are_not_looked_up_when_the_code_exists(make_item, shoes):
    _, _, walking = shoes
    near = index(make_item(title="워킹화 신형", body="모델 WLK-101.", subject=""))
    # WLK-101 is a typo match of WLK-100 (see above), but WLK-100 exists: the near
    # code is another product, not an extra result.
    assert identifier("WLK-100") == [(walking.pk, 1.0)]
    assert identifier("WLK-101") == [(near.pk, 1.0)]


def test_an_item_with_both_codes_of_a_query_ranks_first(make_item, shoes):
    coded, _, walking = shoes
    both = index(make_item(title="세트", body="RUN-S220 + WLK-100 묶음", subject=""))
    found = identifier("RUN-S220 WLK-100")
    assert found[0] == (both.pk, 2.0)
    assert {coded.pk, walking.pk} <= {pk for pk, _ in found[1:]}


def test_drafts_are_not_returned_to_the_public(make_item, django_user_model):
    draft = index(
        make_item(title="초안", body="모델 DRF-900.", subject="", status=Status.DRAFT)
    )
    assert identifier("DRF-900") == []
    # Nor does a hidden exact match turn typo lookups off for a visible near code.
    near = index(make_item(title="공개", body="모델 DRF-901.", subject=""))
    assert [pk for pk, _ in identifier("DRF-900")] == [near.pk]
    staff = django_user_model.objects.create_user("editor", is_staff=True)
    assert identifier("DRF-900", user=staff)[0] == (draft.pk, 1.0)


def test_the_branch_is_one_statement(shoes):
    with CaptureQueriesContext(connection) as queries:
        identifier("run s220 WLK-101 EDU-CALC")
    assert len(queries) == 1


def test_tokens_follow_edits_and_deletes(make_item):
    item = index(make_item(title="제품", body="모델 ABC-123, X100.", subject=""))
    assert tokens(item) == {"ABC123", "X100"}
    item.body = "모델 ABC-124."
    item.save()
    index(item)
    assert tokens(item) == {"ABC124"}
    assert identifier("ABC-123") and identifier("ABC-123")[0][1] < 1.0  # typo only
    item.delete()
    assert not IdentifierToken.objects.exists()


def test_the_migration_backfills_tokens_from_stored_documents(make_item):
    migration = importlib.import_module("embeddings.migrations.0011_identifier_tokens")
    first = index(make_item(title="제품", body="모델 ABC-123.", subject=""))
    second = index(make_item(title="문서", body="코드가 없는 글.", subject=""))
    IdentifierToken.objects.all().delete()
    with connection.schema_editor() as editor:
        migration.backfill(apps, editor)
    assert tokens(first) == {"ABC123"} and tokens(second) == set()
    SearchDocument.objects.all().delete()
    with connection.schema_editor() as editor:
        migration.backfill(apps, editor)  # an empty database
    assert not IdentifierToken.objects.exists()


def test_check_index_rewrites_missing_or_stale_tokens(make_item):
    item = index(make_item(title="제품", body="모델 ABC-123, X100.", subject=""))
    IdentifierToken.objects.filter(document_id=item.pk, token="X100").delete()
    IdentifierToken.objects.create(document_id=item.pk, token="OLD999")
    [result] = check_index(fix=True, only=["stale-identifiers"])
    assert (result.found, result.fixed, result.remaining) == (1, 1, 0)
    assert tokens(item) == {"ABC123", "X100"}


def test_reindex_of_the_index_stage_rewrites_tokens(make_item):
    item = index(make_item(title="제품", body="모델 ABC-123.", subject=""))
    IdentifierToken.objects.all().delete()
    call_command("reindex", "--stage", "index", "--force", stdout=io.StringIO())
    assert tokens(item) == {"ABC123"}
