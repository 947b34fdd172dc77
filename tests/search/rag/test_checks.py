"""`manage.py check` reports a RAG chat setup that cannot work, and nothing when off."""

from __future__ import annotations

from search.rag.checks import check_chat_config


def ids() -> list[str]:
    return [message.id for message in check_chat_config()]


def test_answers_off_is_not_a_problem(settings):
    settings.RAG_CHAT_URL = ""
    assert ids() == []


def test_a_complete_setup_passes(settings, monkeypatch):
    monkeypatch.setenv("PORTAL_TEST_CHAT_KEY", "sk-1")
    settings.RAG_CHAT_URL = "http://127.0.0.1:8080/v1"
    settings.RAG_CHAT_MODEL = "qwen2.5"
    settings.RAG_CHAT_API_KEY_ENV = "PORTAL_TEST_CHAT_KEY"
    assert ids() == []


def test_a_bad_url_a_missing_model_and_a_missing_key_are_reported(
    settings, monkeypatch
):
    monkeypatch.delenv("PORTAL_TEST_CHAT_KEY", raising=False)
    settings.RAG_CHAT_URL = "localhost:8080/v1"
    settings.RAG_CHAT_MODEL = ""
    settings.RAG_CHAT_API_KEY_ENV = "PORTAL_TEST_CHAT_KEY"
    assert ids() == ["search.E001", "search.W001", "search.W002"]
