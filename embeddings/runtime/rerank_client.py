"""A reranker served over HTTP: the `/rerank` shape of vLLM, infinity, Jina and Cohere.

Request `{"model", "query", "documents": [...]}`; answer `{"results": [{"index",
"relevance_score"}]}`. TEI's native `/rerank` takes `texts` and answers a bare list of
`{"index", "score"}`: set RERANKER_DOCUMENTS_FIELD=texts, both answers are read. Replicas,
retries and the circuit breaker are the embedding spaces' (embeddings/runtime/replicas.py).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from django.conf import settings

from embeddings.encoders.base import ModelUnavailable
from embeddings.runtime.replicas import ProviderRejectedInput, ReplicaPool

_lock = threading.Lock()
_pools: dict[tuple, ReplicaPool] = {}


@dataclass(frozen=True)
class HttpRerankerConfig:
    urls: tuple[str, ...]
    model: str
    api_key_env: str
    timeout: float
    documents_field: str

    @classmethod
    def from_settings(cls) -> HttpRerankerConfig:
        return cls(
            urls=tuple(settings.RERANKER_URLS),
            model=settings.RERANKER_MODEL,
            api_key_env=settings.RERANKER_API_KEY_ENV,
            timeout=float(settings.RERANKER_TIMEOUT),
            documents_field=settings.RERANKER_DOCUMENTS_FIELD,
        )


def http_reranker_configured() -> bool:
    return bool(settings.RERANKER_URLS)


def http_reranker_state() -> tuple[bool, str]:
    """(available, reason): unavailable while its circuit is open or its key is missing.

    No request is made: search asks this on every query, and a real call follows anyway.
    """
    try:
        pool = _pool(HttpRerankerConfig.from_settings())
    except ModelUnavailable as exc:
        return False, str(exc)
    if pool.is_open and pool.open_reason:
        return False, pool.open_reason
    return True, ""


def rerank_over_http(query: str, documents: list[str]) -> list[float]:
    """Relevance of each document to the query, in document order.

    Raises ModelUnavailable when no replica answers.
    """
    config = HttpRerankerConfig.from_settings()
    try:
        answer = _pool(config).post_json(
            "/rerank",
            {"model": config.model, "query": query, config.documents_field: documents},
        )
    except ProviderRejectedInput as exc:
        # Search then keeps the fused order, as for any reranker that cannot help.
        raise ModelUnavailable(str(exc)) from exc
    rows = answer.get("results") if isinstance(answer, dict) else answer
    if not isinstance(rows, list) or len(rows) != len(documents):
        raise ModelUnavailable(
            f"the reranker {config.model} answered {len(rows) if isinstance(rows, list) else 'no'}"
            f" scores for {len(documents)} documents"
        )
    scores = [0.0] * len(documents)
    for row in rows:
        score = row.get("relevance_score", row.get("score"))
        scores[int(row["index"])] = float(score)
    return scores


def forget_http_rerankers() -> None:
    with _lock:
        _pools.clear()


def _pool(config: HttpRerankerConfig) -> ReplicaPool:
    with _lock:
        pool = _pools.get(_key(config))
        if pool is not None:
            return pool
    api_key = ""
    if config.api_key_env:
        api_key = os.environ.get(config.api_key_env, "")
        if not api_key:
            raise ModelUnavailable(
                f"the environment variable {config.api_key_env} (the reranker's API "
                "key) is not set"
            )
    pool = ReplicaPool(
        name=f"reranker {config.model}",
        urls=list(config.urls),
        api_key=api_key,
        timeout=config.timeout,
        # A search waits for this: one quick second round, not the workers' patience.
        retries=1,
        backoff=0.2,
    )
    with _lock:
        return _pools.setdefault(_key(config), pool)


def _key(config: HttpRerankerConfig) -> tuple:
    return (config.urls, config.model, config.api_key_env, config.timeout)
