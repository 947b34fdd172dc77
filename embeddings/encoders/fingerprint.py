"""A training-free image fingerprint: a 256-bit DCT perceptual hash (pHash).

Not semantic: it finds the same picture again (re-uploads, re-compression, resizing,
small colour changes) by Hamming distance, and needs no weights, so image → image search
keeps working where no CLIP model is installed. Besides the whole frame, each image gets
hashes of 15 windows (`window_hashes`, stored as WindowHash rows): crops and screenshots
of a picture are found through the window they cover; a query image is also hashed
turned back by ±5° (`query_window_hashes`), so rotated copies are found too
(docs/benchmarks.md).
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

    def encode_query_windows(self, images: Sequence[Image.Image]) -> np.ndarray:
        return (
            np.stack([query_window_hashes(image) for image in images])
            if images
            else np.zeros((0, len(QUERY_WINDOWS), self.dimension), dtype=bool)
        )


Window = tuple[float, float, float]  # (left, top, side): fractions of width and height


def _level(side: float) -> list[Window]:
    """The centre and the four corners at `side` of each side of the frame."""
    anchors = ((0.5, 0.5), (0, 0), (1, 0), (0, 1), (1, 1))
    return [(left * (1 - side), top * (1 - side), side) for left, top in anchors]


# Windows hashed besides the whole frame (window 0): levels at 80 %, 60 % and 90 % of
# each side. A crop of the picture is close in pHash to the window it mostly covers, and
# a crop halfway between two levels is the farthest from both: a 20 % corner crop keeps
# 89 % of each side, which the 80 % level and the whole frame both missed (top-1 0.40 in
# bench/fingerprint.py, 1.00 with the 90 % level). The 90 % level comes last so windows
# 0–10 keep their meaning; `inputs_to_embed` re-hashes images stored with fewer windows.
# Changing the layout without changing its length needs a space version bump.
WINDOWS: list[Window] = [(0.0, 0.0, 1.0), *_level(0.8), *_level(0.6), *_level(0.9)]

# A query is also hashed turned back by these angles (degrees): a copy rotated by a few
# degrees (a phone photo of a print, a scan) moves every DCT coefficient, and no stored
# window sees through that (top-1 0.79–0.91 for ±5°). Turned back by the right angle it
# is the original again; ±5° also recovers 2.5°, 3.5° and 8° rotations (measured).
DEROTATIONS = (5.0, -5.0)
# Of a turned-back view, only the whole frame and the centre windows (90 %, 80 %): its
# corners hold the rotation's filled triangles, and fewer query windows cost less SQL.
DEROTATED_WINDOWS: list[Window] = [WINDOWS[0], _level(0.9)[0], _level(0.8)[0]]
# Turned-back views are hashed from a copy this size: rotating a full-size upload costs
# tens of ms, and pHash reduces every window to 64 × 64 anyway.
DEROTATION_SIDE = 512

QUERY_WINDOWS: list[Window] = WINDOWS + DEROTATED_WINDOWS * len(DEROTATIONS)


def _hash_windows(image: Image.Image, windows: Sequence[Window]) -> np.ndarray:
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
        for left, top, side in windows
    ]
    return np.stack([phash_bits(crop) for crop in crops])


def window_hashes(image: Image.Image) -> np.ndarray:
    """pHash bits of each window in WINDOWS (window 0: the whole frame): (16, 256)."""
    return _hash_windows(image, WINDOWS)


def derotate(image: Image.Image, degrees: float) -> Image.Image:
    """The picture a copy rotated by `degrees` (canvas expanded, as image editors and
    bench/fingerprint.py rotate) came from: turned back, cropped to the original's box
    (solved from the rotated canvas's size). For a copy not rotated it is a centre crop
    turned by the angle: a view the query's other windows cover anyway."""
    cos, sin = np.cos(np.radians(abs(degrees))), np.sin(np.radians(abs(degrees)))
    # An expanded rotation of w × h has the canvas W = w·cos + h·sin, H = w·sin + h·cos.
    determinant = cos * cos - sin * sin
    width = (image.width * cos - image.height * sin) / determinant
    height = (image.height * cos - image.width * sin) / determinant
    back = image.rotate(-degrees, resample=Image.Resampling.BICUBIC, expand=True)
    if width < 8 or height < 8:  # a thin strip: no original box to solve for
        return back
    left, top = (back.width - width) / 2, (back.height - height) / 2
    return back.crop(
        (round(left), round(top), round(left + width), round(top + height))
    )


def query_window_hashes(image: Image.Image) -> np.ndarray:
    """A query image's hashes: its WINDOWS, then DEROTATED_WINDOWS of each view turned
    back by DEROTATIONS ((16 + 3 × 2, 256) booleans, in QUERY_WINDOWS order). Stored
    images keep WINDOWS only: the query side carries the rotation search, so it needs
    no reindex and costs no storage."""
    small = image.convert("L")
    small.thumbnail((DEROTATION_SIDE, DEROTATION_SIDE), Image.Resampling.BILINEAR)
    views = [_hash_windows(derotate(small, a), DEROTATED_WINDOWS) for a in DEROTATIONS]
    return np.concatenate([window_hashes(image), *views])


# Below this window distance (of 256 bits) the nearest original is taken as found: in
# bench/fingerprint.py true matches of crops, rotations and screenshots lay at 0–80 and
# unrelated pictures' nearest windows at 90–110; above it keypoints decide.
TRUSTED_WINDOW_DISTANCE = 85


# Beyond this window distance an image is not taken as a copy at all: the window branch
# leaves it out, so a picture with no copy stored adds little fingerprint noise to
# fusion. Measured by bench/fingerprint.py (2026-12-03, of 256 bits, the query's 22
# windows against the stored 16): perturbed copies lay at P50 10, P95 63 from their
# original, 0.4 % beyond 85 (screenshots of 256-px tiles, also beyond 100); the nearest
# other original lay within 85 bits for 23 % of queries (within 100: all of them, as
# more query windows bring every picture closer). 100 suited the 11 windows of before
# (copies at P95 100). Top-1 does not depend on it while the copy is within it.
MATCH_WINDOW_DISTANCE = 85


def window_distance(query: np.ndarray, stored: np.ndarray) -> int:
    """Smallest Hamming distance between any window of one image and any of another."""
    return int((query[:, None, :] != stored[None, :, :]).sum(axis=2).min())


def from_space(space: EmbeddingSpace) -> FingerprintEncoder:
    """The backend registry's factory: a fingerprint needs nothing from the space."""
    return FingerprintEncoder()
