"""The optional cross-encoder stage: absent or broken, search still works; present, it
reorders the fused top candidates and says so in each explanation."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from search import rerank
from search.engine import SearchRequest, run_search

pytestmark = pytest.mark.django_db
ANON = AnonymousUser()


@pytest.fixture(autouse=True)
def _fresh():
    rerank.forget()
    yield
    rerank.forget()


def test_without_a_reranker_search_keeps_the_fused_order(corpus, settings):
    settings.RERANKER_MODEL = ""
    response = run_search(SearchRequest(text="머그컵"), user=ANON)
    assert "no reranker configured" in response.reranker
    assert all("reranker" not in hit.explain for hit in response.hits)


def test_a_missing_reranker_is_reported_and_search_works(corpus, settings):
    settings.RERANKER_MODEL = "/nonexistent/cross-encoder"
    response = run_search(SearchRequest(text="머그컵"), user=ANON)
    assert "weights not found" in response.reranker
    assert response.hits


def test_a_cross_encoder_from_a_local_directory_reorders_the_top(
    corpus, settings, tmp_path
):
    # A tiny randomly initialised BERT cross-encoder stands in for downloaded weights; it
    # exercises the real loading path (config, tokenizer, weights from a directory).
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    torch.manual_seed(0)
    vocab = [
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "[MASK]",
        *"abcdefghijklmnopqrstuvwxyz",
    ]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab))
    BertTokenizer(str(tmp_path / "vocab.txt")).save_pretrained(tmp_path)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32, num_labels=1)  # fmt: skip
    BertForSequenceClassification(config).save_pretrained(tmp_path)
    settings.RERANKER_MODEL = str(tmp_path)

    response = run_search(SearchRequest(text="mug box", mode="auto"), user=ANON)
    assert response.reranker.startswith("re-scored the top")
    scores = [hit.explain["reranker"]["score"] for hit in response.hits]
    assert scores == sorted(scores, reverse=True)
    assert {hit.explain["reranker"]["fused_rank"] for hit in response.hits} == set(
        range(1, len(response.hits) + 1)
    )
