"""Ingesting a built set: published documents keyed by metadata, reruns change only what
changed, and the item services' pipeline hook records their jobs."""

from __future__ import annotations

import json

import pytest

from embeddings.models import ProcessingJob
from items.models import Item, Status
from search.evaluation.sets.corpus import BuiltSet, SourceDocument
from search.evaluation.sets.ingest import ingest_set, write_queries

pytestmark = pytest.mark.django_db


def built(body: str) -> BuiltSet:
    return BuiltSet(
        name="s",
        documents=[
            SourceDocument(key="s/a", title="가", body=body, language="ko"),
            SourceDocument(key="s/b", title="B" * 400, body="b", language="en"),
        ],
        queries=[{"qid": "s:a", "text": "가", "relevant": ["s/a"]}],
    )


def test_rerun_updates_changed_documents_only(tmp_path):
    first = ingest_set(built=built("하나"))
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    a = Item.objects.get(metadata__key="s/a")
    assert a.status == Status.PUBLISHED and a.kind == "document" and a.language == "ko"
    assert len(Item.objects.get(metadata__key="s/b").title) == 300
    assert ProcessingJob.objects.filter(item=a).exists()
    again = ingest_set(built=built("둘"))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert Item.objects.get(metadata__key="s/a").body == "둘"
    path = write_queries(built=built("둘"), path=tmp_path / "s" / "queries.jsonl")
    assert json.loads(path.read_text())["relevant"] == ["s/a"]
