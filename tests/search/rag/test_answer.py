"""RAG answers against a fake OpenAI-compatible chat server over real HTTP: the prompt
carries the passages, the answer carries the citations it used, and a missing, failing,
slow or broken endpoint is a clear 503/502/504 (or an `error` event) while search and
context keep working."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from rest_framework.test import APIClient

from tests.fake_chat_server import FakeChatServer
from tests.search.rag.conftest import BEAKER

pytestmark = pytest.mark.django_db
QUESTION = {"question": "How should a beaker be rinsed?", "k": 3}


@pytest.fixture
def chat(settings, monkeypatch) -> Iterator[FakeChatServer]:
    server = FakeChatServer(
        reply="Rinse it three times with distilled water [1]. See also [9].",
        api_key="sk-test-key",
    ).start()
    monkeypatch.setenv("TEST_RAG_KEY", "sk-test-key")
    settings.RAG_CHAT_URL = server.url
    settings.RAG_CHAT_MODEL = "fake-chat"
    settings.RAG_CHAT_API_KEY_ENV = "TEST_RAG_KEY"
    settings.RAG_CHAT_TIMEOUT = 5
    yield server
    server.stop()


def ask(payload: dict):
    return APIClient().post("/api/rag/answer", payload, format="json")


def events(response) -> list[tuple[str, dict]]:
    """The server-sent events of a streamed response, parsed."""
    raw = b"".join(response.streaming_content).decode()
    parsed = []
    for block in raw.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        parsed.append((lines["event"], json.loads(lines["data"])))
    return parsed


def test_the_prompt_carries_the_passages_and_the_answer_its_citations(rag_corpus, chat):
    response = ask(QUESTION)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["answer"] == chat.reply and body["model"] == "fake-chat"
    # [1] is cited; [9] names no passage and is ignored.
    assert [c["n"] for c in body["citations"]] == [1]
    cited = body["citations"][0]
    assert cited["item_id"] == rag_corpus.lab.pk and BEAKER in cited["text"]
    assert cited["url"] == f"http://testserver/items/{rag_corpus.lab.pk}/"

    sent = chat.requests[-1]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["authorization"] == "Bearer sk-test-key"
    assert sent["body"]["model"] == "fake-chat" and sent["body"]["stream"] is False
    prompt = chat.prompt()
    assert f"[1] Laboratory rules\n{cited['text']}" in prompt
    assert "Question: How should a beaker be rinsed?" in prompt
    # The prompt sent is exactly the one /api/rag/context gives for the same question.
    context = APIClient().post("/api/rag/context", QUESTION, format="json").json()
    assert prompt == context["prompt"]


def test_several_markers_cite_several_passages_in_order_of_use(rag_corpus, chat):
    chat.reply = "Rinse first [2, 1], then dry [1][3]."
    body = ask({**QUESTION, "question": "beaker laboratory notes"}).json()
    assert [c["n"] for c in body["citations"]] == [2, 1, 3]


def test_no_endpoint_configured_is_a_503_that_says_so_and_context_still_works(
    rag_corpus, settings
):
    settings.RAG_CHAT_URL = ""
    response = ask(QUESTION)
    assert response.status_code == 503
    error = response.json()["error"]
    assert "RAG_CHAT_URL" in error["message"] and error["code"] == "chat_not_configured"
    streamed = ask({**QUESTION, "stream": True})
    assert streamed.status_code == 503
    context = APIClient().post("/api/rag/context", QUESTION, format="json")
    assert context.status_code == 200 and context.json()["passages"]


def test_bad_input_is_a_400_before_the_model_is_asked(rag_corpus, chat):
    response = ask({"question": "  ", "stream": True})
    assert response.status_code == 400
    assert "must not be empty" in response.json()["error"]["message"]
    assert ask({**QUESTION, "token_budget": 5}).status_code == 400
    assert ask({**QUESTION, "stream": "sometimes"}).status_code == 400
    assert chat.requests == []


def test_a_failing_endpoint_is_a_502_and_search_keeps_working(rag_corpus, chat):
    chat.status = 500
    for payload in (QUESTION, {**QUESTION, "stream": True}):
        response = ask(payload)
        assert response.status_code == 502
        error = response.json()["error"]
        assert (
            "HTTP 500" in error["message"] and "configured failure" in error["message"]
        )
        assert error["type"] == "upstream_error"
    search = APIClient().post("/api/search/", {"text": "beaker"}, format="json")
    assert search.status_code == 200
    assert rag_corpus.lab.pk in [hit["item_id"] for hit in search.json()["results"]]


def test_a_wrong_key_is_a_502_naming_the_status(rag_corpus, chat, monkeypatch):
    monkeypatch.setenv("TEST_RAG_KEY", "wrong")
    response = ask(QUESTION)
    assert (
        response.status_code == 502
        and "HTTP 401" in response.json()["error"]["message"]
    )


def test_an_unreachable_endpoint_is_a_502(rag_corpus, chat):
    chat.stop()
    response = ask(QUESTION)
    assert response.status_code == 502
    assert "could not be reached" in response.json()["error"]["message"]


def test_a_slow_endpoint_is_a_504_after_the_timeout(rag_corpus, chat, settings):
    settings.RAG_CHAT_TIMEOUT = 1
    chat.delay = 3
    started = time.monotonic()
    response = ask(QUESTION)
    assert time.monotonic() - started < 2.9  # gave up at the timeout, not the reply
    assert response.status_code == 504
    error = response.json()["error"]
    assert "did not answer within 1 s" in error["message"]
    assert error["type"] == "upstream_timeout"


def test_streaming_relays_the_deltas_then_the_citations(rag_corpus, chat):
    response = ask({**QUESTION, "stream": True})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    parsed = events(response)
    deltas = [data["text"] for name, data in parsed if name == "delta"]
    assert len(deltas) > 3 and "".join(deltas) == chat.reply
    name, done = parsed[-1]
    assert name == "done"
    assert done["answer"] == chat.reply and done["model"] == "fake-chat"
    assert [c["n"] for c in done["citations"]] == [1]
    assert done["citations"][0]["item_id"] == rag_corpus.lab.pk
    assert chat.requests[-1]["body"]["stream"] is True


def test_a_stream_cut_short_ends_with_an_error_event(rag_corpus, chat):
    chat.cut_after = 2
    parsed = events(ask({**QUESTION, "stream": True}))
    assert [name for name, _ in parsed] == ["delta", "delta", "error"]
    assert "before the answer was complete" in parsed[-1][1]["error"]["message"]


def test_a_stream_that_stalls_ends_with_a_timeout_event(rag_corpus, chat, settings):
    settings.RAG_CHAT_TIMEOUT = 1
    chat.chunk_delay = 1.6
    parsed = events(ask({**QUESTION, "stream": True}))
    assert parsed[0][0] == "delta" and parsed[-1][0] == "error"
    error = parsed[-1][1]["error"]
    assert "did not answer within 1 s" in error["message"]
    assert error["type"] == "upstream_timeout"


def test_nothing_to_cite_answers_without_asking_the_model(rag_corpus, chat):
    body = ask({"question": "zyxwvut"}).json()
    assert body["citations"] == [] and "nothing to answer from" in body["answer"]
    assert chat.requests == []


def test_a_full_completions_url_and_no_key_are_used_as_given(
    rag_corpus, chat, settings
):
    chat.api_key = ""
    settings.RAG_CHAT_URL = f"{chat.url}/chat/completions"
    settings.RAG_CHAT_API_KEY_ENV = ""
    assert ask(QUESTION).status_code == 200
    assert chat.requests[-1]["path"] == "/v1/chat/completions"
    assert chat.requests[-1]["authorization"] is None


def test_answers_have_their_own_throttle(rag_corpus, chat, monkeypatch):
    """Answers cost a model call each: their rate is `rag`, apart from search's."""
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    cache.clear()
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {"search": "100/min", "rag": "2/min"}
    )
    codes = [ask(QUESTION).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert ask(QUESTION).json()["error"]["type"] == "rate_limit_error"
    context = APIClient().post("/api/rag/context", QUESTION, format="json")
    assert context.status_code == 200  # context is throttled as search
