"""Load each space's encoder once per process and record whether it could be loaded.

Which class builds a backend's encoder is the backend registry's business (`backends`);
whether the loaded model is the one that made the space's vectors, `model_identity`'s."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable

from django.utils import timezone

from embeddings.encoders.base import Encoder, ModelUnavailable
from embeddings.models import EmbeddingSpace
from embeddings.runtime.backends import build_encoder
from embeddings.runtime.model_identity import check_loaded_model, matches_recorded

logger = logging.getLogger(__name__)

# How long a failed load is remembered before trying again (weights may appear).
UNAVAILABLE_RETRY_SECONDS = 60

_lock = threading.Lock()
_encoders: dict[str, Encoder] = {}
# The exception is kept so that a cached misconfiguration is raised as one again.
_failures: dict[str, tuple[float, ModelUnavailable]] = {}


def get_encoder(space: EmbeddingSpace) -> Encoder:
    """The loaded encoder for `space`, or ModelUnavailable with the reason (ModelChanged
    when the model is not the one that made the space's stored vectors)."""
    key = _cache_key(space)
    with _lock:
        cached = _encoders.get(key)
        if cached is not None:
            if matches_recorded(space=space, encoder=cached):
                return cached
            # The space now records another model (re-embedded for the one on disk by
            # another process): load again instead of mixing this one in.
            del _encoders[key]
        failed = _failures.get(key)
        if failed and time.monotonic() - failed[0] < UNAVAILABLE_RETRY_SECONDS:
            raise type(failed[1])(str(failed[1]))
        try:
            encoder = build_encoder(space)
            check_loaded_model(space=space, encoder=encoder)
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


def probe_spaces_at_start(spaces: Iterable[EmbeddingSpace]) -> dict[str, str]:
    """Load each space's model once and drop it again, as a worker starts: availability
    and a model changed under a space's vectors are recorded before any job runs (the
    processes that do the work load their own copies). Returns why spaces failed."""
    failed: dict[str, str] = {}
    for space in spaces:
        try:
            if not probe_space(space):
                failed[space.name] = space.unavailable_reason
        except Exception as exc:  # a broken model must not stop a worker from starting
            failed[space.name] = f"{type(exc).__name__}: {exc}"
        finally:
            forget(space)
    return failed


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
