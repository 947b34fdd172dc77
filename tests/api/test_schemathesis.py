"""Schemathesis fuzzes every operation of /api/schema/ against a live server: no server
errors, and every response matches the schema (status codes, content types, bodies)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from tests.fake_chat_server import FakeChatServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.schema]
BIN = Path(sys.executable).parent
# 12 examples per operation keep the suite's run to a few minutes; a long run for the
# record (docs/reliability.md) sets SCHEMATHESIS_MAX_EXAMPLES=200.
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12")


def test_schema_holds_under_property_based_testing(
    live_server, django_user_model, corpus, tmp_path, monkeypatch, settings
):
    from rest_framework.throttling import ScopedRateThrottle

    # Throttling is tested on its own; here it would leave most operations untested.
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {"search": "100000/min", "embeddings": "100000/min", "rag": "100000/min"},
    )
    # RAG answers from a fake chat model, so the answer endpoint is fuzzed past its 503.
    chat = FakeChatServer().start()
    settings.RAG_CHAT_URL = chat.url
    staff = django_user_model.objects.create_user("fuzzer", is_staff=True)
    key = Token.objects.create(user=staff).key
    result = subprocess.run(
        [
            str(BIN / "schemathesis"), "run", f"{live_server.url}/api/schema/",
            "--url", live_server.url,
            "--checks", "not_a_server_error,status_code_conformance,"
            "content_type_conformance,response_schema_conformance",
            "--max-examples", MAX_EXAMPLES, "--seed", "7", "--workers", "1",
            "--phases", "examples,coverage,fuzzing",
            "-H", f"Authorization: Token {key}",
            "--request-timeout", "60",
            "--report-dir", str(tmp_path),
        ],
        capture_output=True, text=True, timeout=900 * max(1, int(MAX_EXAMPLES) // 12),
    )  # fmt: skip
    chat.stop()
    print(result.stdout[-6000:])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
