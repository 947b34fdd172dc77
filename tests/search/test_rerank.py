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


def test_a_rerank_server_reorders_the_top_with_failover(corpus, settings, fake_servers):
    first = fake_servers(model="fake-rerank")
    second = fake_servers(model="fake-rerank")
    settings.RERANKER_URLS = [first.url, second.url]
    settings.RERANKER_MODEL = "fake-rerank"

    response = run_search(SearchRequest(text="세라믹 머그컵"), user=ANON)

    assert response.reranker.startswith("re-scored the top")
    assert "fake-rerank" in response.reranker
    (call,) = first.requests + second.requests
    assert call["path"] == "/v1/rerank"
    assert (
        call["body"]["model"] == "fake-rerank"
        and call["body"]["query"] == "세라믹 머그컵"
    )
    assert len(call["body"]["documents"]) == len(response.hits)
    scores = [hit.explain["reranker"]["score"] for hit in response.hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]
    assert response.hits[0].item == corpus.mug  # the only document with both words

    first.kill()
    for _ in range(2):  # whichever replica the turn starts at, the live one answers
        again = run_search(SearchRequest(text="세라믹 머그컵"), user=ANON)
        assert again.reranker.startswith("re-scored the top")


def test_an_unreachable_rerank_server_is_reported_and_search_works(
    corpus, settings, fake_servers
):
    server = fake_servers(model="fake-rerank")
    settings.RERANKER_URLS = [server.url]
    settings.RERANKER_MODEL = "fake-rerank"
    server.kill()

    first = run_search(SearchRequest(text="머그컵"), user=ANON)
    second = run_search(SearchRequest(text="머그컵"), user=ANON)

    assert first.hits and second.hits
    assert first.reranker == "the reranker could not score this query"
    assert second.reranker.startswith("no endpoint of reranker fake-rerank answered")
    assert server.url in second.reranker
    assert all("reranker" not in hit.explain for hit in second.hits)


def test_the_tei_rerank_shape_is_read(corpus, settings, fake_servers):
    server = fake_servers(model="fake-rerank", rerank_shape="tei")
    settings.RERANKER_URLS = [server.url]
    settings.RERANKER_MODEL = "fake-rerank"
    settings.RERANKER_DOCUMENTS_FIELD = "texts"

    response = run_search(SearchRequest(text="세라믹 머그컵"), user=ANON)

    assert response.reranker.startswith("re-scored the top")
    assert "texts" in server.requests[0]["body"]
    assert response.hits[0].item == corpus.mug
