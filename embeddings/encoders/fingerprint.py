"""A training-free image fingerprint: a 256-bit DCT perceptual hash (pHash).

Not semantic: it finds the same picture again (re-uploads, re-compression, resizing,
small colour changes) by Hamming distance, and needs no weights, so image → image search
keeps working where no CLIP model is installed. Besides the whole frame, each image gets
hashes of 10 windows (`window_hashes`, stored as WindowHash rows): crops and screenshots
of a picture are found through the window they cover (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from embeddings.encoders.base import Encoder

if TYPE_CHECKING:
    from embeddings.models import EmbeddingSpace

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

    def encode_windows(self, images: Sequence[Image.Image]) -> np.ndarray:
        return (
            np.stack([window_hashes(image) for image in images])
            if images
            else np.zeros((0, len(WINDOWS), self.dimension), dtype=bool)
        )


# Windows hashed besides the whole frame, as (left, top, side) fractions of width and
# height: the centre and the four corners at 80 % and 60 % of each side. A crop of the
# picture is close in pHash to the window it mostly covers.
WINDOWS = [(0.0, 0.0, 1.0)] + [
    (left * (1 - side), top * (1 - side), side)
    for side in (0.8, 0.6)
    for left, top in ((0.5, 0.5), (0, 0), (1, 0), (0, 1), (1, 1))
]


def window_hashes(image: Image.Image) -> np.ndarray:
    """pHash bits of the whole frame and of each window in WINDOWS: (11, 256) booleans."""
    # Grey once, then crop: the same pixels phash_bits would grey per crop.
    grey = image.convert("L")
    width, height = grey.size
    crops = [
        grey.crop(
            (
                round(left * width),
                round(top * height),
                round((left + side) * width),
                round((top + side) * height),
            )
        )
        for left, top, side in WINDOWS
    ]
    return np.stack([phash_bits(crop) for crop in crops])


# Below this window distance (of 256 bits) the nearest original is taken as found: in
# bench/fingerprint.py true matches of crops, rotations and screenshots lay at 0–80 and
# unrelated pictures' nearest windows at 90–110; above it keypoints decide.
TRUSTED_WINDOW_DISTANCE = 85


# Beyond this window distance an image is not taken as a copy at all: the window branch
# leaves it out, so a picture with no copy stored adds little fingerprint noise to
# fusion. Measured by bench/fingerprint.py (2026-12-03, of 256 bits): perturbed copies
# lay at P50 44, P95 100 from their original (4.9 % beyond, mostly 20 % corner crops);
# the nearest other original at P50 94 (P5 36: dark/light twins of one wallpaper).
# A looser bound only adds non-copies; top-1 does not depend on it.
MATCH_WINDOW_DISTANCE = 100


def window_distance(query: np.ndarray, stored: np.ndarray) -> int:
    """Smallest Hamming distance between any window of one image and any of another."""
    return int((query[:, None, :] != stored[None, :, :]).sum(axis=2).min())


def from_space(space: EmbeddingSpace) -> FingerprintEncoder:
    """The backend registry's factory: a fingerprint needs nothing from the space."""
    return FingerprintEncoder()
