"""`manage.py create_space`: registers a space, says whether its model answers, refuses
bad configuration with the form's own messages."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from embeddings.models import EmbeddingSpace, ProcessingJob
from embeddings.runtime.registry import forget
from tests.fake_model_server import free_port_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_encoders():
    forget()
    yield
    forget()


def create(name: str, urls: list[str], *extra: str) -> str:
    out = io.StringIO()
    call_command(
        "create_space", name, "--backend", "openai", "--model", "fake-embed",
        "--dimension", "32", "--modality", "text",
        "--options", json.dumps({"urls": urls, "retries": 0}), *extra, stdout=out,
    )  # fmt: skip
    return out.getvalue()


def test_a_server_space_is_created_checked_and_backfilled(fake_servers, make_item):
    server = fake_servers()
    item = make_item()

    output = create("remote", [server.url], "--backfill")

    space = EmbeddingSpace.objects.get(name="remote")
    assert (space.backend, space.state, space.available) == ("openai", "building", True)
    assert "The model answers." in output and "1 item(s) queued." in output
    assert ProcessingJob.objects.filter(item=item, space=space).exists()


def test_an_unreachable_server_is_reported_not_refused():
    output = create("later", [free_port_url()])

    space = EmbeddingSpace.objects.get(name="later")
    assert space.available is False
    assert "Unavailable for now: no endpoint of fake-embed" in output


def test_bad_options_are_refused_with_the_reason():
    with pytest.raises(CommandError, match=r"every entry of options\.urls must be"):
        create("bad", ["gpu-1:8000"])
    assert not EmbeddingSpace.objects.filter(name="bad").exists()
