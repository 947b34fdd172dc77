"""An LRU of query embeddings, keyed by a SHA-256 of the space, its model and the input.

Popular queries and repeated image searches skip the model entirely; the key includes the
space's model signature (version, backend, model, weights, options), so a re-configured
model never serves stale vectors.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np

MAX_ENTRIES = 1024

_lock = threading.Lock()
_entries: OrderedDict[str, np.ndarray] = OrderedDict()
stats = {"hits": 0, "misses": 0}


def cache_key(*, space_id: int, signature: str, kind: str, payload: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(f"{space_id}:{signature}:{kind}:".encode())
    digest.update(payload)
    return digest.hexdigest()


def get(key: str) -> np.ndarray | None:
    with _lock:
        vector = _entries.get(key)
        if vector is None:
            stats["misses"] += 1
            return None
        _entries.move_to_end(key)
        stats["hits"] += 1
        return vector


def put(key: str, vector: np.ndarray) -> None:
    with _lock:
        _entries[key] = vector
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


def clear() -> None:
    with _lock:
        _entries.clear()
        stats.update(hits=0, misses=0)
