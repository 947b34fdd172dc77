"""A training-free image fingerprint: a 256-bit DCT perceptual hash (pHash).

Not semantic: it finds the same picture again (re-uploads, crops of a few percent,
re-compression, resizing, small colour changes) by Hamming distance, and needs no weights,
so image → image search keeps working where no CLIP model is installed.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
from PIL import Image

from embeddings.encoders.base import Encoder

HASH_SIDE = 16  # 16 × 16 low-frequency DCT coefficients → 256 bits
SAMPLE_SIDE = 64  # image is reduced to 64 × 64 grey before the DCT


@cache
def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    matrix = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2 / n)
    matrix[0] /= np.sqrt(2)
    return matrix


def phash_bits(image: Image.Image) -> np.ndarray:
    """256 booleans: whether each low-frequency DCT coefficient is above their median."""
    grey = image.convert("L").resize(
        (SAMPLE_SIDE, SAMPLE_SIDE), Image.Resampling.LANCZOS
    )
    pixels = np.asarray(grey, dtype=np.float64)
    dct = _dct_matrix(SAMPLE_SIDE)
    coefficients = dct @ pixels @ dct.T
    low = coefficients[:HASH_SIDE, :HASH_SIDE].flatten()
    # The DC term only measures overall brightness; excluding it from the median keeps
    # the threshold about structure.
    return low > np.median(low[1:])


class FingerprintEncoder(Encoder):
    dimension = HASH_SIDE * HASH_SIDE
    description = "pHash 256-bit (DCT), CPU, no weights"

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        return (
            np.stack([phash_bits(image) for image in images])
            if images
            else np.zeros((0, self.dimension), dtype=bool)
        )
