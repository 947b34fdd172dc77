"""Optional second stage: re-score the fused top candidates with a cross-encoder.

Configured by RERANKER_MODEL (a local directory, `package:` path or hub-cache id, loaded
through sentence-transformers' CrossEncoder; nothing is downloaded). Without one, or when
it cannot be loaded, search keeps the fused order and says why — like any missing model.
With RERANKER_URLS set, the model is a server's /rerank instead (embeddings/runtime/rerank_client.py).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from django.conf import settings

from embeddings.encoders.base import ModelUnavailable
from embeddings.encoders.weights import force_offline_hub, resolve_weights
from embeddings.runtime.rerank_client import (
    forget_http_rerankers,
    http_reranker_configured,
    http_reranker_state,
    rerank_over_http,
)

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_loaded: dict[str, object] = {}
_failed: dict[str, str] = {}


@dataclass(frozen=True)
class RerankerStatus:
    configured: bool
    available: bool
    model: str
    reason: str = ""


def reranker_status() -> RerankerStatus:
    reference = settings.RERANKER_MODEL
    if http_reranker_configured():
        available, reason = http_reranker_state()
        return RerankerStatus(True, available, reference, reason)
    if not reference:
        return RerankerStatus(
            False, False, "", "no reranker configured (RERANKER_MODEL)"
        )
    try:
        _model(reference)
    except ModelUnavailable as exc:
        return RerankerStatus(True, False, reference, str(exc))
    return RerankerStatus(True, True, reference)


def rerank_scores(query: str, documents: list[str]) -> list[float] | None:
    """Cross-encoder relevance of each document to the query; None when unavailable."""
    reference = settings.RERANKER_MODEL
    if not reference or not query.strip() or not documents:
        return None
    if http_reranker_configured():
        try:
            return rerank_over_http(query, documents)
        except ModelUnavailable:
            return None
    try:
        model = _model(reference)
    except ModelUnavailable:
        return None
    scores = model.predict([(query, doc) for doc in documents], show_progress_bar=False)
    return [float(s) for s in scores]


def _model(reference: str):
    with _lock:
        if reference in _loaded:
            return _loaded[reference]
        if reference in _failed:
            raise ModelUnavailable(_failed[reference])
        try:
            force_offline_hub()
            path = resolve_weights(reference)
            from sentence_transformers import CrossEncoder

            model = CrossEncoder(path, device="cpu")
        except ModelUnavailable as exc:
            _failed[reference] = str(exc)
            raise
        except (
            Exception
        ) as exc:  # missing files surface as OSError, ValueError, HF errors
            _failed[reference] = (
                f"the reranker {reference!r} could not be loaded: {exc}"
            )
            raise ModelUnavailable(_failed[reference]) from exc
        _loaded[reference] = model
        logger.info("Loaded reranker %s", reference)
        return model


def forget() -> None:
    forget_http_rerankers()
    with _lock:
        _loaded.clear()
        _failed.clear()
